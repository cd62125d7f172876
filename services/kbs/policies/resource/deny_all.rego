# ccakit kbs: nothing is released to anyone.
package policy

import rego.v1

default allow := false
