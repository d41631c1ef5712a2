//! Entry points for the fuzz targets in `tests/fuzz/` (built only with `--cfg fuzzing`): each
//! takes untrusted bytes and drives the real code the daemon runs on them, so the crate keeps
//! its `pub(crate)` items private to everyone else. Nothing here opens a socket, spawns a
//! process or writes a file; the config and the harnesses read files the target wrote into its
//! own temporary directory.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;

use crate::check::checkers::dns::DnsDialog;
use crate::check::checkers::smtp::SmtpDialog;
use crate::check::checkers::udp::UdpDialog;
use crate::check::checkers::web::http::WebDialog;
use crate::check::checkers::{Dialog, Step, TlsContext};
use crate::config::checker::CheckerKind;
use crate::config::vrrp::Family;
use crate::config::{Config, LoadOptions};
use crate::core::time::Micros;
use crate::net::netlink::{self, messages, parse_error};
use crate::vrrp::fsm::{Action, Actions};
use crate::vrrp::ifaces::{IfInfo, Ifaces};
use crate::vrrp::packet::{self, Rx};
use crate::vrrp::router::{self, IfAddrs, Router};

/// The interface every harness instance runs on (`interface va` in the targets' configs).
const IFNAME: &str = "va";
const OUR_V4: Ipv4Addr = Ipv4Addr::new(192, 168, 77, 2);
const OUR_LL6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 2);
/// The sender of IPv6 adverts, as in the captures (IPv4 ones carry it in the IP header).
const PEER_LL6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1);
/// Bounds the timer loop between two packets: a state machine that keeps rescheduling at the
/// same instant is a bug the fuzzer should not hang on.
const MAX_TIMERS: usize = 64;
/// The largest advert: 255 IPv6 addresses after the header (and far below any MTU).
const TX_BUF: usize = 8 + 255 * 16 + 64;

/// Loads the config at `path` as the daemon does (`-f path`), errors included.
fn load(path: &Path) -> Config {
    crate::config::load(path, &LoadOptions::default()).0
}

fn ifaces() -> Ifaces {
    Ifaces {
        list: vec![IfInfo {
            ifindex: 2,
            name: IFNAME.into(),
            up: true,
            mac: [2, 0, 0, 0, 0, 2],
            mtu: 1500,
            v4: Some(OUR_V4),
            ll6: Some(OUR_LL6),
            group: 0,
        }],
        ..Ifaces::default()
    }
}

/// Reads a config (and what it includes) and builds everything the daemon builds from it
/// without I/O: the typed config with its checks, each VRRP instance's plan and router, the
/// reload pairing against itself and the IPVS plan.
pub fn config(path: &Path) {
    let cfg = load(path);
    let ifaces = ifaces();
    let mut runs = Vec::new();
    for idx in 0..cfg.vrrp.instances.len() {
        if let Ok(mut plan) = crate::vrrp::instance_plan::plan(&cfg, idx, &ifaces) {
            let _ = plan.router.start(Micros(0), Micros(0), false);
            runs.push(idx);
        }
    }
    let _ = crate::vrrp::reload_plan::successors(&cfg, &runs, &cfg, |_| true);
    let _ = crate::check::ipvs::plan::plan(&cfg.lvs);
}

/// One VRRP instance from a config, fed adverts on a virtual clock.
pub struct Vrrp {
    cfg: Config,
    ifaces: Ifaces,
}

impl Vrrp {
    /// The first instance of the config at `path`; None when it cannot run.
    pub fn new(path: &Path) -> Option<Vrrp> {
        let cfg = load(path);
        let ifaces = ifaces();
        crate::vrrp::instance_plan::plan(&cfg, 0, &ifaces).ok()?;
        Some(Vrrp { cfg, ifaces })
    }

