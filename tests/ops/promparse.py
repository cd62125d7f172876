"""A strict parser of the Prometheus text exposition format, version 0.0.4.

parse(text) returns {family: Family} or raises ParseError naming the line.
Stricter than Prometheus itself where the format leaves room: every line
ends with a newline (the last one too), no blank lines, no carriage
returns; HELP and TYPE at most once per family and before its samples,
TYPE given for every family; a family's samples contiguous; no series
twice; label names and metric names to the grammar, only the three
escapes of label values (\\\\, \\", \\n) and of HELP (\\\\, \\n); counter
values finite and >= 0; histograms whole: a "le" on every bucket, the
bounds increasing and ending with +Inf, cumulative counts not
decreasing, +Inf equal to _count, _sum present, per label set.

python3 promparse.py --self-test checks the parser itself on good and
bad texts; python3 promparse.py FILE parses FILE (exit 1 on an error).
"""

import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")


class ParseError(Exception):
    pass


class Family:
    def __init__(self, name):
        self.name = name
        self.help = None
        self.type = None
        self.samples = []       # (sample name, labels dict, value)

    def get(self, suffix="", **labels):
        """The value of the sample name+suffix with exactly these labels."""
        for n, lab, v in self.samples:
            if n == self.name + suffix and lab == labels:
                return v
        raise KeyError("%s%s%s" % (self.name, suffix, labels))

    def series(self, suffix=""):
        return [(lab, v) for n, lab, v in self.samples
                if n == self.name + suffix]


def value(s, where):
    if s in ("+Inf", "Inf"):
        return math.inf
    if s == "-Inf":
        return -math.inf
    if s == "NaN":
        return math.nan
    if not FLOAT.match(s):
        raise ParseError("%s: not a number: %r" % (where, s))
    return float(s)


def unescape(s, quote, where):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if i + 1 >= len(s):
                raise ParseError("%s: a lone backslash" % where)
            n = s[i + 1]
            if n == "\\":
                out.append("\\")
            elif n == "n":
                out.append("\n")
            elif n == '"' and quote:
                out.append('"')
            else:
                raise ParseError("%s: unknown escape \\%s" % (where, n))
            i += 2
            continue
        if quote and c == '"':
            raise ParseError("%s: unescaped quote" % where)
        if c == "\n":
            raise ParseError("%s: newline" % where)
        out.append(c)
        i += 1
    return "".join(out)


def labels_of(s, where):
    """Parse 'a="x",b="y"' (the braces' inside); a trailing comma is
    allowed, as the format says."""
    labels, i = {}, 0
    while i < len(s):
        m = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"").match(s, i)
        if not m:
            raise ParseError("%s: bad label at %r" % (where, s[i:]))
        name = m.group(1)
        i = m.end()
        j = i
        while True:
            if j >= len(s):
                raise ParseError("%s: unterminated label value" % where)
            if s[j] == "\\":
                j += 2
                continue
            if s[j] == '"':
                break
            j += 1
        if name in labels:
            raise ParseError("%s: label %s twice" % (where, name))
        if name.startswith("__"):
            raise ParseError("%s: reserved label name %s" % (where, name))
        labels[name] = unescape(s[i:j], True, where)
        i = j + 1
        if i < len(s):
            if s[i] != ",":
                raise ParseError("%s: expected a comma at %r" % (where,
                                                                s[i:]))
            i += 1
    return labels


def family_of(sample, families):
    """The family a sample name belongs to (histogram/summary suffixes)."""
    for suffix in ("_bucket", "_sum", "_count"):
        if sample.endswith(suffix):
            base = sample[:-len(suffix)]
            f = families.get(base)
            if f is not None and f.type in ("histogram", "summary"):
                if suffix == "_bucket" and f.type == "summary":
                    break
                return base
    return sample


def parse(text):
    if text == "":
        return {}
    if "\r" in text:
        raise ParseError("a carriage return")
    if not text.endswith("\n"):
        raise ParseError("the last line has no newline")
    families, order, done = {}, [], set()
    seen = set()
    current = None
    for no, line in enumerate(text[:-1].split("\n"), 1):
        where = "line %d" % no
        if line == "":
            raise ParseError("%s: a blank line" % where)
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[0] == "#" and \
                    parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not NAME.match(name):
                    raise ParseError("%s: bad metric name %r" % (where,
                                                                 name))
                f = families.get(name)
                if f is None:
                    f = families[name] = Family(name)
                    order.append(name)
                if name in done or f.samples:
                    raise ParseError("%s: %s of %s after its samples" %
                                     (where, parts[1], name))
                rest = parts[3] if len(parts) == 4 else ""
                if parts[1] == "HELP":
                    if f.help is not None:
                        raise ParseError("%s: HELP of %s twice" %
                                         (where, name))
                    f.help = unescape(rest, False, where)
                else:
                    if f.type is not None:
                        raise ParseError("%s: TYPE of %s twice" %
                                         (where, name))
                    if rest not in TYPES:
                        raise ParseError("%s: unknown type %r" % (where,
                                                                  rest))
                    f.type = rest
                if current is not None and current != name:
                    done.add(current)
                current = name
                continue
            if not line.startswith("# "):
                raise ParseError("%s: a comment must start '# '" % where)
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)"
                     r"( (-?\d+))?\Z", line)
        if not m:
            raise ParseError("%s: not a sample: %r" % (where, line))
        sname = m.group(1)
        labels = labels_of(m.group(3), where) if m.group(2) else {}
        v = value(m.group(4), where)
        fname = family_of(sname, families)
        f = families.get(fname)
        if f is None:
            raise ParseError("%s: %s has no TYPE" % (where, sname))
        if fname in done:
            raise ParseError("%s: the samples of %s are not together" %
                             (where, fname))
        if current is not None and current != fname:
            done.add(current)
        current = fname
        key = (sname, tuple(sorted(labels.items())))
        if key in seen:
            raise ParseError("%s: series %s%s twice" % (where, sname,
                                                         labels))
        seen.add(key)
        if f.type == "counter" and not (v >= 0 and math.isfinite(v)):
            raise ParseError("%s: counter %s is %r" % (where, sname, v))
        if f.type == "histogram":
            if sname.endswith("_bucket") != ("le" in labels):
                raise ParseError("%s: le on %s" % (where, sname))
            if "le" in labels:
                value(labels["le"], where)
        elif "le" in labels and f.type != "untyped":
            raise ParseError("%s: le on a %s" % (where, f.type))
        f.samples.append((sname, labels, v))
    for name in order:
        f = families[name]
        if f.type is None:
            raise ParseError("%s has HELP but no TYPE" % name)
        if f.type == "histogram":
            check_histogram(f)
    return families


