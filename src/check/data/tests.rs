//! The data file's text from a config and a made-up live state: keepalived's wording, the
//! inherited settings, and the live values (up/down, weights) where a user reads them.

use super::*;
use crate::check::checkers::view::RsLive;
use crate::check::CheckerId;
use crate::config::reader::tree_from_str;
use crate::config::Diagnostics;

fn config(text: &str) -> Config {
    let mut d = Diagnostics::new();
    let cfg = crate::config::from_tree(&tree_from_str(text, 0, &mut d), &mut d);
    assert!(!d.has_errors(), "{d}");
    cfg
}

/// Every checker runs; `down` checkers are down after a run, `weights` asked for a weight.
#[derive(Default)]
struct Fake {
    down: Vec<CheckerId>,
    weights: Vec<(CheckerId, i64)>,
}

impl Live for Fake {
    fn checker(&self, id: CheckerId) -> Option<CheckerLive> {
        let up = !self.down.contains(&id);
        Some(CheckerLive {
            enabled: true,
            up,
            has_run: true,
            retry_it: 1,
            weight: self.weights.iter().find(|w| w.0 == id).map(|w| w.1),
            script_user: (0, 0),
            failed_url: (!up).then_some(0),
            file_value: None,
        })
    }

    fn real_server(&self, vs: usize, rs: usize) -> RsLive {
        let failed = self
            .down
            .iter()
            .filter(|d| d.vs == vs && d.rs == rs)
            .count() as u32;
        RsLive {
            alive: failed == 0,
            failed,
            notify_users: [(0, 0), (7, 8)],
        }
    }
}

fn id(vs: usize, rs: usize, ck: usize) -> CheckerId {
    CheckerId { vs, rs, ck }
}

const WEB: &str = r#"
virtual_server 10.1.0.1 80 {
    delay_loop 3
    lb_algo sh
    sh-port
    protocol TCP
    persistence_timeout 30
    retry 2
    real_server 10.1.1.1 8080 {
        weight 5
        inhibit_on_failure
        notify_down "/bin/logger down now"
        TCP_CHECK {
            connect_port 9000
            bindto 10.1.0.9
        }
        HTTP_GET {
            url {
                path /health
                status_code 200-204 301 404
                digest 0123456789abcdef0123456789abcdef
            }
            http_protocol 1.1
        }
    }
    real_server 10.1.1.2 8080 {
        MISC_CHECK {
            misc_path "/bin/sh -c 'exit 3'"
            misc_dynamic
            misc_timeout 4
        }
    }
}
"#;

fn lines(t: &str) -> Vec<&str> {
    t.lines().collect()
}

#[test]
fn a_virtual_server_reads_as_keepalived_writes_it() {
    let t = text(&config(WEB), &Fake::default());
    let l = lines(&t);
    let vs_at = l
        .iter()
        .position(|x| *x == " VS VIP = 10.1.0.1, VPORT = 80");
    let vs_at = vs_at.unwrap_or_else(|| panic!("no VS line:\n{t}"));
    assert_eq!(
        l[vs_at..vs_at + 18],
        [
            " VS VIP = 10.1.0.1, VPORT = 80",
            "   Address family = inet",
            "   connection timeout = 5.000000",
            "   delay_loop = 3.000000",
            "   lvs_sched = sh",
            "   Hashed = disabled",
            "   sh-port = enabled",
            "   sh-fallback = disabled",
            "   One packet scheduling = disabled",
            "   persistence timeout = 30",
            "   protocol = TCP",
            "   alpha is OFF",
            "   omega is OFF",
            "   Retry count = 2",
            "   Inhibit on failure is OFF",
            "   quorum = 1, hysteresis = 0",
            "   Using smtp notification = no",
            "   default forwarding method = NAT",
        ],
        "{t}"
    );
    // The real server inherits the retry count, and shows its own inhibit and notify.
    for want in [
        "   RIP = 10.1.1.1, RPORT = 8080, WEIGHT = 5 EFF WEIGHT = 5",
        "   Retry count = 2",
        "   Inhibit on failure is ON",
        "     RS down notify script = '/bin/logger' 'down' 'now', uid:gid 7:8",
        "   Delay loop = 3.000000",
    ] {
        assert!(l.contains(&want), "no {want:?}:\n{t}");
    }
}

