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
    watch: Watch,
    pace: Pace,
}

/// How the loop watches a socket. One read on the timer (`rx_pace`) is watched for one event
/// at a time (`EventLoop::watch_once`), which the first packet of a burst uses up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Watch {
    /// Not in the loop's set.
    Off,
    /// Every event.
    Always,
    /// The next event.
    Once,
    /// Watched once and that event came: in the set, silent.
    Spent,
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
            watch: Watch::Off,
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
            .is_some_and(|s| matches!(s.watch, Watch::Off | Watch::Spent))
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
        let (fd, token) = (s.sock.rx_fd(), token_base + i);
        let r = match (on, s.pace.timed(), s.watch) {
            (false, _, Watch::Off | Watch::Spent)
            | (true, false, Watch::Always)
            | (true, true, Watch::Once) => return,
            (false, _, Watch::Always | Watch::Once) => lp.deregister(fd).map(|()| Watch::Off),
            (true, false, Watch::Off) => lp
                .register(fd, token, Interest::READABLE)
                .map(|()| Watch::Always),
            (true, false, Watch::Once | Watch::Spent) => lp
                .reregister(fd, token, Interest::READABLE)
                .map(|()| Watch::Always),
            (true, true, w) => lp
                .watch_once(fd, token, w != Watch::Off)
                .map(|()| Watch::Once),
        };
        match r {
            Ok(w) => s.watch = w,
            Err(e) => log::error!("cannot watch a VRRP socket: {e}"),
        }
    }

    /// Socket `i`'s event came: one watched once is silent until watched again.
    pub fn fired(&mut self, i: usize) {
        if let Some(s) = self.slots.get_mut(i).and_then(Option::as_mut) {
            if s.watch == Watch::Once {
                s.watch = Watch::Spent;
            }
        }
    }

    /// Closes every socket whose index `used` does not accept.
    pub fn close_unused(&mut self, lp: &mut EventLoop, used: impl Fn(usize) -> bool) {
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if used(i) {
                continue;
            }
            if let Some(s) = slot.take() {
                if s.watch != Watch::Off {
                    let _ = lp.deregister(s.sock.rx_fd());
                }
            }
        }
    }
}
