//! rtnetlink against the kernel, inside lab namespaces (root only). Sockets are opened on a
//! thread that has joined the lab namespace with setns(2), which moves only that thread; a
//! netlink socket stays in the namespace it was created in, so it is used from any thread after.

mod lab;

use std::fs::File;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use keepalived::net::netlink::Error;
use keepalived::net::rtnl::{
    if_nametoindex, AddrSpec, Event, Reflector, Rtnl, IFA_F_NODAD, IFA_F_NOPREFIXROUTE,
    RT_SCOPE_LINK,
};
use lab::Lab;

/// Runs `f` on a fresh thread inside namespace `full` (a name under /run/netns).
fn in_ns<T: Send>(full: &str, f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            let path = format!("/run/netns/{full}");
            let ns = File::open(&path).unwrap_or_else(|e| panic!("open {path}: {e}"));
            // SAFETY: setns on an open namespace fd; it changes only this thread's namespace.
            let rc = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns {path}: {}", std::io::Error::last_os_error());
            f()
        })
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// A lab with namespace "r" holding veth `va` <-> `vb`, both up.
fn lab(name: &str) -> (Lab, String) {
    let mut lab = Lab::new(name);
    lab.stub_link("r", "va", "vb");
    let full = lab.ns("r");
    (lab, full)
}

fn ip(lab: &mut Lab, args: &[&str]) -> String {
    let mut cmd = vec!["ip"];
    cmd.extend_from_slice(args);
    String::from_utf8_lossy(&lab.exec_ok("r", &cmd).stdout).into_owned()
}

fn ip4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse().unwrap_or(Ipv4Addr::UNSPECIFIED))
}

fn ip6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse().unwrap_or(std::net::Ipv6Addr::UNSPECIFIED))
}

fn kernel_errno(r: Result<(), Error>) -> (i32, String) {
    match r {
        Err(e) => (e.errno().unwrap_or(0), e.to_string()),
        Ok(()) => panic!("the kernel accepted a request it should refuse"),
    }
}

#[test]
fn ipv4_address_add_and_delete() {
    if !lab::require_root("ipv4_address_add_and_delete") {
        return;
    }
    let (mut lab, ns) = lab("rtnl4");
    let (mut rt, va) = in_ns(&ns, || {
        let rt = Rtnl::open().unwrap_or_else(|e| panic!("open: {e}"));
        (rt, if_nametoindex("va").unwrap_or_else(|| panic!("no va")))
    });
    let mut spec = AddrSpec::new(va, ip4("192.0.2.10"), 24);
    spec.broadcast = Some(Ipv4Addr::new(192, 0, 2, 255));
    spec.scope = RT_SCOPE_LINK;
    spec.label = Some("va:vip");
    rt.add_address(&spec).unwrap_or_else(|e| panic!("add: {e}"));
    let shown = ip(&mut lab, &["-4", "-o", "addr", "show", "dev", "va"]);
    assert!(
        shown.contains("inet 192.0.2.10/24 brd 192.0.2.255 scope link va:vip"),
        "{shown}"
    );

    let dumped = rt.addresses().unwrap_or_else(|e| panic!("dump: {e}"));
    let ours = dumped.iter().find(|a| a.addr == spec.addr);
    assert_eq!(
        ours.map(|a| (a.ifindex, a.prefix, a.scope)),
        Some((va, 24, RT_SCOPE_LINK))
    );
    assert_eq!(
        ours.and_then(|a| a.label.as_ref()).map(|l| l.as_str()),
        Some("va:vip")
    );

    let (errno, text) = kernel_errno(rt.add_address(&spec));
    assert_eq!(errno, libc::EEXIST, "{text}");
    assert!(text.contains("File exists"), "{text}");

    rt.del_address(&spec).unwrap_or_else(|e| panic!("del: {e}"));
    let shown = ip(&mut lab, &["-4", "-o", "addr", "show", "dev", "va"]);
    assert!(!shown.contains("192.0.2.10"), "{shown}");
    let (errno, text) = kernel_errno(rt.del_address(&spec));
    assert_eq!(errno, libc::EADDRNOTAVAIL, "{text}");

    let gone = AddrSpec::new(va + 1000, ip4("192.0.2.11"), 24);
    let (errno, text) = kernel_errno(rt.add_address(&gone));
    assert_eq!(errno, libc::ENODEV, "{text}");
    assert!(text.contains("No such device"), "{text}");
}

