//! FILE_CHECK in the runner: the inotify watcher and what a new file value does.

use super::*;

impl Runner {
    pub(super) fn watch_file(&mut self, lp: &mut EventLoop, path: &std::path::Path) {
        if self.files.is_none() {
            match Watcher::new() {
                Ok(w) => {
                    if let Err(e) = lp.register(w.raw_fd(), FILE_TOKEN, Interest::READABLE) {
                        warn!("Unable to monitor track files: {e}");
                    }
                    self.files = Some(w);
                }
                Err(e) => warn!("Unable to monitor track files: {e}"),
            }
        }
        if let Some(w) = &mut self.files {
            if let Err(e) = w.watch(path) {
                warn!("Unable to monitor track file {}: {e}", path.display());
            }
        }
    }

    pub(super) fn files_changed(&mut self, lp: &mut EventLoop, sink: &mut dyn Sink) {
        let mut changed: Vec<std::path::PathBuf> = Vec::new();
        if let Some(w) = &mut self.files {
            w.drain(|p| {
                if !changed.iter().any(|c| c == p) {
                    changed.push(p.to_path_buf());
                }
            });
        }
        for p in &changed {
            let Some(v) = file::read_value(p) else {
                continue;
            };
            for i in 0..self.slots.len() {
                if matches!(&self.slots[i].probe, Probe::File(f) if f.path == *p) {
                    let cmd = self.file_value(i, v, sink);
                    self.exec(lp, i, cmd, sink);
                }
            }
        }
    }

    /// A FILE_CHECK's file now holds `v`: a weight and a state to tell, no timer.
    pub(super) fn file_value(&mut self, i: usize, v: i64, sink: &mut dyn Sink) -> Cmd {
        let s = &mut self.slots[i];
        let Probe::File(f) = &mut s.probe else {
            return Cmd::Wait;
        };
        let FileProbe {
            weight,
            reverse,
            base,
            applied,
            value,
            ..
        } = &mut **f;
        *value = Some(v);
        let eff = file::effect(v, *weight, *reverse);
        let initial = applied.is_none();
        if *applied == Some(eff) {
            return Cmd::Wait;
        }
        let old_w = applied.flatten().unwrap_or(0);
        *applied = Some(eff);
        let new_w = eff.unwrap_or(0);
        if new_w != old_w {
            s.weight = Some(*base + new_w);
            let id = s.id;
            sink.weight_changed(id, super::rs_weight(&self.slots, i));
        }
        let s = &mut self.slots[i];
        let was_up = s.sched.is_up();
        let up = eff.is_some();
        s.sched.force(up);
        if up == was_up {
            return Cmd::Wait;
        }
        if initial {
            // keepalived starts such a checker down without running any notify.
            let id = s.id;
            sink.checker_state(id, up, Why::FileStart);
            return Cmd::Wait;
        }
        Cmd::Done(Done {
            state: Some(up),
            first: false,
            was_up,
            weight_after: None,
            next: None,
            down: None,
        })
    }
}
