//! The kernel's view of IPVS: virtual services and their destinations, as the kernel holds
//! them and reports them back. The manager computes tables of these; the wire code encodes and
//! decodes them; comparing two of them is how we verify what the kernel really holds.

use std::fmt;
use std::net::IpAddr;

use heapless::String as HString;

/// `IP_VS_SCHEDNAME_MAXLEN` and `IP_VS_PENAME_MAXLEN`, terminator included.
pub const NAME_LEN: usize = 16;
pub type Name = HString<NAME_LEN>;

pub const AF_INET: u16 = libc::AF_INET as u16;
pub const AF_INET6: u16 = libc::AF_INET6 as u16;

pub const IPPROTO_TCP: u16 = 6;
pub const IPPROTO_UDP: u16 = 17;
pub const IPPROTO_SCTP: u16 = 132;

/// Service flags (`IP_VS_SVC_F_*`).
pub const SVC_F_PERSISTENT: u32 = 0x0001;
pub const SVC_F_HASHED: u32 = 0x0002;
pub const SVC_F_ONEPACKET: u32 = 0x0004;
pub const SVC_F_SCHED1: u32 = 0x0008;
pub const SVC_F_SCHED2: u32 = 0x0010;
pub const SVC_F_SCHED3: u32 = 0x0020;
/// The flags a user sets; the kernel adds HASHED on its own once the service is in its table.
pub const SVC_F_USER: u32 =
    SVC_F_PERSISTENT | SVC_F_ONEPACKET | SVC_F_SCHED1 | SVC_F_SCHED2 | SVC_F_SCHED3;

/// How the kernel finds a service: address, port and protocol, or a firewall mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SvcKey {
    Addr { proto: u16, ip: IpAddr, port: u16 },
    Fwmark { af: u16, mark: u32 },
}

impl SvcKey {
    pub fn af(&self) -> u16 {
        match self {
            SvcKey::Addr { ip, .. } => af_of(ip),
            SvcKey::Fwmark { af, .. } => *af,
        }
    }
}

pub fn af_of(ip: &IpAddr) -> u16 {
    if ip.is_ipv4() {
        AF_INET
    } else {
        AF_INET6
    }
}

impl fmt::Display for SvcKey {
    /// keepalived's own format: `[IP]:PROTO:PORT` or `FWM N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SvcKey::Addr { proto, ip, port } => {
                let p = match *proto {
                    IPPROTO_TCP => "TCP",
                    IPPROTO_UDP => "UDP",
                    IPPROTO_SCTP => "SCTP",
                    _ => "?",
                };
                write!(f, "[{ip}]:{p}:{port}")
            }
            SvcKey::Fwmark { mark, .. } => write!(f, "FWM {mark}"),
        }
    }
}

/// One virtual service with the settings we compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub key: SvcKey,
    pub sched: Name,
    /// `SVC_F_*`; only [`SVC_F_USER`] bits are compared.
    pub flags: u32,
    /// Persistence timeout in seconds (0 without persistence).
    pub timeout: u32,
    /// IPv4: the granularity mask as its 4 address bytes read as one native u32 (the kernel
    /// keeps it in network order); IPv6: the prefix length.
    pub netmask: u32,
    /// Persistence engine (`sip`), empty for none.
    pub pe: Name,
}

impl Service {
    /// True when the kernel's `other` holds the same settings (the kernel adds flags of its own).
    pub fn same_settings(&self, other: &Service) -> bool {
        self.sched == other.sched
            && self.flags & SVC_F_USER == other.flags & SVC_F_USER
            && self.timeout == other.timeout
            && self.netmask == other.netmask
            && self.pe == other.pe
    }
}

/// `IP_VS_CONN_F_*` forwarding methods.
pub const FWD_MASQ: u32 = 0;
pub const FWD_TUNNEL: u32 = 2;
pub const FWD_DROUTE: u32 = 3;
pub const FWD_MASK: u32 = 0x7;

/// Tunnel encapsulation (`IP_VS_CONN_F_TUNNEL_TYPE_*`) and its checksum flags.
pub const TUN_IPIP: u8 = 0;
pub const TUN_GUE: u8 = 1;
pub const TUN_GRE: u8 = 2;
pub const TUN_F_NOCSUM: u16 = 0;
pub const TUN_F_CSUM: u16 = 1;
pub const TUN_F_REMCSUM: u16 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DestKey {
    pub ip: IpAddr,
    pub port: u16,
}

impl fmt::Display for DestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]:{}", self.ip, self.port)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dest {
    pub key: DestKey,
    /// `FWD_*`.
    pub fwd: u32,
    pub tun_type: u8,
    pub tun_port: u16,
    pub tun_flags: u16,
    pub weight: u32,
    pub u_threshold: u32,
    pub l_threshold: u32,
}

impl Dest {
    /// True when the kernel's `other` holds the same settings. Tunnel details are only
    /// reported by newer kernels, so they are compared only for tunnels the kernel describes.
    pub fn same_settings(&self, other: &Dest) -> bool {
        self.fwd & FWD_MASK == other.fwd & FWD_MASK
            && self.weight == other.weight
            && self.u_threshold == other.u_threshold
            && self.l_threshold == other.l_threshold
    }
}