#[test]
fn ipv6_address_add_and_delete() {
    if !lab::require_root("ipv6_address_add_and_delete") {
        return;
    }
    let (mut lab, ns) = lab("rtnl6");
    let (mut rt, va) = in_ns(&ns, || {
        let rt = Rtnl::open().unwrap_or_else(|e| panic!("open: {e}"));
        (rt, if_nametoindex("va").unwrap_or_else(|| panic!("no va")))
    });
    let mut quiet = AddrSpec::new(va, ip6("2001:db8::10"), 64);
    quiet.flags = IFA_F_NODAD | IFA_F_NOPREFIXROUTE;
    let mut routed = AddrSpec::new(va, ip6("2001:db8:1::10"), 64);
    routed.flags = IFA_F_NODAD;
    let mut deprecated = AddrSpec::new(va, ip6("2001:db8:2::1"), 128);
    deprecated.flags = IFA_F_NODAD;
    deprecated.preferred_lft = Some(0);
    for a in [&quiet, &routed, &deprecated] {
        rt.add_address(a)
            .unwrap_or_else(|e| panic!("add {}: {e}", a.addr));
    }
    let shown = ip(&mut lab, &["-6", "-o", "addr", "show", "dev", "va"]);
    assert!(
        shown.contains("inet6 2001:db8::10/64 scope global nodad noprefixroute"),
        "{shown}"
    );
    assert!(
        shown.contains("inet6 2001:db8:1::10/64 scope global nodad"),
        "{shown}"
    );
    assert!(
        shown.contains("inet6 2001:db8:2::1/128 scope global nodad deprecated"),
        "{shown}"
    );
    let routes = ip(&mut lab, &["-6", "route", "show", "dev", "va"]);
    assert!(
        !routes.contains("2001:db8::/64"),
        "noprefixroute ignored: {routes}"
    );
    assert!(routes.contains("2001:db8:1::/64"), "{routes}");

    let dumped = rt.addresses().unwrap_or_else(|e| panic!("dump: {e}"));
    let flags = dumped
        .iter()
        .find(|a| a.addr == quiet.addr)
        .map(|a| a.flags);
    assert_eq!(flags.map(|f| f & quiet.flags), Some(quiet.flags));

    let (errno, text) = kernel_errno(rt.add_address(&quiet));
    assert_eq!(errno, libc::EEXIST, "{text}");
    for a in [&quiet, &routed, &deprecated] {
        rt.del_address(a)
            .unwrap_or_else(|e| panic!("del {}: {e}", a.addr));
    }
    let shown = ip(&mut lab, &["-6", "-o", "addr", "show", "dev", "va"]);
    assert!(!shown.contains("2001:db8"), "{shown}");
    let (errno, text) = kernel_errno(rt.del_address(&quiet));
    assert_eq!(errno, libc::EADDRNOTAVAIL, "{text}");
}

#[test]
fn link_dump_matches_ip() {
    if !lab::require_root("link_dump_matches_ip") {
        return;
    }
    let (mut lab, ns) = lab("rtnlln");
    ip(&mut lab, &["link", "set", "vb", "mtu", "1400"]);
    let shown = ip(&mut lab, &["-o", "link", "show", "va"]);
    let mac = shown
        .split_whitespace()
        .skip_while(|w| *w != "link/ether")
        .nth(1)
        .unwrap_or_else(|| panic!("no MAC in {shown}"))
        .to_string();
    let links = in_ns(&ns, || Rtnl::open().and_then(|mut rt| rt.links()))
        .unwrap_or_else(|e| panic!("dump: {e}"));
    let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    let find = |n: &str| links.iter().find(|l| l.name == n);
    let lo = find("lo").unwrap_or_else(|| panic!("no lo in {names:?}"));
    assert_eq!((lo.ifindex, lo.mtu), (1, 65536));
    let va = find("va").unwrap_or_else(|| panic!("no va in {names:?}"));
    assert_eq!(va.mtu, 1500);
    assert!(va.is_up());
    assert_eq!(va.hwaddr.map(|h| h.to_string()), Some(mac));
    assert_eq!(find("vb").map(|l| l.mtu), Some(1400));
    // Down on one end: that end is not up, the other is up but has no carrier.
    ip(&mut lab, &["link", "set", "vb", "down"]);
    let links = in_ns(&ns, || Rtnl::open().and_then(|mut rt| rt.links()))
        .unwrap_or_else(|e| panic!("dump: {e}"));
    let find = |n: &str| links.iter().find(|l| l.name == n);
    let state = |n| find(n).map(|l| (l.is_admin_up(), l.is_running(), l.is_up()));
    assert_eq!(state("vb"), Some((false, false, false)));
    assert_eq!(state("va"), Some((true, false, false)));
}

