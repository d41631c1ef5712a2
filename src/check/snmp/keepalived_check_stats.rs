//! The IPVS counters behind the check tables' statistics columns, read from the kernel when
//! a request asks for one and the last reading is 5 s old or more (keepalived's
//! STATS_REFRESH; it times each virtual server apart, a walk reads them all together, so one
//! reading serves every virtual server here). A reading is one dump of the services and one
//! of each of ours' destinations: bounded, and answered by the kernel at once.

use std::cell::{Cell, RefCell};

use log::debug;

use super::keepalived_check_values::Counted;
use crate::check::ipvs::kernel::Ipvs;
use crate::check::ipvs::stats::{Counters, Stats};
use crate::config::lvs::LvsConfig;
use crate::core::time::Micros;

const REFRESH: Micros = Micros(5_000_000);

/// The socket (opened at the first reading; the IPVS shell's is not shared, so that
/// programming the table never waits on SNMP), the sums and when they were read.
#[derive(Default)]
pub(crate) struct IpvsCounters {
    ipvs: RefCell<Option<Ipvs>>,
    stats: RefCell<Option<Stats>>,
    read_at: Cell<Option<Micros>>,
    last_high: [Cell<u32>; 2],
}

impl IpvsCounters {
    /// After a reload: the slots follow the new config and the next request reads again.
    pub(crate) fn forget(&mut self) {
        *self.stats.get_mut() = None;
        self.read_at.set(None);
    }

    fn fresh(&self, lvs: &LvsConfig) {
        let now = Micros::now();
        if self
            .read_at
            .get()
            .is_some_and(|t| now.saturating_sub(t) < REFRESH)
        {
            return;
        }
        self.read_at.set(Some(now));
        let mut stats = self.stats.borrow_mut();
        let st = stats.get_or_insert_with(|| Stats::new(lvs));
        st.clear();
        let mut ipvs = self.ipvs.borrow_mut();
        if ipvs.is_none() {
            *ipvs = Ipvs::open()
                .map_err(|e| debug!("SNMP: IPVS statistics not read: {e}"))
                .ok();
        }
        let Some(k) = ipvs.as_mut() else { return };
        if let Err(e) = k.read_stats(lvs, st) {
            debug!("SNMP: IPVS statistics not read: {e}");
            st.clear();
            // A socket left mid-dump is not reused.
            *ipvs = None;
        }
    }
}

impl Counted for IpvsCounters {
    fn vs(&self, lvs: &LvsConfig, vs: usize) -> Counters {
        self.fresh(lvs);
        self.stats
            .borrow()
            .as_ref()
            .map_or_else(Counters::default, |s| s.vs(vs))
    }

    fn server(&self, lvs: &LvsConfig, vs: usize, slot: usize) -> Counters {
        self.fresh(lvs);
        self.stats
            .borrow()
            .as_ref()
            .map_or_else(Counters::default, |s| s.server(vs, slot))
    }

    fn last_high(&self) -> &[Cell<u32>; 2] {
        &self.last_high
    }
}
