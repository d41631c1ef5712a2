//! The whole lookup against files and a nameserver of the test's own: a UDP socket on
//! loopback answering with recorded reply bytes.

use super::*;
use std::path::PathBuf;

/// A fake nameserver's reply to (name, qtype): (rcode, answer records), None for silence.
type Answer = fn(&str, u8) -> Option<(u8, Vec<u8>)>;

struct Lab {
    dir: PathBuf,
    hosts: String,
    resolv: String,
    port: u16,
}

impl Lab {
    /// Files with `hosts` and `resolv` and a nameserver that gives each question the reply
    /// `answer(name, qtype)` builds (None: silence).
    fn new(tag: &str, hosts: &str, resolv: &str, answer: Answer) -> Lab {
        let dir = std::env::temp_dir().join(format!("resolve-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let (h, r) = (dir.join("hosts"), dir.join("resolv.conf"));
        std::fs::write(&h, hosts).expect("hosts");
        std::fs::write(&r, resolv).expect("resolv");
        let server = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = server.local_addr().expect("addr").port();
        server
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok((n, from)) = server.recv_from(&mut buf) {
                let q = &buf[..n];
                let (name, qtype) = question(q);
                if let Some((rcode, records)) = answer(&name, qtype) {
                    let _ = server.send_to(&reply(q, rcode, &records), from);
                }
            }
        });
        Lab {
            hosts: h.to_string_lossy().into_owned(),
            resolv: r.to_string_lossy().into_owned(),
            dir,
            port,
        }
    }

    fn lookup(&self, name: &str) -> Option<(Vec<String>, String)> {
        let src = Sources {
            hosts: &self.hosts,
            resolv_conf: &self.resolv,
            dns_port: self.port,
        };
        lookup(name, &src).map(|(f, c)| (f.iter().map(|a| a.0.to_string()).collect(), c))
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn question(q: &[u8]) -> (String, u8) {
    let mut p = 12;
    let mut labels = Vec::new();
    while q[p] != 0 {
        let l = usize::from(q[p]);
        labels.push(String::from_utf8_lossy(&q[p + 1..p + 1 + l]).into_owned());
        p += 1 + l;
    }
    (labels.join("."), q[p + 2])
}

/// A server's reply to `q`: its header with QR and RA set, the question, then `records`
/// (each a whole answer record) counted in ANCOUNT.
fn reply(q: &[u8], rcode: u8, records: &[u8]) -> Vec<u8> {
    let mut r = q.to_vec();
    r[2] = 0x81;
    r[3] = 0x80 | rcode;
    r[7] = u8::from(!records.is_empty()) + u8::from(records.len() > 16 + 12);
    r.extend_from_slice(records);
    r
}

/// An A record for the question's name (pointer to offset 12): 192.0.2.25, TTL 300.
const A_25: &[u8] = b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\xc0\x00\x02\x19";

#[test]
fn a_short_name_is_found_with_the_search_domain_first() {
    let lab = Lab::new(
        "search",
        "127.0.0.1 localhost\n",
        "nameserver 127.0.0.1\nsearch lab.test\noptions timeout:3 attempts:3\n",
        |name, qtype| match (name, qtype) {
            ("smtp.lab.test", dns::A) => Some((0, A_25.to_vec())),
            ("smtp.lab.test", _) => Some((0, Vec::new())),
            _ => Some((3, Vec::new())),
        },
    );
    assert_eq!(
        lab.lookup("smtp"),
        Some((vec!["192.0.2.25".to_string()], "smtp.lab.test".to_string()))
    );
    // With a dot it is asked as written, and NXDOMAIN there is the end.
    assert_eq!(lab.lookup("smtp.other"), None);
    // The hosts file comes before DNS, and its first name is canonical.
    assert_eq!(
        lab.lookup("localhost"),
        Some((vec!["127.0.0.1".to_string()], "localhost".to_string()))
    );
}

#[test]
fn a_cname_gives_the_canonical_name_and_both_families_come_back() {
    let lab = Lab::new("cname", "", "nameserver 127.0.0.1\n", |name, qtype| {
        // www.example.test CNAME edge.example.test; then the target's record.
        let mut r = b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x01\x2c\x00\x07\x04edge\xc0\x10".to_vec();
        if qtype == dns::A {
            r.extend_from_slice(
                b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\xc0\x00\x02\x1a",
            );
        } else {
            r.extend_from_slice(b"\xc0\x0c\x00\x1c\x00\x01\x00\x00\x01\x2c\x00\x10");
            r.extend_from_slice(&[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1a]);
        }
        (name == "www.example.test").then_some((0, r))
    });
    let (addrs, canon) = lab.lookup("www.example.test").expect("found");
    assert_eq!(canon, "edge.example.test");
    let mut sorted = addrs.clone();
    sorted.sort();
    assert_eq!(sorted, ["192.0.2.26", "2001:db8::1a"]);
}

#[test]
fn a_silent_nameserver_fails_the_lookup_after_its_timeout() {
    let lab = Lab::new(
        "silent",
        "",
        "nameserver 127.0.0.1\noptions timeout:1 attempts:2\n",
        |_, _| None,
    );
    let t = std::time::Instant::now();
    assert_eq!(lab.lookup("smtp.example.test"), None);
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

#[test]
fn numbers_are_not_looked_up() {
    let lab = Lab::new("numeric", "", "nameserver 127.0.0.1\n", |_, _| None);
    assert_eq!(
        lab.lookup("10.1"),
        Some((vec!["10.0.0.1".to_string()], "10.1".to_string()))
    );
    assert_eq!(lab.lookup(""), None);
}

/// A loopback UDP port nothing listens on (bound, then let go).
fn closed_port() -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.local_addr().expect("addr").port()
}

#[test]
fn with_no_files_and_no_local_nameserver_a_name_fails_at_once() {
    // The IPVS test VM (and a bare router): no /etc/hosts, no resolv.conf (so 127.0.0.1 and
    // 5 s), nothing on port 53, host name "(none)". glibc gives up as soon as the port is
    // found closed; the default timeout of 5 s is what a stall would take.
    let src = Sources {
        hosts: "/nonexistent/hosts",
        resolv_conf: "/nonexistent/resolv.conf",
        dns_port: closed_port(),
    };
    let t = std::time::Instant::now();
    assert_eq!(lookup("(none)", &src).map(|(_, c)| c), None);
    let took = t.elapsed();
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn a_closed_nameserver_is_passed_over_for_one_that_answers() {
    let lab = Lab::new("closed", "", "", |name, qtype| {
        (name == "smtp.example.test").then(|| {
            (
                0,
                if qtype == dns::A {
                    A_25.to_vec()
                } else {
                    Vec::new()
                },
            )
        })
    });
    // The first server is on the lab's port at an address nothing listens on.
    std::fs::write(
        &lab.resolv,
        "nameserver 127.0.0.2\nnameserver 127.0.0.1\noptions timeout:5\n",
    )
    .expect("resolv");
    let t = std::time::Instant::now();
    assert_eq!(
        lab.lookup("smtp.example.test"),
        Some((
            vec!["192.0.2.25".to_string()],
            "smtp.example.test".to_string()
        ))
    );
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
}
