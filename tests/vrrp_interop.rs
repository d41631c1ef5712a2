//! Our router beside keepalived 2.2.7 on one link, in both roles, for VRRPv2 (no auth, PASS, AH)
//! and v3, IPv4 and IPv6, multicast and unicast: exactly one MASTER, the higher priority, and the
//! VIP where the MASTER is; then the MASTER crashes and the other takes over; where adverts are
//! fast, the crashed one comes back and preempts.
//!
//! `KEEPALIVED_RS_BIN=/usr/sbin/keepalived` puts keepalived in both roles, which proves the tests
//! themselves. Needs root and /usr/sbin/keepalived (else SKIPPED; a failure under CI=true).

mod lab;

use lab::vrrp::{
    after_election, after_takeover, expect_master, expect_stable, ours, routers_lab, Auth, Family,
    Instance, Router, Wiring, KEEPALIVED, MARGIN,
};
use std::time::Duration;

/// One VRRP flavour, for both routers.
#[derive(Clone, Copy)]
struct Case {
    version: u8,
    family: Family,
    unicast: bool,
    auth: Auth,
    /// After the crash, the higher priority starts again and preempts (master yielding to the
    /// other implementation). Costs a Master_Down_Interval, so only where adverts are fast.
    comeback: bool,
}

const V2: Case = Case {
    version: 2,
    family: Family::V4,
    unicast: false,
    auth: Auth::None,
    comeback: false,
};

const V3: Case = Case {
    version: 3,
    comeback: true,
    ..V2
};

impl Case {
    fn instance(self, host: u8, priority: u8) -> Instance {
        let mut i = Instance::new(host, priority);
        if self.version == 2 {
            i = i.v2();
        }
        i.family = self.family;
        i.unicast = self.unicast;
        i.auth = self.auth;
        i
    }
}

/// r1 (priority 200) and r2 (100); ours is r1 when `ours_master`, else r2, keepalived the other.
fn interop(test: &str, case: Case, ours_master: bool) {
    let bin = ours();
    if !lab::require_root(test)
        || !lab::require_program(test, KEEPALIVED)
        || !lab::require_program(test, &bin)
    {
        return;
    }
    let (bin1, bin2) = if ours_master {
        (bin.as_str(), KEEPALIVED)
    } else {
        (KEEPALIVED, bin.as_str())
    };
    let (high, low) = (case.instance(1, 200), case.instance(2, 100));
    let vip = high.vip();
    let mut lab = routers_lab(test, 2, Wiring::Veth);
    // The lower priority starts first, so the higher one must win by preempting, not by timing.
    let r2 = Router::start(&mut lab, "r2", bin2, &low.config());
    let mut r1 = Router::start(&mut lab, "r1", bin1, &high.config());
    expect_master(&r1, &[&r2], vip, high.master_down() + MARGIN);
    expect_stable(&r1, &[&r2], vip, after_election(&high, &low));
    r1.kill9();
    expect_master(&r2, &[], vip, low.master_down() + MARGIN);
    let one_advert = Duration::from_secs_f64(low.advert_int) + Duration::from_millis(300);
    expect_stable(&r2, &[], vip, one_advert);
    if !case.comeback {
        return;
    }
    drop(r1);
    let r1 = Router::start(&mut lab, "r1", bin1, &high.config());
    expect_master(&r1, &[&r2], vip, high.master_down() + MARGIN);
    expect_stable(&r1, &[&r2], vip, after_takeover(&low));
}

macro_rules! interop_tests {
    ($($name:ident: $case:expr, $ours_master:expr;)*) => {
        $(
            #[test]
            fn $name() {
                interop(stringify!($name), $case, $ours_master);
            }
        )*
    };
}

const V2_PASS: Case = Case {
    auth: Auth::Pass,
    ..V2
};
const V2_AH: Case = Case {
    auth: Auth::Ah,
    ..V2
};
const V2_UNICAST: Case = Case {
    unicast: true,
    ..V2
};
// AH over unicast hashes the IP header with TTL zeroed: a detail two implementations can disagree on.
const V2_UNICAST_AH: Case = Case {
    unicast: true,
    auth: Auth::Ah,
    ..V2
};
const V3_UNICAST: Case = Case {
    unicast: true,
    ..V3
};
const V3_IPV6: Case = Case {
    family: Family::V6,
    ..V3
};
const V3_IPV6_UNICAST: Case = Case {
    family: Family::V6,
    unicast: true,
    ..V3
};

interop_tests! {
    v2_multicast_ours_master: V2, true;
    v2_multicast_ours_backup: V2, false;
    v2_pass_ours_master: V2_PASS, true;
    v2_pass_ours_backup: V2_PASS, false;
    v2_ah_ours_master: V2_AH, true;
    v2_ah_ours_backup: V2_AH, false;
    v2_unicast_ours_master: V2_UNICAST, true;
    v2_unicast_ours_backup: V2_UNICAST, false;
    v2_unicast_ah_ours_master: V2_UNICAST_AH, true;
    v2_unicast_ah_ours_backup: V2_UNICAST_AH, false;
    v3_multicast_ours_master: V3, true;
    v3_multicast_ours_backup: V3, false;
    v3_unicast_ours_master: V3_UNICAST, true;
    v3_unicast_ours_backup: V3_UNICAST, false;
    v3_ipv6_multicast_ours_master: V3_IPV6, true;
    v3_ipv6_multicast_ours_backup: V3_IPV6, false;
    v3_ipv6_unicast_ours_master: V3_IPV6_UNICAST, true;
    v3_ipv6_unicast_ours_backup: V3_IPV6_UNICAST, false;
}