/// A service and its destinations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub svc: Service,
    pub dests: Vec<Dest>,
}

/// Changes to the kernel's table, in the order they must be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    AddService(Service),
    EditService(Service),
    DelService(SvcKey),
    AddDest(SvcKey, Dest),
    EditDest(SvcKey, Dest),
    DelDest(SvcKey, DestKey),
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::AddService(s) => write!(f, "add service {} ({})", s.key, s.sched),
            Op::EditService(s) => write!(f, "edit service {} ({})", s.key, s.sched),
            Op::DelService(k) => write!(f, "delete service {k}"),
            Op::AddDest(k, d) => write!(f, "add {} weight {} to {k}", d.key, d.weight),
            Op::EditDest(k, d) => write!(f, "set {} weight {} in {k}", d.key, d.weight),
            Op::DelDest(k, d) => write!(f, "delete {d} from {k}"),
        }
    }
}

/// The ops that turn the kernel's `actual` table into `desired`. Only services in `desired`
/// are looked at, and in them only destinations in `managed` (a service's real and sorry
/// servers), so entries someone else put in the kernel are left alone.
pub fn diff(
    desired: &[Entry],
    actual: &[Entry],
    managed: impl Fn(&SvcKey, &DestKey) -> bool,
    out: &mut Vec<Op>,
) {
    // Sorted keys, so a table of thousands of destinations costs n log n, not n²: a diff
    // runs twice on every real server's change, within the loop that runs the checks.
    let mut wanted: Vec<(DestKey, usize)> = Vec::new();
    let mut held: Vec<(DestKey, usize)> = Vec::new();
    for want in desired {
        let key = want.svc.key;
        let Some(have) = actual.iter().find(|e| e.svc.key == key) else {
            out.push(Op::AddService(want.svc.clone()));
            out.extend(want.dests.iter().map(|d| Op::AddDest(key, *d)));
            continue;
        };
        if !want.svc.same_settings(&have.svc) {
            out.push(Op::EditService(want.svc.clone()));
        }
        wanted.clear();
        wanted.extend(want.dests.iter().map(|w| (w.key, 0)));
        sort_keys(&mut wanted);
        for d in &have.dests {
            let at = wanted.partition_point(|(k, _)| *k < d.key);
            let wanted_too = wanted.get(at).is_some_and(|(k, _)| *k == d.key);
            if !wanted_too && managed(&key, &d.key) {
                out.push(Op::DelDest(key, d.key));
            }
        }
        held.clear();
        held.extend(have.dests.iter().enumerate().map(|(i, h)| (h.key, i)));
        sort_keys(&mut held);
        for d in &want.dests {
            // The first the kernel listed with that key (the index breaks ties).
            let at = held.partition_point(|(k, _)| *k < d.key);
            match held.get(at).filter(|(k, _)| *k == d.key) {
                None => out.push(Op::AddDest(key, *d)),
                Some(&(_, i)) if !d.same_settings(&have.dests[i]) => {
                    out.push(Op::EditDest(key, *d))
                }
                Some(_) => {}
            }
        }
    }
}

/// Does to our copy of the kernel's table what `op` did to the kernel's, so the next diff
/// needs no read of it (a dump of every destination, per real server's change).
pub fn apply(table: &mut Vec<Entry>, op: &Op) {
    let entry = |t: &mut Vec<Entry>, k: &SvcKey| -> Option<usize> {
        t.iter().position(|e| e.svc.key == *k)
    };
    match op {
        Op::AddService(s) => table.push(Entry {
            svc: s.clone(),
            dests: Vec::new(),
        }),
        Op::EditService(s) => {
            if let Some(i) = entry(table, &s.key) {
                table[i].svc = s.clone();
            }
        }
        Op::DelService(k) => table.retain(|e| e.svc.key != *k),
        Op::AddDest(k, d) => {
            if let Some(i) = entry(table, k) {
                table[i].dests.push(*d);
            }
        }
        Op::EditDest(k, d) => {
            if let Some(i) = entry(table, k) {
                for x in table[i].dests.iter_mut().filter(|x| x.key == d.key) {
                    *x = *d;
                }
            }
        }
        Op::DelDest(k, d) => {
            if let Some(i) = entry(table, k) {
                table[i].dests.retain(|x| x.key != *d);
            }
        }
    }
}

/// Sorts destination keys tagged with an index (all the IPVS code sorts): a heapsort of a
/// few lines, where the standard library's sort is kilobytes of code per element type.
pub fn sort_keys(v: &mut [(DestKey, usize)]) {
    fn sift(v: &mut [(DestKey, usize)], mut at: usize) {
        loop {
            let mut big = at;
            for c in [2 * at + 1, 2 * at + 2] {
                if c < v.len() && v[c] > v[big] {
                    big = c;
                }
            }
            if big == at {
                return;
            }
            v.swap(at, big);
            at = big;
        }
    }
    for i in (0..v.len() / 2).rev() {
        sift(v, i);
    }
    for end in (1..v.len()).rev() {
        v.swap(0, end);
        sift(&mut v[..end], 0);
    }
}
