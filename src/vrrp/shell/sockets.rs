//! One VRRP socket per (interface, family, mode, protocol), shared by the instances using it.
//! Slots keep their index for their whole life (the index is the socket's loop token), so a
//! reload can close some sockets and open others while the kept instances keep theirs.

use std::net::IpAddr;

use mio::Interest;

use super::rx_pace::Pace;
use crate::core::event_loop::EventLoop;
use crate::net::vrrp_socket::{Mode, Spec, VrrpSocket};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub ifindex: u32,
    pub mode: Mode,
    pub protocol: u8,
}

struct Slot {
    key: Key,
    sock: VrrpSocket,
    /// Watched by the loop; a socket read on the timer is not.
    registered: bool,
    pace: Pace,
}

#[derive(Default)]
pub struct Pool {
    slots: Vec<Option<Slot>>,
}

impl Pool {
    pub fn new() -> Pool {
        Pool::default()
    }

    /// The index of the socket for `key`, opening it on first use.
    pub fn get_or_open(&mut self, key: Key, ifname: Option<&str>) -> std::io::Result<usize> {
        let found = self
            .slots
            .iter()
            .position(|s| s.as_ref().is_some_and(|s| s.key == key));
        if let Some(i) = found {
            return Ok(i);
        }
        let spec = Spec {
            ifname,
            ifindex: key.ifindex,
            mode: key.mode,
            protocol: key.protocol,
            rx_buf: None,
        };
        let sock = VrrpSocket::open(&spec)?;
        let fam = if sock.is_ipv6() { "IPv6" } else { "IPv4" };
        let (kind, addr): (&str, IpAddr) = match key.mode {
            Mode::Multicast { group } => ("multicast", group),
            Mode::Unicast { src } => ("unicast", src),
        };
        log::info!(
            "VRRP sockpool: [ifindex({:3}), family({fam}), proto({}), fd({}) {kind}, address({addr})]",
            key.ifindex,
            key.protocol,
            sock.rx_fd(),
        );
        let slot = Some(Slot {
            key,
            sock,
            registered: false,
            pace: Pace::default(),
        });
        match self.slots.iter().position(Option::is_none) {
            Some(i) => {
                self.slots[i] = slot;
                Ok(i)
            }
            None => {
                self.slots.push(slot);
                Ok(self.slots.len() - 1)
            }
        }
    }

    /// How many slots there are (open or not): every index below it may be asked for.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn get(&self, i: usize) -> Option<&VrrpSocket> {
        self.slots.get(i)?.as_ref().map(|s| &s.sock)
    }

    /// Socket `i` is open and the loop does not watch it: the rx timer reads it.
    pub fn unwatched(&self, i: usize) -> bool {
        self.slots
            .get(i)
            .and_then(Option::as_ref)
            .is_some_and(|s| !s.registered)
    }

    /// How socket `i` is read (None: no such socket).
    pub fn pace(&mut self, i: usize) -> Option<&mut Pace> {
        self.slots.get_mut(i)?.as_mut().map(|s| &mut s.pace)
    }

    /// Watches every socket not watched yet, as `token_base + index`, but a busy one read on
    /// the timer through a burst (`rx_pace`: the timer watches it again once it is quiet).
    pub fn register_new(&mut self, lp: &mut EventLoop, token_base: usize) {
        for i in 0..self.slots.len() {
            let busy = self.slots[i].as_ref().is_some_and(|s| s.pace.timed());
            if !busy {
                self.watch(lp, i, token_base, true);
            }
        }
    }

    /// Watches socket `i` (as `token_base + i`) or stops watching it, as `on` says. An error
    /// leaves it as it was (logged).
    pub fn watch(&mut self, lp: &mut EventLoop, i: usize, token_base: usize, on: bool) {
        let Some(s) = self.slots.get_mut(i).and_then(Option::as_mut) else {
            return;
        };
        if s.registered == on {
            return;
        }
        let r = if on {
            lp.register(s.sock.rx_fd(), token_base + i, Interest::READABLE)
        } else {
            lp.deregister(s.sock.rx_fd())
        };
        match r {
            Ok(()) => s.registered = on,
            Err(e) => log::error!("cannot watch a VRRP socket: {e}"),
        }
    }

    /// Closes every socket whose index `used` does not accept.
    pub fn close_unused(&mut self, lp: &mut EventLoop, used: impl Fn(usize) -> bool) {
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if used(i) {
                continue;
            }
            if let Some(s) = slot.take() {
                if s.registered {
                    let _ = lp.deregister(s.sock.rx_fd());
                }
            }
        }
    }
}