/// Reads events until one satisfies `want` or five seconds pass; returns what was seen.
fn wait_event(
    r: &mut Reflector,
    mut want: impl FnMut(&Event) -> bool,
) -> Result<Event, Vec<Event>> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = Vec::new();
    loop {
        while let Some(ev) = r.next_event().unwrap_or_else(|e| panic!("reflector: {e}")) {
            if want(&ev) {
                return Ok(ev);
            }
            seen.push(ev);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(seen);
        }
        // The fd is what the event loop polls; check it works for that.
        let mut pfd = libc::pollfd {
            fd: r.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the duration of the call.
        unsafe { libc::poll(&mut pfd, 1, left.as_millis() as libc::c_int) };
    }
}

#[test]
fn reflector_sees_links_and_addresses_change() {
    if !lab::require_root("reflector_sees_links_and_addresses_change") {
        return;
    }
    let (mut lab, ns) = lab("rtnlrf");
    let (mut r, va) = in_ns(&ns, || {
        let r = Reflector::open().unwrap_or_else(|e| panic!("open: {e}"));
        (r, if_nametoindex("va").unwrap_or_else(|| panic!("no va")))
    });
    assert_eq!(r.next_event().ok(), Some(None), "nothing happened yet");

    ip(&mut lab, &["link", "set", "va", "down"]);
    let down = wait_event(
        &mut r,
        |e| matches!(e, Event::LinkDown { ifindex, .. } if *ifindex == va),
    );
    match down {
        Ok(Event::LinkDown { name, .. }) => assert_eq!(name.as_str(), "va"),
        other => panic!("no LinkDown for va: {other:?}"),
    }
    ip(&mut lab, &["link", "set", "va", "up"]);
    let up = wait_event(
        &mut r,
        |e| matches!(e, Event::LinkUp { ifindex, .. } if *ifindex == va),
    );
    assert!(up.is_ok(), "no LinkUp for va: {up:?}");

    for (cidr, addr, prefix) in [
        ("192.0.2.20/24", ip4("192.0.2.20"), 24),
        ("2001:db8::20/64", ip6("2001:db8::20"), 64),
    ] {
        let mut add = vec!["addr", "add", cidr, "dev", "va"];
        if addr.is_ipv6() {
            add.push("nodad");
        }
        ip(&mut lab, &add);
        let want = Event::AddrAdded {
            ifindex: va,
            addr,
            prefix,
        };
        let got = wait_event(&mut r, |e| *e == want);
        assert!(got.is_ok(), "no {want:?}: {got:?}");
        // Someone else removes it.
        ip(&mut lab, &["addr", "del", cidr, "dev", "va"]);
        let want = Event::AddrRemoved {
            ifindex: va,
            addr,
            prefix,
        };
        let got = wait_event(&mut r, |e| *e == want);
        assert!(got.is_ok(), "no {want:?}: {got:?}");
    }
}

#[test]
fn reflector_reports_lost_notifications() {
    if !lab::require_root("reflector_reports_lost_notifications") {
        return;
    }
    let (mut lab, ns) = lab("rtnlov");
    let mut r = in_ns(&ns, Reflector::open).unwrap_or_else(|e| panic!("open: {e}"));
    // The kernel's minimum buffer holds a few notifications; a burst of 64 overflows it.
    r.set_rcvbuf(0, true)
        .unwrap_or_else(|e| panic!("rcvbuf: {e}"));
    let batch = lab.write_file(
        "burst",
        &(1..=64)
            .map(|i| format!("addr add 198.51.100.{i}/32 dev va\n"))
            .collect::<String>(),
    );
    ip(&mut lab, &["-batch", &batch.to_string_lossy()]);
    let got = wait_event(&mut r, |e| *e == Event::Overrun);
    assert!(got.is_ok(), "no Overrun: {got:?}");
    // Reading goes on after an overrun (with room for what comes next).
    r.set_rcvbuf(1 << 20, true)
        .unwrap_or_else(|e| panic!("rcvbuf: {e}"));
    while let Ok(Some(_)) = r.next_event() {}
    ip(&mut lab, &["addr", "add", "198.51.100.200/32", "dev", "va"]);
    let addr = ip4("198.51.100.200");
    let got = wait_event(
        &mut r,
        |e| matches!(e, Event::AddrAdded { addr: a, .. } if *a == addr),
    );
    assert!(got.is_ok(), "no event after the overrun: {got:?}");
}
