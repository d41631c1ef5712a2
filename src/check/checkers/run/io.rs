//! One check's socket: open, connect, move a dialog's bytes, finish.

use super::*;

impl Runner {
    /// Starts one check.
    pub(super) fn begin(&mut self, lp: &mut EventLoop, i: usize, sink: &mut dyn Sink) {
        let s = &mut self.slots[i];
        if let Some(ip) = s.suspend {
            // keepalived follows the address over netlink; we look when a check is due.
            let local = sock::is_local(ip);
            if local != s.enabled {
                info!(
                    "{}ing healthchecker for service {} for VS {}",
                    if local { "Activat" } else { "Suspend" },
                    s.rs,
                    s.vs
                );
                s.enabled = local;
            }
            if !local {
                let t = s.timing.delay_loop;
                return self.arm(lp, i, t);
            }
        }
        let (kind, interest) = match &mut s.probe {
            Probe::NotYet | Probe::File { .. } => return,
            Probe::Misc(m) => {
                let spec = m.spec(self.script_user);
                match self.scripts.run(lp, &spec, i) {
                    Ok(_) => s.phase = Phase::Script(Micros::now()),
                    Err(e) => {
                        warn!("Misc check for [{} VS {}]: cannot run it: {e}", s.rs, s.vs);
                        let t = s.timing.delay_loop;
                        self.arm(lp, i, t);
                    }
                }
                return;
            }
            Probe::Stream(d) => {
                if let Some(d) = d {
                    d.select(s.sched.url());
                }
                (Kind::Tcp, Interest::WRITABLE)
            }
            Probe::Datagram { kind, dialog, .. } => {
                dialog.reset();
                (*kind, Interest::READABLE)
            }
        };
        let conn = match s.host {
            0 => s.conn.as_ref(),
            h => s.hosts.get(h - 1),
        };
        let Some(conn) = conn else { return };
        let v6 = conn.dst.is_ipv6();
        let fd = match sock::open(kind, conn) {
            Ok(fd) => fd,
            Err(e) => return self.open_failed(lp, i, e, v6, sink),
        };
        if let Err(e) = lp.register(fd.as_raw_fd(), TOKEN_BASE + i, interest) {
            warn!("cannot watch the checker socket for {}: {e}", s.rs);
            return self.finish(lp, i, Err(Failure::Failed), sink);
        }
        s.sock = Some(fd);
        s.phase = if kind == Kind::Tcp {
            Phase::Connecting
        } else {
            Phase::Talking
        };
        let t = s.timing.connect_timeout;
        self.arm(lp, i, t);
        if s_is_datagram(&self.slots[i]) {
            self.pump(lp, i, false, sink);
        }
    }

    /// A check whose socket could not be opened: a failed check when connect said nobody is
    /// there, else (as keepalived) a line and another try after delay_loop with the
    /// checker's state untouched; UDP_CHECK and PING_CHECK count every error as a failure.
    fn open_failed(
        &mut self,
        lp: &mut EventLoop,
        i: usize,
        e: sock::OpenError,
        v6: bool,
        sink: &mut dyn Sink,
    ) {
        let s = &self.slots[i];
        let counted = matches!(s.words, Words::Udp | Words::Icmp);
        match e {
            sock::OpenError::Connect => {
                return self.finish(lp, i, Err(Failure::Unreachable), sink);
            }
            sock::OpenError::Setup(_) if counted => {
                return self.finish(lp, i, Err(Failure::Failed), sink)
            }
            sock::OpenError::Setup(line) => {
                info!("{line}");
                words::setup_failed_line(s);
            }
            sock::OpenError::Socket => words::no_socket_line(s, v6),
        }
        let t = s.timing.delay_loop;
        self.arm(lp, i, t);
    }

