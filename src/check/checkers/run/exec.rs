//! The loop side of a slot: carries out the phase machine's commands ([`Cmd`]) with the
//! loop (register, reregister and deregister the socket, arm the timer, spawn scripts) and
//! the sink.

use super::*;

impl Runner {
    /// Arms slot `i`'s timer, in place of the one armed: `after` from the loop's time of this
    /// wake, as keepalived counts a check's timeout and its next run from its loop's
    /// `time_now` (one clock read per wake, not one per timer).
    pub(super) fn arm(&mut self, lp: &mut EventLoop, i: usize, after: Micros) {
        self.arm_at(lp, i, lp.now() + after);
    }

    /// Arms slot `i`'s next run: a run `after` a second or more starts on the next
    /// [`RUN_TICK`] boundary, so checks due close together share one wake-up of the loop
    /// (one epoll_wait, one timerfd read and set for a batch, not for each check).
    pub(super) fn arm_run(&mut self, lp: &mut EventLoop, i: usize, after: Micros) {
        if after < Micros::from_secs(1) {
            return self.arm(lp, i, after);
        }
        let at = (lp.now() + after).0.div_ceil(RUN_TICK.0) * RUN_TICK.0;
        self.arm_at(lp, i, Micros(at));
    }

    /// A slot is due at one time: this deadline replaces the one set (a check's connect or
    /// read timeout when it ends).
    fn arm_at(&mut self, lp: &mut EventLoop, i: usize, at: Micros) {
        self.dues.set(lp, i, at);
    }

    /// Closes slot `i`'s socket, if it has one.
    fn close_sock(&mut self, lp: &mut EventLoop, i: usize) {
        if let Some(fd) = self.slots[i].sock.take() {
            // Closing the only descriptor of a socket takes it out of epoll: no epoll_ctl
            // needed, unless a script forked but not yet exec'd holds a copy. That keeps it
            // registered: its events carry the closed socket's generation and are dropped,
            // but would wake the loop.
            if !self.scripts.is_empty() {
                let _ = lp.deregister(fd.as_raw_fd());
            }
        }
    }

    /// Carries out slot `i`'s commands, each of which may lead to another.
    pub(super) fn exec(&mut self, lp: &mut EventLoop, i: usize, mut cmd: Cmd, sink: &mut dyn Sink) {
        loop {
            cmd = match cmd {
                Cmd::Wait => return,
                Cmd::Arm(t) => return self.arm_run(lp, i, t),
                Cmd::Begin => {
                    let s = &mut self.slots[i];
                    // keepalived follows the address over netlink; we look when a check is due.
                    // Not Option::map: a call of its own per check at opt-level z.
                    #[allow(clippy::manual_map)]
                    let local = match s.suspend {
                        Some(a) => Some(sock::is_local(a)),
                        None => None,
                    };
                    s.begin(local)
                }
                Cmd::Script => {
                    let s = &mut self.slots[i];
                    let Probe::Misc(m) = &s.probe else { return };
                    let spec = m.spec(self.script_user);
                    match self.scripts.run(lp, &spec, i) {
                        Ok(_) => {
                            s.phase = Phase::Script(Micros::now());
                            Cmd::Wait
                        }
                        Err(e) => {
                            warn!("Misc check for [{} VS {}]: cannot run it: {e}", s.rs, s.vs);
                            Cmd::Arm(s.sched.delay_loop())
                        }
                    }
                }
                Cmd::Open(kind, interest) => {
                    let s = &mut self.slots[i];
                    let Some(conn) = s.target() else { return };
                    let v6 = conn.dst.is_ipv6();
                    // A socket kept from the last check, reset and still registered: the check
                    // starts with a connect (None below: nothing to register).
                    let kept = s.sock.as_ref().map(|f| f.as_raw_fd());
                    let opened = match kept {
                        Some(fd) => sock::start_connect(fd, &conn.dst).map(|()| None),
                        None => sock::open(kind, conn).map(Some),
                    };
                    match opened {
                        Err(e) => {
                            if kept.is_some() && !matches!(e, sock::OpenError::Connect) {
                                self.close_sock(lp, i);
                            }
                            self.slots[i].open_failed(e, v6)
                        }
                        Ok(None) => {
                            let t = s.opened(kind);
                            return self.arm(lp, i, t);
                        }
                        Ok(Some(fd)) => {
                            s.gen = s.gen.wrapping_add(1);
                            match lp.register(fd.as_raw_fd(), io_token(i, s.gen), interest) {
                                Err(e) => {
                                    warn!("cannot watch the checker socket for {}: {e}", s.rs);
                                    Cmd::Finish(Err(Failure::Failed))
                                }
                                Ok(()) => {
                                    s.sock = Some(fd);
                                    let t = s.opened(kind);
                                    self.arm(lp, i, t);
                                    if !matches!(self.slots[i].probe, Probe::Datagram { .. }) {
                                        return;
                                    }
                                    self.pump(i, false)
                                }
                            }
                        }
                    }
                }
                Cmd::Talk { read } => self.pump(i, read),
                Cmd::Rearm(interest) => {
                    let s = &self.slots[i];
                    if let Some(fd) = s.sock.as_ref().map(|f| f.as_raw_fd()) {
                        let _ = lp.reregister(fd, io_token(i, s.gen), interest);
                    }
                    return;
                }
                Cmd::Finish(r) => {
                    let s = &self.slots[i];
                    // A TCP checker of one host resets its socket for the next check rather than
                    // closing it: no socket, SO_LINGER, epoll_ctl or close per check (issue 16). The
                    // reset's own wake-up finds the slot idle, and epoll reports a socket's
                    // state as it is when the loop asks, after any new connect.
                    let kept = s.keeps_socket()
                        && s.sock.as_ref().is_some_and(|f| sock::reset(f.as_raw_fd()));
                    if !kept {
                        self.close_sock(lp, i);
                    }
                    self.slots[i].conclude(r)
                }
                Cmd::Done(d) => {
                    let id = self.slots[i].id;
                    if let Some(up) = d.state {
                        if up != d.was_up {
                            if let Some(why) = d.down {
                                sink.down_reason(id, why);
                            }
                            sink.checker_state(id, up, Why::Checked);
                        } else if d.first && !up {
                            sink.checker_state(id, up, Why::FirstDown);
                        }
                        self.run_sink_scripts(lp, sink);
                    }
                    if let Some(w) = d.weight_after {
                        self.slots[i].weight = Some(w);
                        sink.weight_changed(id, rs_weight(&self.slots, i));
                    }
                    match d.next {
                        Some(t) => Cmd::Arm(t),
                        None => return,
                    }
                }
            };
        }
    }
}
