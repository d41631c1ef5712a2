#!/usr/bin/env python3
"""Regenerates the committed seeds in seeds/ from the shared captures and keepalived samples.

Usage: tests/fuzz/seeds.py [SHARED_DIR]   (default ../shared next to the repository, else
/work/shared). Only needed when the captures change: the seeds are committed.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The VRRP target's configs, in the order its first input byte selects them (targets/vrrp.rs).
VRRP_CONFS = ["v2_ipv4", "v2_ipv4_pass", "v2_ipv4_ah", "v2_ipv4_unicast", "v3_ipv4", "v3_ipv6"]


def shared_dir():
    if len(sys.argv) > 1:
        return sys.argv[1]
    near = os.path.join(HERE, "..", "..", "..", "shared")
    return near if os.path.isdir(near) else "/work/shared"


def pcap_frames(path):
    """(link type, frame) of each packet of a pcap or pcapng file."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        end = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        links, off = [], 0
        while off + 12 <= len(data):
            ty, blen = struct.unpack_from(end + "II", data, off)
            if ty == 1:
                links.append(struct.unpack_from(end + "H", data, off + 8)[0])
            elif ty == 6:
                ifid, _, _, cap = struct.unpack_from(end + "IIII", data, off + 8)
                yield links[ifid], data[off + 28:off + 28 + cap]
            off += blen
        return
    magic = struct.unpack_from("<I", data, 0)[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    link = struct.unpack_from(end + "I", data, 20)[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack_from(end + "IIII", data, off)
        off += 16
        yield link, data[off:off + incl]
        off += incl


def vrrp_packets(path):
    """(hop limit, bytes as the socket delivers them): IPv4 from the IP header, IPv6 the payload."""
    for link, frame in pcap_frames(path):
        if link == 1:
            ether, body = struct.unpack_from(">H", frame, 12)[0], frame[14:]
        elif link == 113:  # Linux cooked capture
            ether, body = struct.unpack_from(">H", frame, 14)[0], frame[16:]
        else:
            continue
        if ether == 0x0800 and body[9] in (112, 51):
            total = struct.unpack_from(">H", body, 2)[0]
            yield 0, body[:total]
        elif ether == 0x86DD and body[6] == 112:
            plen = struct.unpack_from(">H", body, 4)[0]
            yield body[7], body[40:40 + plen]


def packet(dt, hop, pkt):
    return bytes([dt, hop]) + struct.pack("<H", len(pkt)) + pkt


def write(target, name, data):
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def nlmsg(ty, flags, seq, payload):
    return struct.pack("=IHHII", 16 + len(payload), ty, flags, seq, 0) + payload + b"\0" * (-len(payload) % 4)


def kernel_dump(ty, family_hdr):
    """The kernel's reply to an rtnetlink dump request in this network namespace."""
    import socket
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.bind((0, 0))
    s.send(nlmsg(ty, 0x301, 1, family_hdr))
    out = []
    while True:
        dg = s.recv(65536)
        out.append(dg)
        if struct.unpack_from("=H", dg, 4)[0] == 3 or len(out) > 8:
            break
    s.close()
    return out


def netlink_seeds():
    for i, dg in enumerate(kernel_dump(18, struct.pack("=BxHiII", 0, 0, 0, 0, 0))):  # RTM_GETLINK
        write("netlink", f"links_{i}", dg)
    for i, dg in enumerate(kernel_dump(22, struct.pack("=BBBBi", 0, 0, 0, 0, 0))):  # RTM_GETADDR
        write("netlink", f"addrs_{i}", dg)
    echo = nlmsg(20, 5, 7, b"")
    write("netlink", "ack", nlmsg(2, 0x100, 7, struct.pack("=i", 0) + echo))
    ext = struct.pack("=HH", 12, 1) + b"No such\0"
    write("netlink", "refusal_ext_ack", nlmsg(2, 0x300, 7, struct.pack("=i", -2) + echo + ext))
    # IPVS: a family id answer (genl header then CTRL_ATTR_FAMILY_ID), a service, a destination.
    genl = bytes([1, 1, 0, 0])
    write("netlink", "genl_family", nlmsg(16, 0, 1, genl + struct.pack("=HHH2x", 6, 1, 30)))
    addr = struct.pack("=HH", 20, 3) + bytes([192, 0, 2, 10]) + b"\0" * 12
    svc = (struct.pack("=HHH2x", 6, 1, 2) + struct.pack("=HHH2x", 6, 2, 6) + addr
           + struct.pack("=HH", 6, 4) + struct.pack(">H", 80) + b"\0\0"
           + struct.pack("=HH", 7, 6) + b"rr\0\0" + struct.pack("=HH", 12, 7) + b"\0" * 8
           + struct.pack("=HHI", 8, 8, 0) + struct.pack("=HHI", 8, 9, 0xffffffff))
    write("netlink", "ipvs_service", nlmsg(30, 2, 1, genl + struct.pack("=HH", 4 + len(svc), 0x8001) + svc))
    dst = (addr + struct.pack("=HH", 6, 2) + struct.pack(">H", 80) + b"\0\0"
           + struct.pack("=HHI", 8, 3, 0) + struct.pack("=HHI", 8, 4, 1) + struct.pack("=HHH2x", 6, 11, 2))
    write("netlink", "ipvs_dest", nlmsg(30, 2, 1, genl + struct.pack("=HH", 4 + len(dst), 0x8002) + dst))


def dialog_seeds():
    # First byte: the checker of conf/dialogs.conf (0 HTTP_GET, 1 SMTP, 2 DNS, 3 UDP; high
    # nibble: the url), then [len] chunks (0: the server closes).
    def chunks(*parts):
        return b"".join(bytes([len(p)]) + p if p else b"\0" for p in parts)
    body = b"<html>ok</html>\n"
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body)
    for url in range(3):
        write("dialogs", f"http_{url}", bytes([url << 4]) + chunks(head, body, b""))
    write("dialogs", "http_chunked", bytes([0x10]) + chunks(b"HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\n", b"gone", b""))
    smtp = [b"220 mx.example ESMTP\r\n", b"250 mx.example\r\n", b"221 bye\r\n", b""]
    write("dialogs", "smtp", bytes([1]) + chunks(*smtp))
    write("dialogs", "smtp_multiline", bytes([1]) + chunks(b"220-mx.example\r\n220 ready\r\n", b"250-a\r\n250 b\r\n", b""))
    dns = bytes([0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]) + b"\x07example\x03org\0\0\x01\0\x01"
    write("dialogs", "dns", bytes([2]) + chunks(dns))
    write("dialogs", "dns_servfail", bytes([2]) + chunks(dns[:3] + b"\x82" + dns[4:]))
    write("dialogs", "udp", bytes([3]) + chunks(bytes([1, 2, 3, 4])))


def cli_seeds():
    for i, argv in enumerate([
        ["keepalived", "-f", "/etc/keepalived/keepalived.conf", "-D", "-n", "-l"],
        ["keepalived", "--vrrp", "--log-facility=3", "--pid=/run/k.pid", "-S", "local5"],
        ["keepalived", "-t", "--config-id", "a", "-P", "--umask=022"],
        ["keepalived", "--signum=RELOAD"],
        ["keepalived", "-Cdx", "--release-vips", "--dont-fork", "--log-file", "x"],
    ]):
        write("cli", f"argv_{i}", b"\0".join(a.encode() for a in argv))


def value_seeds():
    for i, w in enumerate(["yes", "off", "1.5", "0.000001", "192.0.2.1", "fd00::1/64", "10.0.0.0/8",
                           "eth0.100", "0x10", "main", "local", "rr", "wlc", "STOP", "100/200",
                           "unreachable", "4294967295", "-1"]):
        write("values", f"word_{i}", w.encode())


def bfd_seeds():
    # Byte 0: the session's setup (bit 0 passive, bits 1-2 detect mult - 1); then records
    # [dt u16 LE in 100 us][len] + packet (len 0: time passes only).
    def ctl(state, my, your, flags=0, diag=0, mult=3, tx=10000, rx=10000):
        return struct.pack(">BBBBIIIII", 0x20 | diag, state << 6 | flags, mult, 24, my, your, tx, rx, 0)
    def rec(dt, pkt=b""):
        return struct.pack("<HB", dt, len(pkt)) + pkt
    # keepalived 2.2.7's first packet, captured (Down, idle_tx 1 s, min_rx 50 ms).
    keepalived_down = bytes.fromhex("20400318af42ba7b00000000000f42400000c35000000000")
    write("bfd", "keepalived_down", b"\0" + rec(0, keepalived_down))
    # A peer's half of the handshake, then its packets every 10 ms, then silence.
    peer = 0x11223344
    hs = rec(5, ctl(1, peer, 0)) + rec(5, ctl(3, peer, 1)) + b"".join(rec(100, ctl(3, peer, 1)) for _ in range(5))
    write("bfd", "handshake", b"\0" + hs + rec(5000))
    write("bfd", "passive_mult1", b"\1" + hs)
    write("bfd", "poll_final", b"\4" + hs + rec(50, ctl(3, peer, 1, flags=0x20, tx=20000)) + rec(50, ctl(3, peer, 1, flags=0x10)))
    write("bfd", "admin_down", b"\2" + hs + rec(10, ctl(0, peer, 1, diag=7)))
    write("bfd", "authenticated", b"\0" + rec(1, ctl(1, peer, 0, flags=0x04)[:3] + bytes([26]) + ctl(1, peer, 0)[4:] + bytes([1, 2])))


def agentx_seeds():
    # Byte 0: setup (bit 0: Open and Register answered first; bits 1-4: read size - 1); then
    # the master's byte stream. snmpd's Get of keepalived's version, captured (little endian).
    get_version = bytes.fromhex(
        "01050800050000004c0000004d000000280000000000000007040000010000007225000064000000"
        "0500000001000000010000000000000000000000")
    def oid(sub, include=0, be=True):
        pre = 0
        if sub[:4] == [1, 3, 6, 1] and len(sub) > 4 and 0 < sub[4] < 256:
            pre, sub = sub[4], sub[5:]
        e = ">" if be else "<"
        return struct.pack("BBBB", len(sub), pre, include, 0) + b"".join(struct.pack(e + "I", v) for v in sub)
    def pdu(ty, payload, pid, be=True, flags=0):
        e = ">" if be else "<"
        return struct.pack(e + "BBBBIIII", 1, ty, flags | (0x10 if be else 0), 0, 7, 1, pid, len(payload)) + payload
    glob = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 1]
    walk = b"".join(pdu(6, oid(glob + [k, 0]) + oid([]), 100 + k) for k in range(1, 12))
    bulk = pdu(7, struct.pack(">HH", 1, 10) + oid(glob) + oid([]) + oid(glob + [3]) + oid(glob + [4]), 200)
    testset = pdu(8, struct.pack(">HH", 4, 0) + oid(glob + [2, 0]) + struct.pack(">I", 1) + b"x\0\0\0", 300)
    cleanup = pdu(11, b"", 301)
    close = pdu(2, bytes([5, 0, 0, 0]), 302)
    write("agentx", "get_version", b"\x01" + get_version)
    write("agentx", "get_version_split", b"\x07" + get_version * 3)
    write("agentx", "walk", b"\x1f" + walk)
    write("agentx", "bulk_and_set", b"\x1f" + bulk + testset + cleanup + close + get_version)
    write("agentx", "unanswered_open", b"\x00" + get_version)


