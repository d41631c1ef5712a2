#!/usr/bin/env python3
"""Counts which functions of BINARY run while its processes idle: a uprobe on the entry of every
function (tracefs), enabled for SECS seconds, then each probe's hit count from uprobe_profile.

    hot_text_probe.py BINARY SECS >> hits.txt     (root; BINARY unstripped; its processes running)

Prints "hits name" for each function entered at least once (each of its names). The probes are on the file's inode:
only processes running this very file stop at them, and they are removed on exit. Attach only
after the daemon has settled (src/core/alloc/text.rs): a text release drops the probes' copies.
"""

import os
import subprocess
import sys
import time

TRACE = "/sys/kernel/tracing"
GROUP = "hottext%d" % os.getpid()


def load_segments(binary):
    """(vaddr, offset, filesz) of each PT_LOAD, to turn a symbol's address into a file offset."""
    out = subprocess.run(["llvm-readelf", "-lW", binary], check=True, capture_output=True, text=True).stdout
    segs = []
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            segs.append((int(f[2], 16), int(f[1], 16), int(f[4], 16)))
    return segs


def functions(binary):
    """{file offset: [names]} of every defined function with a size: the C library defines a
    function under one name and aliases it (__errno_location, ___errno_location), and only the
    defining name is its section's."""
    segs = load_segments(binary)
    out = subprocess.run(
        ["llvm-nm", "--defined-only", "--no-sort", "-S", binary], check=True, capture_output=True, text=True
    ).stdout
    funcs = {}
    for line in out.splitlines():
        f = line.split(maxsplit=3)
        if len(f) != 4 or f[2] not in ("t", "T", "W", "w"):
            continue
        addr, size = int(f[0], 16), int(f[1], 16)
        if size == 0:
            continue
        for vaddr, off, filesz in segs:
            if vaddr <= addr < vaddr + filesz:
                funcs.setdefault(addr - vaddr + off, []).append(f[3])
                break
    return funcs


def write(path, text):
    # One write(2) per command: Python's append mode seeks first, which tracefs refuses.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def main():
    binary, secs = os.path.realpath(sys.argv[1]), float(sys.argv[2])
    funcs = functions(binary)
    names = {}
    enabled = []
    events = os.path.join(TRACE, "uprobe_events")
    try:
        for i, (off, name) in enumerate(sorted(funcs.items())):
            ev = "f%d" % i
            try:
                write(events, "p:%s/%s %s:0x%x\n" % (GROUP, ev, binary, off))
                names[ev] = name
            except OSError:
                pass  # an entry instruction uprobes cannot step over: not counted
        # Enabling registers the breakpoints; hits are counted whether or not tracing records them,
        # so a private instance with tracing off keeps the global buffer untouched.
        inst = os.path.join(TRACE, "instances", GROUP)
        os.mkdir(inst)
        try:
            write(os.path.join(inst, "tracing_on"), "0\n")
            for ev in names:
                # One by one: uprobes cannot step over some entry instructions, and the
                # group's switch would then refuse every probe.
                try:
                    write(os.path.join(inst, "events", GROUP, ev, "enable"), "1\n")
                    enabled.append(ev)
                except OSError:
                    pass
            time.sleep(secs)
            for ev in enabled:
                write(os.path.join(inst, "events", GROUP, ev, "enable"), "0\n")
            with open(os.path.join(TRACE, "uprobe_profile")) as f:
                for line in f:
                    f3 = line.split()
                    # Lines are "FILE EVENT HITS": our events only (this file, our names).
                    if len(f3) >= 3 and f3[0] == binary:
                        ev = f3[1].split("/")[-1]
                        if ev in names and int(f3[2]) > 0:
                            for name in names[ev]:
                                print(f3[2], name)
        finally:
            os.rmdir(inst)
    finally:
        for ev in names:
            try:
                write(events, "-:%s/%s\n" % (GROUP, ev))
            except OSError:
                pass
    print("probed %d of %d functions" % (len(enabled), len(funcs)), file=sys.stderr)


if __name__ == "__main__":
    main()
