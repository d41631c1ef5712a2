#!/usr/bin/env python3
"""Compiles the LTO'd keepalived module to MIPS assembly, our functions in MIPS16e.

    mips16-select.py MODULE.bc OUT.s LLC LLVM-DIS [llc options...]

rustc marks our crate's functions "+mips16" (build.sh, MIPS16=1); std and the other crates stay
MIPS32. LLVM's MIPS16 back end cannot select every function: atomics and inline assembly
(no LL/SC, no SYNC in MIPS16e) and a few constant-pool loads stop instruction selection with
"Cannot select". Each such function gets LLVM's "nomips16" attribute and is compiled as MIPS32
(calls between the two modes go through JALX, which GNU ld puts in). Functions with atomics
or asm are marked up front; the others llc names one by one, and the loop compiles again.
"""
import os
import re
import subprocess
import sys

ATTRS = re.compile(r'attributes #(\d+) = \{(.*)\}')
# MIPS16e has no LL/SC and no SYNC: LLVM cannot select these in a MIPS16 function.
UNSELECTABLE = re.compile(r'atomicrmw|cmpxchg|load atomic|store atomic|\bfence\b| asm ')
NAME = re.compile(r'@("[^"]+"|[^ (]+)\(')
MAX_ROUNDS = 200


def mark(lines, forced, keep=None):
    """Returns the module text with "nomips16" on each MIPS16 function that cannot be one."""
    mips16 = {m.group(1) for m in map(ATTRS.match, lines) if m and '+mips16' in m.group(2)}
    out, i, kept, marked = [], 0, 0, 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith('define '):
            out.append(line)
            i += 1
            continue
        end = lines.index('}', i)
        group = re.search(r' #(\d+) ', line)
        if group and group.group(1) in mips16:
            name = NAME.search(line).group(1)
            if name in forced or (keep and keep.search(name)) or \
                    UNSELECTABLE.search('\n'.join(lines[i + 1:end])):
                line = line[:group.end()] + '"nomips16" ' + line[group.end():]
                marked += 1
            else:
                kept += 1
        out.append(line)
        out.extend(lines[i + 1:end + 1])
        i = end + 1
    return '\n'.join(out), kept, marked


def main():
    module, asm, llc, llvm_dis = sys.argv[1:5]
    llc_args = sys.argv[5:]
    text = subprocess.run([llvm_dis, module, '-o', '-'], check=True, capture_output=True,
                          text=True).stdout
    lines = text.split('\n')
    forced = set()
    # MIPS16_KEEP_MIPS32: a regular expression of (mangled) names to keep MIPS32, to corner a miscompile.
    keep = re.compile(os.environ['MIPS16_KEEP_MIPS32']) if os.environ.get('MIPS16_KEEP_MIPS32') else None
    marked_ll = asm + '.ll'
    for _ in range(MAX_ROUNDS):
        fixed, kept, marked = mark(lines, forced, keep)
        with open(marked_ll, 'w') as f:
            f.write(fixed)
        run = subprocess.run([llc, *llc_args, marked_ll, '-o', asm], capture_output=True, text=True)
        if run.returncode == 0:
            os.remove(marked_ll)
            print(f'mips16: {kept} functions in MIPS16e, {marked} kept MIPS32 '
                  f'({len(forced)} of them named by llc)', file=sys.stderr)
            return
        failed = re.search(r"In function: (\S+)", run.stderr) or \
            re.search(r"on function '@(\S+)'", run.stderr)
        if not failed or failed.group(1) in forced:
            sys.exit('mips16: llc failed outside a function it can leave in MIPS32:\n' + run.stderr[:2000])
        forced.add(failed.group(1))
    sys.exit(f'mips16: gave up after {MAX_ROUNDS} functions llc could not compile in MIPS16e')


if __name__ == '__main__':
    main()
