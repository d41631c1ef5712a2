//! The sockets on loopback: what a peer's packet looks like when it arrives, and where ours
//! leave from. Port 3784 may be taken (a daemon on the host), so the listener gets a free one.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use super::*;

fn listener(v6: bool) -> (BfdListener, u16) {
    for port in 40000..40100 {
        if let Ok(l) = BfdListener::open(v6, port) {
            return (l, port);
        }
    }
    panic!("no free port for the listener");
}

fn wait_recv(l: &BfdListener, buf: &mut [u8]) -> Datagram {
    // Loopback delivers at once; the deadline only covers a loaded machine.
    let end = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        match l.recv(buf) {
            Ok(d) => return d,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && std::time::Instant::now() < end => {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(e) => panic!("recv: {e}"),
        }
    }
}

#[test]
fn ipv4_datagram_reports_source_destination_and_ttl() {
    let (l, port) = listener(false);
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    peer.set_ttl(200).unwrap();
    peer.send_to(
        &[1, 2, 3],
        SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
    )
    .unwrap();
    let mut buf = [0; 64];
    let d = wait_recv(&l, &mut buf);
    assert_eq!((d.len, d.truncated, d.ttl), (3, false, 200));
    assert_eq!(d.src, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(d.dst, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    assert_eq!(&buf[..3], &[1, 2, 3]);
    let e = l.recv(&mut buf).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
}

#[test]
fn ipv6_datagram_reports_the_hop_limit() {
    let Ok(peer) = UdpSocket::bind("[::1]:0") else {
        return; // no IPv6 on this host
    };
    let (l, port) = listener(true);
    peer.send_to(&[9; 24], SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port))
        .unwrap();
    let mut buf = [0; 16];
    let d = wait_recv(&l, &mut buf);
    assert!(d.truncated, "24 bytes into 16");
    assert_eq!(d.src, IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert_eq!(d.dst, Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    assert!(d.ttl > 0, "the hop limit is reported");
}

#[test]
fn sender_leaves_from_the_rfc_port_range_with_ttl_255() {
    let (l, port) = listener(false);
    let to = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port);
    let s = BfdSender::open(to, Some(Ipv4Addr::LOCALHOST.into()), 255, 7).unwrap();
    let from = s.local_addr().unwrap();
    assert!(from.port() >= 49152, "{from}");
    assert_eq!(s.send(&[0x20; 24]).unwrap(), 24);
    let mut buf = [0; 64];
    let d = wait_recv(&l, &mut buf);
    assert_eq!((d.len, d.ttl, d.src), (24, 255, from.ip()));
}

#[test]
fn sender_without_source_still_takes_an_rfc_port() {
    let to = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), CONTROL_PORT);
    let s = BfdSender::open(to, None, 255, 1).unwrap();
    assert!(s.local_addr().unwrap().port() >= 49152);
}

#[test]
fn local_port_range_narrows_the_rfc_range_unless_too_small() {
    assert_eq!(narrow("32768\t60999\n"), (49152, 60999));
    assert_eq!(narrow("50000 65535\n"), (50000, 65535));
    assert_eq!(narrow("65000 65535\n"), SRC_PORTS);
    assert_eq!(narrow("garbage"), SRC_PORTS);
}
