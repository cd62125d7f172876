package t

p if q
q if p
