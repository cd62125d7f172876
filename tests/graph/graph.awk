# The module-graph check proper (run by check.sh, which collects the
# facts). Input lines:
#   G <line of cmake/modules.txt, comments removed>
#   M <line of the build's modules.manifest>
#   H <header>  F <C source>          files of the module directories,
#                                     and the headers the build generates
#   I <file> <line> <"x.h" or <x.h>>  an #include
#   D <module> <symbol>               defined by the module's objects
#   U <module> <symbol>               used (undefined) by them
#   Y <syslib> <symbol>  S <syslib> <soname>   the system libraries
#   C <symbol>                        the C library's symbols
#   N <soname>                        what libccakit.so needs
#   X <problem...>                    something check.sh could not find
# mode=check: print every violation, exit 1 if any is not a known one.
# mode=docs: print the module diagram for docs/architecture.md.
# POSIX awk (mawk): no gawk extensions.

function err(msg) {
	# stderr: the docs mode's stdout is the generated block
	print "module-graph: " msg > "/dev/stderr"
	nerr++
}

# A violation of the layering by the declared graph: an error unless
# cmake/modules.txt lists its key as `known`.
function violation(key, msg) {
	if (key in vseen)
		return
	vseen[key] = 1
	if (key in known) {
		print "module-graph: known violation (" key "): " msg > "/dev/stderr"
		return
	}
	err(msg " [" key "]")
}

function dirname(p,    i) {
	for (i = length(p); i > 0 && substr(p, i, 1) != "/"; i--)
		;
	return i > 1 ? substr(p, 1, i - 1) : "."
}

function basename(p,    i) {
	for (i = length(p); i > 0 && substr(p, i, 1) != "/"; i--)
		;
	return substr(p, i + 1)
}

