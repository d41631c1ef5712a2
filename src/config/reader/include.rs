//! `include PATTERN`: which files a pattern names. Patterns are shell globs (`*`, `?`, `[..]`)
//! with csh braces (`{a,b}`), relative to the directory of the file that includes them.

use std::path::{Path, PathBuf};

/// The kind of include line: the letter after `include` adds checks that turn the matching
/// problem into an error (as `-e` does for all of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Checks {
    /// `includer`: unreadable or unusable files.
    pub(crate) readable: bool,
    /// `includem`: a named file or directory is missing.
    pub(crate) missing: bool,
    /// `includew`: a wildcard matches nothing.
    pub(crate) wildcard: bool,
}

impl Checks {
    fn all() -> Self {
        Checks {
            readable: true,
            missing: true,
            wildcard: true,
        }
    }
}

/// If `line` is an include line, its checks and pattern.
pub(crate) fn include_line(line: &str) -> Option<(Checks, &str)> {
    let rest = line.strip_prefix("include")?;
    let mut chars = rest.chars();
    let (checks, pat) = match chars.next()? {
        ' ' | '\t' => (Checks::default(), &rest[1..]),
        c @ ('r' | 'm' | 'w' | 'b' | 'a') if matches!(chars.next(), Some(' ' | '\t')) => {
            let checks = match c {
                'r' => Checks {
                    readable: true,
                    ..Default::default()
                },
                'm' | 'b' => Checks {
                    readable: true,
                    missing: true,
                    ..Default::default()
                },
                'w' => Checks {
                    readable: true,
                    missing: true,
                    wildcard: true,
                },
                _ => Checks::all(),
            };
            (checks, &rest[2..])
        }
        _ => return None,
    };
    Some((checks, pat.trim_matches([' ', '\t'])))
}

/// What a pattern matched.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Matches {
    /// In order: each brace alternative's matches sorted by name.
    pub(crate) files: Vec<PathBuf>,
    /// A path without wildcards, or a directory to search, does not exist.
    pub(crate) missing: bool,
    /// The pattern has wildcards.
    wildcards: bool,
}