#[test]
fn checkers_show_their_resolved_settings_and_kind() {
    let t = text(&config(WEB), &Fake::default());
    let from = t.find("------< Health checkers >------").expect("checkers");
    let l = lines(&t[from..]);
    for want in [
        " [10.1.0.1]:tcp:80 -> [10.1.1.1]:tcp:8080",
        "   Retries = 2",
        "   Delay loop = 3000000 us",
        "     Dest = [10.1.1.1]:9000",
        "     Bind to = [10.1.0.9]:0",
        "     Timeout = 5.000000",
        "   Keepalive method = TCP_CHECK",
        "   Keepalive method = HTTP_GET, http protocol 1.1",
        "   Checked url = /health",
        "     digest = 0123456789abcdef0123456789abcdef",
        "       200-204",
        "       301",
        "       404",
        "   Keepalive method = MISC_CHECK",
        "   script = '/bin/sh' '-c' 'exit 3'",
        "   timeout = 4",
        "   dynamic = YES",
    ] {
        assert!(l.contains(&want), "no {want:?}:\n{t}");
    }
    // A MISC_CHECK has no connection.
    let misc = t
        .rfind(" [10.1.0.1]:tcp:80 -> [10.1.1.2]:tcp:8080")
        .expect("misc");
    assert!(!t[misc..].contains("Connection"), "{t}");
}

#[test]
fn live_state_shows_down_servers_and_dynamic_weights() {
    let live = Fake {
        down: vec![id(0, 0, 1)],
        weights: vec![(id(0, 1, 0), 9)],
    };
    let t = text(&config(WEB), &live);
    let l = lines(&t);
    for want in [
        "   alive = 0",
        "   num failed checkers = 1",
        "   Failed URL = /health",
        // MISC_CHECK asked for weight 9 (exit 11) on a server configured with 1.
        "   RIP = 10.1.1.2, RPORT = 8080, WEIGHT = 9 EFF WEIGHT = 9",
        "   initial weight = 1",
        "   effective weight = 9",
        "   Current weight = 8",
    ] {
        assert!(l.contains(&want), "no {want:?}:\n{t}");
    }
    // The down HTTP_GET no longer counts retries.
    let http = t.find("HTTP_GET, http protocol").expect("http");
    let before = &t[..http];
    let block = &before[before.rfind(" [10.1.0.1]").unwrap_or(0)..];
    assert!(block.contains("   Up = no\n"), "{block}");
    assert!(block.contains("   Retries iterations = 0\n"), "{block}");
}

#[test]
fn groups_sorry_servers_and_tunnels_are_worded_as_keepalived() {
    let cfg = config(
        r#"
virtual_server_group G {
    10.2.0.1 80
    10.2.0.5-9 81
    fwmark 7
}
virtual_server group G {
    protocol TCP
    lb_kind TUN type gue port 6080 csum
    sorry_server 10.2.9.9 80
    real_server 10.2.1.1 80 {
        TCP_CHECK {
        }
    }
}
"#,
    );
    let t = text(&cfg, &Fake::default());
    let l = lines(&t);
    for want in [
        " Virtual Server Group = G, IPv4 = yes, IPv6 = no",
        "   VIP = 10.2.0.1, VPORT = 80",
        "   VIP Range = 10.2.0.5-10.2.0.9, VPORT = 81",
        "   FWMARK = 7",
        " VS GROUP = [G]:0",
        "   Address family = inet",
        "   lvs_sched = wlc",
        "   forwarding method = TUN, type = GUE, port = 6080, checksum",
        "   sorry server = [10.2.9.9]:tcp:80",
        "     Inhibit on failure is OFF",
        " [G]:0 -> [10.2.1.1]:tcp:80",
    ] {
        assert!(l.contains(&want), "no {want:?}:\n{t}");
    }
}

