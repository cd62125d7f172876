package p
x := {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | {a: y | z, 1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}
