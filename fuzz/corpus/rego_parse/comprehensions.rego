package t

xs := [x | some x in input.list; x > 1]
ys := {k: v | some k, v in input.obj}
zs := {y | y := xs[_] + 1}
msg := sprintf("%d items: %v", [count(xs), xs])
tpl := $"{count(xs)} and {[1, 2]}"
