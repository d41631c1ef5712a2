//! The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers upper layers sum over
//! (VRRPv3 adverts, ICMPv6 neighbour advertisements).

use std::net::{Ipv4Addr, Ipv6Addr};

/// A running one's-complement sum. Parts are summed as 16-bit big-endian words; every part
/// but the last must have an even length (true of all headers here). The carries are kept in
/// the upper bits and folded once, at the end: a u64 of 16-bit words cannot overflow (2^48
/// words), where folding after each word was most of a received advert's checksum.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sum(u64);

impl Sum {
    pub(crate) fn new() -> Self {
        Sum(0)
    }

    pub(crate) fn feed(mut self, data: &[u8]) -> Self {
        let mut chunks = data.chunks_exact(2);
        for c in &mut chunks {
            self.0 += u64::from(u16::from_be_bytes([c[0], c[1]]));
        }
        if let [last] = chunks.remainder() {
            self.0 += u64::from(*last) << 8;
        }
        self
    }

    /// The checksum to write: the complement of the folded sum.
    pub(crate) fn finish(self) -> u16 {
        let mut s = self.0;
        while s > 0xffff {
            s = (s & 0xffff) + (s >> 16);
        }
        !(s as u16)
    }

    /// True when summing a packet that already holds its checksum gives zero.
    pub(crate) fn verifies(self) -> bool {
        self.finish() == 0
    }
}

/// IPv4 pseudo-header: {src, dst, 0, protocol, length}.
pub(crate) fn ipv4_pseudo(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, len: usize) -> Sum {
    let mut p = [0u8; 12];
    p[0..4].copy_from_slice(&src.octets());
    p[4..8].copy_from_slice(&dst.octets());
    p[9] = proto;
    p[10..12].copy_from_slice(&(len as u16).to_be_bytes());
    Sum::new().feed(&p)
}

/// IPv6 pseudo-header (RFC 8200 §8.1), as the kernel sums it with IPV6_CHECKSUM.
pub(crate) fn ipv6_pseudo(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, len: usize) -> Sum {
    let mut p = [0u8; 40];
    p[0..16].copy_from_slice(&src.octets());
    p[16..32].copy_from_slice(&dst.octets());
    p[32..36].copy_from_slice(&(len as u32).to_be_bytes());
    p[39] = next_header;
    Sum::new().feed(&p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        let d = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(Sum::new().feed(&d).finish(), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(
            Sum::new().feed(&[0x12, 0x34, 0x56]).finish(),
            Sum::new().feed(&[0x12, 0x34, 0x56, 0x00]).finish()
        );
    }

    #[test]
    fn a_header_holding_its_checksum_verifies() {
        let mut h = [
            0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0, 0, 192, 168, 77, 1, 224,
            0, 0, 18,
        ];
        let c = Sum::new().feed(&h).finish();
        assert_eq!(c, 0xcce8);
        h[10..12].copy_from_slice(&c.to_be_bytes());
        assert!(Sum::new().feed(&h).verifies());
    }

    /// RFC 1071's end-around carry, added word by word.
    fn folded_each_word(parts: &[&[u8]]) -> u16 {
        let mut s: u32 = 0;
        for p in parts {
            for c in p.chunks(2) {
                s += u32::from(c[0]) << 8 | u32::from(c.get(1).copied().unwrap_or(0));
                s = (s & 0xffff) + (s >> 16);
            }
        }
        !(s as u16)
    }

    #[test]
    fn carries_kept_to_the_end_give_the_word_by_word_sum() {
        let ones = [0xffu8; 1500];
        let mut mixed = [0u8; 65_534];
        let mut x: u32 = 0x1234_5678;
        for b in mixed.iter_mut() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        for parts in [
            &[&ones[..]][..],
            &[&ones[..1498], &ones[..1]],
            &[&mixed[..], &ones[..]],
            &[&[0x80, 0x00][..], &[0x80, 0x00]],
        ] {
            let sum = parts.iter().fold(Sum::new(), |s, p| s.feed(p));
            assert_eq!(sum.finish(), folded_each_word(parts));
        }
    }
}
