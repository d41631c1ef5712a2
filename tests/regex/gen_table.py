#!/usr/bin/env python3
"""Records what PCRE2 (pcre2test, Debian's pcre2-utils, as keepalived 2.2.7 links it) says of
each case below, with PCRE2_PARTIAL_HARD as keepalived matches: the table the unit tests of
src/core/regex hold our matcher to.

    tests/regex/gen_table.py > src/core/regex/pcre2_table.txt

Line format (tab separated): pattern, options (comma list or -), subject, outcome; outcome is
`match:TEXT`, `partial:TEXT`, `nomatch` or `error`. Pattern, subject and TEXT write bytes
outside printable ASCII, and `%`, as %HH.
"""
import subprocess
import sys

# (pattern, options, [subjects])
CASES = [
    ("OK", "", ["xOK ", "ok", "O", "", "abc", "OOK"]),
    ("OK\\d*", "", ["xOK5", "xOK5 ", "xOK", "OK12x"]),
    ("OK$", "", ["status OK", "status OK\n", "OK\nmore", "OKx"]),
    ("OK$", "multiline", ["a OK\nb", "OK", "xOKy\n"]),
    ("^OK", "", ["OK", "aOK", "\nOK"]),
    ("^OK", "multiline", ["a\nOK", "a\nOKx", "aOK"]),
    ("x*", "", ["", "abc", "xxa"]),
    ("\\bOK\\b", "", ["OK", "xOK ", "a OK b", "a OK"]),
    ("\\Bk\\B", "", ["oks", "k", "ok "]),
    ("a|ab", "", ["xab", "xa"]),
    ("ab|a", "", ["xa", "xab", "xac"]),
    ("[^x]+", "", ["abc", "abcx"]),
    ("[a-c]+z", "", ["xxabcabz", "abc"]),
    ("[]a]+", "", ["x]a]b"]),
    ("[^]a]+", "", ["]]bc]"]),
    ("[a-]+", "", ["x-a-b"]),
    ("[\\d.]+ ms", "", ["took 12.5 ms", "took ms"]),
    ("[[:alpha:]]+[[:digit:]]", "", ["..abc1", "abc"]),
    ("[[:^space:]]+", "", ["  ab  "]),
    ("\\d{3}", "", ["ab1234", "12a"]),
    ("\\d{2,3}x", "", ["1234x", "1x", "12x"]),
    ("\\d{2,}x", "", ["12345x", "1x"]),
    ("a{,3}", "", ["a{,3}", "aaa"]),
    ("a{x", "", ["a{x"]),
    ("<title>(.*)</title>", "", ["<title>Up</title>\n", "<title>Up</title>"]),
    ("<title>(.*?)</title>", "", ["<title>a</title><title>b</title>\n"]),
    ("a.c", "", ["a\nc abc", "a\nc"]),
    ("a.c", "dotall", ["a\nc"]),
    ("(?s)a.c", "", ["a\nc"]),
    ("healthy", "caseless", ["Status: HEALTHY\n"]),
    ("(?i)healthy", "", ["Status: HeAlThY\n"]),
    ("(?i:up)DOWN", "", ["UPDOWN ", "upDOWN ", "updown "]),
    ("[a-z]+", "caseless", ["123ABC!"]),
    ("[^a-z]+", "caseless", ["abcXYZ123!"]),
    ("status\\s*:\\s*(ok|up)\\b", "", ["status : up.", "status:okay ", "status: ok\n"]),
    ("(ok|up)+!", "", ["okupok!", "okup"]),
    ("(a*)*b", "", ["aab", "b", "c "]),
    ("(a|b)*?c", "", ["ababc", "abab"]),
    ("(?:ab){2}c", "", ["abababc", "abac"]),
    ("x(?:ab)?y", "", ["xy xaby", "xaby"]),
    ("a+?b", "", ["aaab"]),
    ("a*?", "", ["aaa"]),
    ("a+?", "", ["aaa"]),
    ("\\x41\\x{42}\\101C", "", ["zABAC", "zABC"]),
    ("\\Qa.b\\E+", "", ["a.bbb", "axb"]),
    ("\\t\\n", "", ["a\t\nb"]),
    ("\\w+@\\w+\\.com", "", ["mail: bob@example.com\n"]),
    ("\\W+", "", ["abc, def"]),
    ("\\S+\\s", "", ["  abc def"]),
    ("\\D+", "", ["12ab34"]),
    ("\\h+\\v", "", ["a \t\nb"]),
    ("\\N+", "", ["ab\ncd"]),
    ("\\Aab", "", ["ab", "cab"]),
    ("ab\\z", "", ["cab", "cab\n"]),
    ("ab\\Z", "", ["cab", "cab\n", "cab\nx"]),
    ("ab$", "dollar_endonly", ["cab\n", "cab"]),
    ("a b # comment\n c", "extended", ["abc", "a bc"]),
    ("(?x) a [ ] b", "", ["a b", "ab"]),
    ("ok", "ungreedy", ["ok"]),
    ("a+", "ungreedy", ["aaa"]),
    ("a+?", "ungreedy", ["aaa"]),
    ("(?U)a+", "", ["aaa"]),
    ("(?:(?U)a+)a+", "", ["aaaa"]),
    ("(?:(?i)a)A", "", ["aA", "AA", "Aa"]),
    ("b", "firstline", ["ab\nb", "a\nb"]),
    ("(?<name>ab)+c", "", ["ababc"]),
    ("(?P<n>x)y", "", ["xy"]),
    ("a(?#comment)b", "", ["ab"]),
    ("((a)|b)+c", "", ["abac"]),
    ("colou?r", "", ["color colour", "colr"]),
    ("\\.", "", ["a.b", "ab"]),
    ("1\\.0", "", ["HTTP/1.0 200", "100"]),
    ("\\cA", "", ["x\x01y"]),
    ("[\\x00-\\x1f]", "", ["ab\x7fc\x05"]),
    ("\\xff", "", ["a\xffb"]),
    ("\xc3\xa9", "", ["caf\xc3\xa9"]),
    # Refused by PCRE2 (config errors here too).
    ("(ab", "", ["ab"]),
    ("ab)", "", ["ab"]),
    ("*a", "", ["a"]),
    ("a**", "", ["a"]),
    ("[ab", "", ["a"]),
    ("[z-a]", "", ["a"]),
    ("a{3,2}", "", ["a"]),
    ("a{70000}", "", ["a"]),
    ("\\i", "", ["i"]),
    ("(?z)", "", ["z"]),
]

