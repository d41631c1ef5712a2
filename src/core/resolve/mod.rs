//! Host names to addresses, as the static musl build's getaddrinfo did it, without linking
//! getaddrinfo (issue 16: it and its DNS code were ~20 KB of a router binary). Used at config
//! load only: smtp_server, the AgentX master, and the host's canonical name (keepalived's
//! local name, the default router_id and SMTP sender).
//!
//! The order is musl's: a numeric address (every inet_aton form, IPv6 with `%scope`), else
//! every /etc/hosts line naming the host, else DNS: A and AAAA over UDP to each
//! /etc/resolv.conf nameserver at once, resent every `timeout / attempts` seconds until
//! `timeout`, the name tried with each `search` domain first when it has fewer than `ndots`
//! dots. With IPv6 among several results they are sorted as RFC 6724 (musl's subset) says.
//! Left out: musl asks again over TCP when a UDP answer is truncated; we read the truncated
//! answer as it came. Added: a nameserver found closed (ICMP unreachable) is given up at once,
//! as glibc does, where musl waits out the timeout (see [`send_all`]).
//!
//! Sans-IO where it can be: [`literal`], [`hosts`], [`conf`], [`dns`] and [`order`] are pure;
//! this file reads the two files and owns the sockets.

mod conf;
mod dns;
mod hosts;
mod literal;
mod order;

use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::Duration;

use mio::unix::SourceFd;

use crate::core::time::monotonic;
use literal::Found;

/// musl's bound on a name's addresses.
const MAX_ADDRS: usize = 48;

/// Where a lookup reads from: the system's files, or a test's.
struct Sources<'a> {
    hosts: &'a str,
    resolv_conf: &'a str,
    dns_port: u16,
}

const SYSTEM: Sources<'static> = Sources {
    hosts: "/etc/hosts",
    resolv_conf: "/etc/resolv.conf",
    dns_port: 53,
};

/// The first address getaddrinfo would give for `host` (with `port`): what std's
/// `ToSocketAddrs` took from it. None when the name does not resolve.
pub(crate) fn socket_addr(host: &str, port: u16) -> Option<SocketAddr> {
    let (found, _) = lookup(host, &SYSTEM)?;
    let &(ip, scope) = found.first()?;
    Some(match ip {
        IpAddr::V4(a) => SocketAddr::from((a, port)),
        IpAddr::V6(a) => SocketAddrV6::new(a, port, 0, scope).into(),
    })
}

/// getaddrinfo's AI_CANONNAME for `host`: the first name of its /etc/hosts line, the target
/// of a DNS CNAME, the name with the search domain that answered, or the name itself.
pub(crate) fn canonical_name(host: &str) -> Option<String> {
    lookup(host, &SYSTEM).map(|(_, canon)| canon)
}

/// The addresses of `name`, best first, and its canonical name; None when it has none.
fn lookup(name: &str, src: &Sources) -> Option<(Vec<Found>, String)> {
    if name.is_empty() || name.len() > 254 {
        return None;
    }
    let mut canon = name.to_string();
    let mut found = Vec::new();
    if let Some(f) = literal::ip_literal(name) {
        found.push(f);
        return Some((found, canon));
    }
    hosts::lookup(
        &read(src.hosts)?.unwrap_or_default(),
        name,
        &mut found,
        &mut canon,
    );
    if found.is_empty() {
        let conf = conf::parse(read(src.resolv_conf)?.as_deref());
        if !matches!(
            from_dns_search(name, &conf, src.dns_port, &mut found, &mut canon),
            Dns::Found
        ) {
            return None;
        }
    }
    if found.len() > 1 && found.iter().any(|f| f.0.is_ipv6()) {
        order::sort(&mut found, source_for);
    }
    Some((found, canon))
}

/// A file's bytes; Some(None) when it is missing or unreadable (musl then goes on without it),
/// None on any other error (the lookup fails).
fn read(path: &str) -> Option<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(b) => Some(Some(b)),
        Err(e)
            if e.kind() == io::ErrorKind::NotFound
                || e.kind() == io::ErrorKind::PermissionDenied =>
        {
            Some(None)
        }
        Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => Some(None),
        Err(_) => None,
    }
}