    /// `data`: one flags byte (bit 0: take the router to MASTER first), then packets, each
    /// `[dt, hop, len_lo, len_hi]` and `len` bytes (or what is left): `dt` tenths of a second
    /// pass first (the router's timers fire), `hop` is the IPv6 hop limit (0: none given).
    /// Each packet goes through `packet::receive`, `router::pick` and `handle_advert` (or
    /// `count_refused`), and the adverts the router answers with are built.
    pub fn run(&self, data: &[u8]) {
        let Some((&flags, mut rest)) = data.split_first() else {
            return;
        };
        let Ok(plan) = crate::vrrp::instance_plan::plan(&self.cfg, 0, &self.ifaces) else {
            return;
        };
        let mut r = plan.router;
        let mut out = vec![0u8; TX_BUF];
        let mut now = Micros(0);
        let acts = r.start(now, Micros(0), false);
        apply(&mut r, &acts, &mut out);
        if flags & 1 != 0 {
            now = Micros(now.0 + 10_000_000);
            timers(&mut r, now, &mut out);
        }
        while let [dt, hop, lo, hi, tail @ ..] = rest {
            let len = usize::from(u16::from_le_bytes([*lo, *hi])).min(tail.len());
            let (pkt, next) = tail.split_at(len);
            rest = next;
            now = Micros(now.0 + u64::from(*dt) * 100_000);
            timers(&mut r, now, &mut out);
            let rx = match r.family() {
                Family::V4 => Rx::V4,
                Family::V6 => Rx::V6 {
                    src: PEER_LL6,
                    dst: match r.group() {
                        IpAddr::V6(g) => g,
                        IpAddr::V4(_) => OUR_LL6,
                    },
                    hop_limit: Some(*hop).filter(|h| *h != 0),
                },
            };
            match packet::receive(pkt, rx) {
                Ok(adv) => {
                    if router::pick(std::iter::once((0, &r)), &adv).is_some() {
                        let mut got = router::Outcome::default();
                        r.handle_advert(now, &adv, &mut got);
                        apply(&mut r, &got.acts, &mut out);
                    }
                }
                Err(refused) => {
                    let family = r.family();
                    router::count_refused(std::iter::once(&mut r), &refused, family);
                }
            }
        }
    }
}

fn timers(r: &mut Router, now: Micros, out: &mut [u8]) {
    for _ in 0..MAX_TIMERS {
        match r.next_deadline() {
            Some(at) if at <= now => {
                let acts = r.on_timer(at);
                apply(r, &acts, out);
            }
            _ => return,
        }
    }
}

