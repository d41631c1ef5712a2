//! The VRRP sockets and GARP/NA frames on a real link: two network namespaces joined by a veth
//! pair, router `a` sending, router `b` receiving, and keepalived 2.2.7 itself as a peer.
//!
//! Needs root; without it the tests print SKIPPED (and fail with CI=true). Sockets are opened on
//! a thread that entered the namespace (setns) and stay in that namespace afterwards.

mod lab;

use std::fs::File;
use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use keepalived::net::garp::{self, GarpSocket};
use keepalived::net::vrrp_socket::{
    ifindex, link_local_v6, Mode, Received, SendBatch, Spec, VrrpSocket, IPPROTO_VRRP, SEND_BATCH,
    VRRP_GROUP_V4, VRRP_GROUP_V6,
};
use lab::Lab;
use mio::{Events, Interest, Poll, Token};

const A4: Ipv4Addr = Ipv4Addr::new(10, 9, 3, 1);
const B4: Ipv4Addr = Ipv4Addr::new(10, 9, 3, 2);
const A6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0xa);
const MAC_A: [u8; 6] = [2, 0, 0, 0, 0, 0xa];

/// Runs `f` on a thread inside namespace `ns` (its full name) and returns its result.
fn in_ns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let path = format!("/run/netns/{ns}");
    let t = std::thread::spawn(move || {
        let file = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        // SAFETY: setns on a descriptor we hold; it moves only this thread.
        let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns {path}: {}", std::io::Error::last_os_error());
        f()
    });
    t.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// Two routers `a` and `b`, each with `eth0` on one link, IPv4 and a non-tentative link-local.
fn two_routers(name: &str) -> (Lab, String, String) {
    let mut lab = Lab::new(name);
    lab.veth(("a", "eth0"), ("b", "eth0"));
    let (a, b) = (lab.ns("a"), lab.ns("b"));
    lab::run_ok(&[
        "ip",
        "-n",
        &a,
        "link",
        "set",
        "eth0",
        "address",
        "02:00:00:00:00:0a",
    ]);
    lab.addr("a", "eth0", "10.9.3.1/24");
    lab.addr("b", "eth0", "10.9.3.2/24");
    lab.addr("a", "eth0", "fe80::a/64");
    lab.addr("b", "eth0", "fe80::b/64");
    (lab, a, b)
}

fn open(ns: &str, group: IpAddr) -> (VrrpSocket, u32) {
    open_on(ns, "eth0", group)
}

fn open_on(ns: &str, ifname: &'static str, group: IpAddr) -> (VrrpSocket, u32) {
    in_ns(ns, move || {
        let idx = ifindex(ifname).expect("ifindex");
        let s = VrrpSocket::open(&Spec::multicast(ifname, idx, group)).expect("open VRRP socket");
        (s, idx)
    })
}

fn inet_checksum(parts: &[&[u8]]) -> u16 {
    let mut sum = 0u32;
    for p in parts {
        for w in p.chunks(2) {
            sum += u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)]));
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A VRRPv2 advert with its IPv4 header, as keepalived sends it (TOS 0xc0, TTL 255, no auth).
fn v2_advert(src: Ipv4Addr, vrid: u8, prio: u8, vip: Ipv4Addr) -> Vec<u8> {
    v2_advert_to(src, VRRP_GROUP_V4, vrid, prio, vip)
}

fn v2_advert_to(src: Ipv4Addr, dst: Ipv4Addr, vrid: u8, prio: u8, vip: Ipv4Addr) -> Vec<u8> {
    v2_advert_ttl(src, dst, vrid, prio, vip, 255)
}

