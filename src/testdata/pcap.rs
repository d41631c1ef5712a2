//! Just enough of the pcap and pcapng formats to read the frames of the captures of real
//! keepalived traffic (the shared captures are pcapng, as tshark writes them).

/// The frames of a capture file: classic pcap (either byte order, µs or ns timestamps) or
/// pcapng (what tshark/dumpcap write; the shared captures are pcapng). Ethernet only.
pub fn frames(file: &[u8]) -> Vec<&[u8]> {
    assert!(file.len() >= 24, "capture too short");
    match file[..4] {
        [0x0a, 0x0d, 0x0d, 0x0a] => pcapng_frames(file),
        _ => classic_frames(file),
    }
}

fn reader(file: &[u8], le: bool) -> impl Fn(usize) -> u32 + '_ {
    move |at: usize| {
        let b = [file[at], file[at + 1], file[at + 2], file[at + 3]];
        if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    }
}

fn classic_frames(file: &[u8]) -> Vec<&[u8]> {
    let le = match file[..4] {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => panic!("neither pcap nor pcapng"),
    };
    let u32_at = reader(file, le);
    assert_eq!(u32_at(20), 1, "only Ethernet captures are read");
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= file.len() {
        let incl = u32_at(at + 8) as usize;
        let start = at + 16;
        assert!(start + incl <= file.len(), "truncated pcap record");
        out.push(&file[start..start + incl]);
        at = start + incl;
    }
    out
}

/// pcapng: blocks of {type, total length, body, total length}; the section header's magic
/// gives the byte order; packets are in enhanced (6) or simple (3) packet blocks.
fn pcapng_frames(file: &[u8]) -> Vec<&[u8]> {
    let le = match file[8..12] {
        [0x4d, 0x3c, 0x2b, 0x1a] => true,
        [0x1a, 0x2b, 0x3c, 0x4d] => false,
        _ => panic!("bad pcapng byte-order magic"),
    };
    let u32_at = reader(file, le);
    let mut out = Vec::new();
    let mut at = 0;
    while at + 12 <= file.len() {
        let kind = u32_at(at);
        let total = u32_at(at + 4) as usize;
        assert!(
            total >= 12 && at + total <= file.len(),
            "truncated pcapng block"
        );
        let body = &file[at + 8..at + total - 4];
        match kind {
            1 => {
                let link = if le {
                    u16::from_le_bytes([body[0], body[1]])
                } else {
                    u16::from_be_bytes([body[0], body[1]])
                };
                assert_eq!(link, 1, "only Ethernet captures are read");
            }
            6 => {
                let caplen = u32_at(at + 8 + 12) as usize;
                out.push(&body[20..20 + caplen]);
            }
            3 => {
                let len = (u32_at(at + 8) as usize).min(body.len() - 4);
                out.push(&body[4..4 + len]);
            }
            _ => {}
        }
        at += total;
    }
    out
}

/// The frames of `captures/<name>` in the shared directory, or None (SKIPPED) without it.
pub fn capture(name: &str) -> Option<Vec<u8>> {
    let path = super::shared("captures")?.join(name);
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    #[test]
    fn classic_files_are_read_too() {
        let mut file = Vec::new();
        file.extend_from_slice(&0xa1b2_c3d4u32.to_be_bytes());
        file.extend_from_slice(&[0; 16]);
        file.extend_from_slice(&1u32.to_be_bytes());
        for frame in [&[1u8, 2, 3][..], &[4, 5][..]] {
            file.extend_from_slice(&[0; 8]);
            file.extend_from_slice(&(frame.len() as u32).to_be_bytes());
            file.extend_from_slice(&(frame.len() as u32).to_be_bytes());
            file.extend_from_slice(frame);
        }
        assert_eq!(super::frames(&file), [&[1u8, 2, 3][..], &[4, 5][..]]);
    }
}