def check_histogram(f):
    groups = {}
    for n, lab, v in f.samples:
        rest = tuple(sorted((k, x) for k, x in lab.items() if k != "le"))
        g = groups.setdefault(rest, {"buckets": [], "sum": None,
                                     "count": None})
        if n == f.name + "_bucket":
            g["buckets"].append((value(lab["le"], f.name), v))
        elif n == f.name + "_sum":
            g["sum"] = v
        elif n == f.name + "_count":
            g["count"] = v
        else:
            raise ParseError("%s: sample %s" % (f.name, n))
    for rest, g in groups.items():
        b = g["buckets"]
        what = "%s%s" % (f.name, dict(rest))
        if not b or b[-1][0] != math.inf:
            raise ParseError("%s: no +Inf bucket last" % what)
        for (b0, c0), (b1, c1) in zip(b, b[1:]):
            if not b1 > b0:
                raise ParseError("%s: bounds not increasing" % what)
            if c1 < c0:
                raise ParseError("%s: counts decrease" % what)
        if g["count"] is None or g["sum"] is None:
            raise ParseError("%s: no _count or no _sum" % what)
        if b[-1][1] != g["count"]:
            raise ParseError("%s: +Inf bucket %r != _count %r" %
                             (what, b[-1][1], g["count"]))


GOOD = """\
# HELP a_total A counter\\nwith \\\\ two lines
# TYPE a_total counter
a_total{x="1",y="q\\"uo\\\\te\\n"} 3
a_total{x="2"} 0
# TYPE g gauge
g NaN
g{s="t",} -1.5e3
# HELP h Latency
# TYPE h histogram
h_bucket{r="/",le="0.5"} 1
h_bucket{r="/",le="+Inf"} 2
h_sum{r="/"} 1.25
h_count{r="/"} 2
# a comment
"""

BAD = {
    "no newline at the end": "# TYPE a counter\na 1",
    "blank line": "# TYPE a counter\n\na 1\n",
    "no TYPE": "a 1\n",
    "TYPE twice": "# TYPE a counter\n# TYPE a counter\na 1\n",
    "TYPE after samples": "# TYPE a counter\na 1\n# HELP a x\n",
    "split family": "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\n",
    "series twice": "# TYPE a gauge\na 1\na 2\n",
    "bad escape": "# TYPE a gauge\na{x=\"\\t\"} 1\n",
    "bad name": "# TYPE 1a gauge\n",
    "bad label": "# TYPE a gauge\na{1x=\"y\"} 1\n",
    "label twice": "# TYPE a gauge\na{x=\"y\",x=\"z\"} 1\n",
    "unquoted": "# TYPE a gauge\na{x=y} 1\n",
    "negative counter": "# TYPE a counter\na -1\n",
    "NaN counter": "# TYPE a counter\na NaN\n",
    "bad number": "# TYPE a gauge\na one\n",
    "unknown type": "# TYPE a gauges\na 1\n",
    "crlf": "# TYPE a gauge\r\na 1\r\n",
    "no +Inf": "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
    "decreasing": ("# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
                   "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"),
    "count mismatch": ("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\n"
                       "h_sum 1\nh_count 1\n"),
    "no sum": "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
    "le on a gauge": "# TYPE g gauge\ng{le=\"1\"} 1\n",
    "bucket without le": "# TYPE h histogram\nh_bucket 1\n",
    "comment without space": "#TYPE a gauge\n",
    "trailing garbage": "# TYPE a gauge\na 1 2 3\n",
}


def self_test():
    passed = failed = 0
    fams = parse(GOOD)
    checks = [
        fams["a_total"].help == "A counter\nwith \\ two lines",
        fams["a_total"].get(x="1", y='q"uo\\te\n') == 3,
        math.isnan(fams["g"].get()),
        fams["g"].get(s="t") == -1500,
        fams["h"].get("_count", r="/") == 2,
    ]
    for i, c in enumerate(checks):
        if c:
            passed += 1
        else:
            failed += 1
            print("not ok - good text, check %d" % i)
    for what, text in BAD.items():
        try:
            parse(text)
        except ParseError:
            passed += 1
        else:
            failed += 1
            print("not ok - accepted: %s" % what)
    print("%d passed, %d failed" % (passed, failed))
    return failed == 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(0 if self_test() else 1)
    with open(sys.argv[1]) as fh:
        try:
            fams = parse(fh.read())
        except ParseError as e:
            print("parse error: %s" % e)
            sys.exit(1)
    print("%d families" % len(fams))