/// Carries out what the shell would that touches the router: AH follows state changes, and
/// adverts are built (and must parse back).
fn apply(r: &mut Router, acts: &Actions, out: &mut [u8]) {
    let addrs = IfAddrs {
        v4: Some(OUR_V4),
        v6: Some(OUR_LL6),
    };
    for a in acts {
        match *a {
            Action::StateChange { from, to, .. } => r.state_changed(from, to),
            Action::SendAdvert { priority } => {
                if let Some(round) = r.advert(priority, addrs) {
                    let dsts: Vec<IpAddr> = round.destinations().collect();
                    for dst in dsts {
                        let _ = round.emit(dst, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A datagram from a netlink socket: every message through the reply parsers of rtnetlink
/// (links, addresses, the reflector's events), IPVS generic netlink (family id, services,
/// destinations, timeouts) and the acknowledgements every request and nftables batch reads.
pub fn netlink(data: &[u8]) {
    for m in messages(data) {
        let Ok(m) = m else {
            return;
        };
        if m.ty == 2 {
            if let Ok(e) = parse_error(&m) {
                let _ = e.into_result();
            }
        }
        let _ = crate::net::rtnl::decode_link(&m);
        let _ = crate::net::rtnl::decode_addr(&m);
        let _ = crate::net::rtnl::msg_family(&m);
        let _ = crate::net::rtnl::event_from(&m);
        let _ = crate::check::ipvs::wire::family_id(&m);
        let _ = crate::check::ipvs::wire::parse_service(&m);
        for af in [libc::AF_INET, libc::AF_INET6] {
            let _ = crate::check::ipvs::wire::parse_dest(&m, af as u16);
        }
        let _ = crate::check::ipvs::wire::parse_config(&m);
        if let Some(attrs) = m.attrs(0) {
            for a in attrs.take(64).flatten() {
                let _ = (a.u8(), a.u16(), a.u32(), a.str(), a.ip());
                let _ = a.attrs().take(64).count();
            }
        }
    }
    let _ = netlink::attrs(data).take(256).count();
}

/// The protocol checkers of one config, fed server replies.
pub struct Dialogs {
    cfg: Config,
}

impl Dialogs {
    /// The checkers of the config at `path` (HTTP_GET, SMTP_CHECK, DNS_CHECK, UDP_CHECK).
    pub fn new(path: &Path) -> Dialogs {
        Dialogs { cfg: load(path) }
    }

    fn dialog(&self, pick: u8) -> Option<Box<dyn Dialog>> {
        let all: Vec<_> = self
            .cfg
            .lvs
            .virtual_servers
            .iter()
            .flat_map(|vs| vs.real_servers.iter())
            .flat_map(|rs| rs.checkers.iter())
            .collect();
        let c = all.get(usize::from(pick) % all.len().max(1))?;
        let server = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 80);
        Some(match &c.kind {
            CheckerKind::Http(h) => Box::new(
                WebDialog::new(
                    h,
                    false,
                    server,
                    None,
                    Some("vs.example"),
                    &TlsContext::for_config(&self.cfg),
                )
                .ok()?,
            ),
            CheckerKind::Smtp(s) => Box::new(SmtpDialog::new(s)),
            CheckerKind::Dns(d) => Box::new(Fixed(DnsDialog::new(d))),
            CheckerKind::Udp(u) => Box::new(UdpDialog::new(u, 0)),
            _ => return None,
        })
    }

    /// `data`: which checker (its index modulo their count), then chunks `[len]` and `len`
    /// bytes the server sent (`len` 0: the server closes). Each check starts with a reset and
    /// what the dialog has to send is taken whole; a verdict starts the next check.
    pub fn run(&self, data: &[u8]) {
        let Some((&pick, mut rest)) = data.split_first() else {
            return;
        };
        let Some(mut d) = self.dialog(pick) else {
            return;
        };
        d.select(usize::from(pick >> 4));
        d.reset();
        while let [len, tail @ ..] = rest {
            let n = d.pending().len();
            d.sent(n);
            let step = if *len == 0 {
                rest = tail;
                d.closed()
            } else {
                let len = usize::from(*len).min(tail.len());
                let (chunk, next) = tail.split_at(len);
                rest = next;
                d.received(chunk)
            };
            if let Step::Done(_) = step {
                let _ = d.passed();
                d.reset();
            }
        }
        let _ = d.closed();
    }
}

/// The DNS dialog with query id 0, so that replies can match it.
struct Fixed(DnsDialog);

impl Dialog for Fixed {
    fn reset(&mut self) {
        self.0.reset();
        self.0.set_id(0);
    }
    fn pending(&self) -> &[u8] {
        self.0.pending()
    }
    fn sent(&mut self, n: usize) {
        self.0.sent(n)
    }
    fn received(&mut self, data: &[u8]) -> Step {
        self.0.received(data)
    }
    fn closed(&mut self) -> Step {
        self.0.closed()
    }
}

/// A command line: arguments separated by NUL bytes (argv[0] first).
pub fn cli(data: &[u8]) {
    let args = data
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned());
    if let Ok(o) = crate::cli::parse(args) {
        let _ = o.log_settings();
    }
}

/// One word through the value parsers the config keywords share.
pub fn values(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let s = s.as_ref();
    use crate::config::{iproute::tables, value};
    let _ = value::parse_bool(s);
    let _ = value::parse_timer(s);
    let _ = value::parse_ip(s);
    let _ = value::parse_prefix(s);
    let _ = value::valid_ifname(s);
    let _ = tables::parse_c_unsigned(s);
    let _ = tables::realms(s);
    let _ = tables::route_type(s);
    let _ = crate::config::lvs::Sched::from_name(s);
    let _ = crate::cli::signum(s);
    let _ = crate::net::rtnl::ifname(s);
}

/// One BFD session fed datagrams: byte 0 sets the session up (bit 0: passive, bits 1-2: the
/// detect multiplier - 1), then records `[dt: u16 LE, in 100 µs][len: u8]` + `len` bytes (0: no
/// packet, only time passes). Each datagram goes through the receive checks; an accepted one
/// written back must be the bytes received (every bit of the mandatory section means
/// something), then feeds the session. Timers run as the child would run them, and every
/// packet the session sends must pass our own receive checks.
pub fn bfd(data: &[u8]) {
    use crate::bfd::packet::{Control, LEN};
    use crate::bfd::rng::Rng;
    use crate::bfd::session::{Params, Session};
    let Some((setup, mut rest)) = data.split_first() else {
        return;
    };
    let p = Params {
        min_rx: Micros(10_000),
        min_tx: Micros(10_000),
        idle_tx: Micros(1_000_000),
        multiplier: (setup >> 1 & 3) + 1,
        passive: setup & 1 != 0,
    };
    let mut s = Session::new(p, 0x1234_5678);
    let mut rng = Rng::new(u64::from(*setup) + 1);
    let mut now = Micros(1_000_000);
    let mut out = [0u8; LEN];
    let mut run = |s: &mut Session, now: Micros, rng: &mut Rng| {
        for _ in 0..MAX_TIMERS {
            if s.poll_at().is_some_and(|t| t <= now) {
                let _ = s.handle_timeout(now);
            }
            if !s.poll_transmit(now, rng, &mut out) {
                break;
            }
            if let Err(e) = Control::parse(&out) {
                panic!("we sent a packet we would drop ({e:?}): {out:?}");
            }
        }
    };
    while let [lo, hi, len, tail @ ..] = rest {
        let dt = Micros(u64::from(u16::from_le_bytes([*lo, *hi])) * 100);
        // Timers fire in order, as the loop would have woken for each.
        let until = now + dt;
        while let Some(t) = s.poll_at().filter(|t| *t <= until) {
            now = now.max(t);
            run(&mut s, now, &mut rng);
            if s.poll_at().is_some_and(|t| t <= now) {
                break;
            }
        }
        now = until;
        let n = usize::from(*len).min(tail.len());
        let (pkt, after) = tail.split_at(n);
        rest = after;
        if n == 0 {
            continue;
        }
        if let Ok(c) = Control::parse(pkt) {
            let mut back = [0u8; LEN];
            c.emit(&mut back);
            if pkt.len() == LEN {
                assert_eq!(&back[..], pkt, "{c:?}");
            }
            let _ = s.handle_packet(&c, now, &mut rng);
            if c.poll {
                run(&mut s, now, &mut rng);
            }
        }
    }
}

/// An AgentX session fed whatever a master agent might send, KEEPALIVED-MIB's global group
/// behind it: byte 0 sets up (bit 0: the Open and Register are answered first, so requests
/// reach a serving session; bits 1-4: the read size - 1, so PDUs arrive split and joined),
/// the rest is the master's byte stream, with a second passing between reads. Every PDU the
/// session sends must parse back; a session the bytes end is reconnected and goes on.
#[cfg(feature = "snmp")]
pub fn agentx(data: &[u8]) {
    use crate::snmp::agentx::pdu::{self, Header, Type, Writer};
    use crate::snmp::agentx::session::Session;
    use crate::snmp::global::Global;
    use crate::snmp::mib::Mib;
    use std::sync::OnceLock;

    static GLOBAL: OnceLock<Global> = OnceLock::new();
    let g = GLOBAL.get_or_init(|| Global::new(&Default::default()));
    let mibs: [&dyn Mib; 1] = [g];
    let Some((&setup, stream)) = data.split_first() else {
        return;
    };
    // Takes what the session sent, checking each PDU; returns the last one's header.
    let drain = |s: &mut Session| -> Option<Header> {
        let mut last = None;
        let mut out = s.pending();
        while !out.is_empty() {
            let len = match pdu::frame_len(out, 1 << 16) {
                Ok(Some(len)) if len <= out.len() => len,
                other => panic!("we sent a bad PDU ({other:?}): {out:?}"),
            };
            let h = Header::parse(out).expect("our header parses");
            if h.ty == Type::Response {
                pdu::Response::parse(&h, &out[pdu::HEADER_LEN..len]).expect("our response parses");
            }
            last = Some(h);
            out = &out[len..];
        }
        let n = s.pending().len();
        s.sent(n);
        last
    };
    let answer = |s: &mut Session, now: Micros, to: &Header| {
        let mut buf = [0u8; 32];
        let h = Header {
            ty: Type::Response,
            session_id: 7,
            ..*to
        };
        let Ok(mut w) = Writer::new(&mut buf, &h) else {
            return;
        };
        if w.u32(0)
            .and_then(|_| w.u16(0))
            .and_then(|_| w.u16(0))
            .is_err()
        {
            return;
        }
        let n = w.finish();
        s.read_buf()[..n].copy_from_slice(&buf[..n]);
        s.filled(now, n, &mibs);
    };
    let mut now = Micros(1_000_000);
    let mut s = Session::new(now);
    let open = |s: &mut Session, now: Micros| {
        s.connected(now);
        let h = drain(s);
        if setup & 1 != 0 {
            if let Some(h) = h {
                answer(s, now, &h);
                if let Some(r) = drain(s) {
                    answer(s, now, &r);
                }
            }
        }
    };
    open(&mut s, now);
    let step = usize::from(setup >> 1 & 0x0f) + 1;
    for chunk in stream.chunks(step) {
        now = now + Micros(1_000_000);
        s.on_timer(now);
        let room = s.read_buf().len().min(chunk.len());
        s.read_buf()[..room].copy_from_slice(&chunk[..room]);
        s.filled(now, room, &mibs);
        drain(&mut s);
        if s.must_close() {
            s.disconnected(now);
            now = s.poll_at().unwrap_or(now);
            open(&mut s, now);
        }
    }
    let _ = s.take_notes();
}
