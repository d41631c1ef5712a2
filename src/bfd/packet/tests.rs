use super::*;

/// keepalived 2.2.7's first packet of a session (min_rx 50, idle_tx 1000, multiplier 3),
/// captured on a veth: Down, no peer discriminator yet, idle_tx as the desired interval.
const KEEPALIVED_DOWN: [u8; LEN] = [
    0x20, 0x40, 0x03, 0x18, 0xaf, 0x42, 0xba, 0x7b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x42, 0x40,
    0x00, 0x00, 0xc3, 0x50, 0x00, 0x00, 0x00, 0x00,
];

fn up() -> Control {
    Control {
        diag: Diag::None,
        state: State::Up,
        poll: false,
        final_: false,
        cpi: false,
        demand: false,
        detect_mult: 3,
        my_discr: 0x0102_0304,
        your_discr: 0x0a0b_0c0d,
        desired_min_tx: Micros(10_000),
        required_min_rx: Micros(20_000),
        required_min_echo_rx: Micros(0),
    }
}

fn bytes(c: &Control) -> [u8; LEN] {
    let mut b = [0u8; LEN];
    c.emit(&mut b);
    b
}

#[test]
fn keepalived_s_down_packet_is_read_and_written_back_byte_for_byte() {
    let c = Control::parse(&KEEPALIVED_DOWN).unwrap();
    assert_eq!(c.state, State::Down);
    assert_eq!(c.diag, Diag::None);
    assert_eq!(
        (c.detect_mult, c.my_discr, c.your_discr),
        (3, 0xaf42_ba7b, 0)
    );
    assert_eq!(c.desired_min_tx, Micros(1_000_000));
    assert_eq!(c.required_min_rx, Micros(50_000));
    assert_eq!(c.required_min_echo_rx, Micros(0));
    assert!(!c.poll && !c.final_ && !c.cpi && !c.demand);
    assert_eq!(bytes(&c), KEEPALIVED_DOWN);
}

#[test]
fn every_field_round_trips() {
    let mut c = up();
    assert_eq!(Control::parse(&bytes(&c)), Ok(c));
    for (p, f) in [(true, false), (false, true)] {
        c.poll = p;
        c.final_ = f;
        c.demand = p;
        c.cpi = f;
        assert_eq!(Control::parse(&bytes(&c)), Ok(c));
    }
    for d in Diag::ALL {
        c.diag = d;
        assert_eq!(Control::parse(&bytes(&c)).map(|x| x.diag), Ok(d));
    }
    for s in [State::AdminDown, State::Down, State::Init, State::Up] {
        c.state = s;
        assert_eq!(Control::parse(&bytes(&c)).map(|x| x.state), Ok(s));
    }
    let b = bytes(&up());
    assert_eq!(b[0], 0x20);
    assert_eq!(b[1], 0xc0);
    assert_eq!(&b[12..16], &10_000u32.to_be_bytes());
}

#[test]
fn intervals_beyond_32_bits_are_sent_as_the_largest() {
    let mut c = up();
    c.desired_min_tx = Micros(u64::from(u32::MAX) + 5);
    assert_eq!(&bytes(&c)[12..16], &[0xff; 4]);
}

#[test]
fn every_truncation_is_dropped_without_panic() {
    let b = bytes(&up());
    for n in 0..LEN {
        assert_eq!(Control::parse(&b[..n]), Err(Drop::Truncated), "{n} bytes");
        // The Length field agreeing with the cut does not help.
        let mut cut = b;
        cut[3] = n as u8;
        assert!(Control::parse(&cut[..n]).is_err());
    }
    assert!(Control::parse(&b).is_ok());
}

fn with(f: impl FnOnce(&mut [u8; LEN])) -> Result<Control, Drop> {
    let mut b = bytes(&up());
    f(&mut b);
    Control::parse(&b)
}

#[test]
fn each_receive_check_has_its_drop_reason() {
    assert_eq!(with(|b| b[0] = 0x40), Err(Drop::Version));
    assert_eq!(with(|b| b[0] = 0x00), Err(Drop::Version));
    assert_eq!(with(|b| b[3] = 23), Err(Drop::Length));
    assert_eq!(with(|b| b[3] = 25), Err(Drop::Length));
    assert_eq!(with(|b| b[2] = 0), Err(Drop::DetectMultZero));
    assert_eq!(with(|b| b[1] |= FLAG_MULTIPOINT), Err(Drop::Multipoint));
    assert_eq!(with(|b| b[4..8].fill(0)), Err(Drop::MyDiscriminatorZero));
    // Your Discriminator 0 is only for a sender that has not heard from us.
    assert_eq!(with(|b| b[8..12].fill(0)), Err(Drop::YourDiscriminatorZero));
    let init = |b: &mut [u8; LEN]| {
        b[8..12].fill(0);
        b[1] = (b[1] & 0x3f) | (State::Init as u8) << 6;
    };
    assert_eq!(with(init), Err(Drop::YourDiscriminatorZero));
    for s in [State::Down, State::AdminDown] {
        let ok = with(|b| {
            b[8..12].fill(0);
            b[1] = (b[1] & 0x3f) | (s as u8) << 6;
        });
        assert_eq!(ok.map(|c| c.state), Ok(s));
    }
    assert_eq!(
        with(|b| b[1] |= FLAG_POLL | FLAG_FINAL),
        Err(Drop::PollAndFinal)
    );
    assert_eq!(with(|b| b[0] = 0x20 | 9), Err(Drop::Diag));
    assert_eq!(with(|b| b[0] = 0x20 | 31), Err(Drop::Diag));
}

#[test]
fn authenticated_packets_are_dropped_whatever_their_length() {
    let mut b = [0u8; 40];
    b[..LEN].copy_from_slice(&bytes(&up()));
    b[1] |= FLAG_AUTH;
    for n in [24usize, 25] {
        b[3] = n as u8;
        assert_eq!(Control::parse(&b[..n]), Err(Drop::Length), "{n}");
    }
    for n in [26usize, 28, 40] {
        b[3] = n as u8;
        assert_eq!(Control::parse(&b[..n]), Err(Drop::Authenticated), "{n}");
    }
}

#[test]
fn the_length_field_must_be_the_datagram_s_size() {
    let mut b = [0u8; 30];
    b[..LEN].copy_from_slice(&bytes(&up()));
    // Trailing bytes: RFC 5880 would read the first 24, keepalived refuses; so do we.
    assert_eq!(Control::parse(&b), Err(Drop::Length));
    // Said and sent: extra bytes without the A bit are read past, as both do.
    b[3] = 30;
    assert!(Control::parse(&b).is_ok());
    b[3] = 255;
    assert_eq!(Control::parse(&b[..LEN]), Err(Drop::Length));
}

#[test]
fn drops_are_counted_per_reason() {
    let mut c = DropCounters::default();
    c.count(Drop::Version);
    c.count(Drop::Version);
    c.count(Drop::Authenticated);
    assert_eq!(
        (
            c.get(Drop::Version),
            c.get(Drop::Authenticated),
            c.get(Drop::Length)
        ),
        (2, 1, 0)
    );
}
