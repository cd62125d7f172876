package t

p := [1, {2: "a"