fn v2_advert_ttl(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    vrid: u8,
    prio: u8,
    vip: Ipv4Addr,
    ttl: u8,
) -> Vec<u8> {
    let mut vrrp = vec![0x21, vrid, prio, 1, 0, 1, 0, 0];
    vrrp.extend_from_slice(&vip.octets());
    vrrp.extend_from_slice(&[0; 8]);
    let sum = inet_checksum(&[&vrrp]);
    vrrp[6..8].copy_from_slice(&sum.to_be_bytes());
    let total = (20 + vrrp.len()) as u16;
    let mut pkt = vec![0x45, 0xc0];
    pkt.extend_from_slice(&total.to_be_bytes());
    pkt.extend_from_slice(&[0, 7, 0, 0, ttl, IPPROTO_VRRP, 0, 0]);
    pkt.extend_from_slice(&src.octets());
    pkt.extend_from_slice(&dst.octets());
    pkt.extend_from_slice(&vrrp);
    pkt
}

/// Waits up to `timeout` for a packet `want` accepts, polling the socket through mio.
fn recv_until(
    sock: &mut VrrpSocket,
    buf: &mut [u8],
    timeout: Duration,
    mut want: impl FnMut(&Received, &[u8]) -> bool,
) -> Option<Received> {
    let mut poll = Poll::new().expect("poll");
    poll.registry()
        .register(sock, Token(1), Interest::READABLE)
        .expect("register");
    let mut events = Events::with_capacity(4);
    let deadline = Instant::now() + timeout;
    let mut found = None;
    'outer: while Instant::now() < deadline {
        // Drain first: edge-triggered readiness is only reported for new packets.
        loop {
            match sock.recv(buf) {
                Ok(rx) => {
                    if want(&rx, &buf[..rx.len]) {
                        found = Some(rx);
                        break 'outer;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("recv: {e}"),
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        poll.poll(&mut events, Some(left)).expect("poll");
    }
    poll.registry().deregister(sock).expect("deregister");
    found
}

#[test]
fn ipv4_advert_crosses_the_link_with_ttl_255_source_and_interface() {
    if !lab::require_root("ipv4_advert_crosses_the_link_with_ttl_255_source_and_interface") {
        return;
    }
    let (_lab, a, b) = two_routers("v4");
    let group = IpAddr::V4(VRRP_GROUP_V4);
    let (sa, _) = open(&a, group);
    let (mut sb, idx_b) = open(&b, group);
    let pkt = v2_advert(A4, 42, 100, Ipv4Addr::new(10, 9, 3, 100));
    assert_eq!(sa.send_v4(&pkt, VRRP_GROUP_V4).expect("send"), pkt.len());

    let mut buf = [0u8; 1500];
    let rx = recv_until(&mut sb, &mut buf, Duration::from_secs(3), |_, _| true)
        .expect("advert not received in b");
    assert_eq!(rx.src, IpAddr::V4(A4));
    assert_eq!(rx.dst, Some(group));
    assert_eq!(rx.ifindex, idx_b);
    assert_eq!(rx.ttl, 255);
    assert_eq!(rx.ip_header_len, 20);
    assert!(!rx.truncated);
    assert_eq!(rx.len, pkt.len());
    assert_eq!(buf[1], 0xc0, "TOS from our header");
    assert_eq!(&buf[20..rx.len], &pkt[20..], "VRRP payload unchanged");
    // Multicast loop is off: the sender's own receive side sees nothing.
    let e = sa.recv(&mut buf).expect_err("own advert looped back");
    assert_eq!(e.kind(), ErrorKind::WouldBlock);

    // The TTL is the packet's, so the VRRP layer can refuse a routed advert.
    let routed = v2_advert_ttl(A4, VRRP_GROUP_V4, 42, 100, Ipv4Addr::new(10, 9, 3, 100), 64);
    sa.send_v4(&routed, VRRP_GROUP_V4).expect("send");
    let rx = recv_until(&mut sb, &mut buf, Duration::from_secs(3), |_, _| true)
        .expect("second advert not received in b");
    assert_eq!(rx.ttl, 64);
}

#[test]
fn a_socket_hears_only_its_own_interface() {
    if !lab::require_root("a_socket_hears_only_its_own_interface") {
        return;
    }
    let (mut lab, a, b) = two_routers("ifbind");
    lab.veth(("a", "eth1"), ("b", "eth1"));
    let group = IpAddr::V4(VRRP_GROUP_V4);
    let (sa1, _) = open_on(&a, "eth1", group);
    let (sb0, _) = open_on(&b, "eth0", group);
    let (mut sb1, idx_b1) = open_on(&b, "eth1", group);
    let pkt = v2_advert(A4, 9, 100, Ipv4Addr::new(10, 9, 3, 100));
    sa1.send_v4(&pkt, VRRP_GROUP_V4).expect("send on eth1");
    let mut buf = [0u8; 1500];
    let rx = recv_until(&mut sb1, &mut buf, Duration::from_secs(3), |_, _| true)
        .expect("advert not received on b's eth1");
    assert_eq!(rx.ifindex, idx_b1);
    let e = sb0.recv(&mut buf).expect_err("eth0 socket heard eth1");
    assert_eq!(e.kind(), ErrorKind::WouldBlock);
}

#[test]
fn ipv6_advert_crosses_the_link_with_hop_limit_255_and_kernel_checksum() {
    if !lab::require_root("ipv6_advert_crosses_the_link_with_hop_limit_255_and_kernel_checksum") {
        return;
    }
    let (_lab, a, b) = two_routers("v6");
    let group = IpAddr::V6(VRRP_GROUP_V6);
    let (sa, _) = open(&a, group);
    let (mut sb, idx_b) = open(&b, group);
    let ll = in_ns(&a, || link_local_v6("eth0").expect("getifaddrs"));
    assert!(ll.is_some_and(|a| a.segments()[0] == 0xfe80), "{ll:?}");
    assert_eq!(
        in_ns(&a, || link_local_v6("nonesuch").expect("getifaddrs")),
        None
    );
    // VRRPv3, VRID 42, priority 100, one VIP, interval 100 cs; checksum left to the kernel.
    let mut payload = vec![0x31, 42, 100, 1, 0, 100, 0, 0];
    payload.extend_from_slice(&"fd00::100".parse::<Ipv6Addr>().unwrap().octets());
    let n = sa
        .send_v6(&payload, A6, VRRP_GROUP_V6, None)
        .expect("send_v6");
    assert_eq!(n, payload.len());

    let mut buf = [0u8; 1500];
    let rx = recv_until(&mut sb, &mut buf, Duration::from_secs(3), |_, _| true)
        .expect("advert not received in b");
    assert_eq!(rx.src, IpAddr::V6(A6));
    assert_eq!(rx.dst, Some(group));
    assert_eq!(rx.ifindex, idx_b);
    assert_eq!(rx.ttl, 255);
    assert_eq!(rx.ip_header_len, 0);
    assert_eq!(rx.len, payload.len());
    let got = &buf[..rx.len];
    assert_eq!(&got[..6], &payload[..6]);
    assert_eq!(&got[8..], &payload[8..]);
    // The kernel's checksum includes the RFC 8200 pseudo-header: the whole sums to zero.
    let len = (got.len() as u32).to_be_bytes();
    let sum = inet_checksum(&[
        &A6.octets(),
        &VRRP_GROUP_V6.octets(),
        &len,
        &[0, 0, 0, 112],
        got,
    ]);
    assert_eq!(sum, 0, "checksum {:02x?}", &got[6..8]);
}

fn open_unicast(ns: &str, src: IpAddr) -> (VrrpSocket, u32) {
    in_ns(ns, move || {
        let idx = ifindex("eth0").expect("ifindex eth0");
        let spec = Spec {
            mode: Mode::Unicast { src },
            ..Spec::multicast("eth0", idx, IpAddr::V4(VRRP_GROUP_V4))
        };
        (
            VrrpSocket::open(&spec).expect("open unicast VRRP socket"),
            idx,
        )
    })
}

#[test]
fn unicast_ipv4_advert_reaches_the_peer_and_not_its_multicast_socket() {
    if !lab::require_root("unicast_ipv4_advert_reaches_the_peer_and_not_its_multicast_socket") {
        return;
    }
    let (_lab, a, b) = two_routers("uni4");
    let (sa, _) = open_unicast(&a, IpAddr::V4(A4));
    let (mut sb, idx_b) = open_unicast(&b, IpAddr::V4(B4));
    let (mb, _) = open(&b, IpAddr::V4(VRRP_GROUP_V4));
    let pkt = v2_advert_to(A4, B4, 7, 100, Ipv4Addr::new(10, 9, 3, 100));
    assert_eq!(sa.send_v4(&pkt, B4).expect("send"), pkt.len());
    let mut buf = [0u8; 1500];
    let rx = recv_until(&mut sb, &mut buf, Duration::from_secs(3), |_, _| true)
        .expect("unicast advert not received in b");
    assert_eq!(rx.src, IpAddr::V4(A4));
    assert_eq!(rx.dst, Some(IpAddr::V4(B4)));
    assert_eq!(rx.ifindex, idx_b);
    assert_eq!(rx.ttl, 255);
    assert_eq!(&buf[20..rx.len], &pkt[20..]);
    let e = mb
        .recv(&mut buf)
        .expect_err("multicast socket got a unicast advert");
    assert_eq!(e.kind(), ErrorKind::WouldBlock);
}

#[test]
fn unicast_ipv6_advert_carries_the_requested_hop_limit() {
    if !lab::require_root("unicast_ipv6_advert_carries_the_requested_hop_limit") {
        return;
    }
    let (_lab, a, b) = two_routers("uni6");
    let b6: Ipv6Addr = "fe80::b".parse().unwrap();
    let (sa, _) = open_unicast(&a, IpAddr::V6(A6));
    let (mut sb, idx_b) = open_unicast(&b, IpAddr::V6(b6));
    let mut payload = vec![0x31, 7, 100, 1, 0, 100, 0, 0];
    payload.extend_from_slice(&"fd00::100".parse::<Ipv6Addr>().unwrap().octets());
    sa.send_v6(&payload, A6, b6, Some(64)).expect("send_v6");
    let mut buf = [0u8; 1500];
    let rx = recv_until(&mut sb, &mut buf, Duration::from_secs(3), |_, _| true)
        .expect("unicast advert not received in b");
    assert_eq!(rx.src, IpAddr::V6(A6));
    assert_eq!(rx.dst, Some(IpAddr::V6(b6)));
    assert_eq!(rx.ifindex, idx_b);
    assert_eq!(rx.ttl, 64);
    assert_eq!(&buf[8..rx.len], &payload[8..]);
}

/// Queues `pkt` for `dst` in `batch` under `tag`.
fn queue(
    batch: &mut SendBatch<u8>,
    pkt: &[u8],
    dst: IpAddr,
    v6: Option<(Ipv6Addr, Option<u8>)>,
    tag: u8,
) {
    let room = batch.room().expect("room in the batch");
    room[..pkt.len()].copy_from_slice(pkt);
    assert!(batch.push(pkt.len(), dst, v6, tag));
}

#[test]
fn batched_adverts_leave_in_order_and_a_refused_one_is_reported_alone() {
    if !lab::require_root("batched_adverts_leave_in_order_and_a_refused_one_is_reported_alone") {
        return;
    }
    let (_lab, a, b) = two_routers("batch4");
    let (sa, _) = open_unicast(&a, IpAddr::V4(A4));
    let (mut sb, _) = open_unicast(&b, IpAddr::V4(B4));
    // One longer than the link's MTU: the kernel refuses it (EMSGSIZE) after the first has gone.
    let vip = Ipv4Addr::new(10, 9, 3, 100);
    let mut big = v2_advert_to(A4, B4, 2, 100, vip);
    big.resize(1600, 0);
    let mut batch = SendBatch::new(2000);
    let to_b = IpAddr::V4(B4);
    queue(
        &mut batch,
        &v2_advert_to(A4, B4, 1, 100, vip),
        to_b,
        None,
        1,
    );
    queue(&mut batch, &big, to_b, None, 2);
    queue(
        &mut batch,
        &v2_advert_to(A4, B4, 3, 100, vip),
        to_b,
        None,
        3,
    );
    // An IPv6 one on an IPv4 socket cannot go either.
    queue(
        &mut batch,
        &[0x31, 4, 100, 1, 0, 100, 0, 0],
        IpAddr::V6(A6),
        Some((A6, None)),
        4,
    );
    queue(
        &mut batch,
        &v2_advert_to(A4, B4, 5, 100, vip),
        to_b,
        None,
        5,
    );
    assert_eq!(batch.free(), SEND_BATCH - 5);
    let mut refused = Vec::new();
    batch.flush(&sa, |tag, dst, e| {
        refused.push((tag, dst, e.raw_os_error()))
    });
    assert!(batch.is_empty());
    assert_eq!(refused.len(), 2, "{refused:?}");
    // The one that could not even be addressed is reported before the sends.
    assert_eq!((refused[0].0, refused[0].1), (4, IpAddr::V6(A6)));
    assert_eq!(refused[1], (2, to_b, Some(libc::EMSGSIZE)));
    let mut buf = [0u8; 1500];
    let mut vrids = Vec::new();
    while vrids.len() < 3 {
        let rx = recv_until(&mut sb, &mut buf, Duration::from_secs(3), |_, _| true);
        let Some(rx) = rx else { break };
        vrids.push(buf[rx.ip_header_len + 1]);
    }
    assert_eq!(vrids, [1, 3, 5]);
}

#[test]
fn batched_ipv6_adverts_carry_their_source_and_hop_limit() {
    if !lab::require_root("batched_ipv6_adverts_carry_their_source_and_hop_limit") {
        return;
    }
    let (_lab, a, b) = two_routers("batch6");
    let b6: Ipv6Addr = "fe80::b".parse().unwrap();
    let (sa, _) = open_unicast(&a, IpAddr::V6(A6));
    let (mut sb, _) = open_unicast(&b, IpAddr::V6(b6));
    let mut batch = SendBatch::new(1500);
    for (vrid, hop) in [(7, Some(200)), (8, Some(64))] {
        let mut payload = vec![0x31, vrid, 100, 1, 0, 100, 0, 0];
        payload.extend_from_slice(&"fd00::100".parse::<Ipv6Addr>().unwrap().octets());
        queue(&mut batch, &payload, IpAddr::V6(b6), Some((A6, hop)), vrid);
    }
    batch.flush(&sa, |tag, _, e| panic!("advert {tag} refused: {e}"));
    let mut buf = [0u8; 1500];
    let mut got = Vec::new();
    while got.len() < 2 {
        let rx = recv_until(&mut sb, &mut buf, Duration::from_secs(3), |_, _| true);
        let Some(rx) = rx else { break };
        assert_eq!(rx.src, IpAddr::V6(A6));
        got.push((buf[1], rx.ttl));
    }
    // Each with its own control data.
    assert_eq!(got, [(7, 200), (8, 64)]);
}

/// A packet socket in the caller's namespace receiving `ethertype` frames on `ifindex`.
fn packet_listener(ethertype: u16, idx: u32) -> OwnedFd {
    let proto = ethertype.to_be() as i32;
    // SAFETY: plain syscall; the fd is owned below.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_NONBLOCK, proto) };
    assert!(fd >= 0, "AF_PACKET: {}", std::io::Error::last_os_error());
    // SAFETY: a fresh descriptor.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: sockaddr_ll is plain data.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = ethertype.to_be();
    sll.sll_ifindex = idx as i32;
    // SAFETY: `sll` is a valid sockaddr_ll of the length passed.
    let rc = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&sll as *const libc::sockaddr_ll).cast(),
            std::mem::size_of_val(&sll) as u32,
        )
    };
    assert_eq!(rc, 0, "bind AF_PACKET: {}", std::io::Error::last_os_error());
    fd
}

