//! `~SEQ(var, [start,] [step,] end) text` and `~LST(var, v1, v2, ..) text` line repetition: the
//! text is read once per value with `$var` defined as that value.

/// One repetition: the variables to define and the line to read with them.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Repeat {
    /// For each round, the (name, value) pairs to define.
    pub(crate) rounds: Vec<Vec<(String, String)>>,
    pub(crate) text: String,
}

/// keepalived refuses more rounds than this only by running out of memory; a typo such as
/// `~SEQ(i, 1, 1, 1000000000)` should not take the reader down.
const MAX_ROUNDS: usize = 100_000;

fn skip_blanks(s: &str) -> &str {
    s.trim_start_matches([' ', '\t'])
}

/// Like `strtol(s, &end, 0)`: an optional sign, then `0x` hex, leading-`0` octal or decimal.
/// No digits gives 0 and consumes nothing.
fn strtol(s: &str) -> (i64, &str) {
    let t = skip_blanks(s);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        if h.starts_with(|c: char| c.is_ascii_hexdigit()) {
            (16, h)
        } else {
            (8, t)
        }
    } else if t.starts_with('0') {
        (8, t)
    } else {
        (10, t)
    };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    if end == 0 {
        return (0, s);
    }
    let v = i64::from_str_radix(&digits[..end], radix).unwrap_or(i64::MAX);
    (if neg { v.saturating_neg() } else { v }, &digits[end..])
}

/// Parses a `~SEQ`/`~SEQx` line. `params` replaces definitions in the numbers.
pub(crate) fn parse_seq(
    line: &str,
    params: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<Repeat, String> {
    let bad = || format!("invalid ~SEQ specification '{line}'");
    let rest = line.strip_prefix("~SEQ").ok_or_else(bad)?;
    let (hex, rest) = match rest.strip_prefix('x') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let rest = skip_blanks(rest).strip_prefix('(').ok_or_else(bad)?;
    let rest = skip_blanks(rest);
    let var_end = rest.find([' ', '\t', ',', ')']).unwrap_or(rest.len());
    let var = &rest[..var_end];
    let rest = skip_blanks(&rest[var_end..]);
    if var.is_empty() || var.starts_with('{') || !rest.starts_with(',') {
        return Err(bad());
    }
    let rest = &rest[1..];
    let close = rest
        .find(')')
        .ok_or_else(|| format!("~SEQ missing terminating ')' '{line}'"))?;
    let numbers = params(&rest[..=close])?;
    let text = skip_blanks(&rest[close + 1..]).to_string();

    let mut nums = Vec::new();
    let mut p = numbers.as_str();
    loop {
        let (v, r) = strtol(p);
        nums.push(v);
        let r = skip_blanks(r);
        match r.as_bytes().first() {
            Some(b')') => break,
            Some(b',') if nums.len() < 3 => p = &r[1..],
            _ => return Err(bad()),
        }
    }
    let (start, step, end) = match nums[..] {
        [end] => (
            if end < 0 { -1 } else { 1 },
            if end < 1 { -1 } else { 1 },
            end,
        ),
        [start, end] => (start, if start <= end { 1 } else { -1 }, end),
        [start, step, end] => {
            if step == 0 || (start < end && step < 0) || (start > end && step > 0) {
                return Err(format!("invalid ~SEQ values '{line}'"));
            }
            (start, step, end)
        }
        _ => return Err(bad()),
    };
    if hex && (start < 0 || end < 0) {
        return Err(format!("~SEQx is only valid for positive numbers '{line}'"));
    }
    let mut rounds = Vec::new();
    let mut v = start;
    while (step > 0 && v <= end) || (step < 0 && v >= end) {
        if rounds.len() >= MAX_ROUNDS {
            return Err(format!("~SEQ has more than {MAX_ROUNDS} values '{line}'"));
        }
        let s = if hex { format!("{v:x}") } else { v.to_string() };
        rounds.push(vec![(var.to_string(), s)]);
        match v.checked_add(step) {
            Some(n) => v = n,
            None => break,
        }
    }
    Ok(Repeat { rounds, text })
}

/// Reads `name`s or `{a, b}` up to `end_char` (not consumed); returns the items and the rest.
fn items<'a>(mut p: &'a str, stops: &[char], end_char: char) -> Option<(Vec<String>, &'a str)> {
    let mut out = Vec::new();
    loop {
        let e = p.find(stops).unwrap_or(p.len());
        out.push(p[..e].to_string());
        p = skip_blanks(&p[e..]);
        if p.starts_with(end_char) || (end_char == ',' && p.starts_with(')')) {
            return Some((out, p));
        }
        p = skip_blanks(p.strip_prefix(',')?);
    }
}