# lib/ 0, services/common and services/state 1, a service 2, tools and
# benches 3.
function layer(m,    d) {
	d = dir[m]
	if (d ~ /^lib\//)
		return 0
	if (d ~ /^services\/(common|state)(\/|$)/)
		return 1
	if (d ~ /^services\//)
		return 2
	return 3
}

function topdir(m,    d, n, p) {
	n = split(dir[m], p, "/")
	return n >= 2 ? p[1] "/" p[2] : p[1]
}

function note_use(m, t, why) {
	if (m == t || t == "")
		return
	if (!((m, t) in use)) {
		use[m, t] = why
		nuse[m] = nuse[m] " " t
	}
}

function note_sys(m, s, why) {
	if (!((m, s) in suse)) {
		suse[m, s] = why
		nsuse[m] = nsuse[m] " " s
	}
}

# The system library a <header> belongs to, "" for the C library's.
function sys_of_header(h) {
	if (h ~ /^openssl\//) return "crypto"
	if (h == "jansson.h") return "jansson"
	if (h == "zlib.h") return "zlib"
	if (h == "sqlite3.h") return "sqlite3"
	if (h == "microhttpd.h") return "mhd"
	if (h ~ /^gnutls\//) return "gnutls"
	if (h ~ /^curl\//) return "curl"
	if (h ~ /^nettle\/(ecc|ecc-curve|ecdsa|dsa|rsa|bignum|curve25519|curve448|eddsa|gostdsa|pgp|pkcs1|sexp)\.h$/)
		return "hogweed"
	if (h ~ /^nettle\//) return "nettle"
	if (h == "gmp.h") return "gmp"
	if (h == "yaml.h") return "yaml"
	if (h == "pcre2.h") return "pcre2"
	if (h == "libpq-fe.h") return "pq"
	if (h ~ /^p11-kit\//) return "p11kit"
	if (h == "pthread.h") return "threads"
	if (h == "cmocka.h") return "cmocka"
	return ""
}

# The file a quoted include names, as the compiler would find it (the
# includer's directory, lib/, include/), else a header of that name in
# some module directory; "" if none.
function resolve(file, name,    p) {
	p = dirname(file) "/" name
	if (p in hfile) return p
	p = src "/lib/" name
	if (p in hfile) return p
	p = src "/include/" name
	if (p in hfile) return p
	if (index(name, "/") == 0 && (name in hbase) && hbase[name] != "?")
		return hbase[name]
	return ""
}

# Tarjan's strongly connected components over the declared graph.
function scc(v,    i, n, w, parts, c, members) {
	idx[v] = low[v] = ++counter
	stack[++sp] = v
	onstack[v] = 1
	n = split(ulist[v], parts, " ")
	for (i = 1; i <= n; i++) {
		w = parts[i]
		if (!(w in idx)) {
			scc(w)
			if (low[w] < low[v]) low[v] = low[w]
		} else if (onstack[w] && idx[w] < low[v]) {
			low[v] = idx[w]
		}
	}
	if (low[v] == idx[v]) {
		members = ""
		c = 0
		do {
			w = stack[sp--]
			onstack[w] = 0
			members = members " " w
			c++
		} while (w != v)
		if (c > 1 || ((v, v) in uses))
			cycle(members)
	}
}

function cycle(members,    n, p, i, j, t, key) {
	n = split(members, p, " ")
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if (p[j] < p[i]) { t = p[i]; p[i] = p[j]; p[j] = t }
	key = "cycle"
	for (i = 1; i <= n; i++)
		key = key " " p[i]
	violation(key, "the modules" substr(key, 6) " depend on each other")
}

# Words of text wrapped to width: the first line after first, the others
# after pad.
function wrap(text, width, first, pad,    n, w, i, line, out) {
	n = split(text, w, " ")
	line = ""
	out = ""
	for (i = 1; i <= n; i++) {
		if (line != "" && length(line) + 1 + length(w[i]) > width) {
			out = out first line "\n"
			first = pad
			line = w[i]
		} else {
			line = line == "" ? w[i] : line " " w[i]
		}
	}
	if (line != "")
		out = out first line "\n"
	return out
}

$1 == "G" {
	k = $2
	if (k == "lib" || k == "static" || k == "program") {
		cur = $3
		order[++nmods] = cur
		kind[cur] = k
		dir[cur] = $4
		ulist[cur] = ""
		slist[cur] = ""
	} else if (k == "uses") {
		for (i = 3; i <= NF; i++) {
			uses[cur, $i] = 1
			ulist[cur] = ulist[cur] " " $i
		}
	} else if (k == "system") {
		for (i = 3; i <= NF; i++) {
			sys[cur, $i] = 1
			slist[cur] = slist[cur] " " $i
		}
	} else if (k == "headers") {
		for (i = 3; i <= NF; i++) {
			if (kind[cur] == "lib") {
				if ($i in pubowner)
					err("public header " $i " claimed by " \
					    pubowner[$i] " and " cur)
				pubowner[$i] = cur
			} else {
				hdecl[dir[cur] "/" $i] = cur
			}
		}
	} else if (k == "about") {
		t = $0
		sub(/^G[ \t]+about[ \t]+/, "", t)
		about[cur] = about[cur] == "" ? t : about[cur] " " t
	} else if (k == "known") {
		t = $0
		sub(/^G[ \t]+known[ \t]+/, "", t)
		gsub(/[ \t]+/, " ", t)
		known[t] = 1
	}
	next
}
$1 == "M" && $2 == "src" { srcof[$4] = $3; next }
$1 == "M" && $2 == "module" { built[$3] = 1; next }
$1 == "M" && $2 == "gen" { genof[$4] = $3; next }
$1 == "H" {
	hfile[$2] = 1
	b = basename($2)
	if (b in hbase)
		hbase[b] = "?"
	else
		hbase[b] = $2
	next
}
$1 == "F" { cfile[$2] = 1; next }
$1 == "I" { ni++; ifile[ni] = $2; iline[ni] = $3; itok[ni] = $4; next }
$1 == "D" {
	if (kind[$2] == "program") {
		progdef[$2, $3] = 1
		next
	}
	if (($3 in def) && def[$3] != $2)
		err("symbol " $3 " is defined by both " def[$3] " and " $2)
	def[$3] = $2
	next
}
$1 == "U" { nu++; umod[nu] = $2; usym[nu] = $3; next }
$1 == "Y" { if (!($3 in ysym)) ysym[$3] = $2; next }
$1 == "C" { csym[$2] = 1; next }
$1 == "S" { soname[$3] = $2; next }
$1 == "N" { nneeded++; needed[nneeded] = $2; next }
$1 == "X" { err("not found: " $2 " " $3 " " $4); next }

END {
	srcdir_len = length(src) + 2
	for (i = 1; i <= nmods; i++) {
		m = order[i]
		if (kind[m] == "lib") {
			if ((dir[m] in libdir))
				err("lib modules " libdir[dir[m]] " and " m \
				    " share " dir[m])
			libdir[dir[m]] = m
		}
	}

	if (mode == "docs") {
		print "```"
		last = -1
		title[0] = "lib/ (libccakit.so and libccakit.a: no network, no SQLite)"
		title[1] = "services/common (what the services and tools share)"
		title[2] = "services/<service>"
		title[3] = "tools/ and bench/"
		pad = sprintf("%23s", "")
		for (l = 3; l >= 0; l--) {
			print " " title[l]
			for (i = 1; i <= nmods; i++) {
				m = order[i]
				if (layer(m) != l)
					continue
				t = about[m]
				if (kind[m] == "program") t = "(program) " t
				printf "%s", wrap(t, 55, sprintf("   %-20s", m), pad)
				u = ulist[m]
				sub(/^ /, "", u)
				sl = slist[m]
				sub(/^ /, "", sl)
				line = ""
				if (u != "") line = "uses " u
				if (sl != "") line = line (line != "" ? "; " : "") "system " sl
				if (line != "")
					printf "%s", wrap(line, 55, pad, pad "  ")
			}
		}
		print "```"
		exit 0
	}

	# Every declared module is built (CMake checks it too).
	for (i = 1; i <= nmods; i++)
		if (!(order[i] in built))
			err("module " order[i] " is declared but not built")

	# Owners of the headers: public ones by the graph, the others by
	# their directory's module (the one declaring it, the only one
	# there, or the one with the .c of the same name).
	for (p in hfile) {
		if (p in genof) {       # generated in the build (embed.cmake)
			owner[p] = genof[p]
			continue
		}
		rel = substr(p, srcdir_len)
		if (rel ~ /^include\/ccakit\//) {
			b = basename(p)
			if (b == "ccakit.h")
				continue
			if (!(b in pubowner))
				err("public header " rel " belongs to no lib module " \
				    "(headers in cmake/modules.txt)")
			else
				owner[p] = pubowner[b]
			continue
		}
		d = dirname(rel)
		if ((d "/" basename(p)) in hdecl) {
			owner[p] = hdecl[d "/" basename(p)]
			continue
		}
		n = 0
		for (i = 1; i <= nmods; i++)
			if (dir[order[i]] == d) { n++; cand = order[i] }
		if (n == 1) {
			owner[p] = cand
			continue
		}
		c = p
		sub(/\.h$/, ".c", c)
		if (c in srcof) {
			owner[p] = srcof[c]
			continue
		}
		err(rel ": no module owns this header (headers in cmake/modules.txt)")
	}
	for (b in pubowner)
		if (!((src "/include/ccakit/" b) in hfile) && b != "version.h")
			err("public header " b " of " pubowner[b] " does not exist")

	# Every C source of a module directory is built by a module.
	for (p in cfile)
		if (!(p in srcof))
			err(substr(p, srcdir_len) ": in a module directory but " \
			    "no module builds it")

	# Includes.
	for (i = 1; i <= ni; i++) {
		f = ifile[i]
		if (f in srcof) m = srcof[f]
		else if (f in owner) m = owner[f]
		else continue
		tok = itok[i]
		name = substr(tok, 2, length(tok) - 2)
		where = substr(f, srcdir_len) ":" iline[i] ": #include " tok
		if (name ~ /^ccakit\//) {
			b = substr(name, 8)
			if (b == "ccakit.h") {
				violation("umbrella " m, where ": module " m \
				    " includes the umbrella header; include " \
				    "the headers of the modules it uses")
				continue
			}
			if (!(b in pubowner)) {
				err(where ": unknown public header")
				continue
			}
			note_use(m, pubowner[b], where)
			continue
		}
		if (substr(tok, 1, 1) == "<") {
			s = sys_of_header(name)
			if (s != "")
				note_sys(m, s, where)
			continue
		}
		p = resolve(f, name)
		if (p == "") {
			err(where ": cannot tell which module this header is")
			continue
		}
		if (p in owner)
			note_use(m, owner[p], where)
	}

	# Symbols.
	for (i = 1; i <= nu; i++) {
		m = umod[i]
		s = usym[i]
		if ((m, s) in progdef)
			continue
		if (s in def) {
			note_use(m, def[s], "symbol " s)
		} else if (s ~ /^pthread_/) {
			note_sys(m, "threads", "symbol " s)
		} else if ((s in ysym) && !(s in csym)) {
			note_sys(m, ysym[s], "symbol " s)
		}
	}

	# What is used is declared, and what is declared is used.
	for (i = 1; i <= nmods; i++) {
		m = order[i]
		n = split(nuse[m], parts, " ")
		for (j = 1; j <= n; j++)
			if (!((m, parts[j]) in uses))
				err(m " uses " parts[j] " (" use[m, parts[j]] \
				    "), which cmake/modules.txt does not declare")
		n = split(ulist[m], parts, " ")
		for (j = 1; j <= n; j++)
			if (!((m, parts[j]) in use))
				err(m " declares 'uses " parts[j] "' but uses " \
				    "nothing of it")
		n = split(nsuse[m], parts, " ")
		for (j = 1; j <= n; j++)
			if (!((m, parts[j]) in sys))
				err(m " uses the system library " parts[j] " (" \
				    suse[m, parts[j]] "), which cmake/modules.txt " \
				    "does not declare")
		n = split(slist[m], parts, " ")
		for (j = 1; j <= n; j++)
			if (!((m, parts[j]) in suse))
				err(m " declares 'system " parts[j] "' but uses " \
				    "nothing of it")
	}

	# The layering: downwards only, no cycle, libccakit without the
	# services' system libraries.
	split("crypto jansson zlib nettle hogweed gmp yaml pcre2 threads m", lsn)
	for (j in lsn) libsys[lsn[j]] = 1
	for (i = 1; i <= nmods; i++) {
		m = order[i]
		n = split(ulist[m], parts, " ")
		for (j = 1; j <= n; j++) {
			u = parts[j]
			if (kind[u] == "program")
				violation("program " m " " u, m " uses the program " u)
			else if (layer(u) > layer(m))
				violation("upwards " m " " u, m " (" dir[m] ") uses " \
				    u " (" dir[u] "), a higher layer")
			else if (layer(u) == 2 && layer(m) == 2 && \
			    topdir(u) != topdir(m))
				violation("across " m " " u, "the service module " m \
				    " uses " u " of another service")
		}
		if (kind[m] == "lib") {
			n = split(slist[m], parts, " ")
			for (j = 1; j <= n; j++)
				if (!(parts[j] in libsys))
					violation("system " m " " parts[j], "lib module " \
					    m " uses " parts[j] ", which only services " \
					    "and tools may use")
		}
	}
	for (i = 1; i <= nmods; i++)
		if (!(order[i] in idx))
			scc(order[i])

	# libccakit.so needs only the system libraries of the lib modules.
	for (i = 1; i <= nmods; i++) {
		m = order[i]
		if (kind[m] != "lib")
			continue
		n = split(slist[m], parts, " ")
		for (j = 1; j <= n; j++)
			libneeds[parts[j]] = 1
	}
	for (i = 1; i <= nneeded; i++) {
		so = needed[i]
		if (so ~ /^(libc\.so|ld-linux)/ || ((so in soname) && \
		    (soname[so] in libneeds)))
			continue
		violation("needed " so, "libccakit.so needs " so \
		    ((so in soname) ? " (" soname[so] ")" : "") \
		    ", which no lib module declares")
	}

	for (k in known)
		if (!(k in vseen))
			err("'known " k "' in cmake/modules.txt: that violation " \
			    "no longer occurs; remove the line")
	if (nerr > 0) {
		print "module-graph: " nerr " problem(s)"
		exit 1
	}
	print "module-graph: " nmods " modules, " ni " includes and " nu \
	    " symbol references keep to cmake/modules.txt"
}
