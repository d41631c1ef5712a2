use super::*;
use crate::config::reader::tree_from_str;

/// Parses one checker block; returns it and the lines flagged.
fn checker(text: &str) -> (Option<Checker>, Vec<u32>, Diagnostics) {
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(text, 0, &mut d);
    let c = nodes.first().and_then(|n| parse_checker(n, &mut d));
    let lines = d.items().iter().map(|i| i.loc.line).collect();
    (c, lines, d)
}

#[test]
fn tcp_check_takes_the_connection_options() {
    let (c, lines, _) = checker(
        "TCP_CHECK {\n connect_ip 10.0.0.5\n connect_port 8080\n bindto 10.0.0.1\n bind_port 4000\n \
         bind_if eth0\n connect_timeout 2.5\n fwmark 9\n retry 4\n delay_before_retry 0\n \
         warmup 3\n delay_loop 10\n alpha\n log_all_failures off\n}",
    );
    assert!(lines.is_empty(), "{lines:?}");
    let c = c.map(|c| c.common).unwrap_or_default();
    assert_eq!(c.connect_port, Some(8080));
    assert_eq!(c.connect_timeout, Some(Micros(2_500_000)));
    assert_eq!(c.retry, Some(4));
    assert_eq!(c.delay_before_retry, Some(Micros(0)));
    assert_eq!(c.alpha, Some(true));
    assert_eq!(c.log_all_failures, Some(false));
}

#[test]
fn tcp_check_flags_bad_values_at_their_lines() {
    let (c, lines, _) = checker(
        "TCP_CHECK {\n connect_port 0\n bindto 1.2.3\n retry -1\n warmup abc\n connect_timeout 0\n misc_path x\n}",
    );
    assert!(c.is_some(), "keepalived keeps the checker with defaults");
    assert_eq!(lines, vec![2, 3, 4, 5, 6, 7]);
}

#[test]
fn nb_get_retry_is_a_deprecated_retry() {
    let (c, lines, d) = checker("HTTP_GET {\n url {\n  path /\n }\n nb_get_retry 3\n}");
    assert_eq!(lines, vec![5]);
    assert!(!d.has_errors());
    assert_eq!(c.and_then(|c| c.common.retry), Some(3));
}

#[test]
fn http_get_reads_urls() {
    let (c, lines, _) = checker(
        "HTTP_GET {\n url {\n  path /a\n  digest 640205B7B0FC66C1EA91C463FAC6334D\n  \
         status_code 200-299 404\n  virtualhost www\n  regex ok\n  regex_no_match\n }\n \
         http_protocol 1.1\n virtualhost v\n fast_recovery\n}",
    );
    assert!(lines.is_empty(), "{lines:?}");
    let Some(Checker {
        kind: CheckerKind::Http(h),
        ..
    }) = c
    else {
        panic!("not an HTTP_GET");
    };
    assert_eq!(h.http_protocol, HttpProtocol::V11);
    assert!(h.fast_recovery);
    let u = &h.urls[0];
    assert_eq!(u.status_codes, vec![(200, 299), (404, 404)]);
    assert_eq!(u.digest.map(|d| d[0]), Some(0x64));
    assert!(u.regex_no_match);
}

#[test]
fn http_get_flags_bad_urls() {
    let (c, lines, _) = checker(
        "HTTP_GET {\n url {\n  digest 123\n  status_code 200-299 abc 700\n }\n url {\n  path /x\n  \
         status_code 99\n }\n http_protocol 2.0\n}",
    );
    // digest, two bad codes, the url without path (at its closing brace), code 99, the protocol.
    assert_eq!(lines, vec![3, 4, 4, 5, 8, 10]);
    assert!(c.is_some(), "the second url remains");
}

#[test]
fn http_get_without_urls_is_dropped() {
    let (c, lines, d) = checker("SSL_GET {\n enable_sni\n}");
    assert!(c.is_none());
    assert_eq!(lines, vec![3], "at the closing brace");
    assert!(d.has_errors());
}

#[test]
fn status_codes_are_codes_or_ranges() {
    assert_eq!(http::parse_status("200-299"), Some((200, 299)));
    assert_eq!(http::parse_status("503"), Some((503, 503)));
    assert_eq!(http::parse_status("299-200"), None);
    assert_eq!(http::parse_status("600"), None);
    assert_eq!(http::parse_status("+200"), None);
}

#[test]
fn misc_check_keeps_the_command_and_its_words() {
    let (c, lines, _) = checker(
        "MISC_CHECK {\n misc_path \"/usr/local/bin/script.sh arg1 arg2\"\n misc_timeout 5\n \
         misc_dynamic\n user nobody nogroup\n retry 2\n connect_port 80\n}",
    );
    // connect_port is not a MISC_CHECK option.
    assert_eq!(lines, vec![7]);
    let Some(Checker {
        kind: CheckerKind::Misc(m),
        ..
    }) = c
    else {
        panic!("not a MISC_CHECK");
    };
    let s = m.path.unwrap_or_default();
    assert_eq!(s.argv, vec!["/usr/local/bin/script.sh", "arg1", "arg2"]);
    assert_eq!(m.timeout, Some(Micros::from_secs(5)));
    assert!(m.dynamic);
    assert_eq!(m.user, Some(("nobody".into(), Some("nogroup".into()))));
}

