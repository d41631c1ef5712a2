use super::*;
use crate::config::diag::Severity;

/// Words and locations of a tree, one line per node, nested blocks indented.
fn dump(nodes: &[Node], d: &Diagnostics) -> String {
    fn walk(nodes: &[Node], d: &Diagnostics, depth: usize, out: &mut String) {
        for n in nodes {
            let file = d
                .file(n.loc.file)
                .and_then(Path::file_name)
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push_str(&format!(
                "{}{}:{} {}",
                "  ".repeat(depth),
                file,
                n.loc.line,
                n.words.join("|")
            ));
            if let Some(b) = &n.block {
                out.push_str(&format!(" {{..{}\n", n.end_line));
                walk(b, d, depth + 1, out);
            } else {
                out.push('\n');
            }
        }
    }
    let mut out = String::new();
    walk(nodes, d, 0, &mut out);
    out
}

fn read(text: &str) -> (Vec<Node>, Diagnostics) {
    let mut d = Diagnostics::new();
    let f = d.add_file(Path::new("test.conf"));
    let t = tree_from_str(text, f, &mut d);
    (t, d)
}

/// The tree of a text that must read without any message.
fn clean(text: &str) -> String {
    let (t, d) = read(text);
    assert!(d.items().is_empty(), "unexpected messages:\n{d}");
    dump(&t, &d)
}

fn messages(text: &str) -> Vec<(u32, Severity, String)> {
    let (_, d) = read(text);
    d.items()
        .iter()
        .map(|i| (i.loc.line, i.severity, i.msg.clone()))
        .collect()
}

fn words(text: &str) -> Vec<Vec<String>> {
    let (t, d) = read(text);
    assert!(d.items().is_empty(), "unexpected messages:\n{d}");
    t.into_iter().map(|n| n.words).collect()
}

