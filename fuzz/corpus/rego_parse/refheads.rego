package t

p[q].r := i if q := ["a", "b"][i]

s contains x if some x in numbers.range(1, 3)

f(x) := y if { y := x * 2 } else := 0