#[test]
fn misc_check_without_path_is_dropped() {
    let (c, lines, _) = checker("MISC_CHECK {\n}");
    assert!(c.is_none());
    assert_eq!(lines, vec![2]);
}

#[test]
fn smtp_check_reads_the_old_host_blocks() {
    let (c, lines, _) = checker(
        "SMTP_CHECK {\n helo_name mail.example\n host {\n  connect_ip 10.0.0.7\n  connect_port 25\n  bogus\n }\n}",
    );
    assert_eq!(lines, vec![6]);
    let Some(Checker {
        kind: CheckerKind::Smtp(s),
        ..
    }) = c
    else {
        panic!("not an SMTP_CHECK");
    };
    assert_eq!(s.helo_name.as_deref(), Some("mail.example"));
    assert_eq!(s.hosts[0].connect_port, Some(25));
}

#[test]
fn dns_check_knows_its_record_types() {
    let (c, lines, _) = checker("DNS_CHECK {\n type aaaa\n name example.com\n}");
    assert!(lines.is_empty());
    let Some(Checker {
        kind: CheckerKind::Dns(q),
        ..
    }) = c
    else {
        panic!("not a DNS_CHECK");
    };
    assert_eq!((q.qtype, q.name.as_str()), (DnsType::Aaaa, "example.com"));
    let (_, lines, _) = checker("DNS_CHECK {\n type FOO\n name a..b\n name .x\n name a.bc\n}");
    // keepalived also refuses a one-character first label.
    assert_eq!(lines, vec![2, 3, 4, 5]);
    for name in [".", "ab.example.", "\"\""] {
        let (c, lines, _) = checker(&format!("DNS_CHECK {{\n name {name}\n name again\n}}"));
        assert_eq!(lines, vec![3], "{name}: a second name is ignored");
        let q = match c.map(|c| c.kind) {
            Some(CheckerKind::Dns(q)) => q.name,
            _ => "not a DNS_CHECK".into(),
        };
        assert_eq!(q, name.trim_matches('"'));
    }
}

#[test]
fn udp_check_reads_hex_payloads_and_reply_patterns() {
    let (c, lines, _) = checker(
        "UDP_CHECK {\n payload 01 2 abcd\n require_reply 01 X2\n min_reply_length 2\n max_reply_length 10\n}",
    );
    assert!(lines.is_empty(), "{lines:?}");
    let Some(Checker {
        kind: CheckerKind::Udp(u),
        ..
    }) = c
    else {
        panic!("not a UDP_CHECK");
    };
    assert_eq!(u.payload, Some(vec![0x01, 0x02, 0xab, 0xcd]));
    assert_eq!(u.reply, Some((vec![0x01, 0x02], Some(vec![0x00, 0xf0]))));
    let (_, lines, _) = checker("UDP_CHECK {\n payload 0g\n min_reply_length 300\n}");
    assert_eq!(
        lines,
        vec![2, 4],
        "min > max is judged at the closing brace"
    );
}

#[test]
fn ping_check_has_only_the_shared_options() {
    let (c, lines, _) = checker("PING_CHECK {\n connect_ip fe80::1\n retry 2\n payload 00\n}");
    assert_eq!(lines, vec![4]);
    assert!(matches!(c.map(|c| c.kind), Some(CheckerKind::Ping)));
}

#[test]
fn file_check_names_a_track_file_with_an_optional_weight() {
    let (c, lines, _) = checker("FILE_CHECK {\n track_file f1\n weight -10 reverse\n}");
    assert!(lines.is_empty());
    let Some(Checker {
        kind: CheckerKind::File(f),
        ..
    }) = c
    else {
        panic!("not a FILE_CHECK");
    };
    assert_eq!(
        (f.track_file.as_str(), f.weight, f.reverse),
        ("f1", -10, true)
    );
    let (c, lines, _) = checker("FILE_CHECK {\n weight 1 sideways\n retry 1\n}");
    assert!(c.is_none());
    assert_eq!(lines, vec![2, 3, 4]);
}

#[test]
fn bfd_check_names_a_bfd_instance() {
    let (c, lines, _) = checker("BFD_CHECK {\n name b1\n alpha\n}");
    assert!(lines.is_empty());
    assert_eq!(c.map(|c| c.common.alpha), Some(Some(true)));
    let (c, lines, _) = checker("BFD_CHECK {\n}");
    assert!(c.is_none());
    assert_eq!(lines, vec![2]);
}

/// The data file's `Type = ` is the name `type` took, in capitals.
#[test]
fn dns_types_show_the_name_they_were_given() {
    for name in [
        "a", "NS", "cname", "SOA", "mx", "TXT", "aaaa", "RRSIG", "dnskey",
    ] {
        let t = DnsType::from_name(name).map(DnsType::name);
        assert_eq!(t, Some(name.to_ascii_uppercase().as_str()));
    }
    assert_eq!(DnsType::from_name("AXFR"), None);
}