/// Waits for a frame equal to `want` on packet socket `fd`.
fn frame_seen(fd: &OwnedFd, want: &[u8], timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 2048];
    while Instant::now() < deadline {
        // SAFETY: `buf` is live and of the length passed.
        let n = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        if &buf[..n as usize] == want {
            return true;
        }
    }
    false
}

#[test]
fn garp_and_unsolicited_na_sent_in_a_are_seen_in_b() {
    if !lab::require_root("garp_and_unsolicited_na_sent_in_a_are_seen_in_b") {
        return;
    }
    let (_lab, a, b) = two_routers("garp");
    let (arp_rx, nd_rx) = in_ns(&b, || {
        let idx = ifindex("eth0").expect("ifindex");
        (packet_listener(0x0806, idx), packet_listener(0x86dd, idx))
    });
    let vip4 = Ipv4Addr::new(10, 9, 3, 100);
    let vip6: Ipv6Addr = "fd00::100".parse().unwrap();
    let mut gbuf = [0u8; garp::GARP_FRAME_LEN];
    let mut nbuf = [0u8; garp::NA_FRAME_LEN];
    let garp_frame = garp::build_garp(&mut gbuf, MAC_A, vip4).to_vec();
    let na_frame = garp::build_unsolicited_na(&mut nbuf, MAC_A, vip6, false).to_vec();
    let (g, n) = (garp_frame.clone(), na_frame.clone());
    in_ns(&a, move || {
        let idx = ifindex("eth0").expect("ifindex");
        let s = GarpSocket::open().expect("packet socket");
        assert_eq!(s.send(idx, &g).expect("send GARP"), g.len());
        assert_eq!(s.send(idx, &n).expect("send NA"), n.len());
    });
    assert!(
        frame_seen(&arp_rx, &garp_frame, Duration::from_secs(3)),
        "GARP not seen in b"
    );
    assert!(
        frame_seen(&nd_rx, &na_frame, Duration::from_secs(3)),
        "NA not seen in b"
    );
}

