//! `notify_fifo` / `vrrp_notify_fifo` in the VRRP child: the FIFOs the global config names
//! (crate::core::fifo creates and writes them), each event's line in keepalived 2.2.7's
//! vrrp_notify.c wording: `INSTANCE "VI_1" MASTER 100` or `GROUP "G1" BACKUP 0`.

use crate::config::global::Fifo;
use crate::vrrp::notify_words::Notice;

/// The open notify FIFOs of the VRRP process.
#[derive(Default)]
pub struct Fifos(crate::core::fifo::Fifos);

/// A FIFO to open, and its reader script's argv (FIFO name appended) with its user.
pub struct FifoPlan<'a> {
    pub fifo: &'a Fifo,
    /// "" for notify_fifo, "vrrp_" for vrrp_notify_fifo (log wording).
    pub kind: &'static str,
}

impl Fifos {
    /// Creates (if missing) and opens `plan`'s FIFO; `run_script` starts its reader first.
    pub fn open(
        &mut self,
        plan: &FifoPlan<'_>,
        owner: Option<(u32, u32)>,
        run_script: &mut dyn FnMut(Vec<String>),
    ) {
        if let Some(name) = plan.fifo.name.as_deref() {
            let reader = plan.fifo.script.as_ref().map(|(argv, _)| argv.as_slice());
            self.0.open(name, plan.kind, owner, reader, run_script);
        }
    }

    /// Writes the notice's line to every FIFO.
    pub fn line(&mut self, n: &Notice) {
        if !self.0.is_empty() {
            self.0.write_line(&n.fifo_line());
        }
    }

    /// Closes every FIFO, removing the ones we created.
    pub fn close(&mut self) {
        self.0.close();
    }
}
