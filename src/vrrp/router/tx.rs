//! Building adverts: the source address, destinations, IP id and AH sequence of each round.

use std::net::IpAddr;

use super::{IfAddrs, Router};
use crate::vrrp::auth::Auth;
use crate::vrrp::packet::{self, EmitError, Tx, VRRP_TTL};

/// What a router sends, fixed per config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxRules {
    pub vrid: u8,
    /// The addresses an advert carries (those the MTU leaves room for).
    pub vips: Vec<IpAddr>,
    /// Where multicast adverts go.
    pub group: IpAddr,
    /// VRRPv2 over IPv4 only (None otherwise).
    pub auth: Auth,
    pub unicast: bool,
    /// Unicast: the peers adverts go to, in configured order.
    pub peers: Vec<IpAddr>,
    /// `unicast_ttl` (unicast only: multicast adverts always carry 255).
    pub unicast_ttl: Option<u8>,
    /// `unicast_src_ip` / `mcast_src_ip`; else the interface's address.
    pub src_ip: Option<IpAddr>,
}

/// One advert, built once per destination with the same IP id and AH sequence, as keepalived
/// sends to several unicast peers.
pub struct AdvertRound<'a> {
    tx: Tx<'a>,
    rules: &'a TxRules,
}

impl Router {
    /// How many packets an advert round sends at most: one per unicast peer, or one.
    pub fn advert_copies(&self) -> usize {
        if self.tx.unicast {
            self.tx.peers.len()
        } else {
            1
        }
    }

    /// Starts an advert at `priority` from `ifaddrs` unless a source is configured. None when
    /// there is no address to send from yet (keepalived cannot send either); then neither the
    /// IP id nor the AH sequence moves.
    pub fn advert(&mut self, priority: u8, ifaddrs: IfAddrs) -> Option<AdvertRound<'_>> {
        let rules = &self.tx;
        let src = rules
            .src_ip
            .or_else(|| ifaddrs.for_family_of(rules.group))?;
        let ip_id = self.ip_id.advance();
        let ah_seq = if matches!(rules.auth, Auth::Ah(_)) {
            self.ah.next_tx()
        } else {
            0
        };
        let cfg = self.fsm.config();
        let tx = Tx {
            version: cfg.version,
            vrid: rules.vrid,
            priority,
            adver_int: cfg.advert_int,
            src,
            dst: rules.group,
            vips: &rules.vips,
            auth: rules.auth,
            ah_seq,
            ip_id,
            ttl: if rules.unicast {
                rules.unicast_ttl.unwrap_or(VRRP_TTL)
            } else {
                VRRP_TTL
            },
            unicast: rules.unicast,
            checksum: self.checksum,
        };
        Some(AdvertRound { tx, rules })
    }
}

impl AdvertRound<'_> {
    pub fn src(&self) -> IpAddr {
        self.tx.src
    }

    /// The peers (unicast) or the group, those of the source's family.
    pub fn destinations(&self) -> impl Iterator<Item = IpAddr> + '_ {
        let r = self.rules;
        let peers = r.peers.iter().copied().filter(|_| r.unicast);
        let group = std::iter::once(r.group).filter(|_| !r.unicast);
        let v4 = self.tx.src.is_ipv4();
        peers.chain(group).filter(move |d| d.is_ipv4() == v4)
    }

    /// The IPv6 hop limit to ask for (`unicast_ttl` of a unicast instance); None: the socket's.
    pub fn hop_limit(&self) -> Option<u8> {
        self.rules.unicast_ttl.filter(|_| self.rules.unicast)
    }

    /// Writes the advert to `dst` into `out`; its length.
    pub fn emit(&self, dst: IpAddr, out: &mut [u8]) -> Result<usize, EmitError> {
        let tx = Tx { dst, ..self.tx };
        packet::emit(&tx, out)
    }
}
