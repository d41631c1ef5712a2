//! Untrusted bytes never make parse or check panic: random buffers and mutated samples.

use super::samples::*;
use crate::core::time::Micros;
use crate::vrrp::auth::{AhState, Auth};
use crate::vrrp::packet::{check, parse, Local, Rx, V3Checksum, MCAST_GROUP4};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn locals() -> Vec<Local<'static>> {
    let v2 = local_v2();
    vec![
        v2,
        Local {
            auth: Auth::Pass(KEY),
            ..v2
        },
        Local {
            auth: Auth::Ah(KEY),
            unicast: true,
            ..v2
        },
        local_v3(Micros::from_secs(1)),
        Local {
            unicast: true,
            checksum: V3Checksum::Detect(MCAST_GROUP4),
            ..local_v3(Micros::from_secs(1))
        },
    ]
}

fn feed(b: &[u8], locals: &[Local<'_>]) {
    for rx in [Rx::V4, rx6()] {
        if let Ok(adv) = parse(b, rx) {
            let _ = adv.addrs().count();
            let _ = adv.advert_int();
            let _ = adv.vip_check(&[vip4(100), vip6(1)]);
            for l in locals {
                let _ = check(&adv, l, &mut AhState::new());
            }
        }
    }
}

#[test]
fn random_and_mutated_packets_never_panic() {
    let locals = locals();
    let mut r = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut buf = [0u8; 128];
    for _ in 0..20_000 {
        let len = (r.next() % 129) as usize;
        for b in buf[..len].iter_mut() {
            *b = r.next() as u8;
        }
        // Make many of them look like IPv4 VRRP/AH so the deeper paths run.
        if len > 10 && r.next() & 1 == 0 {
            buf[0] = 0x45;
            buf[9] = if r.next() & 1 == 0 { 112 } else { 51 };
        }
        feed(&buf[..len], &locals);
    }
    for hex in [V2, V2_PASS, V2_AH, V2_UNICAST, V3, V3_V6, V2_AH_UNICAST] {
        let base = bytes(hex);
        for _ in 0..2_000 {
            let mut b = base.clone();
            for _ in 0..1 + r.next() % 3 {
                let i = (r.next() as usize) % b.len();
                b[i] ^= 1 << (r.next() % 8);
            }
            feed(&b, &locals);
        }
    }
}
