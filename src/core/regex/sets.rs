//! Byte sets: what one position of a match may hold, and the classes PCRE2 names.

/// 256 bits: which bytes a position may hold.
pub(super) type Set = [u64; 4];

pub(super) fn set_of(b: u8) -> Set {
    let mut s = [0; 4];
    add(&mut s, b);
    s
}

pub(super) fn add(s: &mut Set, b: u8) {
    s[usize::from(b >> 6)] |= 1 << (b & 63);
}

pub(super) fn has(s: &Set, b: u8) -> bool {
    s[usize::from(b >> 6)] & (1 << (b & 63)) != 0
}

pub(super) fn add_range(s: &mut Set, lo: u8, hi: u8) {
    for b in lo..=hi {
        add(s, b);
    }
}

pub(super) fn union(s: &mut Set, o: &Set) {
    for (a, b) in s.iter_mut().zip(o) {
        *a |= b;
    }
}

pub(super) fn negate(s: &Set) -> Set {
    [!s[0], !s[1], !s[2], !s[3]]
}

pub(super) fn set_by(pred: fn(u8) -> bool) -> Set {
    let mut s = [0; 4];
    for b in 0..=255u8 {
        if pred(b) {
            add(&mut s, b);
        }
    }
    s
}

pub(super) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// PCRE2's `\s`: space, \t \n \v \f \r.
pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

pub(super) fn is_hspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0xa0)
}

pub(super) fn is_vspace(b: u8) -> bool {
    matches!(b, b'\n' | 0x0b | 0x0c | b'\r' | 0x85)
}

/// Adds the other case of every ASCII letter in the set.
pub(super) fn fold(s: &mut Set) {
    for b in b'a'..=b'z' {
        let u = b.to_ascii_uppercase();
        if has(s, b) || has(s, u) {
            add(s, b);
            add(s, u);
        }
    }
}

/// The class of a letter escape (`\d`, `\W`, ...), if it is one.
pub(super) fn class_escape(c: u8) -> Option<Set> {
    let (pred, neg): (fn(u8) -> bool, bool) = match c {
        b'd' | b'D' => (|b: u8| b.is_ascii_digit(), c == b'D'),
        b'w' | b'W' => (is_word, c == b'W'),
        b's' | b'S' => (is_space, c == b'S'),
        b'h' | b'H' => (is_hspace, c == b'H'),
        b'v' | b'V' => (is_vspace, c == b'V'),
        _ => return None,
    };
    let s = set_by(pred);
    Some(if neg { negate(&s) } else { s })
}

pub(super) fn posix_class(name: &[u8]) -> Option<Set> {
    let pred: fn(u8) -> bool = match name {
        b"alpha" => |b: u8| b.is_ascii_alphabetic(),
        b"digit" => |b: u8| b.is_ascii_digit(),
        b"alnum" => |b: u8| b.is_ascii_alphanumeric(),
        b"space" => is_space,
        b"blank" => |b: u8| b == b' ' || b == b'\t',
        b"upper" => |b: u8| b.is_ascii_uppercase(),
        b"lower" => |b: u8| b.is_ascii_lowercase(),
        b"punct" => |b: u8| b.is_ascii_punctuation(),
        b"xdigit" => |b: u8| b.is_ascii_hexdigit(),
        b"word" => is_word,
        b"cntrl" => |b: u8| b.is_ascii_control(),
        b"graph" => |b: u8| b.is_ascii_graphic(),
        b"print" => |b: u8| b.is_ascii_graphic() || b == b' ',
        b"ascii" => |b: u8| b.is_ascii(),
        _ => return None,
    };
    Some(set_by(pred))
}
