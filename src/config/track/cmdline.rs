//! How keepalived reads a script keyword's line: the raw statement is split once into words
//! honouring quotes and backslash escapes, and the first argument is split again the same way
//! into the argv it execs. Words after it are ignored or name the run-as user and group.
//! Every script keyword goes through here, and so does the checker runner's argv.

/// Why a command string could not be split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SplitError {
    /// A `'` or `"` without its closing pair.
    UnmatchedQuote(char),
    /// A `\` as the last character.
    TrailingBackslash,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SplitError::UnmatchedQuote(q) => write!(f, "missing terminating {q}"),
            SplitError::TrailingBackslash => f.write_str("missing escape char at end"),
        }
    }
}

/// Splits `s` into words: blanks separate words outside quotes; `'...'` and `"..."` group
/// (and may sit inside a word: `a"b c"` is one word); a backslash escapes in and out of quotes,
/// with C's letters (`\n`, `\t` ...), `\xHH`, octal `\NNN` and `\cX` (control-X).
fn split_quoted(s: &str) -> Result<Vec<String>, SplitError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && is_blank(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            return Ok(out);
        }
        let mut word: Vec<u8> = Vec::new();
        let mut quote: Option<u8> = None;
        while i < b.len() {
            let c = b[i];
            match (quote, c) {
                (_, b'\\') => {
                    let (byte, next) = escape(b, i + 1)?;
                    word.push(byte);
                    i = next;
                    continue;
                }
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => word.push(c),
                (None, b'\'' | b'"') => quote = Some(c),
                (None, c) if is_blank(c) => break,
                (None, c) => word.push(c),
            }
            i += 1;
        }
        if let Some(q) = quote {
            return Err(SplitError::UnmatchedQuote(char::from(q)));
        }
        out.push(String::from_utf8_lossy(&word).into_owned());
    }
}

/// The words of a command, or none when it cannot be split (keepalived then drops the script).
pub(crate) fn split_cmd(s: &str) -> Vec<String> {
    split_quoted(s).unwrap_or_default()
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// The byte an escape starting at `b[i]` (just after the `\`) stands for, and where the text
/// resumes. Values past a byte keep their low 8 bits, as keepalived's `char` does.
fn escape(b: &[u8], mut i: usize) -> Result<(u8, usize), SplitError> {
    let Some(&c) = b.get(i) else {
        return Err(SplitError::TrailingBackslash);
    };
    let hex = |c: u8| char::from(c).to_digit(16);
    if c == b'x' && b.get(i + 1).copied().and_then(hex).is_some() {
        let mut v: u8 = 0;
        i += 1;
        while let Some(d) = b.get(i).copied().and_then(hex) {
            v = (v << 4) | d as u8;
            i += 1;
        }
        return Ok((v, i));
    }
    if c == b'c' && i + 1 < b.len() {
        return Ok((b[i + 1] & 0x1f, i + 2));
    }
    if (b'0'..=b'7').contains(&c) {
        let mut v: u8 = 0;
        for _ in 0..3 {
            match b.get(i) {
                Some(&d) if (b'0'..=b'7').contains(&d) => {
                    v = v.wrapping_shl(3).wrapping_add(d - b'0');
                    i += 1;
                }
                _ => break,
            }
        }
        return Ok((v, i));
    }
    let v = match c {
        b'a' => 0x07,
        b'b' => 0x08,
        b'E' => 0x1b,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'v' => 0x0b,
        other => other,
    };
    Ok((v, i + 1))
}

/// A script statement read as keepalived reads it: the argv of its first argument, and the
/// words after that argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScriptLine {
    /// The first argument with its quotes and escapes resolved: the command as written.
    pub(crate) cmd: String,
    pub(crate) argv: Vec<String>,
    /// Words after the command (notify scripts: USER [GROUP]).
    pub(crate) rest: Vec<String>,
}

/// Reads a statement's raw text (keyword included). `None` when there is no command.
pub(crate) fn script_line(raw: &str) -> Result<Option<ScriptLine>, SplitError> {
    let mut words = split_quoted(raw)?.into_iter().skip(1);
    let Some(cmd) = words.next() else {
        return Ok(None);
    };
    let argv = split_quoted(&cmd)?;
    if argv.is_empty() {
        return Ok(None);
    }
    Ok(Some(ScriptLine {
        cmd,
        argv,
        rest: words.collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn quotes_group_and_may_join_a_word() {
        assert_eq!(split_cmd("killall -0 sshd"), v(&["killall", "-0", "sshd"]));
        assert_eq!(
            split_cmd(r#"'/my path/x' "a b" c\ d e"f g"h"#),
            v(&["/my path/x", "a b", "c d", "ef gh"])
        );
        assert_eq!(split_cmd("  x  ''  "), v(&["x", ""]));
        assert!(split_cmd("   ").is_empty());
        assert_eq!(split_cmd(r#""it's""#), v(&["it's"]));
    }

    #[test]
    fn escapes_work_inside_and_outside_quotes() {
        assert_eq!(split_cmd(r#"a\tb"#), v(&["a\tb"]));
        assert_eq!(split_cmd(r#"'a\'b'"#), v(&["a'b"]));
        assert_eq!(split_cmd(r#"\x41\101\cA\q"#), v(&["AA\u{1}q"]));
        assert_eq!(split_cmd(r#"\xZ"#), v(&["xZ"]));
    }

    #[test]
    fn broken_strings_are_errors() {
        assert_eq!(split_quoted("a 'b"), Err(SplitError::UnmatchedQuote('\'')));
        assert_eq!(split_quoted("a \"b"), Err(SplitError::UnmatchedQuote('"')));
        assert_eq!(split_quoted("a\\"), Err(SplitError::TrailingBackslash));
        assert!(split_cmd("a 'b").is_empty());
    }

    #[test]
    fn a_script_line_execs_only_its_first_argument() {
        let l = script_line(r#"misc_path "/bin/sh -c 'exit 1'""#);
        let l = l.ok().flatten();
        assert_eq!(
            l.as_ref().map(|l| l.argv.clone()),
            Some(v(&["/bin/sh", "-c", "exit 1"]))
        );
        assert_eq!(l.map(|l| l.cmd), Some("/bin/sh -c 'exit 1'".to_string()));
        let l = script_line("notify /bin/echo hello root").ok().flatten();
        assert_eq!(l.as_ref().map(|l| l.argv.clone()), Some(v(&["/bin/echo"])));
        assert_eq!(l.map(|l| l.rest), Some(v(&["hello", "root"])));
        assert_eq!(script_line("script"), Ok(None));
        assert_eq!(script_line("script ''"), Ok(None));
    }
}
