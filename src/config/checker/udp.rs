//! UDP_CHECK: send a payload, optionally require a matching reply.

use super::values::{int_in, parse_hex};
use super::{parse_common, CheckerCommon};
use crate::config::diag::Diagnostics;
use crate::config::tree::Node;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UdpCheck {
    /// None: keepalived sends random bytes.
    pub(crate) payload: Option<Vec<u8>>,
    pub(crate) require_reply: bool,
    /// The expected reply and the mask of its don't-care bits (`X` digits).
    pub(crate) reply: Option<(Vec<u8>, Option<Vec<u8>>)>,
    pub(crate) min_reply_length: u16,
    pub(crate) max_reply_length: u16,
}

impl Default for UdpCheck {
    fn default() -> Self {
        UdpCheck {
            payload: None,
            require_reply: false,
            reply: None,
            min_reply_length: 0,
            max_reply_length: 255,
        }
    }
}

pub(crate) fn parse(n: &Node, common: &mut CheckerCommon, d: &mut Diagnostics) -> Option<UdpCheck> {
    let mut u = UdpCheck::default();
    for c in n.children() {
        match c.keyword() {
            "payload" => match parse_hex(c.args(), false) {
                Some((b, _)) => u.payload = Some(b),
                None => d.error(c.loc, "UDP_CHECK payload is not a hex string"),
            },
            "require_reply" => {
                u.require_reply = true;
                if !c.args().is_empty() {
                    match parse_hex(c.args(), true) {
                        Some(r) => u.reply = Some(r),
                        None => d.error(c.loc, "UDP_CHECK require_reply is not a hex string"),
                    }
                }
            }
            "min_reply_length" => {
                if let Some(v) = int_in(c, 0, 0, i64::from(u16::MAX), d) {
                    u.min_reply_length = v as u16;
                }
            }
            "max_reply_length" => {
                if let Some(v) = int_in(c, 0, 0, i64::from(u16::MAX), d) {
                    u.max_reply_length = v as u16;
                }
            }
            _ => {
                if !parse_common(c, true, common, d) {
                    d.unknown_keyword(c.loc, c.keyword());
                }
            }
        }
    }
    if u.min_reply_length > u.max_reply_length {
        d.warn(
            n.end_loc(),
            format_args!(
                "UDP_CHECK min_reply_length {} > max_reply_length {} - will always fail",
                u.min_reply_length, u.max_reply_length
            ),
        );
    }
    Some(u)
}
