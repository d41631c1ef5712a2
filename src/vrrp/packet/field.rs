//! Byte ranges of the headers an advert travels in (smoltcp's `mod field`), so no offset is a
//! bare number, and big-endian reads over them.

/// A fixed run of bytes inside a header.
pub type Field = std::ops::Range<usize>;

/// The 16-bit big-endian value at `f`; `b` must hold it (the checked views guarantee it).
pub fn be16(b: &[u8], f: Field) -> u16 {
    let mut a = [0u8; 2];
    a.copy_from_slice(&b[f]);
    u16::from_be_bytes(a)
}

/// The 32-bit big-endian value at `f`; `b` must hold it.
pub fn be32(b: &[u8], f: Field) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[f]);
    u32::from_be_bytes(a)
}
