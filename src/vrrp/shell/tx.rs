//! Adverts out. A MASTER's periodic adverts that fall due in one wake wait in a batch and leave
//! in one `sendmmsg` when the wake is over (at 100 instances every 10 ms, about 20 a wake on
//! two shared cores). Anything whose order with an advert matters goes around the batch:
//! an action list that is more than one periodic advert (a takeover's first advert with its
//! VIPs and GARPs, a priority-0 advert, a fault) flushes the batch first and sends its own
//! advert at once, as does any event that may move instances or sockets, and the loop flushes
//! at the end of every wake. The state machines never know: they ask for adverts as before.

use std::io;
use std::net::IpAddr;

use super::Shell;
use crate::core::time::Micros;
use crate::net::vrrp_socket::{Mode, SendBatch};
use crate::vrrp::router::{Event, IfAddrs};
use crate::vrrp::tx_failures::{NotSent, TxFailures};

/// What reporting a refused advert needs.
#[derive(Clone, Copy)]
pub(super) struct Sent {
    inst: usize,
    priority: u8,
    /// The instance's link was down when it was built: keepalived's line for each.
    link_down: bool,
}

/// The adverts waiting, all for the socket of pool index `sock`.
pub(super) struct Outbox {
    batch: SendBatch<Sent>,
    sock: usize,
}

impl Outbox {
    pub(super) fn new() -> Outbox {
        Outbox {
            batch: SendBatch::new(super::TX_BUF_LEN),
            sock: 0,
        }
    }
}

impl Shell<'_> {
    /// Sends one advert round of instance `i`. With `hold` (a lone periodic advert) it may wait
    /// in the batch until the wake is over; otherwise the batch leaves first and this round
    /// right after it. One that cannot leave is counted and reported (rate-limited): a master
    /// that goes quiet is about to lose its backups.
    pub(super) fn send_advert(&mut self, i: usize, priority: u8, hold: bool) {
        let sock_i = self.insts[i].sock;
        let copies = self.insts[i].router.advert_copies();
        let ob = &self.outbox;
        if !ob.batch.is_empty() && (!hold || ob.sock != sock_i || ob.batch.free() < copies) {
            self.flush_adverts();
        }
        let inst = &mut self.insts[i];
        let Some(sock) = self.pool.get(sock_i) else {
            return;
        };
        let info = self.ifaces.by_index(inst.ifindex);
        let ifaddrs = info.map_or_else(IfAddrs::default, |f| IfAddrs {
            v4: f.v4,
            v6: f.ll6,
        });
        // A downed link refuses sends until the instance goes FAULT: counted, and reported as
        // keepalived does rather than rate-limited.
        let link_down = info.is_some_and(|f| !f.up);
        let family = inst.router.family();
        let Some(round) = inst.router.advert(priority, ifaddrs) else {
            let why = NotSent::NoSource {
                ifname: &inst.ifname,
                family,
            };
            if let Some((total, unlogged)) = self.tx_fail.count(Micros::now()) {
                super::events::advert_not_sent(&inst.name, &why, total, unlogged);
            }
            return;
        };
        let ob = &mut self.outbox;
        ob.sock = sock_i;
        let sent = Sent {
            inst: i,
            priority,
            link_down,
        };
        for dst in round.destinations() {
            if ob.batch.free() == 0 {
                // More unicast peers than a batch holds: only this round's copies are in it.
                let (name, mode, fails) = (&inst.name, inst.key.mode, &mut self.tx_fail);
                ob.batch
                    .flush(sock, |s, dst, e| refused(name, mode, fails, s, dst, e));
            }
            let Some(room) = ob.batch.room() else {
                break;
            };
            let len = match round.emit(dst, room) {
                Ok(l) => l,
                Err(e) => {
                    if self.tx_fail.count(Micros::now()).is_some() {
                        super::events::log(&inst.name, &Event::AdvertNotBuilt(e));
                    }
                    break;
                }
            };
            let v6 = match (round.src(), dst) {
                (IpAddr::V4(_), IpAddr::V4(_)) => None,
                (IpAddr::V6(s), IpAddr::V6(_)) => Some((s, round.hop_limit())),
                _ => continue,
            };
            ob.batch.push(len, dst, v6, sent);
        }
        if !hold {
            self.flush_adverts();
        }
    }

    /// Sends the adverts waiting in the batch.
    pub(super) fn flush_adverts(&mut self) {
        let Shell {
            outbox,
            pool,
            insts,
            tx_fail,
            ..
        } = self;
        if outbox.batch.is_empty() {
            return;
        }
        let Some(sock) = pool.get(outbox.sock) else {
            outbox.batch.clear();
            return;
        };
        outbox.batch.flush(sock, |s, dst, e| {
            if let Some(inst) = insts.get(s.inst) {
                refused(&inst.name, inst.key.mode, tx_fail, s, dst, e);
            }
        });
    }
}

/// Advert `s` of instance `name` to `dst` was refused with `e`.
fn refused(name: &str, mode: Mode, fails: &mut TxFailures, s: Sent, dst: IpAddr, e: &io::Error) {
    match fails.count(Micros::now()) {
        Some((total, unlogged)) if !s.link_down => {
            super::events::advert_not_sent(name, &NotSent::Send(e), total, unlogged);
        }
        // keepalived's line for each, but for a priority-0 advert on a link without a route.
        _ if s.link_down && !(s.priority == 0 && e.raw_os_error() == Some(libc::ENETUNREACH)) => {
            let peer = matches!(mode, Mode::Unicast { .. }).then_some(dst);
            super::events::send_advert_error(name, peer, e);
        }
        _ => log::debug!("({name}) advert not sent: {e}"),
    }
}
