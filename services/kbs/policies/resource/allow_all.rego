# ccakit kbs: every verified token may read resources (plugin "resource"
# only, as Trustee's allow_all); other plugins are refused.
package policy

import rego.v1

default allow := false

allow if data.plugin == "resource"
