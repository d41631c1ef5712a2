//! One line of text: comments off, split at braces, split into words.
//! keepalived applies these steps in this order to every line, including lines that come out of
//! definitions and sequences, so each is a separate function.

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// What separates words: ASCII white space only, so a non-breaking space stays in its word.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// A line with its comment removed and blanks trimmed at both ends.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Decommented {
    pub(crate) text: String,
    /// A `"` was opened and never closed.
    pub(crate) open_quote: bool,
}

/// Removes a `#` or `!` comment (outside double quotes) and the blanks around the text.
/// `\#` and `\!` outside quotes stand for the character itself. A final `\` is kept (after the
/// trailing blanks are gone) because only a multi-line definition gives it a meaning.
pub(crate) fn decomment(line: &str) -> Decommented {
    let mut out = String::with_capacity(line.len());
    let mut quote = false;
    let mut cont = false;
    let mut chars = line.trim_start_matches(is_blank).chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quote = !quote;
                out.push(c);
            }
            '\\' => match chars.next() {
                None => {
                    cont = true;
                    break;
                }
                Some(n @ ('#' | '!')) if !quote => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
            },
            '#' | '!' if !quote => break,
            _ => out.push(c),
        }
    }
    let trimmed = out.trim_end_matches(is_blank).len();
    out.truncate(trimmed);
    if cont {
        out.push('\\');
    }
    Decommented {
        text: out,
        open_quote: quote,
    }
}

/// Splits a decommented line at its first brace outside quotes: a leading `{`/`}` is a fragment
/// of its own, otherwise the text before the brace is. Returns the fragment and what follows it.
pub(crate) fn split_brace(line: &str) -> (&str, Option<&str>) {
    let first = line.chars().next();
    let at = if matches!(first, Some('{' | '}')) {
        Some(0)
    } else {
        find_brace(line)
    };
    let Some(at) = at else {
        return (line.trim_end_matches(is_blank), None);
    };
    let (head, rest) = if at == 0 {
        line.split_at(1)
    } else {
        line.split_at(at)
    };
    let rest = rest.trim_matches(is_blank);
    let head = head.trim_end_matches(is_blank);
    (head, (!rest.is_empty()).then_some(rest))
}

/// The byte offset of the first brace that is not inside a `"..."` string. An unclosed quote
/// hides everything after it.
fn find_brace(line: &str) -> Option<usize> {
    let mut in_quote = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            '{' | '}' if !in_quote => return Some(i),
            _ => {}
        }
    }
    None
}

/// The words of a fragment. A word that starts with `"` runs to the next `"` and loses its quotes
/// (spaces kept); any other word ends at a blank or a `"`. `Err` carries the words before an
/// unmatched quote.
pub(crate) fn words(fragment: &str) -> Result<Vec<String>, Vec<String>> {
    let mut out = Vec::new();
    let mut rest = fragment;
    loop {
        rest = rest.trim_start_matches(is_space);
        if rest.is_empty() {
            return Ok(out);
        }
        if let Some(q) = rest.strip_prefix('"') {
            let Some(end) = q.find('"') else {
                return Err(out);
            };
            out.push(q[..end].to_string());
            rest = &q[end + 1..];
        } else {
            let end = rest
                .find(|c: char| is_space(c) || c == '"')
                .unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dc(s: &str) -> String {
        decomment(s).text
    }

    #[test]
    fn comments_end_at_hash_or_bang_outside_quotes() {
        assert_eq!(dc("  router_id foo # the id"), "router_id foo");
        assert_eq!(dc("router_id foo! x"), "router_id foo");
        assert_eq!(dc("# whole line"), "");
        assert_eq!(dc("! whole line"), "");
        assert_eq!(
            dc(r#"script "/bin/x # not a comment" # comment"#),
            r#"script "/bin/x # not a comment""#
        );
    }

    #[test]
    fn escaped_comment_characters_are_literal() {
        assert_eq!(dc(r"a \#b \!c"), "a #b !c");
        assert_eq!(dc(r#""\#""#), r#""\#""#);
    }

    #[test]
    fn trailing_backslash_is_kept_after_trimming() {
        assert_eq!(dc("$X=a   \\"), "$X=a\\");
        assert_eq!(dc("a \\ # c"), "a \\");
        assert!(!decomment("a \\").open_quote);
    }

    #[test]
    fn unterminated_quote_is_flagged() {
        assert!(decomment(r#"a "b"#).open_quote);
        assert!(!decomment(r#"a "b""#).open_quote);
    }

    #[test]
    fn braces_split_lines() {
        assert_eq!(
            split_brace("vrrp_instance VI_1 {"),
            ("vrrp_instance VI_1", Some("{"))
        );
        assert_eq!(split_brace("{ 1.2.3.4 }"), ("{", Some("1.2.3.4 }")));
        assert_eq!(split_brace("1.2.3.4 }"), ("1.2.3.4", Some("}")));
        assert_eq!(split_brace("}"), ("}", None));
        assert_eq!(split_brace("}}"), ("}", Some("}")));
        assert_eq!(split_brace(r#"a "{x}" b"#), (r#"a "{x}" b"#, None));
        assert_eq!(split_brace("plain"), ("plain", None));
    }

    #[test]
    fn words_split_on_blanks_and_quotes() {
        assert_eq!(
            words("a  b\tc"),
            Ok(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(
            words(r#"script "/bin/x arg" y"#),
            Ok(vec!["script".into(), "/bin/x arg".into(), "y".into()])
        );
        assert_eq!(words(r#"ab"c d""#), Ok(vec!["ab".into(), "c d".into()]));
        assert_eq!(words(r#""""#), Ok(vec![String::new()]));
        assert_eq!(words(r#"a "b"#), Err(vec!["a".into()]));
        assert_eq!(
            words("a\u{a0}b\x0bc"),
            Ok(vec!["a\u{a0}b".into(), "c".into()])
        );
    }
}