/// Parses a `~LST(var, v1, v2..)` or `~LST({a, b}, {1, 2}, {3, 4}) text` line.
pub(crate) fn parse_lst(line: &str) -> Result<Repeat, String> {
    let bad = || format!("invalid ~LST specification '{line}'");
    let p = line.strip_prefix("~LST").ok_or_else(bad)?;
    let p = skip_blanks(skip_blanks(p).strip_prefix('(').ok_or_else(bad)?);
    let (vars, mut p) = if let Some(inner) = p.strip_prefix('{') {
        let (v, r) = items(skip_blanks(inner), &[' ', '\t', ',', '}'], '}').ok_or_else(bad)?;
        (v, skip_blanks(r.strip_prefix('}').ok_or_else(bad)?))
    } else {
        let e = p.find([' ', '\t', ',', '}']).unwrap_or(p.len());
        (vec![p[..e].to_string()], skip_blanks(&p[e..]))
    };
    p = skip_blanks(p.strip_prefix(',').ok_or_else(bad)?);
    let mut rounds = Vec::new();
    loop {
        let (mut vals, rest) = if let Some(inner) = p.strip_prefix('{') {
            let (v, r) =
                items(skip_blanks(inner), &[' ', '\t', ',', '}', ')'], '}').ok_or_else(bad)?;
            (v, skip_blanks(r.strip_prefix('}').ok_or_else(bad)?))
        } else {
            let e = p.find([' ', '\t', ',', '}', ')']).unwrap_or(p.len());
            (vec![p[..e].to_string()], skip_blanks(&p[e..]))
        };
        if vals.len() > vars.len() {
            return Err(format!("~LST specification has too many values '{line}'"));
        }
        vals.resize(vars.len(), String::new());
        let mut round = Vec::with_capacity(vars.len());
        for (var, val) in vars.iter().zip(vals) {
            round.push((var.clone(), val));
        }
        rounds.push(round);
        if let Some(text) = rest.strip_prefix(')') {
            return Ok(Repeat {
                rounds,
                text: skip_blanks(text).to_string(),
            });
        }
        p = skip_blanks(rest.strip_prefix(',').ok_or_else(bad)?);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(line: &str) -> Result<(Vec<String>, String), String> {
        let r = parse_seq(line, &mut |s| Ok(s.replace("$N", "4")))?;
        let vals = r.rounds.into_iter().map(|mut v| v.remove(0).1).collect();
        Ok((vals, r.text))
    }

    fn vals(line: &str) -> Vec<String> {
        seq(line).map(|v| v.0).unwrap_or_default()
    }

    #[test]
    fn seq_forms() {
        assert_eq!(vals("~SEQ(i, 3) x"), ["1", "2", "3"]);
        assert_eq!(vals("~SEQ(i, 2, 4) x"), ["2", "3", "4"]);
        assert_eq!(vals("~SEQ(i, 4, 2) x"), ["4", "3", "2"]);
        assert_eq!(vals("~SEQ(i, 0, 5, 12) x"), ["0", "5", "10"]);
        assert_eq!(vals("~SEQ(i,10,-3,4) x"), ["10", "7", "4"]);
        assert_eq!(vals("~SEQ(i, -2) x"), ["-1", "-2"]);
        assert_eq!(vals("~SEQx(i, 9, 0xb) x"), ["9", "a", "b"]);
        assert_eq!(vals("~SEQ(i, $N) x"), ["1", "2", "3", "4"]);
    }

    #[test]
    fn seq_text_is_rest_of_line() {
        let r = seq("~SEQ ( idx , 1 )   real_server 10.0.0.$idx 80 {");
        assert_eq!(
            r,
            Ok((vec!["1".into()], "real_server 10.0.0.$idx 80 {".into()))
        );
        let r = parse_seq("~SEQ(v, 1) a", &mut |s| Ok(s.to_string()));
        assert_eq!(
            r.map(|r| r.rounds),
            Ok(vec![vec![("v".into(), "1".into())]])
        );
    }

    #[test]
    fn seq_errors() {
        assert!(seq("~SEQ i, 3) x").is_err());
        assert!(seq("~SEQ(i) x").is_err());
        assert!(seq("~SEQ(i, 3 x").is_err());
        assert!(seq("~SEQ(i, 1, 0, 3) x").is_err());
        assert!(seq("~SEQ(i, 1, -1, 3) x").is_err());
        assert!(seq("~SEQ(i, 1, 2, 3, 4) x").is_err());
        assert!(seq("~SEQx(i, -3) x").is_err());
        assert!(seq("~SEQ(i, 1, 1, 1000000000) x").is_err());
    }

    #[test]
    fn lst_single_and_grouped() {
        let r = parse_lst("~LST(if, eth0, eth1) interface $if");
        assert_eq!(
            r,
            Ok(Repeat {
                rounds: vec![
                    vec![("if".into(), "eth0".into())],
                    vec![("if".into(), "eth1".into())]
                ],
                text: "interface $if".into()
            })
        );
        let r = parse_lst("~LST({a, b}, {1, 2}, {3}) x $a $b").map(|r| r.rounds);
        assert_eq!(
            r,
            Ok(vec![
                vec![("a".into(), "1".into()), ("b".into(), "2".into())],
                vec![("a".into(), "3".into()), ("b".into(), String::new())],
            ])
        );
        assert!(parse_lst("~LST({a}, {1, 2}) x").is_err());
        assert!(parse_lst("~LST(a 1) x").is_err());
    }
}
