use super::super::diag::Diagnostics;
use super::super::reader::tree_from_str;
use super::super::Config;
use super::*;

fn load(text: &str) -> (Config, Diagnostics) {
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(text, 0, &mut d);
    let mut cfg = Config::default();
    for n in &nodes {
        assert!(parse_top(n, &mut cfg, &mut d), "{}", n.keyword());
    }
    (cfg, d)
}

#[test]
fn router_id() {
    let (c, d) = load("global_defs {\n router_id R1\n}\n");
    assert_eq!(c.global.router_id.as_deref(), Some("R1"));
    assert!(d.items().is_empty());
}