const KEEPALIVED: &str = "/usr/sbin/keepalived";

/// Starts keepalived 2.2.7 in `a` with `conf`; the lab kills it when dropped.
fn start_keepalived(lab: &mut Lab, conf: &str) -> lab::Spawned {
    let conf = lab.write_file("keepalived.conf", conf);
    let dir = lab.dir().to_path_buf();
    let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let (c, p1, p2, p3) = (
        conf.to_string_lossy().into_owned(),
        p("ka.pid"),
        p("vrrp.pid"),
        p("chk.pid"),
    );
    lab.spawn(
        "a",
        &[
            KEEPALIVED, "-n", "-l", "-D", "-f", &c, "-p", &p1, "-r", &p2, "-c", &p3,
        ],
    )
}

#[test]
fn keepalived_v2_adverts_are_received() {
    let name = "keepalived_v2_adverts_are_received";
    if !lab::require_root(name) || !lab::require_program(name, KEEPALIVED) {
        return;
    }
    let (mut lab, _a, b) = two_routers("kav4");
    let (mut sb, idx_b) = open(&b, IpAddr::V4(VRRP_GROUP_V4));
    let ka = start_keepalived(
        &mut lab,
        "vrrp_instance VI_1 {\n state MASTER\n interface eth0\n virtual_router_id 51\n \
         priority 150\n advert_int 1\n virtual_ipaddress {\n  10.9.3.100/24\n }\n}\n",
    );
    let mut buf = [0u8; 1500];
    let rx = recv_until(&mut sb, &mut buf, Duration::from_secs(10), |rx, p| {
        rx.len >= rx.ip_header_len + 8 && p[9] == IPPROTO_VRRP && p[rx.ip_header_len + 1] == 51
    });
    let Some(rx) = rx else {
        panic!("no advert from keepalived; its log:\n{}", ka.log());
    };
    assert_eq!(rx.src, IpAddr::V4(A4));
    assert_eq!(rx.dst, Some(IpAddr::V4(VRRP_GROUP_V4)));
    assert_eq!(rx.ifindex, idx_b);
    assert_eq!(rx.ttl, 255);
    let v = &buf[rx.ip_header_len..rx.len];
    assert_eq!(v[0], 0x21, "VRRPv2 advertisement");
    assert_eq!(v[2], 150, "priority");
    assert_eq!(&v[8..12], &[10, 9, 3, 100], "VIP");
    assert_eq!(inet_checksum(&[v]), 0, "v2 checksum");
}

