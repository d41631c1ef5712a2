//! Users and groups from /etc/passwd and /etc/group, read as musl's getpwnam_r, getpwuid_r and
//! getgrnam_r read them when no nscd answers (a router has none): the first line that matches,
//! lines that do not parse skipped. Our own reader, because musl's pulls in its stdio, nscd
//! client and both entry parsers (issue 16).

use std::io;

const PASSWD: &str = "/etc/passwd";
const GROUP: &str = "/etc/group";

/// A user's (name, uid, primary gid) by name or uid; Ok(None) when there is none.
pub(crate) fn user(by: Key) -> io::Result<Option<(String, u32, u32)>> {
    let text = read(PASSWD)?;
    let found = lines(&text).find_map(|l| {
        let (name, uid, gid) = passwd_entry(l)?;
        by.matches(name, uid)
            .then(|| (String::from_utf8_lossy(name).into_owned(), uid, gid))
    });
    Ok(found)
}

/// A group's gid by name; Ok(None) when there is none.
pub(crate) fn group_gid(name: &str) -> io::Result<Option<u32>> {
    let text = read(GROUP)?;
    let found = lines(&text).find_map(|l| {
        let (n, gid) = group_entry(l)?;
        (n == name.as_bytes()).then_some(gid)
    });
    Ok(found)
}

/// Which user: by name or by id.
#[derive(Clone, Copy)]
pub(crate) enum Key<'a> {
    Name(&'a str),
    Uid(u32),
}

impl Key<'_> {
    fn matches(self, name: &[u8], uid: u32) -> bool {
        match self {
            Key::Name(n) => n.as_bytes() == name,
            Key::Uid(u) => u == uid,
        }
    }
}

/// A missing file has no entries (musl's answer too); other errors are errors.
fn read(path: &str) -> io::Result<Vec<u8>> {
    match std::fs::read(path) {
        Err(e)
            if e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR) =>
        {
            Ok(Vec::new())
        }
        r => r,
    }
}

/// Each line without its last byte (musl drops it whether or not it is the newline).
fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split_inclusive(|&c| c == b'\n')
        .map(|l| &l[..l.len() - 1])
}

/// The name (up to the first ':' after its first byte) and what follows the password field.
fn name_and_rest(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = 1 + line.get(1..)?.iter().position(|&c| c == b':')?;
    let pw = &line[n + 1..];
    let after = pw.iter().position(|&c| c == b':')?;
    Some((&line[..n], &pw[after + 1..]))
}

/// A numeric field as musl's atou reads it (leading digits, none is 0; wrapping) and what
/// follows its ':'; None when no ':' follows the digits.
fn number(s: &[u8]) -> Option<(u32, &[u8])> {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if s.get(n) != Some(&b':') {
        return None;
    }
    let v = s[..n].iter().fold(0u32, |v, &d| {
        v.wrapping_mul(10).wrapping_add(u32::from(d - b'0'))
    });
    Some((v, &s[n + 1..]))
}

/// `name:passwd:uid:gid:gecos:dir:shell`.
fn passwd_entry(line: &[u8]) -> Option<(&[u8], u32, u32)> {
    let (name, rest) = name_and_rest(line)?;
    let (uid, rest) = number(rest)?;
    let (gid, rest) = number(rest)?;
    // gecos and dir each end with a ':'.
    (rest.iter().filter(|&&c| c == b':').count() >= 2).then_some((name, uid, gid))
}

/// `name:passwd:gid:members`.
fn group_entry(line: &[u8]) -> Option<(&[u8], u32)> {
    let (name, rest) = name_and_rest(line)?;
    number(rest).map(|(gid, _)| (name, gid))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\n\
        broken:x:12\n\
        nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n\
        nodir:x:7:7:gecos\n\
        keepalived_script:x:999:998::/nonexistent:/bin/false\n\
        root:x:5:5:second:/:/bin/sh\n\
        last:x:1000:100:l:/home/last:s";

    fn users() -> Vec<(String, u32, u32)> {
        lines(PASSWD)
            .filter_map(passwd_entry)
            .map(|(n, u, g)| (String::from_utf8_lossy(n).into_owned(), u, g))
            .collect()
    }

    #[test]
    fn passwd_lines_that_parse_are_users_and_the_rest_are_skipped() {
        let u = users();
        let names: Vec<&str> = u.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            names,
            ["root", "nobody", "keepalived_script", "root", "last"]
        );
        assert_eq!((u[2].1, u[2].2), (999, 998));
        // The first line wins, as in musl.
        assert_eq!(u.iter().find(|e| e.0 == "root").map(|e| e.1), Some(0));
    }

    #[test]
    fn group_lines_give_their_gid() {
        // musl drops a last line's final byte even when it is no newline: `last` loses its ':'.
        let text = b"root:x:0:\nwheel:x:10:root,admin\nbad:x\nstaff:x:50\nlast:x:7:";
        let g: Vec<(&[u8], u32)> = lines(text).filter_map(group_entry).collect();
        assert_eq!(g, [(&b"root"[..], 0), (&b"wheel"[..], 10)]);
    }
}