#[test]
fn without_virtual_servers_only_the_global_section_is_written() {
    let t = text(
        &config("global_defs {\n router_id r9\n}\n"),
        &Fake::default(),
    );
    assert!(t.starts_with("------< Global definitions >------\n"), "{t}");
    assert!(t.contains("\n Router ID = r9\n"), "{t}");
    assert!(
        !t.contains("LVS Topology") && !t.contains("Health checkers"),
        "{t}"
    );
}

#[test]
fn file_checks_come_last_and_their_files_have_a_section() {
    let cfg = config(
        r#"
track_file tf {
    file /run/tf
    weight 2
}
virtual_server 10.3.0.1 53 {
    protocol UDP
    real_server 10.3.1.1 53 {
        FILE_CHECK {
            track_file tf
        }
        UDP_CHECK {
            require_reply
        }
    }
}
"#,
    );
    let mut live = Fake::default();
    live.weights.push((id(0, 0, 0), 7));
    let t = text(&cfg, &live);
    let udp = t.find("Keepalive method = UDP_CHECK").expect("udp");
    let file = t.find("Keepalive method = FILE_CHECK").expect("file");
    assert!(udp < file, "FILE_CHECK before UDP_CHECK:\n{t}");
    let l = lines(&t);
    for want in [
        "   Tracked Files",
        "     tf, weight 2",
        "     Min reply length = 0",
        "     Max reply length = 255",
        "     Reply data len = 0",
        "     Tracked file = tf",
        "------< Checker track files >------",
        " Track file = tf",
        "   File = /run/tf",
        "   Weight = 2",
        "   Tracking instances :",
        "     [10.3.0.1]:udp:53 -> [10.3.1.1]:udp:53, weight 2",
    ] {
        assert!(l.contains(&want), "no {want:?}:\n{t}");
    }
    // A FILE_CHECK has no timing lines: only UDP_CHECK's.
    let timed = l
        .iter()
        .filter(|x| x.starts_with("   Delay loop = ") && x.ends_with(" us"));
    assert_eq!(timed.count(), 1, "{t}");
}

#[test]
fn a_service_without_an_address_takes_its_family_as_keepalived_does() {
    let cfg = config(
        r#"
virtual_server_group both {
    10.4.0.1 80
    2001:db8::1 80
}
virtual_server fwmark 5 {
    lb_kind DR
    real_server 2001:db8::5 {
    }
}
virtual_server group both {
    protocol TCP
    lb_kind TUN
    real_server 10.4.1.1 80 {
    }
}
"#,
    );
    let t = text(&cfg, &Fake::default());
    let fams: Vec<&str> = t
        .lines()
        .filter_map(|l| l.strip_prefix("   Address family = "))
        .collect();
    assert_eq!(fams, ["inet6", "IPv4 & IPv6"], "{t}");
}

#[test]
fn a_bfd_check_names_its_session_and_the_sessions_list_who_watches_them() {
    let cfg = config(
        r#"
bfd_instance up1 {
    neighbor_ip 10.4.0.9
}
virtual_server 10.4.0.1 80 {
    protocol TCP
    real_server 10.4.1.1 80 {
        BFD_CHECK {
            name up1
            alpha
        }
    }
}
"#,
    );
    let t = text(&cfg, &Fake::default());
    let l = lines(&t);
    for want in [
        "   Tracked BFDs",
        "     up1",
        "   Keepalive method = BFD_CHECK",
        "   Name = up1",
        "   Alpha is ON",
        "------< Checker track BFDs >------",
        " Checker Track BFD = up1",
        "   Tracking RS :",
        "   [10.4.1.1]:tcp:80",
    ] {
        assert!(l.contains(&want), "no {want:?}:\n{t}");
    }
}
