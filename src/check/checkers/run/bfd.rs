//! BFD_CHECK in the runner: a `bfd_instance`'s session changes (from the BFD child, through
//! the parent) decide the checker at once, as keepalived 2.2.7's check_bfd.c does: no
//! schedule, no retry, no delay_before_retry. The checker starts up (down with `alpha`)
//! until the first change it hears; the first one is always logged, later ones only when
//! they change the checker. Its real server counts it as any other checker.

use super::*;

impl Runner {
    /// The BFD session `name` is now `up`: every BFD_CHECK on it follows.
    pub fn on_bfd(&mut self, lp: &mut EventLoop, name: &str, up: bool, sink: &mut dyn Sink) {
        match self.bfd_seen.iter_mut().find(|(n, _)| n == name) {
            Some(seen) => seen.1 = up,
            None => self.bfd_seen.push((name.to_string(), up)),
        }
        for i in 0..self.slots.len() {
            if let Some(cmd) = self.slots[i].bfd_said(name, up) {
                self.exec(lp, i, cmd, sink);
            }
        }
    }

    /// Tells the BFD_CHECKs the session states heard so far (after a reload: those kept
    /// ignore a state they already have, those added take it).
    pub(super) fn replay_bfd(&mut self, lp: &mut EventLoop, sink: &mut dyn Sink) {
        for k in 0..self.bfd_seen.len() {
            let up = self.bfd_seen[k].1;
            for i in 0..self.slots.len() {
                if let Some(cmd) = self.slots[i].bfd_said(&self.bfd_seen[k].0, up) {
                    self.exec(lp, i, cmd, sink);
                }
            }
        }
    }
}

impl Slot {
    /// The BFD session `name` is `up`: what this slot does about it (None: not its session,
    /// or nothing to do).
    pub(super) fn bfd_said(&mut self, name: &str, up: bool) -> Option<Cmd> {
        match &self.probe {
            Probe::Bfd { name: n } if n == name => {}
            _ => return None,
        }
        let (first, was_up) = (!self.sched.has_run(), self.sched.is_up());
        if up == was_up && !first {
            return None;
        }
        info!(
            "BFD check of [{name}] RS({}) is {}",
            self.rs,
            if up { "UP" } else { "DOWN" }
        );
        self.sched.force(up);
        Some(Cmd::Done(Done {
            state: Some(up),
            first,
            was_up,
            weight_after: None,
            next: None,
            down: None,
        }))
    }
}

#[cfg(test)]
mod tests;
