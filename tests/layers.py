#!/usr/bin/env python3
"""Module-to-module import edges in a Rust src/ tree (use lines and inline paths, crate:: super:: self::),
cut at a depth (2: core::watchdog, config::global), and the cycles among them. Exits 1 when there is a cycle,
so tests/run.sh keeps the layers acyclic (DESIGN: no two modules import each other).
usage: layers.py SRC DEPTH [--edges] [--no-tests]"""
import os, re, sys
root = sys.argv[1]; depth = int(sys.argv[2])
notests = '--no-tests' in sys.argv
def modpath(f):
    p = os.path.relpath(f, root)[:-3].split('/')
    if p[-1] in ('mod', 'lib', 'main'): p = p[:-1]
    return p
files = []
for dp, dn, fn in os.walk(root):
    files += [os.path.join(dp, f) for f in fn if f.endswith('.rs')]
known = {tuple(modpath(f)) for f in files}
for f in files:  # directories are modules too
    m = modpath(f)
    for i in range(1, len(m)): known.add(tuple(m[:i]))
def resolve(base, parts):
    """longest known module prefix of base+parts"""
    full = list(base)
    for x in parts:
        if x == 'super': full = full[:-1]
        elif x == 'self': pass
        else: full.append(x)
    best = ()
    for i in range(len(full) + 1):
        if tuple(full[:i]) in known: best = tuple(full[:i])
    return best
path_re = re.compile(r'\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)(::\{)?')
edges = {}
for path in files:
    m = modpath(path)
    if notests and ('tests' in m or m[-1:] == ['testutil']): continue
    src = re.sub(r'//[^\n]*', '', open(path).read())
    inl = re.search(r'^\s*(?:pub(?:\([a-z]+\))? )?mod (\w+) \{', src, re.M)
    cut = inl.start() if inl else len(src)
    if notests and inl and inl.group(1) == 'tests': src = src[:cut]
    frm = '::'.join(m[:depth])
    for t in path_re.finditer(src):
        parts = t.group(1).split('::')
        if parts[0] == 'crate': base, parts = [], parts[1:]
        else: base = m + ([inl.group(1)] if t.start() > cut else [])
        targets = [parts]
        if t.group(2):  # use a::{b, c::d}: peek the group's first-level names
            depth_b, j, body = 1, t.end(), ''
            while depth_b and j < len(src):
                ch = src[j]; depth_b += (ch == '{') - (ch == '}'); body += ch; j += 1
            for item in re.split(r'[,{}]', body):
                item = item.strip().split(' as ')[0]
                if item and item != 'self' and item != '*': targets.append(parts + item.split('::'))
        for tp in targets:
            r = resolve(base, tp)
            to = '::'.join(r[:depth])
            if not to or to == frm: continue
            if frm.startswith(to + '::') or to.startswith(frm + '::'): continue  # parent/child: not a layer edge
            edges.setdefault(frm, {}).setdefault(to, set()).add(os.path.relpath(path, root))
nodes = set(edges) | {t for v in edges.values() for t in v}
idx, low, st, on, sccs, c = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v] = low[v] = c[0]; c[0] += 1; st.append(v); on.add(v)
    for w in edges.get(v, {}):
        if w not in idx: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: sccs.append(sorted(comp))
for v in sorted(nodes):
    if v not in idx: sc(v)
print(f'depth {depth}: {len(nodes)} modules, {sum(len(v) for v in edges.values())} edges, {len(sccs)} cycles')
for a in sorted(edges):
    for b in sorted(edges[a]):
        if a < b and a in edges.get(b, {}):
            print(f'  {a} <-> {b}:  {" ".join(sorted(edges[a][b]))}  /  {" ".join(sorted(edges[b][a]))}')
for s in sccs: print('  cycle:', ' '.join(s))
if '--edges' in sys.argv:
    for a in sorted(edges):
        for b in sorted(edges[a]): print(f'  {a} -> {b}  {" ".join(sorted(edges[a][b]))}')
sys.exit(1 if sccs else 0)