#[test]
fn keepalived_v3_ipv6_adverts_are_received() {
    let name = "keepalived_v3_ipv6_adverts_are_received";
    if !lab::require_root(name) || !lab::require_program(name, KEEPALIVED) {
        return;
    }
    let (mut lab, _a, b) = two_routers("kav6");
    let (mut sb, idx_b) = open(&b, IpAddr::V6(VRRP_GROUP_V6));
    let ka = start_keepalived(
        &mut lab,
        "global_defs {\n vrrp_version 3\n}\nvrrp_instance VI_6 {\n state MASTER\n interface eth0\n \
         virtual_router_id 52\n priority 150\n advert_int 1\n virtual_ipaddress {\n  fd00::100/64\n }\n}\n",
    );
    let mut buf = [0u8; 1500];
    let rx = recv_until(&mut sb, &mut buf, Duration::from_secs(10), |rx, p| {
        rx.len >= 8 && p[1] == 52
    });
    let Some(rx) = rx else {
        panic!("no advert from keepalived; its log:\n{}", ka.log());
    };
    let IpAddr::V6(src) = rx.src else {
        panic!("IPv4 source {}", rx.src);
    };
    assert_eq!(
        src.segments()[0],
        0xfe80,
        "source is a link-local address: {src}"
    );
    assert_eq!(rx.dst, Some(IpAddr::V6(VRRP_GROUP_V6)));
    assert_eq!(rx.ifindex, idx_b);
    assert_eq!(rx.ttl, 255);
    let v = &buf[..rx.len];
    assert_eq!(v[0], 0x31, "VRRPv3 advertisement");
    assert_eq!(v[2], 150, "priority");
    assert_eq!(
        &v[8..24],
        &"fd00::100".parse::<Ipv6Addr>().unwrap().octets()
    );
}

