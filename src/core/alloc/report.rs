//! The mem-check summary printed at exit.

use std::fmt;

use super::{stats, table, tracking_enabled, Stats, Tag};

/// Snapshot of what is still allocated; `Display` gives the report.
#[derive(Clone, Copy)]
pub struct LeakReport {
    pid: u32,
    tracking: bool,
    pub stats: Stats,
    summary: table::Summary,
}

impl LeakReport {
    /// (blocks, bytes) still live that were allocated under `tag`.
    pub fn live(&self, tag: Tag) -> (u64, u64) {
        self.summary.per_tag[tag as usize]
    }

    /// Tracked blocks still live, all tags.
    fn live_blocks(&self) -> u64 {
        self.summary.per_tag.iter().map(|t| t.0).sum()
    }

    fn live_bytes(&self) -> u64 {
        self.summary.per_tag.iter().map(|t| t.1).sum()
    }
}

pub fn leak_report() -> LeakReport {
    LeakReport {
        pid: std::process::id(),
        tracking: tracking_enabled(),
        stats: stats(),
        summary: table::summary(),
    }
}

impl fmt::Display for LeakReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        writeln!(
            f,
            "---[ Keepalived memory check summary (pid {}) ]---",
            self.pid
        )?;
        if self.tracking {
            for tag in Tag::ALL {
                let (n, bytes) = self.live(tag);
                if n > 0 {
                    writeln!(
                        f,
                        "tag {:<7} {n} block(s) not freed, {bytes} bytes",
                        tag.name()
                    )?;
                }
            }
            for &(ptr, size, origin) in &self.summary.top[..self.summary.n_top] {
                write!(
                    f,
                    "  not freed: {size} bytes at {ptr:#x} [{}",
                    Tag::from_u8(origin.tag).name()
                )?;
                match origin.site {
                    Some(site) => writeln!(f, " {site}]")?,
                    None => writeln!(f, "]")?,
                }
            }
            writeln!(
                f,
                "Tracked bytes not freed..........: {}",
                self.live_bytes()
            )?;
            writeln!(
                f,
                "Tracked blocks not freed.........: {}",
                self.live_blocks()
            )?;
            if s.untracked > 0 {
                writeln!(f, "Blocks not tracked (table full)..: {}", s.untracked)?;
            }
        } else {
            writeln!(f, "(allocation tracking is off; counters only)")?;
        }
        writeln!(f, "Bytes allocated now..............: {}", s.live_bytes)?;
        writeln!(f, "Maximum bytes allocated..........: {}", s.peak_bytes)?;
        writeln!(f, "Number of allocations............: {}", s.allocs)?;
        writeln!(f, "Number of frees..................: {}", s.frees)?;
        writeln!(f, "Number of reallocs...............: {}", s.reallocs)
    }
}