/// The outcome of one name's DNS queries.
enum Dns {
    Found,
    /// NXDOMAIN, or a name that cannot be asked: the next search domain is tried.
    NoSuchName,
    /// No answer, a server failure, or no record of either type: the lookup stops.
    Fail,
}

/// The name with each search domain (when it has fewer than ndots dots), then as given.
fn from_dns_search(
    name: &str,
    conf: &conf::Conf,
    port: u16,
    found: &mut Vec<Found>,
    canon: &mut String,
) -> Dns {
    let dots = name.bytes().filter(|&c| c == b'.').count();
    let explicit = dots >= conf.ndots || name.ends_with('.');
    let base = name.strip_suffix('.').unwrap_or(name);
    if base.is_empty() || base.ends_with('.') {
        return Dns::Fail;
    }
    if !explicit {
        for domain in conf.search.split_ascii_whitespace() {
            if domain.len() < 255 - base.len() {
                canon.clear();
                canon.push_str(base);
                canon.push('.');
                canon.push_str(domain);
                let full = canon.clone();
                match from_dns(&full, conf, port, found, canon) {
                    Dns::NoSuchName => continue,
                    r => return r,
                }
            }
        }
    }
    *canon = base.to_string();
    from_dns(name, conf, port, found, canon)
}

/// musl's query id: from the clock's nanoseconds.
fn query_id() -> u16 {
    let ns = crate::core::time::real_now().subsec_nanos();
    (ns + ns / 65536) as u16
}

fn from_dns(
    name: &str,
    conf: &conf::Conf,
    port: u16,
    found: &mut Vec<Found>,
    canon: &mut String,
) -> Dns {
    let mut queries = Vec::with_capacity(2);
    for qtype in [dns::A, dns::AAAA] {
        let Some(mut q) = dns::query(name, qtype, query_id()) else {
            return Dns::NoSuchName;
        };
        if queries
            .first()
            .is_some_and(|first: &Vec<u8>| first[0] == q[0])
        {
            q[0] = q[0].wrapping_add(1);
        }
        queries.push(q);
    }
    let mut ns: Vec<SocketAddr> = Vec::with_capacity(conf.ns.len());
    for &(ip, scope) in &conf.ns {
        ns.push(match ip {
            IpAddr::V4(a) => SocketAddr::from((a, port)),
            IpAddr::V6(a) => SocketAddrV6::new(a, port, 0, scope).into(),
        });
    }
    let Ok(answers) = send_all(&ns, &queries, conf.timeout, conf.attempts) else {
        return Dns::Fail;
    };
    for a in &answers {
        match (a.len() < 4, dns::rcode(a)) {
            (true, _) | (_, 2) => return Dns::Fail,
            (_, 3) => return Dns::NoSuchName,
            (_, 0) => {}
            _ => return Dns::Fail,
        }
    }
    for (a, qtype) in answers.iter().zip([dns::A, dns::AAAA]).rev() {
        dns::answers(a, qtype, found, canon);
    }
    if found.is_empty() {
        Dns::Fail
    } else {
        Dns::Found
    }
}

