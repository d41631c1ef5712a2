//! The BFD Control packet (RFC 5880 §4.1), as keepalived sends and checks it.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       My Discriminator                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                      Your Discriminator                       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Desired Min TX Interval                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                   Required Min RX Interval                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Required Min Echo RX Interval                 |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   Authentication section (when A is set; keepalived has none) |
//! ```
//!
//! Untrusted bytes go through [`Packet::new_checked`] only (after it no accessor panics) and
//! [`Control::parse`] applies every receive check of RFC 5880 §6.8.6 that the packet alone can
//! decide, each refusal a [`Drop`] the child counts. What needs the session (your
//! discriminator's lookup, TTL against `max_hops`) is the caller's. Nothing here allocates.

use crate::core::time::Micros;

mod field {
    pub(super) type Field = core::ops::Range<usize>;
    /// Version (3 bits) and Diag (5 bits).
    pub(super) const VERS_DIAG: usize = 0;
    /// State (2 bits) and the P F C A D M flags.
    pub(super) const STATE_FLAGS: usize = 1;
    pub(super) const DETECT_MULT: usize = 2;
    pub(super) const LENGTH: usize = 3;
    pub(super) const MY_DISCR: Field = 4..8;
    pub(super) const YOUR_DISCR: Field = 8..12;
    pub(super) const DESIRED_MIN_TX: Field = 12..16;
    pub(super) const REQUIRED_MIN_RX: Field = 16..20;
    pub(super) const REQUIRED_MIN_ECHO_RX: Field = 20..24;
    /// Auth Type and Auth Len, the least an authentication section has.
    pub(super) const AUTH_MIN_END: usize = 26;
}

/// The mandatory section: every packet we send is exactly this long.
pub(crate) const LEN: usize = field::REQUIRED_MIN_ECHO_RX.end;
pub(crate) const VERSION: u8 = 1;

const FLAG_POLL: u8 = 0x20;
const FLAG_FINAL: u8 = 0x10;
const FLAG_CPI: u8 = 0x08;
const FLAG_AUTH: u8 = 0x04;
const FLAG_DEMAND: u8 = 0x02;
const FLAG_MULTIPOINT: u8 = 0x01;

/// bfd.SessionState, as coded on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    AdminDown = 0,
    Down = 1,
    Init = 2,
    Up = 3,
}

impl State {
    fn from_bits(b: u8) -> State {
        match b & 3 {
            0 => State::AdminDown,
            1 => State::Down,
            2 => State::Init,
            _ => State::Up,
        }
    }
}

/// The diagnostic codes of RFC 5880 §4.1 (keepalived knows 0 to 8 and refuses the others).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Diag {
    None = 0,
    /// Control Detection Time Expired.
    Expired = 1,
    EchoFailed = 2,
    NeighborDown = 3,
    ForwardingReset = 4,
    PathDown = 5,
    ConcatPathDown = 6,
    AdminDown = 7,
    ReverseConcatPathDown = 8,
}

impl Diag {
    const ALL: [Diag; 9] = [
        Diag::None,
        Diag::Expired,
        Diag::EchoFailed,
        Diag::NeighborDown,
        Diag::ForwardingReset,
        Diag::PathDown,
        Diag::ConcatPathDown,
        Diag::AdminDown,
        Diag::ReverseConcatPathDown,
    ];

    fn from_code(c: u8) -> Option<Diag> {
        Diag::ALL.get(usize::from(c)).copied()
    }
}

/// Why a received packet was discarded: one counter each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Drop {
    /// Shorter than the mandatory section.
    Truncated = 0,
    /// Version is not 1.
    Version,
    /// Length is below 24 (26 with the A bit) or is not the datagram's size (keepalived
    /// refuses trailing bytes too).
    Length,
    DetectMultZero,
    Multipoint,
    MyDiscriminatorZero,
    /// Your Discriminator is 0 while the sender is neither Down nor AdminDown.
    YourDiscriminatorZero,
    /// Poll and Final together (keepalived's extra check).
    PollAndFinal,
    /// A diagnostic code above 8 (keepalived's extra check).
    Diag,
    /// The A bit: keepalived has no authentication, so none is in use (RFC 5880 §6.8.6).
    Authenticated,
}

impl Drop {
    pub(crate) const COUNT: usize = Drop::Authenticated as usize + 1;
}

/// Discards per [`Drop`] reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct DropCounters([u32; Drop::COUNT]);

impl DropCounters {
    pub(crate) fn count(&mut self, d: Drop) {
        let c = &mut self.0[d as usize];
        *c = c.saturating_add(1);
    }

    pub(crate) fn get(&self, d: Drop) -> u32 {
        self.0[d as usize]
    }
}

/// A received packet's bytes. After [`Packet::new_checked`] no accessor panics.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Packet<'a> {
    /// At least [`LEN`] bytes.
    buf: &'a [u8],
}

