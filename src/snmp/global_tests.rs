use super::*;
use crate::config::reader::tree_from_str;
use crate::config::Diagnostics;

fn global(text: &str) -> Global {
    let mut d = Diagnostics::new();
    let nodes = tree_from_str(text, 0, &mut d);
    Global::new(&crate::config::from_tree(&nodes, &mut d).global)
}

/// The group as `snmpwalk -On` prints it (the OIDs below keepalived.global).
fn walk(g: &Global) -> Vec<String> {
    let mut out = Vec::new();
    let (mut at, mut found) = (GLOBAL.to_vec(), Oid::new());
    let mut scratch = [0u8; 64];
    while let Some(v) = g.next(&at, &mut found, &mut scratch) {
        let sub: Vec<String> = found[GLOBAL.len()..].iter().map(u32::to_string).collect();
        let v = match v {
            Value::OctetString(s) if s.iter().all(|b| b.is_ascii_graphic() || *b == b' ') => {
                format!("\"{}\"", String::from_utf8_lossy(s))
            }
            Value::OctetString(s) => s.iter().map(|b| format!("{b:02X} ")).collect(),
            Value::Integer(i) => format!("INTEGER: {i}"),
            Value::Gauge32(i) => format!("Gauge32: {i}"),
            other => format!("{other:?}"),
        };
        out.push(format!("{} = {v}", sub.join(".")));
        at = found.to_vec();
        // Every object found by get-next is there for get too.
        assert!(g.get(&found, &mut scratch).is_some());
    }
    out
}

#[test]
fn the_walk_is_keepalived_2_2_7s_for_a_mail_setup() {
    let g = global(
        "global_defs {\n router_id lab_r1\n notification_email {\n root@example.com\n \
         ops@example.org\n }\n notification_email_from ka@example.com\n \
         smtp_server 127.0.0.1 2525\n smtp_connect_timeout 17\n enable_snmp_vrrp\n}\n",
    );
    // snmpwalk of keepalived 2.2.7 (Debian) with the same global_defs.
    let want = [
        "1.0 = \"Keepalived v2.2.7 (01/16,2022)\"",
        "2.0 = \"lab_r1\"",
        "3.1.0 = INTEGER: 1",
        "3.2.0 = 7F 00 00 01 ",
        "3.3.0 = Gauge32: 17",
        "3.4.0 = \"ka@example.com\"",
        "3.5.1.2.1 = \"root@example.com\"",
        "3.5.1.2.2 = \"ops@example.org\"",
        "3.6.0 = Gauge32: 2525",
        "3.7.0 = INTEGER: 1",
        "3.8.0 = INTEGER: 3",
        "3.9.0 = INTEGER: 3",
        "3.10.0 = INTEGER: 3",
        "4.0 = INTEGER: 2",
        "5.0 = INTEGER: 1",
        "6.0 = INTEGER: 2",
        "7.0 = INTEGER: 1",
        "8.0 = \"\"",
        "9.0 = INTEGER: 2",
        "10.0 = INTEGER: 2",
        "11.0 = INTEGER: 2",
    ];
    assert_eq!(walk(&g), want);
}

#[test]
fn without_mail_settings_the_address_is_ipv6_typed_zeros_and_from_is_absent() {
    let g = global("global_defs {\n enable_snmp_keepalived\n}\n");
    let w = walk(&g);
    let host = crate::core::smtp::host_defaults();
    assert_eq!(w[1], format!("2.0 = \"{}\"", host.router_id));
    assert_eq!(
        w[2..6],
        [
            "3.1.0 = INTEGER: 2",
            "3.2.0 = 00 00 00 00 ",
            "3.3.0 = Gauge32: 0",
            "3.6.0 = Gauge32: 0",
        ]
    );
    assert_eq!(w.len(), 18);
}

#[test]
fn switches_and_an_ipv6_server_read_as_keepalived_reads_them() {
    let g = global(
        "global_defs {\n router_id r3\n notification_email {\n a@b\n }\n smtp_server fd00::25\n \
         smtp_alert off\n smtp_alert_vrrp on\n no_email_faults\n enable_traps\n \
         linkbeat_use_polling\n lvs_flush\n lvs_flush_onstop VS\n dynamic_interfaces\n}\n",
    );
    let host = crate::core::smtp::host_defaults();
    let want = [
        "1.0 = \"Keepalived v2.2.7 (01/16,2022)\"".to_string(),
        "2.0 = \"r3\"".into(),
        "3.1.0 = INTEGER: 2".into(),
        "3.2.0 = FD 00 00 00 00 00 00 00 00 00 00 00 00 00 00 25 ".into(),
        "3.3.0 = Gauge32: 30".into(),
        format!("3.4.0 = \"{}\"", host.from),
        "3.5.1.2.1 = \"a@b\"".into(),
        "3.6.0 = Gauge32: 25".into(),
        "3.7.0 = INTEGER: 2".into(),
        "3.8.0 = INTEGER: 2".into(),
        "3.9.0 = INTEGER: 1".into(),
        "3.10.0 = INTEGER: 3".into(),
        "4.0 = INTEGER: 1".into(),
        "5.0 = INTEGER: 1".into(),
        "6.0 = INTEGER: 1".into(),
        "7.0 = INTEGER: 1".into(),
        "8.0 = \"\"".into(),
        "9.0 = INTEGER: 2".into(),
        "10.0 = INTEGER: 1".into(),
        "11.0 = INTEGER: 3".into(),
    ];
    assert_eq!(walk(&g), want);
}

#[test]
fn get_answers_objects_only() {
    let g = global("global_defs {\n router_id r\n}\n");
    let mut s = [0u8; 8];
    let at = |sub: &[u32]| [GLOBAL, sub].concat();
    assert_eq!(g.get(&at(&[2, 0]), &mut s), Some(Value::OctetString(b"r")));
    for miss in [
        &[2][..],
        &[2, 0, 0],
        &[2, 1],
        &[3, 4, 0],
        &[3, 5, 1, 2, 1],
        &[12, 0],
        &[],
    ] {
        assert_eq!(g.get(&at(miss), &mut s), None, "{miss:?}");
    }
    // Before the group, get-next starts at its first object; past it, nothing.
    let mut f = Oid::new();
    assert!(g.next(&[1, 3, 6], &mut f, &mut s).is_some());
    assert_eq!(f.as_slice(), &at(&[1, 0])[..]);
    assert_eq!(g.next(&at(&[11, 0]), &mut f, &mut s), None);
}

#[test]
fn missing_instances_and_objects_answer_as_keepalived_answers_them() {
    let g = global("global_defs {\n router_id r4\n}\n");
    let at = |sub: &[u32]| [GLOBAL, sub].concat();
    // snmpget of keepalived 2.2.7 for the same config.
    for (sub, object) in [
        (&[2, 1][..], true),
        (&[99, 0], false),
        (&[3, 5, 1, 2, 9], true),
        (&[3, 4, 0], true),
        (&[3, 5], false),
    ] {
        assert_eq!(g.has_object(&at(sub)), Some(object), "{sub:?}");
    }
}
