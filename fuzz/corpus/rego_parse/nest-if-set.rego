package p
x if {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | {y | }}}}}}}}}}}}}}}}}}}}}}}}}}}}}}