impl<'a> Packet<'a> {
    pub(crate) fn new_checked(buf: &'a [u8]) -> Result<Packet<'a>, Drop> {
        if buf.len() < LEN {
            return Err(Drop::Truncated);
        }
        Ok(Packet { buf })
    }

    pub(crate) fn version(&self) -> u8 {
        self.buf[field::VERS_DIAG] >> 5
    }

    pub(crate) fn diag_code(&self) -> u8 {
        self.buf[field::VERS_DIAG] & 0x1f
    }

    pub(crate) fn state(&self) -> State {
        State::from_bits(self.buf[field::STATE_FLAGS] >> 6)
    }

    fn flag(&self, f: u8) -> bool {
        self.buf[field::STATE_FLAGS] & f != 0
    }

    pub(crate) fn detect_mult(&self) -> u8 {
        self.buf[field::DETECT_MULT]
    }

    pub(crate) fn length(&self) -> u8 {
        self.buf[field::LENGTH]
    }

    fn be32(&self, f: field::Field) -> u32 {
        let mut a = [0u8; 4];
        a.copy_from_slice(&self.buf[f]);
        u32::from_be_bytes(a)
    }

    pub(crate) fn my_discriminator(&self) -> u32 {
        self.be32(field::MY_DISCR)
    }

    pub(crate) fn your_discriminator(&self) -> u32 {
        self.be32(field::YOUR_DISCR)
    }
}

/// A valid Control packet: what [`Control::parse`] accepts and [`Control::emit`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Control {
    pub(crate) diag: Diag,
    pub(crate) state: State,
    pub(crate) poll: bool,
    pub(crate) final_: bool,
    /// Control Plane Independent (we never set it).
    pub(crate) cpi: bool,
    pub(crate) demand: bool,
    pub(crate) detect_mult: u8,
    pub(crate) my_discr: u32,
    pub(crate) your_discr: u32,
    pub(crate) desired_min_tx: Micros,
    pub(crate) required_min_rx: Micros,
    pub(crate) required_min_echo_rx: Micros,
}

impl Control {
    /// Applies RFC 5880 §6.8.6's checks (and keepalived's two extra ones) in keepalived's
    /// order, the A bit last as keepalived tests it after finding the session.
    pub(crate) fn parse(buf: &[u8]) -> Result<Control, Drop> {
        let p = Packet::new_checked(buf)?;
        let auth = p.flag(FLAG_AUTH);
        let min = if auth { field::AUTH_MIN_END } else { LEN };
        let len = usize::from(p.length());
        if len < min || len != buf.len() {
            return Err(Drop::Length);
        }
        if p.version() != VERSION {
            return Err(Drop::Version);
        }
        if p.detect_mult() == 0 {
            return Err(Drop::DetectMultZero);
        }
        if p.flag(FLAG_MULTIPOINT) {
            return Err(Drop::Multipoint);
        }
        if p.my_discriminator() == 0 {
            return Err(Drop::MyDiscriminatorZero);
        }
        let state = p.state();
        if p.your_discriminator() == 0 && !matches!(state, State::Down | State::AdminDown) {
            return Err(Drop::YourDiscriminatorZero);
        }
        let (poll, final_) = (p.flag(FLAG_POLL), p.flag(FLAG_FINAL));
        if poll && final_ {
            return Err(Drop::PollAndFinal);
        }
        let diag = Diag::from_code(p.diag_code()).ok_or(Drop::Diag)?;
        if auth {
            return Err(Drop::Authenticated);
        }
        let us = |f| Micros(u64::from(p.be32(f)));
        Ok(Control {
            diag,
            state,
            poll,
            final_,
            cpi: p.flag(FLAG_CPI),
            demand: p.flag(FLAG_DEMAND),
            detect_mult: p.detect_mult(),
            my_discr: p.my_discriminator(),
            your_discr: p.your_discriminator(),
            desired_min_tx: us(field::DESIRED_MIN_TX),
            required_min_rx: us(field::REQUIRED_MIN_RX),
            required_min_echo_rx: us(field::REQUIRED_MIN_ECHO_RX),
        })
    }

    /// Writes the packet (no authentication section, so always [`LEN`] bytes). Intervals
    /// above the field's 32 bits are sent as its largest value.
    pub(crate) fn emit(&self, buf: &mut [u8; LEN]) {
        buf[field::VERS_DIAG] = VERSION << 5 | (self.diag as u8);
        let mut flags = (self.state as u8) << 6;
        for (on, f) in [
            (self.poll, FLAG_POLL),
            (self.final_, FLAG_FINAL),
            (self.cpi, FLAG_CPI),
            (self.demand, FLAG_DEMAND),
        ] {
            if on {
                flags |= f;
            }
        }
        buf[field::STATE_FLAGS] = flags;
        buf[field::DETECT_MULT] = self.detect_mult;
        buf[field::LENGTH] = LEN as u8;
        let put =
            |b: &mut [u8; LEN], f: field::Field, v: u32| b[f].copy_from_slice(&v.to_be_bytes());
        let us = |m: Micros| u32::try_from(m.0).unwrap_or(u32::MAX);
        put(buf, field::MY_DISCR, self.my_discr);
        put(buf, field::YOUR_DISCR, self.your_discr);
        put(buf, field::DESIRED_MIN_TX, us(self.desired_min_tx));
        put(buf, field::REQUIRED_MIN_RX, us(self.required_min_rx));
        put(
            buf,
            field::REQUIRED_MIN_ECHO_RX,
            us(self.required_min_echo_rx),
        );
    }
}

#[cfg(test)]
mod tests;
