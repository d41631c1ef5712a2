//! The `regex` keywords of a url block.

use crate::config::checker::{parse_checker, Checker, CheckerKind, Url};
use crate::config::diag::Diagnostics;
use crate::config::reader::tree_from_str;

/// Parses an HTTP_GET with one url holding `body`; the url and the diagnostics.
fn url(body: &str) -> (Option<Url>, Diagnostics) {
    let text = format!("HTTP_GET {{\n url {{\n  path /\n{body}\n }}\n}}");
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(&text, 0, &mut d);
    let c = nodes.first().and_then(|n| parse_checker(n, &mut d));
    let u = match c {
        Some(Checker {
            kind: CheckerKind::Http(h),
            ..
        }) => h.urls.into_iter().next(),
        _ => None,
    };
    (u, d)
}

fn said(d: &Diagnostics) -> Vec<(u32, String)> {
    d.items()
        .iter()
        .map(|i| (i.loc.line, i.msg.clone()))
        .collect()
}

#[test]
fn the_pattern_is_read_with_keepalived_quotes_and_escapes() {
    // keepalived resolves backslash escapes in the line first: PCRE2's \d needs "\\d".
    let (u, d) = url("  regex \"^status: \\\\d+ (up|ok)\"");
    assert!(said(&d).is_empty(), "{:?}", said(&d));
    assert_eq!(
        u.and_then(|u| u.regex).as_deref(),
        Some("^status: \\d+ (up|ok)")
    );
    let (u, _) = url("  regex \\d+");
    assert_eq!(u.and_then(|u| u.regex).as_deref(), Some("d+"));
}

#[test]
fn an_invalid_pattern_is_an_error_at_its_line() {
    let (_, d) = url("  regex \"(up|ok\"");
    assert!(d.has_errors());
    assert_eq!(
        said(&d),
        vec![(
            4,
            "Invalid regex: '(up|ok' at offset 6: missing closing parenthesis".to_string()
        )]
    );
    let (_, d) = url("  regex up ok");
    assert_eq!(
        said(&d),
        vec![(4, "regex missing or too many fields".to_string())]
    );
}

#[test]
fn regex_options_are_checked_by_name() {
    let (u, d) = url("  regex up\n  regex_options caseless multiline");
    assert!(said(&d).is_empty(), "{:?}", said(&d));
    assert_eq!(u.map(|u| u.regex_options.len()), Some(2));
    let (_, d) = url("  regex up\n  regex_options utf");
    assert!(d.has_errors());
    assert_eq!(
        said(&d),
        vec![(
            5,
            "regex_options 'utf' is not supported by this build".to_string()
        )]
    );
    let (_, d) = url("  regex up\n  regex_options bogus");
    assert!(!d.has_errors());
    assert_eq!(
        said(&d),
        vec![(5, "unknown regex_options 'bogus' - ignoring".to_string())]
    );
}

#[test]
fn offsets_out_of_order_are_dropped_as_keepalived_drops_them() {
    let (u, d) = url("  regex up\n  regex_min_offset 10\n  regex_max_offset 9");
    let u = u.unwrap_or_default();
    assert_eq!((u.regex_min_offset, u.regex_max_offset), (None, None));
    assert_eq!(
        said(&d),
        vec![(
            2,
            "regex min offset 10 > regex_max_offset 9 - ignoring".to_string()
        )]
    );
    let (u, d) = url("  regex up\n  regex_min_offset 10\n  regex_max_offset 10");
    assert!(said(&d).is_empty());
    assert_eq!(u.and_then(|u| u.regex_max_offset), Some(10));
}

#[test]
fn regex_parameters_without_a_regex_are_dropped() {
    let (u, d) = url("  regex_no_match\n  regex_min_offset 3");
    let u = u.unwrap_or_default();
    assert!(!u.regex_no_match);
    assert_eq!(u.regex_min_offset, None);
    assert_eq!(
        said(&d),
        vec![(2, "regex parameters specified without regex".to_string())]
    );
}

#[test]
fn regex_stack_takes_a_start_and_a_max() {
    let (u, d) = url("  regex up\n  regex_stack 32768 1048576");
    assert!(said(&d).is_empty());
    assert_eq!(u.and_then(|u| u.regex_stack), Some((32768, 1_048_576)));
    let (u, d) = url("  regex up\n  regex_stack 9 8");
    assert_eq!(u.and_then(|u| u.regex_stack), None);
    assert_eq!(
        said(&d),
        vec![(5, "regex stack start cannot exceed max value".to_string())]
    );
}