OPTS = {
    "caseless": "i",
    "multiline": "m",
    "dotall": "s",
    "extended": "x",
    "ungreedy": "ungreedy",
    "dollar_endonly": "dollar_endonly",
    "firstline": "firstline",
}


def esc(s):
    """Our table's escaping of a latin-1 string (bytes 0-255)."""
    out = []
    for c in s:
        o = ord(c)
        if c == "%" or o < 0x20 or o > 0x7E:
            out.append("%%%02x" % o)
        else:
            out.append(c)
    return "".join(out)


def pcre2test_subject(s):
    return "".join(c if c.isalnum() else "\\x{%02x}" % ord(c) for c in s)


def pcre2test_text(t):
    """pcre2test prints bytes outside printable ASCII as \\xhh; map back to latin-1."""
    out = []
    i = 0
    while i < len(t):
        if t[i] == "\\" and t[i + 1 : i + 2] == "x":
            out.append(chr(int(t[i + 2 : i + 4], 16)))
            i += 4
        else:
            out.append(t[i])
            i += 1
    return "".join(out)


def run(pattern, opts, subjects):
    delim = next(d for d in "/!\"'`%@" if d not in pattern)
    mods = ",".join(OPTS[o] for o in opts.split(",") if o)
    # The pattern goes in as bytes: pcre2test reads its input as such.
    lines = [delim + pattern + delim + mods]
    lines += ["    " + pcre2test_subject(s) + "\\=ph" for s in subjects]
    src = ("\n".join(lines) + "\n").encode("latin-1")
    out = subprocess.run(["pcre2test", "-q"], input=src, capture_output=True, check=False).stdout
    res = []
    text = out.decode("latin-1").splitlines()
    if any(l.startswith("Failed: error") for l in text):
        return ["error"] * len(subjects)
    for l in text:
        if l == "No match":
            res.append("nomatch")
        elif l.startswith(" 0: "):
            res.append("match:" + esc(pcre2test_text(l[4:])))
        elif l.startswith(" 0:") and l == " 0:":
            res.append("match:")
        elif l.startswith("Partial match: ") or l == "Partial match:":
            res.append("partial:" + esc(pcre2test_text(l[len("Partial match: ") :])))
    if len(res) != len(subjects):
        sys.exit("pcre2test output not understood for %r:\n%s" % (pattern, out.decode("latin-1")))
    return res


def main():
    print("# Generated by tests/regex/gen_table.py from pcre2test (PCRE2 %s); do not edit." % pcre2_version())
    for pattern, opts, subjects in CASES:
        for s, r in zip(subjects, run(pattern, opts, subjects)):
            print("\t".join([esc(pattern), opts or "-", esc(s), r]))


def pcre2_version():
    out = subprocess.run(["pcre2test", "-version"], capture_output=True, check=False).stdout
    return out.decode().strip().split()[-2] if out else "?"


main()
