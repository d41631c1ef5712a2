//! VRRPv2 authentication as keepalived does it: PASS (a clear 8-byte password after the
//! addresses) and IPsec AH (HMAC-MD5-96 over the IP header, AH header and advert).
//! Both exist only for VRRPv2 over IPv4. keepalived's newer `auth_hmac` trailer (HMAC-SHA256,
//! not in 2.2.7) is not implemented.

pub mod hmac;

pub use hmac::ICV_LEN;

/// VRRPv2 `auth_type` values on the wire.
pub const AUTH_NONE: u8 = 0;
pub const AUTH_PASS: u8 = 1;
pub const AUTH_AH: u8 = 2;

/// Bytes of authentication data after the addresses in a VRRPv2/IPv4 advert.
pub const AUTH_DATA_LEN: usize = 8;

/// An instance's authentication; the key is `auth_pass` truncated to 8 bytes and zero-padded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Auth {
    #[default]
    None,
    Pass([u8; AUTH_DATA_LEN]),
    Ah([u8; AUTH_DATA_LEN]),
}

impl Auth {
    /// The `auth_type` byte this instance sends and expects.
    pub fn wire_type(&self) -> u8 {
        match self {
            Auth::None => AUTH_NONE,
            Auth::Pass(_) => AUTH_PASS,
            Auth::Ah(_) => AUTH_AH,
        }
    }

    /// From the config side's `authentication` block.
    pub fn from_config(a: Option<&crate::config::vrrp::Auth>) -> Auth {
        use crate::config::vrrp::AuthType;
        match a.and_then(|a| a.auth_type.map(|t| (t, a.pass))) {
            Some((AuthType::Pass, p)) => Auth::Pass(p),
            Some((AuthType::Ah, p)) => Auth::Ah(p),
            None => Auth::None,
        }
    }
}

/// Compares passwords in time independent of where they differ, as keepalived does.
pub fn pass_matches(want: &[u8; AUTH_DATA_LEN], got: &[u8]) -> bool {
    if got.len() != AUTH_DATA_LEN {
        return false;
    }
    want.iter().zip(got).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0
}

/// The AH sequence counter of one instance (keepalived's `ipsecah_counter`). keepalived keeps
/// a single number per instance for both directions: it is the last sequence sent while
/// master and the last accepted from the master while backup, so a backup that takes over
/// continues above what it heard. It survives a reload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AhState {
    seq: u32,
    cycle: bool,
}

/// Above this the sender stops counting and marks the counter cycled.
const SEQ_LIMIT: u32 = 0xFFFF_FFFD;

impl AhState {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn seq(&self) -> u32 {
        self.seq
    }

    /// True once the counter ran past its limit; cleared when a peer's counter is adopted
    /// or when this instance becomes master (which restarts at 0).
    #[cfg(test)]
    pub fn cycled(&self) -> bool {
        self.cycle
    }

    /// The sequence number for the next advert sent: one more than the last (the first advert
    /// carries 1). Past 0xFFFFFFFD it stops counting, marks the counter cycled and repeats
    /// the same number, as keepalived does.
    pub fn next_tx(&mut self) -> u32 {
        if self.seq > SEQ_LIMIT {
            self.cycle = true;
        } else {
            self.seq += 1;
        }
        self.seq
    }

    /// Replay check for an advert whose ICV and SPI are valid: accepted only when its
    /// sequence is strictly above the counter, which then takes its value.
    pub fn accept_rx(&mut self, seq: u32) -> bool {
        if seq > self.seq {
            self.seq = seq;
            true
        } else {
            false
        }
    }

    /// A backup that accepted an AH advert forgets a previous cycle.
    pub fn backup_accepted(&mut self, seq: u32) {
        if seq >= self.seq {
            self.cycle = false;
        }
    }

    /// A master that hears a lower-priority AH advert continues above the sender's sequence.
    pub fn sync_from_lower(&mut self, rx_seq: u32) {
        self.seq = rx_seq.wrapping_add(1);
        self.cycle = false;
    }

    /// A master that yields to a higher-priority one forgets a previous cycle.
    pub fn yielded(&mut self) {
        self.cycle = false;
    }

    /// On becoming master: a cycled counter starts again from 0.
    pub fn became_master(&mut self) {
        if self.cycle {
            self.cycle = false;
            self.seq = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_advert_carries_one_and_counts_up() {
        let mut s = AhState::new();
        assert_eq!(s.next_tx(), 1);
        assert_eq!(s.next_tx(), 2);
    }

    #[test]
    fn counter_stops_at_the_limit_and_restarts_as_master() {
        let mut s = AhState {
            seq: SEQ_LIMIT,
            cycle: false,
        };
        assert_eq!(s.next_tx(), 0xFFFF_FFFE);
        assert!(!s.cycled());
        assert_eq!(s.next_tx(), 0xFFFF_FFFE);
        assert!(s.cycled());
        s.became_master();
        assert_eq!(s.next_tx(), 1);
    }

    #[test]
    fn replay_needs_a_strictly_higher_sequence() {
        let mut s = AhState::new();
        assert!(s.accept_rx(5));
        assert!(!s.accept_rx(5));
        assert!(!s.accept_rx(4));
        assert!(s.accept_rx(6));
        // A backup that takes over continues above what it heard.
        assert_eq!(s.next_tx(), 7);
    }

    #[test]
    fn master_syncs_above_a_lower_priority_sender() {
        let mut s = AhState::new();
        s.next_tx();
        s.sync_from_lower(41);
        assert_eq!(s.next_tx(), 43);
    }

    #[test]
    fn password_compare() {
        assert!(pass_matches(b"secret12", b"secret12"));
        assert!(!pass_matches(b"secret12", b"secret13"));
        assert!(!pass_matches(b"secret12", b"secret1"));
    }
}
