use super::*;
use crate::config::{from_tree_seen, reader, Diagnostics};

fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

fn parsed(text: &str) -> (crate::config::Config, Diagnostics) {
    let mut d = Diagnostics::new();
    let file = d.add_file(std::path::Path::new(SOURCE_NAME));
    let nodes = reader::tree_from_str(text, file, &mut d);
    // An interface this host may lack counts as existing, as on a reload.
    let cfg = from_tree_seen(&nodes, &["eth9".to_string()], &mut d);
    (cfg, d)
}

#[test]
fn osixia_defaults_fill_the_scalars_and_the_parser_takes_the_result() {
    let get = env(&[("KEEPALIVED_VIRTUAL_IPS", "192.0.2.10/24")]);
    assert!(requested(&get));
    let text = render(&get).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        text,
        "global_defs {\n  default_interface eth0\n}\nvrrp_instance VI_1 {\n  interface eth0\n  \
         state BACKUP\n  virtual_router_id 51\n  priority 150\n  nopreempt\n  \
         virtual_ipaddress {\n    192.0.2.10/24\n  }\n  authentication {\n    auth_type PASS\n    \
         auth_pass d0cker\n  }\n}\n"
    );
}

#[test]
fn every_variable_lands_in_the_instance() {
    let get = env(&[
        ("KEEPALIVED_INTERFACE", "eth9"),
        ("KEEPALIVED_PASSWORD", "s3cret"),
        ("KEEPALIVED_PRIORITY", "200"),
        ("KEEPALIVED_ROUTER_ID", "7"),
        ("KEEPALIVED_STATE", "MASTER"),
        (
            "KEEPALIVED_UNICAST_PEERS",
            "#PYTHON2BASH:['192.0.2.2', '192.0.2.3']",
        ),
        ("KEEPALIVED_VIRTUAL_IPS", "VIP_A 192.0.2.20"),
        ("VIP_A", "192.0.2.21/24 dev eth9 label eth9:1"),
        ("KEEPALIVED_NOTIFY", "/notify.sh"),
    ]);
    let text = render(&get).unwrap_or_else(|e| panic!("{e}"));
    let (cfg, d) = parsed(&text);
    assert!(!d.has_errors(), "{d}\n{text}");
    let v = &cfg.vrrp.instances[0];
    assert_eq!(v.interface.as_deref(), Some("eth9"));
    assert_eq!(v.vips.len(), 2, "{text}");
    assert!(
        text.contains("    192.0.2.21/24 dev eth9 label eth9:1\n"),
        "{text}"
    );
    assert!(
        text.contains("  unicast_peer {\n    192.0.2.2\n    192.0.2.3\n  }\n"),
        "{text}"
    );
    assert!(text.contains("  notify \"/notify.sh\"\n"), "{text}");
    assert!(text.contains("state MASTER\n") && text.contains("priority 200\n"));
    assert!(text.contains("virtual_router_id 7\n") && text.contains("auth_pass s3cret\n"));
}

#[test]
fn python_list_items_may_hold_spaces() {
    let get = env(&[(
        "KEEPALIVED_VIRTUAL_IPS",
        "#PYTHON2BASH:['192.0.2.1/24 dev eth0', \"192.0.2.2\"]",
    )]);
    let text = render(&get).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        text.contains("    192.0.2.1/24 dev eth0\n    192.0.2.2\n"),
        "{text}"
    );
}

#[test]
fn bad_values_are_errors_naming_the_variable() {
    let cases: [(&str, &str); 6] = [
        ("KEEPALIVED_PRIORITY", "300"),
        ("KEEPALIVED_ROUTER_ID", "x"),
        ("KEEPALIVED_STATE", "backup"),
        ("KEEPALIVED_INTERFACE", "eth0 eth1"),
        ("KEEPALIVED_PASSWORD", "a}b"),
        ("KEEPALIVED_NOTIFY", "/x\"\nvrrp_script"),
    ];
    for (var, value) in cases {
        let vars = [(var, value), ("KEEPALIVED_VIRTUAL_IPS", "192.0.2.1")];
        match render(&env(&vars)) {
            Err(e) => assert_eq!(e.var, var, "{e}"),
            Ok(t) => panic!("{var}={value} rendered:\n{t}"),
        };
    }
    let e = render(&env(&[("KEEPALIVED_INTERFACE", "eth1")])).err();
    assert_eq!(e.map(|e| e.var), Some("KEEPALIVED_VIRTUAL_IPS"));
}

#[test]
fn only_config_variables_request_the_mode() {
    assert!(!requested(&env(&[])));
    assert!(!requested(&env(&[(
        "KEEPALIVED_COMMAND_LINE_ARGUMENTS",
        "-D"
    )])));
    assert!(!requested(&env(&[("KEEPALIVED_INTERFACE", " ")])));
    assert_eq!(
        extra_args(&env(&[(
            "KEEPALIVED_COMMAND_LINE_ARGUMENTS",
            " --log-detail  -d "
        )])),
        ["--log-detail", "-d"]
    );
}
