//! One check's socket: readiness, and a dialog's bytes moved through the runner's buffer.

use super::*;

impl Runner {
    /// An fd event; true when it was the runner's. `closed`: hung up or in error.
    pub fn on_io(
        &mut self,
        lp: &mut EventLoop,
        token: usize,
        (readable, writable, closed): (bool, bool, bool),
        sink: &mut dyn Sink,
    ) -> bool {
        if token == FILE_TOKEN {
            self.files_changed(lp, sink);
            return true;
        }
        let Some((i, gen)) = slot_of(token) else {
            return false;
        };
        let Some(s) = self.slots.get_mut(i) else {
            return false;
        };
        if gen != s.gen {
            // A socket the slot closed, still registered through a script's copy of it.
            return true;
        }
        let Some(fd) = s.sock.as_ref().map(|f| f.as_raw_fd()) else {
            return true;
        };
        let cmd = match s.phase {
            // A failed connect raises EPOLLERR: writable without it is a connection, and the
            // socket's error is read only otherwise (one syscall less per check).
            Phase::Connecting => {
                let failed = (closed || !writable) && sock::so_error(fd) != 0;
                s.connected(failed, readable || closed)
            }
            Phase::Talking => self.pump(i, readable || closed),
            // A kept socket's reset, once per check: nothing to carry out.
            _ => return true,
        };
        self.exec(lp, i, cmd, sink);
        true
    }

    /// Moves a dialog's bytes: writes what it has pending, reads what arrived (to
    /// `WouldBlock`, or [`READS_PER_WAKE`] chunks and a re-arm); the dialog's verdict ends
    /// the check.
    pub(super) fn pump(&mut self, i: usize, read: bool) -> Cmd {
        let s = &mut self.slots[i];
        let Some(fd) = s.sock.as_ref().map(|f| f.as_raw_fd()) else {
            return Cmd::Wait;
        };
        let stream = kind_of(&s.probe) == Some(Kind::Tcp);
        let dialog: &mut dyn Dialog = match &mut s.probe {
            Probe::Stream(Some(d)) => d.as_mut(),
            Probe::Datagram { dialog, .. } => dialog.as_mut(),
            _ => return Cmd::Wait,
        };
        let mut step = Step::Continue;
        while !dialog.pending().is_empty() {
            match sock::send(fd, dialog.pending()) {
                Ok(n) => dialog.sent(n),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    step = dialog.closed();
                    break;
                }
            }
        }
        if read && step == Step::Continue {
            let mut chunks = 0;
            loop {
                if chunks == READS_PER_WAKE {
                    // A peer that sends as fast as we read would keep us here forever: no
                    // timer (connect_timeout), signal or other checker would run. Yield, and
                    // have the loop wake us again (re-arming a ready fd queues a new event).
                    return Cmd::Rearm(if stream {
                        Interest::READABLE | Interest::WRITABLE
                    } else {
                        Interest::READABLE
                    });
                }
                chunks += 1;
                match sock::recv(fd, &mut self.rx[..]) {
                    Ok(0) if stream => {
                        step = dialog.closed();
                        break;
                    }
                    Ok(n) => {
                        step = dialog.received(&self.rx[..n]);
                        if step != Step::Continue {
                            break;
                        }
                        // A reply may ask for more to be sent.
                        while !dialog.pending().is_empty() {
                            match sock::send(fd, dialog.pending()) {
                                Ok(n) => dialog.sent(n),
                                Err(_) => break,
                            }
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => {
                        step = dialog.closed();
                        break;
                    }
                }
            }
        }
        match step {
            Step::Done(Verdict::Up) => Cmd::Finish(Ok(())),
            Step::Done(Verdict::Down(why)) => Cmd::Finish(Err(why)),
            Step::Continue => Cmd::Wait,
        }
    }
}

pub(super) fn kind_of(p: &Probe) -> Option<Kind> {
    match p {
        Probe::Stream(_) => Some(Kind::Tcp),
        Probe::Datagram { kind, .. } => Some(*kind),
        _ => None,
    }
}
