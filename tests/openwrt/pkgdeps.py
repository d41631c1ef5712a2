#!/usr/bin/env python3
"""Checks that luci-app-keepalived installs with our OpenWrt packages and not the stock ones.

    tests/openwrt/pkgdeps.py image/openwrt/Makefile tests/openwrt/upstream-packages.mk

Reads the `define Package/NAME` blocks (DEPENDS, PROVIDES, CONFLICTS) of our Makefile and of the
stock definitions around it, and selects packages the way OpenWrt's menuconfig does
(scripts/package-metadata.pl): a `+dep` is met by any selected package named or providing `dep`,
else it selects the first of them, a real package of that name before its providers. Then no
selected package may name another selected one, or what it provides, in CONFLICTS (Kconfig
checks real names, opkg/apk provided ones too). Also checks that keepalived-rs-sync installs every
path the stock keepalived-sync installs. Prints one line per check; exits 1 if any fails.
"""
import re
import sys


def logical_lines(text):
    return re.sub(r"\\\n", " ", text).splitlines()


def parse(path):
    """Returns (packages in file order, variables, install destinations per package)."""
    pkgs, variables, installs = {}, {}, {}
    block, name = None, None
    for line in logical_lines(open(path, encoding="utf-8").read()):
        m = re.match(r"^define Package/([^/\s]+)(/install)?\s*$", line)
        if m:
            name, block = m.group(1), ("install" if m.group(2) else "package")
            if block == "package":
                pkgs[name] = {"depends": [], "provides": [], "conflicts": []}
            else:
                installs[name] = []
            continue
        if re.match(r"^define ", line):
            block = "other"
            continue
        if line.strip() == "endef":
            block = None
            continue
        if block == "package":
            m = re.match(r"^\s*(DEPENDS|PROVIDES|CONFLICTS)\s*\+?:?=\s*(.*)$", line)
            if m:
                words = [w for w in m.group(2).split() if "$(" not in w]
                pkgs[name][m.group(1).lower()] += words
        elif block == "install":
            installs[name] += destinations(line, variables)
        elif block is None:
            m = re.match(r"^([A-Z0-9_]+)\s*[:?]?=\s*(.*)$", line)
            if m:
                variables[m.group(1)] = m.group(2).split()
    return pkgs, variables, installs


def expand(line, variables):
    """Expands $(addprefix P,$(VAR)) and known $(VAR)s in a line; other $(...) stay as they are."""
    def var(name):
        return " ".join(variables.get(name, []))

    line = re.sub(r"\$\(addprefix ([^,]+),\$\(([A-Z0-9_]+)\)\)",
                  lambda m: " ".join(m.group(1) + w for w in var(m.group(2)).split()), line)
    return re.sub(r"\$\(([A-Z0-9_]+)\)", lambda m: var(m.group(1)) or m.group(0), line)


def destinations(line, variables):
    """The package paths an install command line creates (not $(INSTALL_DIR) directories)."""
    words = line.split()
    if not words or words[0] == "$(INSTALL_DIR)" or not words[-1].startswith("$(1)/"):
        return []
    dest = words[-1][len("$(1)"):]
    if not dest.endswith("/"):
        return [dest]
    sources = expand(" ".join(words[1:-1]), variables).split()
    return [dest + s.rsplit("/", 1)[-1] for s in sources if not s.startswith("-")]


def select(tree, order, wanted, external):
    """Selects wanted and what it pulls in; returns (selected names, problems)."""
    selected, problems = [], []

    def providers(dep):
        named = [dep] if dep in tree else []
        return named + [p for p in order if p != dep and dep in tree[p]["provides"]]

    queue = list(wanted)
    while queue:
        name = queue.pop(0)
        if name in selected:
            continue
        selected.append(name)
        for dep in tree[name]["depends"]:
            if not dep.startswith("+"):
                continue  # @SYMBOL conditions are not packages
            dep = dep.lstrip("+").split(":")[-1]
            found = providers(dep)
            if any(p in selected or p in queue for p in found):
                continue
            if found:
                queue.append(found[0])
            elif dep not in external:
                problems.append(f"{name}: nothing in the tree is or provides {dep}")
    for name in selected:
        others = {p: {p, *tree[p]["provides"]} for p in selected if p != name}
        for c in tree[name]["conflicts"]:
            hit = [p for p, names in others.items() if c in names]
            if hit:
                problems.append(f"{name} CONFLICTS {c}, selected as {', '.join(hit)}")
    return selected, problems


def main():
    ours, _, our_installs = parse(sys.argv[1])
    stock, stock_vars, _ = parse(sys.argv[2])
    external = set(stock_vars.get("EXTERNAL", []))
    luci = {"luci-app-keepalived": stock["luci-app-keepalived"]}
    stock_kd = {k: v for k, v in stock.items() if k in ("keepalived", "keepalived-sync")}
    fails = 0

    def report(ok, what, detail=""):
        nonlocal fails
        fails += not ok
        print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else f": {detail}"))

    scenarios = [
        ("our feed without the packages feed's keepalived: luci-app-keepalived alone",
         {**ours, **luci}, ["luci-app-keepalived"]),
        ("beside the packages feed's keepalived: keepalived-rs, keepalived-rs-sync, luci-app-keepalived",
         {**stock_kd, **ours, **luci}, ["keepalived-rs", "keepalived-rs-sync", "luci-app-keepalived"]),
    ]
    for what, tree, wanted in scenarios:
        order = list(tree)
        got, problems = select(tree, order, wanted, external)
        stock_in = [p for p in got if p in stock_kd]
        report(not problems and not stock_in and {"keepalived-rs", "keepalived-rs-sync"} <= set(got),
               f"opkg/menuconfig closure, {what} -> {' '.join(got)}",
               "; ".join(problems) + (f"; stock packages selected: {stock_in}" if stock_in else ""))
    # beside the stock packages, not choosing keepalived-rs-sync lets the stock keepalived-sync in
    # (its +keepalived met by keepalived-rs): the same files, so it works; the stock daemon never comes
    tree = {**stock_kd, **ours, **luci}
    got, problems = select(tree, list(tree), ["keepalived-rs", "luci-app-keepalived"], external)
    report(not problems and "keepalived" not in got and "keepalived-sync" in got,
           f"beside the packages feed's keepalived: keepalived-rs, luci-app-keepalived -> {' '.join(got)} "
           "(the stock keepalived-sync on keepalived-rs)", "; ".join(problems))

    want = stock_vars.get("STOCK_SYNC_FILES", [])
    have = set(our_installs.get("keepalived-rs-sync", []))
    missing = [p for p in want if p not in have]
    report(want and not missing, f"keepalived-rs-sync installs the {len(want)} paths of the stock keepalived-sync",
           " ".join(missing))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
