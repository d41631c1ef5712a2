//! The order of a name's addresses when some are IPv6: musl's subset of RFC 6724 destination
//! address selection (rules 1, 2, 5, 6, 8, 9 and then the order found), one key per address.

use std::net::IpAddr;

/// (prefix, its length in bits, precedence, label): RFC 6724's table as musl keeps it.
const POLICY: [(u128, u32, u32, u32); 6] = [
    (1, 128, 50, 0),
    (0xffff_0000_0000, 96, 35, 4),
    (0x2002 << 112, 16, 30, 2),
    (0x2001 << 112, 32, 5, 5),
    (0xfc << 120, 7, 3, 13),
    (0, 0, 40, 1),
];

fn policy(a: u128) -> (u32, u32) {
    POLICY
        .iter()
        .find(|&&(p, len, _, _)| len == 0 || (a ^ p) >> (128 - len) == 0)
        .map_or((40, 1), |&(_, _, prec, label)| (prec, label))
}

fn scope(a: u128) -> u32 {
    let top = (a >> 112) as u32;
    if top >> 8 == 0xff {
        top & 15
    } else if top & 0xffc0 == 0xfe80 || a == 1 {
        2
    } else if top & 0xffc0 == 0xfec0 {
        5
    } else {
        14
    }
}

/// An address in IPv6 form (IPv4 mapped), as the rules compare them.
pub(crate) fn as_v6(a: IpAddr) -> u128 {
    u128::from(match a {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    })
}

/// The sort key of destination `dst`, the `i`th found, given the source the kernel would
/// use for it (`None`: unreachable; `Some(None)`: reachable, source unknown). Higher first.
pub(crate) fn key(dst: IpAddr, i: usize, source: Option<Option<IpAddr>>) -> u32 {
    let d = as_v6(dst);
    let (prec, label) = policy(d);
    let dscope = scope(d);
    let mut k = prec << 20 | (15 - dscope) << 16 | (super::MAX_ADDRS - i) as u32;
    if let Some(src) = source {
        k |= 0x4000_0000;
        if let Some(s) = src.map(as_v6) {
            if scope(s) == dscope {
                k |= 0x2000_0000;
            }
            if policy(s).1 == label {
                k |= 0x1000_0000;
            }
            k |= (s ^ d).leading_zeros() << 8;
        }
    }
    k
}

/// Sorts `found` best first by [`key`].
pub(crate) fn sort(
    found: &mut [(IpAddr, u32)],
    source: impl Fn(IpAddr, u32) -> Option<Option<IpAddr>>,
) {
    let mut keyed: Vec<(u32, (IpAddr, u32))> = Vec::with_capacity(found.len());
    for (i, &f) in found.iter().enumerate() {
        keyed.push((key(f.0, i, source(f.0, f.1)), f));
    }
    // At most 48 addresses, keys all different: an insertion sort is the least code.
    for i in 1..keyed.len() {
        let mut j = i;
        while j > 0 && keyed[j - 1].0 < keyed[j].0 {
            keyed.swap(j - 1, j);
            j -= 1;
        }
    }
    for (slot, (_, f)) in found.iter_mut().zip(keyed) {
        *slot = f;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn global_ipv6_goes_before_ipv4_only_when_it_is_reachable() {
        let mut f = vec![(ip("2001:db8::25"), 0), (ip("192.0.2.25"), 0)];
        // No IPv6 route: the IPv4 address first.
        sort(&mut f, |a, _| a.is_ipv4().then_some(Some(ip("192.0.2.1"))));
        assert_eq!(f[0].0, ip("192.0.2.25"));
        // Both reachable: IPv6's precedence 40 beats IPv4's 35, whatever the order found.
        let mut f = vec![(ip("192.0.2.25"), 0), (ip("2001:db8::25"), 0)];
        let src = |a: IpAddr| {
            if a.is_ipv4() {
                ip("192.0.2.1")
            } else {
                ip("2001:db8::1")
            }
        };
        sort(&mut f, |a, _| Some(Some(src(a))));
        assert_eq!(f[0].0, ip("2001:db8::25"));
        // Teredo (2001::/32) has precedence 5: IPv4 first.
        let mut f = vec![(ip("2001::25"), 0), (ip("192.0.2.25"), 0)];
        sort(&mut f, |a, _| {
            Some(Some(if a.is_ipv4() {
                ip("192.0.2.1")
            } else {
                ip("2001::1")
            }))
        });
        assert_eq!(f[0].0, ip("192.0.2.25"));
    }

    #[test]
    fn equal_keys_keep_the_order_found() {
        let mut f = vec![(ip("2a00::2"), 0), (ip("2a00::1"), 0)];
        sort(&mut f, |_, _| None);
        assert_eq!(f[0].0, ip("2a00::2"));
        assert_eq!(key(ip("::1"), 0, None) >> 20, 50);
        assert_eq!(key(ip("fe80::1"), 0, None) >> 16 & 15, 13);
    }
}
