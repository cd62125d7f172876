package t

ok if every x in input.list { x >= 0 }

mocked := r if r := count([1, 2]) with count as 7

patched := input.a.b with input.a.b as 3
