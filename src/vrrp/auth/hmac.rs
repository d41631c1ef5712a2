//! HMAC-MD5 (RFC 2104) truncated to 96 bits (RFC 2403), the ICV of VRRPv2's IPsec AH.

use crate::core::md5::Md5;

const BLOCK: usize = 64;
/// Bytes of the digest carried in the AH header.
pub const ICV_LEN: usize = 12;

/// HMAC-MD5 over the concatenation of `parts`, keyed with `key`, cut to its first 12 bytes.
/// A key longer than MD5's block is first hashed, as RFC 2104 says.
pub fn hmac_md5_96(key: &[u8], parts: &[&[u8]]) -> [u8; ICV_LEN] {
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        let d = Md5::digest(key);
        k[..d.len()].copy_from_slice(&d);
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut pad = [0u8; BLOCK];
    for (p, b) in pad.iter_mut().zip(k.iter()) {
        *p = b ^ 0x36;
    }
    let mut inner = Md5::new();
    inner.update(&pad);
    for p in parts {
        inner.update(p);
    }
    let inner = inner.finalize();
    for (p, b) in pad.iter_mut().zip(k.iter()) {
        *p = b ^ 0x5c;
    }
    let mut outer = Md5::new();
    outer.update(&pad);
    outer.update(&inner);
    let full = outer.finalize();
    let mut icv = [0u8; ICV_LEN];
    icv.copy_from_slice(&full[..ICV_LEN]);
    icv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // RFC 2202 test cases 1, 2 and 6 (a key longer than a block), first 96 bits.
    #[test]
    fn rfc2202_vectors() {
        let k1 = [0x0bu8; 16];
        assert_eq!(
            hmac_md5_96(&k1, &[b"Hi There"]).to_vec(),
            hex("9294727a3638bb1c13f48ef8")
        );
        assert_eq!(
            hmac_md5_96(b"Jefe", &[b"what do ya want ", b"for nothing?"]).to_vec(),
            hex("750c783e6ab0b503eaa86e31")
        );
        let k6 = [0xaau8; 80];
        assert_eq!(
            hmac_md5_96(
                &k6,
                &[b"Test Using Larger Than Block-Size Key - Hash Key First"]
            )
            .to_vec(),
            hex("6b1ab7fe4bd7bf8f0b62e6ce")
        );
    }
}
