//! One VRRP socket per (interface, family, mode, protocol), shared by the instances using it.

use std::net::IpAddr;

use crate::net::vrrp_socket::{Mode, Spec, VrrpSocket};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub ifindex: u32,
    pub mode: Mode,
    pub protocol: u8,
}

pub struct Pool {
    pub socks: Vec<(Key, VrrpSocket)>,
}

impl Pool {
    pub fn new() -> Pool {
        Pool { socks: Vec::new() }
    }

    /// The index of the socket for `key`, opening it on first use.
    pub fn get_or_open(&mut self, key: Key, ifname: Option<&str>) -> std::io::Result<usize> {
        if let Some(i) = self.socks.iter().position(|(k, _)| *k == key) {
            return Ok(i);
        }
        let spec = Spec {
            ifname,
            ifindex: key.ifindex,
            mode: key.mode,
            protocol: key.protocol,
            rx_buf: None,
        };
        let s = VrrpSocket::open(&spec)?;
        let fam = if s.is_ipv6() { "IPv6" } else { "IPv4" };
        let (kind, addr): (&str, IpAddr) = match key.mode {
            Mode::Multicast { group } => ("multicast", group),
            Mode::Unicast { src } => ("unicast", src),
        };
        log::info!(
            "VRRP sockpool: [ifindex({:3}), family({fam}), proto({}), fd({}) {kind}, address({addr})]",
            key.ifindex,
            key.protocol,
            s.rx_fd(),
        );
        self.socks.push((key, s));
        Ok(self.socks.len() - 1)
    }

    pub fn get(&self, i: usize) -> Option<&VrrpSocket> {
        self.socks.get(i).map(|(_, s)| s)
    }
}