/// Sends every query to every nameserver, again every `timeout / attempts` seconds, until
/// each has an answer (NOERROR or NXDOMAIN from a server asked) or `timeout` seconds pass;
/// an unanswered query's answer is empty. A SERVFAIL is asked again at once, twice a round.
/// A nameserver whose socket reports an error (an ICMP port or network unreachable: nothing
/// serves DNS there) is not asked again, and with none left the lookup ends at once, as
/// glibc's does; musl's one unconnected socket never hears of it and waits out `timeout`
/// (5 s by default, at every lookup on a host with no resolv.conf and no local server).
fn send_all(
    ns: &[SocketAddr],
    queries: &[Vec<u8>],
    timeout: u32,
    attempts: u32,
) -> io::Result<Vec<Vec<u8>>> {
    let mut poll = mio::Poll::new()?;
    let mut events = mio::Events::with_capacity(4);
    // One connected socket per server: only a connected socket is told of the ICMP errors
    // its datagrams cause, and it takes replies from that server only.
    let mut socks: Vec<Option<UdpSocket>> = Vec::with_capacity(ns.len());
    for (i, &to) in ns.iter().enumerate() {
        let s = server_socket(to).ok().filter(|s| {
            poll.registry()
                .register(
                    &mut SourceFd(&s.as_raw_fd()),
                    mio::Token(i),
                    mio::Interest::READABLE,
                )
                .is_ok()
        });
        socks.push(s);
    }
    let total = Duration::from_secs(u64::from(timeout));
    let retry = total / attempts.max(1);
    let t0 = monotonic();
    let mut sent: Option<Duration> = None;
    let mut servfail_retry = 0;
    let mut answers = vec![Vec::new(); queries.len()];
    let mut buf = vec![0u8; 4800];
    loop {
        let now = monotonic();
        if now.saturating_sub(t0) >= total || answers.iter().all(|a: &Vec<u8>| !a.is_empty()) {
            return Ok(answers);
        }
        let last = match sent {
            Some(t) if now.saturating_sub(t) < retry => t,
            _ => {
                for (q, _) in queries.iter().zip(&answers).filter(|(_, a)| a.is_empty()) {
                    for s in socks.iter_mut() {
                        if s.as_ref().is_some_and(|u| !sent_or_busy(u.send(q))) {
                            *s = None;
                        }
                    }
                }
                servfail_retry = 2 * queries.len();
                sent = Some(now);
                now
            }
        };
        if socks.iter().all(Option::is_none) {
            return Ok(answers);
        }
        let wait = (last + retry)
            .saturating_sub(now)
            .min(total.saturating_sub(now.saturating_sub(t0)));
        match poll.poll(&mut events, Some(wait)) {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => return Ok(answers),
            _ => {}
        }
        // Every socket is drained (edge-triggered), the ones without an event find nothing.
        for s in socks.iter_mut() {
            while let Some(u) = s.as_ref() {
                let n = match u.recv(&mut buf) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(_) => {
                        *s = None;
                        break;
                    }
                };
                let reply = &buf[..n];
                if n < 4 {
                    continue;
                }
                let Some(i) = (0..queries.len())
                    .find(|&i| queries[i][..2] == reply[..2] && answers[i].is_empty())
                else {
                    continue;
                };
                match dns::rcode(reply) {
                    0 | 3 => answers[i] = reply.to_vec(),
                    2 if servfail_retry > 0 => {
                        servfail_retry -= 1;
                        let _ = u.send(&queries[i]);
                    }
                    _ => {}
                }
            }
        }
    }
}

/// A non-blocking UDP socket connected to nameserver `to`.
fn server_socket(to: SocketAddr) -> io::Result<UdpSocket> {
    let any: SocketAddr = match to {
        SocketAddr::V4(_) => (std::net::Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let s = UdpSocket::bind(any)?;
    s.connect(to)?;
    s.set_nonblocking(true)?;
    Ok(s)
}

/// Whether a send leaves its server worth asking: it went, or only the buffer was full.
fn sent_or_busy(r: io::Result<usize>) -> bool {
    match r {
        Ok(_) => true,
        Err(e) => e.kind() == io::ErrorKind::WouldBlock,
    }
}

/// The source address the kernel would use towards `dst` (order's rules 1, 2, 9).
fn source_for(dst: IpAddr, scope: u32) -> Option<Option<IpAddr>> {
    let (any, to): (SocketAddr, SocketAddr) = match dst {
        IpAddr::V4(a) => (([0, 0, 0, 0], 0).into(), (a, 65535).into()),
        IpAddr::V6(a) => (
            (Ipv6Addr::UNSPECIFIED, 0).into(),
            SocketAddrV6::new(a, 65535, 0, scope).into(),
        ),
    };
    let s = UdpSocket::bind(any).ok()?;
    s.connect(to).ok()?;
    Some(s.local_addr().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests;