fn w(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn blocks_with_braces_anywhere() {
    let text = "\
global_defs {
   router_id r1   # comment
}
vrrp_instance VI_1
{
    virtual_ipaddress { 1.2.3.4 10.0.0.1/24 }
    track_script {
    }
    authentication {}
}";
    assert_eq!(
        clean(text),
        "\
test.conf:1 global_defs {..3
  test.conf:2 router_id|r1
test.conf:4 vrrp_instance|VI_1 {..10
  test.conf:6 virtual_ipaddress {..6
    test.conf:6 1.2.3.4|10.0.0.1/24
  test.conf:7 track_script {..8
  test.conf:9 authentication {..9
"
    );
}

#[test]
fn braces_glued_to_words() {
    assert_eq!(
        clean("a{b{c}}"),
        "test.conf:1 a {..1\n  test.conf:1 b {..1\n    test.conf:1 c\n"
    );
    assert_eq!(
        clean("x {\n y\n}z"),
        "test.conf:1 x {..3\n  test.conf:2 y\ntest.conf:3 z\n"
    );
}

#[test]
fn comments_and_quotes() {
    assert_eq!(
        words("! header\n# other\n  notify \"/bin/n.sh arg # x\" ! trailing\nk a\\#b\n"),
        vec![w(&["notify", "/bin/n.sh arg # x"]), w(&["k", "a#b"])]
    );
    assert_eq!(
        words(r#"k "{ not a block }""#),
        vec![w(&["k", "{ not a block }"])]
    );
    assert_eq!(words("k \"\""), vec![w(&["k", ""])]);
}

#[test]
fn crlf_and_blank_lines_keep_line_numbers() {
    let (t, _) = read("a\r\n\r\n   \n\tb\r\n");
    let lines: Vec<u32> = t.iter().map(|n| n.loc.line).collect();
    assert_eq!(lines, [1, 4]);
    assert_eq!(t[0].words, ["a"]);
}

#[test]
fn trailing_backslash_does_not_join_lines() {
    // keepalived 2.2.7 reports the second line as an unknown keyword.
    assert_eq!(
        words("router_id foo \\\n bar"),
        vec![w(&["router_id", "foo\\"]), w(&["bar"])]
    );
}

#[test]
fn unterminated_quote_is_an_error() {
    let m = messages("a\nnotify \"/bin/x\n");
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!((m[0].0, m[0].1), (2, Severity::Error));
    // An escaped quote does not hide a quote from word splitting.
    let (t, d) = read("x \"a\\\"b\"\ny");
    assert_eq!(d.error_count(), 1, "{d}");
    assert_eq!(t[0].words, ["x", "a\\", "b"]);
    assert_eq!(t[1].words, ["y"]);
}

#[test]
fn unbalanced_braces() {
    let m = messages("a {\n b\n}\n}\nc");
    assert_eq!(m, [(4, Severity::Error, "unexpected '}'".to_string())]);
    let (t, d) = read("global_defs {\n  x 1\nvrrp_instance V {\n  y\n\n");
    let m: Vec<u32> = d.items().iter().map(|i| i.loc.line).collect();
    // Each unclosed block is reported at the line that opened it, innermost first.
    assert_eq!(m, [3, 1], "{d}");
    assert!(d.items()[0].msg.contains("missing '}'"), "{d}");
    assert!(d.items()[1].msg.contains("global_defs"), "{d}");
    // The unclosed blocks still hold what was read.
    assert_eq!(t[0].children().len(), 2);
    assert_eq!(t[0].children()[1].children()[0].words, ["y"]);
    let m = messages("a {}\n{\n x\n}\nb");
    assert_eq!(m, [(2, Severity::Error, "unexpected '{'".to_string())]);
}

#[test]
fn deep_nesting_is_refused() {
    let text = format!("{}\n{}", "a {".repeat(200), "}".repeat(200));
    let (t, d) = read(&text);
    assert!(d.has_errors());
    assert_eq!(t.len(), 1);
}

#[test]
fn sequence_explosion_is_bounded() {
    let (t, d) = read("~SEQ(a, 1000) ~SEQ(b, 1000) ~SEQ(c, 1000) k");
    assert_eq!(d.error_count(), 1, "{d}");
    assert!(t.len() < 200_000);
}

/// `$B` would be 999 copies of a 3,500-byte `$A`: 3.5 MB per line without the line limit.
fn blow_up_defs() -> String {
    format!("$A={}\n$B={}\n", "x".repeat(3500), "${A}".repeat(999))
}

#[test]
fn replacement_past_the_line_limit_is_an_error_at_its_line() {
    let text = format!("{}{}", blow_up_defs(), "$B\n".repeat(1200));
    let start = std::time::Instant::now();
    let (t, d) = read(&text);
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    assert!(t.is_empty());
    assert_eq!(d.error_count(), 1200);
    assert_eq!(
        d.items()[0].msg,
        "replacing $B would make the line longer than 1023 bytes"
    );
    assert_eq!(d.items()[1199].loc.line, 1202);
}

#[test]
fn sequence_of_too_long_lines_is_one_error() {
    let text = format!("{}~SEQ(i, 100000) $B\n", blow_up_defs());
    let (t, d) = read(&text);
    assert!(t.is_empty());
    assert_eq!(d.error_count(), 1, "{d}");
    assert_eq!(d.items()[0].loc.line, 3);
}

#[test]
fn total_expansion_is_bounded() {
    let text = format!("$A=k {}\n~SEQ(i, 100000) $A\n", "x".repeat(1000));
    let (t, d) = read(&text);
    let m: Vec<(u32, &str)> = d
        .items()
        .iter()
        .map(|i| (i.loc.line, i.msg.as_str()))
        .collect();
    assert_eq!(
        m,
        [(
            2,
            "the config expands to more than 16 MiB; ignoring the rest"
        )]
    );
    assert!(t.len() < 17_000, "{}", t.len());
}

#[test]
fn orphan_block_content_is_dropped() {
    let (t, _) = read("{\n x\n}\nb");
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].words, ["b"]);
}

#[test]
fn conditional_lines() {
    let id = default_config_id();
    let text = format!(
        "@{id} mine\n@^{id} not_mine\n@other_host_x others\n@^other_host_x all_but_other\n@{id}\n@{id} $D=def\nuse $D\n"
    );
    assert_eq!(
        words(&text),
        vec![w(&["mine"]), w(&["all_but_other"]), w(&["use", "def"])]
    );
}

#[test]
fn conditional_with_explicit_id() {
    let dir = temp_dir("cond");
    let main = dir.join("k.conf");
    write(
        &main,
        "@lb1 router_id one\n@lb2 router_id two\n@^lb1 x {\n@^lb1 }\n",
    );
    let opts = LoadOptions {
        config_id: Some("lb2".into()),
        all_config: false,
        ..LoadOptions::default()
    };
    let mut d = Diagnostics::new();
    let t = read_tree(&main, &opts, &mut d);
    assert!(d.items().is_empty(), "{d}");
    assert_eq!(dump(&t, &d), "k.conf:2 router_id|two\nk.conf:3 x {..4\n");
    cleanup(&dir);
}

#[test]
fn definitions_simple_and_braced() {
    assert_eq!(
        words("$IF=eth0\n$VRID=51\ninterface $IF\nvirtual_router_id ${VRID}\nx ${IF}.${VRID}0 $UNKNOWN\n"),
        vec![
            w(&["interface", "eth0"]),
            w(&["virtual_router_id", "51"]),
            w(&["x", "eth0.510", "$UNKNOWN"])
        ]
    );
}

#[test]
fn definition_may_be_redefined_and_used_later_only() {
    assert_eq!(
        words("a $X\n$X=1\nb $X\n$X=2\nc $X"),
        vec![w(&["a", "$X"]), w(&["b", "1"]), w(&["c", "2"])]
    );
}

#[test]
fn definition_value_with_block() {
    assert_eq!(
        clean("$VIP=virtual_ipaddress { 10.0.0.1 }\nvrrp_instance V {\n $VIP\n}"),
        "test.conf:2 vrrp_instance|V {..4\n  test.conf:3 virtual_ipaddress {..3\n    test.conf:3 10.0.0.1\n"
    );
}

#[test]
fn multiline_definition_expands_to_lines() {
    let text = "\
$ADDRS=virtual_ipaddress { \\
   10.0.0.1/24 \\
   10.0.0.2/24 \\
}
vrrp_instance V {
    $ADDRS
    priority 5
}";
    assert_eq!(
        clean(text),
        "\
test.conf:5 vrrp_instance|V {..8
  test.conf:6 virtual_ipaddress {..6
    test.conf:6 10.0.0.1/24
    test.conf:6 10.0.0.2/24
  test.conf:7 priority|5
"
    );
}

#[test]
fn multiline_definition_ends_at_blank_line() {
    assert_eq!(words("$M=a \\\n\nb\n$M"), vec![w(&["b"]), w(&["a"])]);
}

#[test]
fn multiline_definitions_nest() {
    let text = "$IN=i1 \\\ni2\n$OUT=o1 \\\n$IN\\\no2\n$OUT\n";
    assert_eq!(
        words(text),
        vec![w(&["o1"]), w(&["i1"]), w(&["i2"]), w(&["o2"])]
    );
}

#[test]
fn definition_replacement_is_decommented_again() {
    // keepalived decomments after replacing, so a value's '#' starts a comment.
    assert_eq!(
        words("$X=a\\#b\nk $X\nh x${_HASH}y"),
        vec![w(&["k", "a"]), w(&["h", "x"])]
    );
}

#[test]
fn self_referencing_definition_is_an_error() {
    let m = messages("$A=x $A\nk $A\n");
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!((m[0].0, m[0].1), (2, Severity::Error));
}

#[test]
fn seq_repeats_lines() {
    assert_eq!(
        clean("vs {\n~SEQ(i, 1, 3) real_server 10.0.0.$i ${i}0\n}"),
        "\
test.conf:1 vs {..3
  test.conf:2 real_server|10.0.0.1|10
  test.conf:2 real_server|10.0.0.2|20
  test.conf:2 real_server|10.0.0.3|30
"
    );
    assert_eq!(
        words("~SEQ(i, 2) ~SEQ(j, 10, 10, 20) k ${i}.$j"),
        vec![
            w(&["k", "1.10"]),
            w(&["k", "1.20"]),
            w(&["k", "2.10"]),
            w(&["k", "2.20"])
        ]
    );
    assert_eq!(
        words("$N=7\n~SEQ(i, 9, $N) h$i"),
        vec![w(&["h9"]), w(&["h8"]), w(&["h7"])]
    );
    assert_eq!(
        words("$N=11\n~SEQx(i, 9, $N) h$i"),
        vec![w(&["h9"]), w(&["ha"]), w(&["hb"])]
    );
}

#[test]
fn seq_with_blocks_on_its_line() {
    assert_eq!(
        clean("~SEQ(n, 1, 2) vrrp_instance VI_$n { virtual_router_id $n }"),
        "\
test.conf:1 vrrp_instance|VI_1 {..1
  test.conf:1 virtual_router_id|1
test.conf:1 vrrp_instance|VI_2 {..1
  test.conf:1 virtual_router_id|2
"
    );
}

#[test]
fn lst_repeats_lines() {
    assert_eq!(
        words("~LST({if, w}, {eth0, 10}, {eth1, 20}) track $if weight $w"),
        vec![
            w(&["track", "eth0", "weight", "10"]),
            w(&["track", "eth1", "weight", "20"])
        ]
    );
}

#[test]
fn bad_seq_is_an_error_at_its_line() {
    let m = messages("a\n~SEQ(i, 1, 0, 3) x $i\n");
    assert_eq!(m.len(), 1);
    assert_eq!((m[0].0, m[0].1), (2, Severity::Error));
}

// ---- files and includes ----

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kareader-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn write(path: &Path, text: &str) {
    if let Some(p) = path.parent() {
        let _ = std::fs::create_dir_all(p);
    }
    if let Err(e) = std::fs::write(path, text) {
        panic!("writing {}: {e}", path.display());
    }
}

fn cleanup(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

fn load(main: &Path, all_config: bool) -> (Vec<Node>, Diagnostics) {
    let opts = LoadOptions {
        config_id: Some("n1".into()),
        all_config,
        ..LoadOptions::default()
    };
    let mut d = Diagnostics::new();
    let t = read_tree(main, &opts, &mut d);
    (t, d)
}

#[test]
fn includes_are_relative_and_nested_with_their_own_locations() {
    let dir = temp_dir("inc");
    let main = dir.join("keepalived.conf");
    write(
        &main,
        "global_defs {\n}\ninclude conf.d/*.conf\n$IF=eth9\ninclude conf.d/sub/last.conf\nend\n",
    );
    write(
        &dir.join("conf.d/b.conf"),
        "\n\nvrrp_instance B {\n  interface x\n}\n",
    );
    write(
        &dir.join("conf.d/a.conf"),
        "include sub/inner.conf\nvrrp_instance A {\n}\n",
    );
    write(&dir.join("conf.d/sub/inner.conf"), "# inner\ninner_kw 1\n");
    write(&dir.join("conf.d/sub/last.conf"), "last $IF\n");
    let (t, d) = load(&main, false);
    assert!(d.items().is_empty(), "{d}");
    assert_eq!(
        dump(&t, &d),
        "\
keepalived.conf:1 global_defs {..2
inner.conf:2 inner_kw|1
a.conf:2 vrrp_instance|A {..3
b.conf:3 vrrp_instance|B {..5
  b.conf:4 interface|x
last.conf:1 last|eth9
keepalived.conf:6 end
"
    );
    cleanup(&dir);
}

#[test]
fn include_may_hold_part_of_a_block() {
    let dir = temp_dir("part");
    let main = dir.join("k.conf");
    write(&main, "vrrp_instance V {\ninclude body.conf\n}\n");
    write(&dir.join("body.conf"), "priority 7\n");
    let (t, d) = load(&main, false);
    assert!(d.items().is_empty(), "{d}");
    assert_eq!(
        dump(&t, &d),
        "k.conf:1 vrrp_instance|V {..3\n  body.conf:1 priority|7\n"
    );
    cleanup(&dir);
}

#[test]
fn include_brace_patterns_and_conditionals() {
    let dir = temp_dir("brace");
    let main = dir.join("k.conf");
    write(
        &main,
        "include {x,y}.inc\n@n1 include z.inc\n@^n1 include y.inc\n",
    );
    write(&dir.join("x.inc"), "x\n");
    write(&dir.join("y.inc"), "y\n");
    write(&dir.join("z.inc"), "z\n");
    let (t, d) = load(&main, false);
    assert!(d.items().is_empty(), "{d}");
    let kws: Vec<&str> = t.iter().map(Node::keyword).collect();
    assert_eq!(kws, ["x", "y", "z"]);
    cleanup(&dir);
}

#[test]
fn missing_include_warns_or_fails_with_all_config() {
    let dir = temp_dir("miss");
    let main = dir.join("k.conf");
    write(
        &main,
        "a\ninclude nothere.conf\ninclude nodir/*.conf\ninclude *.none\n",
    );
    let (t, d) = load(&main, false);
    assert_eq!(t.len(), 1);
    let got: Vec<(u32, Severity)> = d.items().iter().map(|i| (i.loc.line, i.severity)).collect();
    assert_eq!(got, [(2, Severity::Warning), (3, Severity::Warning)], "{d}");
    let (_, d) = load(&main, true);
    let got: Vec<(u32, Severity)> = d.items().iter().map(|i| (i.loc.line, i.severity)).collect();
    assert_eq!(
        got,
        [
            (2, Severity::Error),
            (3, Severity::Error),
            (4, Severity::Error)
        ],
        "{d}"
    );
    assert!(d
        .render(&d.items()[0])
        .starts_with(&format!("{}:2: ", main.display())));
    cleanup(&dir);
}

#[test]
fn executable_and_directory_includes_are_skipped() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("exec");
    let main = dir.join("k.conf");
    write(&main, "include *.inc\n");
    write(&dir.join("a.inc"), "a\n");
    write(&dir.join("b.inc"), "b\n");
    let _ = std::fs::create_dir_all(dir.join("c.inc"));
    let _ = std::fs::set_permissions(dir.join("b.inc"), std::fs::Permissions::from_mode(0o755));
    let (t, d) = load(&main, false);
    assert_eq!(t.len(), 1);
    assert_eq!(d.items().len(), 2, "{d}");
    assert!(d.items().iter().all(|i| i.severity == Severity::Warning));
    cleanup(&dir);
}

#[test]
fn self_include_stops() {
    let dir = temp_dir("self");
    let main = dir.join("k.conf");
    write(&main, "x\ninclude k.conf\n");
    let (t, d) = load(&main, false);
    assert!(d.has_errors());
    assert!(t.len() > 1);
    cleanup(&dir);
}

#[test]
fn file_including_itself_twice_stops_at_once() {
    let dir = temp_dir("self2");
    let main = dir.join("k.conf");
    write(&main, "include k.conf\ninclude k.conf\n");
    let start = std::time::Instant::now();
    let (_, d) = load(&main, false);
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(d.error_count(), 1, "{d}");
    cleanup(&dir);
}

#[test]
fn too_many_included_files_stop_the_read() {
    let dir = temp_dir("fanout");
    let main = dir.join("k.conf");
    // 11 levels of two includes each read 4094 files; 14 levels read more than 10,000.
    for i in 0..14 {
        write(
            &dir.join(format!("f{i}.conf")),
            &format!("include f{n}.conf\ninclude f{n}.conf\n", n = i + 1),
        );
    }
    write(&dir.join("f14.conf"), "x\n");
    write(&main, "include f0.conf\n");
    let (t, d) = load(&main, false);
    let m: Vec<String> = d.items().iter().map(|i| i.msg.clone()).collect();
    assert_eq!(
        m,
        ["more than 10000 files included (does a file include itself?); ignoring the rest"]
    );
    assert!(t.len() < 10_000);
    cleanup(&dir);
}

#[test]
fn unreadable_main_file_is_an_error() {
    let (t, d) = load(Path::new("/nonexistent/keepalived.conf"), false);
    assert!(t.is_empty());
    assert!(d.has_errors());
}

#[test]
fn pwd_builtin_is_the_file_directory() {
    let dir = temp_dir("pwd");
    let main = dir.join("k.conf");
    write(&main, "include sub/s.conf\np ${_PWD}\n");
    write(&dir.join("sub/s.conf"), "s $_PWD\n");
    let (t, d) = load(&main, false);
    assert!(d.items().is_empty(), "{d}");
    let canon = std::fs::canonicalize(&dir).unwrap_or(dir.clone());
    assert_eq!(
        t[0].arg(0),
        Some(canon.join("sub").display().to_string().as_str())
    );
    assert_eq!(t[1].arg(0), Some(canon.display().to_string().as_str()));
    cleanup(&dir);
}

/// Every sample config of keepalived's doc/samples reads without a reader message.
#[test]
fn samples_read() {
    let Some(files) = crate::testdata::samples() else {
        return;
    };
    for f in &files {
        let (t, d) = load(f, true);
        assert!(d.items().is_empty(), "{}:\n{d}", f.display());
        assert!(!t.is_empty(), "{} read as empty", f.display());
    }
}

#[test]
fn conditional_sample_keeps_the_lines_for_its_id() {
    let Some(f) = crate::testdata::shared("keepalived-samples/keepalived.conf.conditional_conf")
    else {
        return;
    };
    for (id, ns, prio) in [
        ("high", Some("high"), Some("170")),
        ("low", Some("low"), Some("85")),
        ("x", None, None),
    ] {
        let opts = LoadOptions {
            config_id: Some(id.into()),
            all_config: true,
            ..LoadOptions::default()
        };
        let mut d = Diagnostics::new();
        let t = read_tree(&f, &opts, &mut d);
        assert!(d.items().is_empty(), "{id}: {d}");
        let first = |nodes: &[Node], kw: &str| {
            nodes
                .iter()
                .find(|n| n.keyword() == kw)
                .and_then(|n| n.arg(0))
                .map(str::to_string)
        };
        assert_eq!(first(&t, "net_namespace").as_deref(), ns, "{id}");
        let inst: Vec<Node> = t
            .iter()
            .find(|n| n.keyword() == "vrrp_instance")
            .map(|n| n.children().to_vec())
            .unwrap_or_default();
        assert_eq!(first(&inst, "priority").as_deref(), prio, "{id}");
        assert_eq!(first(&inst, "advert_int").as_deref(), Some("12"), "{id}");
    }
}

/// Developer aid: `READER_DUMP=file cargo test --lib reader::tests::dump_file -- --ignored --nocapture`.
#[test]
#[ignore]
fn dump_file() {
    let Some(f) = std::env::var_os("READER_DUMP") else {
        return;
    };
    let mut d = Diagnostics::new();
    let t = read_tree(Path::new(&f), &LoadOptions::default(), &mut d);
    eprintln!("{}{d}", dump(&t, &d));
}
