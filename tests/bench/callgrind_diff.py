#!/usr/bin/env python3
"""The difference of two callgrind runs of one process, per unit of work.

    callgrind_diff.py SHORT_FILE LONG_FILE N TOP LABEL UNIT

N units of work (checks, adverts) more in the long run: prints "LABEL: I instructions per UNIT
(N UNITs apart)" and the TOP functions by their own instructions per unit. Start-up and shutdown
are in both runs and cancel out. Used by checkers_callgrind.sh and vrrp_callgrind.sh.
"""
import re
import subprocess
import sys


def load(f):
    out = subprocess.run(["callgrind_annotate", "--auto=no", "--inclusive=no", "--threshold=100", f],
                         capture_output=True, text=True, check=True).stdout
    fns, total, body = {}, 0, False
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(.*?\)\s+(.*)", line)
        if "PROGRAM TOTALS" in line and m:
            total = int(m.group(1).replace(",", ""))
        if "file:function" in line:
            body = True
            continue
        if body and m:
            name = re.sub(r"\s*\[.*\]$", "", m.group(2))
            name = name.split(":", 1)[1] if ":" in name and not name.startswith("???") else name
            fns[name] = fns.get(name, 0) + int(m.group(1).replace(",", ""))
    return total, fns


(t1, a), (t2, b) = load(sys.argv[1]), load(sys.argv[2])
n, top, label, unit = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
print(f"{label}: {(t2 - t1) / n:.0f} instructions per {unit} ({n} {unit}s apart)")
rows = sorted(((b.get(k, 0) - a.get(k, 0)) / n, k) for k in set(a) | set(b))
for v, k in reversed(rows[-top:]):
    print(f"  {v:7.1f}  {k[:140]}")