def main():
    shared = shared_dir()
    caps = os.path.join(shared, "captures")
    for i, name in enumerate(VRRP_CONFS):
        pkts = list(vrrp_packets(os.path.join(caps, name + ".pcap")))
        for flags in (0, 1):
            # The whole capture, a second apart, then the first advert alone.
            write("vrrp", f"{name}_{flags}_all", bytes([i, flags]) + b"".join(packet(10, h, p) for h, p in pkts))
            h, p = pkts[0]
            write("vrrp", f"{name}_{flags}_one", bytes([i, flags]) + packet(10, h, p))
    samples = os.path.join(shared, "keepalived-samples")
    for n in sorted(os.listdir(samples)):
        if n.startswith("keepalived.conf"):
            with open(os.path.join(samples, n), "rb") as f:
                write("config", n.replace("keepalived.conf.", "sample_").replace("keepalived.conf", "sample"), f.read())
    for n in VRRP_CONFS:
        with open(os.path.join(HERE, "conf", n + ".conf"), "rb") as f:
            write("config", "capture_" + n, f.read())
    with open(os.path.join(HERE, "conf", "dialogs.conf"), "rb") as f:
        write("config", "dialogs", f.read())
    netlink_seeds()
    dialog_seeds()
    cli_seeds()
    value_seeds()
    bfd_seeds()
    agentx_seeds()


if __name__ == "__main__":
    main()
