use super::*;

fn compile(p: &str, opts: &str) -> Result<Regex, RegexError> {
    let mut f = Flags::default();
    for w in opts.split(',').filter(|w| !w.is_empty() && *w != "-") {
        assert_eq!(f.apply(w), OptionWord::Honoured, "{w}");
    }
    Regex::new(p, f)
}

fn search(re: &Regex, s: &[u8]) -> Outcome {
    let mut sc = re.scratch(1024);
    let mut budget = 1_000_000;
    re.find_at(s, 0, &mut sc, &mut budget)
}

fn find(p: &str, s: &str) -> Outcome {
    search(&compile(p, "").unwrap(), s.as_bytes())
}

/// The table's %HH escapes undone.
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Every case PCRE2 10.42 (keepalived's engine) was asked about, with hard partial matching:
/// the same outcome, the same matched text. A partial match that starts at the very end of
/// the subject keeps nothing, so it counts as no match (PCRE2 reports either, depending on
/// its start-of-match optimisations).
#[test]
fn agrees_with_pcre2_on_the_recorded_table() {
    let table = include_str!("pcre2_table.txt");
    let mut n = 0;
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let (pattern, opts, subject, want) = (f[0], f[1], unescape(f[2]), f[3]);
        let pattern = String::from_utf8(unescape(pattern)).unwrap();
        let got = match compile(&pattern, opts) {
            Err(_) => "error".to_string(),
            Ok(re) => match search(&re, &subject) {
                Outcome::Match { start, end } => format!("match:{}", esc(&subject[start..end])),
                Outcome::Partial(p) if p == subject.len() => "nomatch".into(),
                Outcome::Partial(p) => format!("partial:{}", esc(&subject[p..])),
                Outcome::NoMatch => "nomatch".into(),
                Outcome::Limit => "limit".into(),
            },
        };
        let want = if want == "partial:" { "nomatch" } else { want };
        assert_eq!(got, want, "/{pattern}/{opts} on {:?}", f[2]);
        n += 1;
    }
    assert!(n > 100, "{n} cases");
}

fn esc(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if c == b'%' || !(0x20..=0x7e).contains(&c) {
                format!("%{c:02x}")
            } else {
                char::from(c).to_string()
            }
        })
        .collect()
}

#[test]
fn a_match_that_runs_into_the_end_is_partial() {
    assert_eq!(find("OK", "xOK "), Outcome::Match { start: 1, end: 3 });
    assert_eq!(find("OK\\d*", "xOK5"), Outcome::Partial(1));
    assert_eq!(find("OK\\d*", "xOK5 "), Outcome::Match { start: 1, end: 4 });
    assert_eq!(find("OK$", "status OK"), Outcome::Partial(7));
}

#[test]
fn errors_carry_the_offset_and_pcre2_wording() {
    let e = |p| compile(p, "").unwrap_err().to_string();
    assert_eq!(e("(ab"), "at offset 3: missing closing parenthesis");
    assert_eq!(e("ab)"), "at offset 2: unmatched closing parenthesis");
    assert_eq!(
        e("*a"),
        "at offset 0: quantifier does not follow a repeatable item"
    );
    assert_eq!(
        e("[ab"),
        "at offset 0: missing terminating ] for character class"
    );
    assert_eq!(e("\\"), "at offset 1: \\ at end of pattern");
    assert!(e("(a)\\1").contains("back references are not supported"));
    assert!(e("a(?=b)").contains("lookaround"));
    assert!(e("a++").contains("possessive"));
}

#[test]
fn options_words_are_sorted_by_effect() {
    let mut f = Flags::default();
    assert_eq!(f.apply("caseless"), OptionWord::Honoured);
    assert!(f.caseless);
    assert_eq!(f.apply("no_auto_capture"), OptionWord::NoEffect);
    assert_eq!(f.apply("utf"), OptionWord::Unsupported);
    assert_eq!(f.apply("bogus"), OptionWord::Unknown);
}

#[test]
fn a_catastrophic_pattern_stops_at_the_budget() {
    let re = compile("(a*)*b", "").unwrap();
    let s = vec![b'a'; 3000];
    let mut sc = re.scratch(8192);
    let mut budget = 100_000;
    // "aaa...a" then more: PCRE2 calls this partial too, and so would we given time; the
    // budget ends it first.
    let mut s2 = s.clone();
    s2.push(b'c');
    assert_eq!(re.find_at(&s2, 0, &mut sc, &mut budget), Outcome::Limit);
    assert_eq!(budget, 0);
}

#[test]
fn a_full_stack_is_a_limit_not_a_reallocation() {
    let re = compile("(?:a|b)*c", "").unwrap();
    let mut sc = re.scratch(16);
    let cap = sc.stack_capacity();
    let mut budget = 1_000_000;
    let s = [b'a'; 100];
    assert_eq!(re.find_at(&s, 0, &mut sc, &mut budget), Outcome::Limit);
    assert_eq!(sc.stack_capacity(), cap);
}

#[test]
fn greedy_single_byte_repeats_take_one_frame() {
    let re = compile("<b>.*</b>", "").unwrap();
    let mut s = b"<b>".to_vec();
    s.resize(4000, b'x');
    s.extend_from_slice(b"</b>\n");
    let mut sc = re.scratch(16);
    let mut budget = 1_000_000;
    assert_eq!(
        re.find_at(&s, 0, &mut sc, &mut budget),
        Outcome::Match {
            start: 0,
            end: 4004
        }
    );
}

#[test]
fn search_starts_at_the_offset_but_looks_behind_it() {
    let re = compile("\\bOK", "").unwrap();
    let mut sc = re.scratch(16);
    let mut budget = 1_000;
    assert_eq!(
        re.find_at(b"xOK OK ", 1, &mut sc, &mut budget),
        Outcome::Match { start: 4, end: 6 }
    );
    assert_eq!(re.lookbehind(), 1);
    let re = compile("^OK", "").unwrap();
    assert_eq!(
        re.find_at(b"OKOK", 1, &mut sc, &mut budget),
        Outcome::NoMatch
    );
    assert_eq!(re.lookbehind(), 0);
}

#[test]
fn positions_that_cannot_start_a_match_cost_no_steps() {
    let re = compile("MARK\\d", "").unwrap();
    let mut s = vec![b'x'; 100_000];
    s.extend_from_slice(b"MARK1");
    let mut sc = re.scratch(16);
    let mut budget = 1_000;
    assert_eq!(
        re.find_at(&s, 0, &mut sc, &mut budget),
        Outcome::Match {
            start: 100_000,
            end: 100_005
        }
    );
    // A pattern that may start anywhere still pays per position.
    let re = compile("x?MARK", "").unwrap();
    let mut budget = 1_000;
    assert_eq!(re.find_at(&s, 0, &mut sc, &mut budget), Outcome::Limit);
}