    /// An fd event; true when it was the runner's.
    pub fn on_io(
        &mut self,
        lp: &mut EventLoop,
        token: usize,
        readable: bool,
        closed: bool,
        sink: &mut dyn Sink,
    ) -> bool {
        if token == FILE_TOKEN {
            self.files_changed(lp, sink);
            return true;
        }
        let Some(i) = token.checked_sub(TOKEN_BASE) else {
            return false;
        };
        let Some(s) = self.slots.get_mut(i) else {
            return false;
        };
        let Some(fd) = s.sock.as_ref().map(|f| f.as_raw_fd()) else {
            return true;
        };
        match s.phase {
            Phase::Connecting => {
                if sock::so_error(fd) != 0 {
                    return {
                        self.finish(lp, i, Err(Failure::Failed), sink);
                        true
                    };
                }
                match &mut s.probe {
                    Probe::Stream(Some(d)) => {
                        d.reset();
                        s.phase = Phase::Talking;
                        let _ = lp.reregister(fd, token, Interest::READABLE | Interest::WRITABLE);
                        self.pump(lp, i, false, sink);
                    }
                    _ => self.finish(lp, i, Ok(()), sink),
                }
            }
            Phase::Talking => self.pump(lp, i, readable || closed, sink),
            _ => {}
        }
        true
    }

    /// Moves a dialog's bytes: writes what it has pending, reads what arrived.
    pub(super) fn pump(&mut self, lp: &mut EventLoop, i: usize, read: bool, sink: &mut dyn Sink) {
        let s = &mut self.slots[i];
        let Some(fd) = s.sock.as_ref().map(|f| f.as_raw_fd()) else {
            return;
        };
        let stream = kind_of(&s.probe) == Some(Kind::Tcp);
        let dialog: &mut dyn Dialog = match &mut s.probe {
            Probe::Stream(Some(d)) => d.as_mut(),
            Probe::Datagram { dialog, .. } => dialog.as_mut(),
            _ => return,
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
                    let interest = if stream {
                        Interest::READABLE | Interest::WRITABLE
                    } else {
                        Interest::READABLE
                    };
                    let _ = lp.reregister(fd, TOKEN_BASE + i, interest);
                    break;
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
        if let Step::Done(v) = step {
            let r = match v {
                Verdict::Up => Ok(()),
                Verdict::Down(why) => Err(why),
            };
            self.finish(lp, i, r, sink);
        }
    }

    /// A check ended: close its socket, apply the schedule, log and report, arm the next run.
    pub(super) fn finish(
        &mut self,
        lp: &mut EventLoop,
        i: usize,
        r: Result<(), Failure>,
        sink: &mut dyn Sink,
    ) {
        let s = &mut self.slots[i];
        if let Some(fd) = s.sock.take() {
            let _ = lp.deregister(fd.as_raw_fd());
        }
        s.phase = Phase::Idle;
        if r.is_ok() && s.host < s.hosts.len() {
            // SMTP_CHECK host blocks: on to the next host, the check goes on.
            s.host += 1;
            return self.arm(lp, i, Micros(1));
        }
        if r.is_ok() {
            s.host = 0;
        }
        let (first, was_up) = (!s.sched.has_run(), s.sched.is_up());
        let out = s.sched.result(r.is_ok());
        if let Err(why) = r {
            // SMTP_CHECK and DNS_CHECK log the failure that takes them down even without
            // log_all_failures.
            let last = matches!(s.words, Words::Smtp | Words::Dns)
                && matches!(out.report, Report::Down { .. });
            if (was_up && s.log_all) || last {
                failure_line(s, why, &out);
            }
        } else if !was_up && s.words == Words::Web {
            url_line(s);
        }
        report_line(s, &out);
        let next = out.next;
        self.report(lp, i, out, (first, was_up), sink);
        self.arm(lp, i, next);
    }
}

pub(super) fn s_is_datagram(s: &Slot) -> bool {
    matches!(s.probe, Probe::Datagram { .. })
}

pub(super) fn kind_of(p: &Probe) -> Option<Kind> {
    match p {
        Probe::Stream(_) => Some(Kind::Tcp),
        Probe::Datagram { kind, .. } => Some(*kind),
        _ => None,
    }
}