#[test]
fn keepalived_master_yields_to_our_higher_priority_advert() {
    let name = "keepalived_master_yields_to_our_higher_priority_advert";
    if !lab::require_root(name) || !lab::require_program(name, KEEPALIVED) {
        return;
    }
    let (mut lab, _a, b) = two_routers("kayield");
    let (mut sb, _) = open(&b, IpAddr::V4(VRRP_GROUP_V4));
    let ka = start_keepalived(
        &mut lab,
        "vrrp_instance VI_1 {\n state MASTER\n interface eth0\n virtual_router_id 51\n \
         priority 150\n advert_int 1\n virtual_ipaddress {\n  10.9.3.100/24\n }\n}\n",
    );
    let mut buf = [0u8; 1500];
    let first = recv_until(&mut sb, &mut buf, Duration::from_secs(10), |rx, p| {
        p[9] == IPPROTO_VRRP && p[rx.ip_header_len + 1] == 51
    });
    assert!(
        first.is_some(),
        "keepalived never became master:\n{}",
        ka.log()
    );
    // It entered BACKUP once already, at start; the count must grow.
    let backups = |log: &str| log.matches("Entering BACKUP STATE").count();
    let before = backups(&ka.log());
    let pkt = v2_advert(B4, 51, 200, Ipv4Addr::new(10, 9, 3, 100));
    for _ in 0..3 {
        sb.send_v4(&pkt, VRRP_GROUP_V4).expect("send");
        if lab::wait_until(Duration::from_secs(1), || backups(&ka.log()) > before) {
            let log = ka.log();
            assert!(log.contains("higher priority 200"), "{log}");
            return;
        }
    }
    panic!("keepalived did not yield to priority 200:\n{}", ka.log());
}