/// Expands `pattern` relative to `base`.
pub(crate) fn expand(pattern: &str, base: &Path) -> Matches {
    let mut m = Matches::default();
    for alt in braces(pattern) {
        let (root, rel) = match alt.strip_prefix('/') {
            Some(r) => (PathBuf::from("/"), r.to_string()),
            None => (base.to_path_buf(), alt.clone()),
        };
        let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
        let mut found = Vec::new();
        walk(&root, &parts, &mut found, &mut m);
        found.sort();
        m.files.extend(found);
    }
    m
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn walk(dir: &Path, parts: &[&str], found: &mut Vec<PathBuf>, m: &mut Matches) {
    let Some((first, rest)) = parts.split_first() else {
        found.push(dir.to_path_buf());
        return;
    };
    if !has_wildcard(first) {
        let p = dir.join(unescape(first));
        if std::fs::symlink_metadata(&p).is_err() {
            m.missing = true;
            return;
        }
        walk(&p, rest, found, m);
        return;
    }
    m.wildcards = true;
    let search = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(entries) = std::fs::read_dir(search) else {
        m.missing = true;
        return;
    };
    let mut names: Vec<String> = Vec::new();
    // Not `entries.flatten()`: Flatten<ReadDir> is ~800 bytes of MIPS code over this loop.
    for e in entries {
        let Ok(e) = e else { continue };
        let Ok(n) = e.file_name().into_string() else {
            continue;
        };
        // Like the shell, wildcards do not match a leading '.' unless the pattern has one.
        if (!n.starts_with('.') || first.starts_with('.'))
            && matches(first.as_bytes(), n.as_bytes())
        {
            names.push(n);
        }
    }
    names.sort();
    for n in names {
        let p = dir.join(n);
        if rest.is_empty() || p.is_dir() {
            walk(&p, rest, found, m);
        }
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Shell pattern matching of one path component.
fn matches(pat: &[u8], name: &[u8]) -> bool {
    match pat.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| matches(rest, &name[i..])),
        Some((b'?', rest)) => !name.is_empty() && matches(rest, &name[1..]),
        Some((b'[', rest)) => match (class(rest), name.split_first()) {
            (Some((set_ok, after)), Some((&c, nrest))) => set_ok(c) && matches(after, nrest),
            (None, Some((&c, nrest))) => c == b'[' && matches(rest, nrest),
            (_, None) => false,
        },
        Some((b'\\', rest)) if !rest.is_empty() => {
            name.first() == Some(&rest[0]) && matches(&rest[1..], &name[1..])
        }
        Some((&p, rest)) => name.first() == Some(&p) && matches(rest, &name[1..]),
    }
}

type ClassTest<'a> = Box<dyn Fn(u8) -> bool + 'a>;

/// A `[...]` class after its `[`: the test and the pattern after the `]`.
fn class(p: &[u8]) -> Option<(ClassTest<'_>, &[u8])> {
    let (negate, body) = match p.first() {
        Some(b'!' | b'^') => (true, &p[1..]),
        _ => (false, p),
    };
    // A `]` right after the opening bracket is a member, not the end.
    let close = body
        .iter()
        .skip(1)
        .position(|&c| c == b']')
        .map(|i| i + 1)?;
    let set = &body[..close];
    let test = move |c: u8| {
        let mut i = 0;
        let mut hit = false;
        while i < set.len() {
            if i + 2 < set.len() && set[i + 1] == b'-' {
                hit |= set[i] <= c && c <= set[i + 2];
                i += 3;
            } else {
                hit |= set[i] == c;
                i += 1;
            }
        }
        hit != negate
    };
    Some((Box::new(test), &body[close + 1..]))
}

/// csh brace expansion: `a{b,c}d` gives `abd`, `acd`. Unbalanced braces are left as they are.
fn braces(pat: &str) -> Vec<String> {
    let b = pat.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'{' => {
                let mut depth = 0;
                let mut commas = Vec::new();
                let mut j = i;
                while j < b.len() {
                    match b[j] {
                        b'\\' => j += 1,
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        b',' if depth == 1 => commas.push(j),
                        _ => {}
                    }
                    j += 1;
                }
                if j >= b.len() {
                    return vec![pat.to_string()];
                }
                let (pre, post) = (&pat[..i], &pat[j + 1..]);
                let mut bounds = vec![i];
                bounds.extend(&commas);
                bounds.push(j);
                let mut out = Vec::new();
                for w in bounds.windows(2) {
                    let alt = &pat[w[0] + 1..w[1]];
                    out.extend(braces(&format!("{pre}{alt}{post}")));
                }
                return out;
            }
            _ => i += 1,
        }
    }
    vec![pat.to_string()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_lines() {
        assert_eq!(
            include_line("include /etc/k/*.conf"),
            Some((Checks::default(), "/etc/k/*.conf"))
        );
        assert_eq!(
            include_line("includea  x").map(|c| c.0),
            Some(Checks::all())
        );
        assert!(include_line("includer x").is_some_and(|c| c.0.readable && !c.0.missing));
        assert_eq!(include_line("include"), None);
        assert_eq!(include_line("include_check match"), None);
        assert_eq!(include_line("includex y"), None);
    }

    #[test]
    fn glob_matching() {
        assert!(matches(b"*.conf", b"a.conf"));
        assert!(matches(b"*.conf", b".conf"));
        assert!(!matches(b"*.conf", b"a.confx"));
        assert!(matches(b"vi_?.c*", b"vi_1.conf"));
        assert!(matches(b"[ab]x", b"bx"));
        assert!(!matches(b"[!ab]x", b"bx"));
        assert!(matches(b"[0-9][0-9]", b"42"));
        assert!(matches(b"a\\*", b"a*"));
        assert!(!matches(b"a\\*", b"ab"));
        assert!(matches(b"[]a]", b"]"));
    }

    #[test]
    fn brace_expansion() {
        assert_eq!(braces("a{b,c}d"), ["abd", "acd"]);
        assert_eq!(braces("{x,y{1,2}}"), ["x", "y1", "y2"]);
        assert_eq!(braces("a{b"), ["a{b"]);
        assert_eq!(braces("plain"), ["plain"]);
    }

    #[test]
    fn expand_finds_files_in_order() {
        let dir = std::env::temp_dir().join(format!("kaglob{}", std::process::id()));
        let sub = dir.join("conf.d");
        let _ = std::fs::create_dir_all(&sub);
        for f in ["b.conf", "a.conf", ".hidden.conf", "c.txt"] {
            let _ = std::fs::write(sub.join(f), "");
        }
        let m = expand("conf.d/*.conf", &dir);
        assert_eq!(m.files, [sub.join("a.conf"), sub.join("b.conf")]);
        assert!(m.wildcards && !m.missing);
        let m = expand("conf.d/{c.txt,a.conf}", &dir);
        assert_eq!(m.files, [sub.join("c.txt"), sub.join("a.conf")]);
        let m = expand("conf.d/*.none", &dir);
        assert!(m.files.is_empty() && !m.missing && m.wildcards);
        let m = expand("nodir/*.conf", &dir);
        assert!(m.files.is_empty() && m.missing);
        let m = expand(
            &format!("{}/conf.d/none.conf", dir.display()),
            Path::new("/x"),
        );
        assert!(m.files.is_empty() && m.missing && !m.wildcards);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
