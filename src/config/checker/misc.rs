//! MISC_CHECK: a script whose exit status is the verdict.

use super::values::{int_in, Script};
use super::{parse_common, CheckerCommon};
use crate::config::diag::Diagnostics;
use crate::config::tree::Node;
use crate::core::time::Micros;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MiscCheck {
    pub(crate) path: Option<Script>,
    /// Kill the script after this long (default: the delay_loop).
    pub(crate) timeout: Option<Micros>,
    /// Exit status 2..255 sets the real server's weight to status - 2.
    pub(crate) dynamic: bool,
    /// `user USER [GROUP]`: who the script runs as.
    pub(crate) user: Option<(String, Option<String>)>,
}

pub(crate) fn parse(
    n: &Node,
    common: &mut CheckerCommon,
    d: &mut Diagnostics,
) -> Option<MiscCheck> {
    let mut m = MiscCheck::default();
    for c in n.children() {
        match c.keyword() {
            "misc_path" => m.path = Script::from_args(c, d).or(m.path.take()),
            "misc_timeout" => {
                m.timeout = int_in(c, 0, 0, i64::from(u32::MAX / 1_000_000), d)
                    .map(|s| Micros::from_secs(s as u64))
                    .or(m.timeout)
            }
            "misc_dynamic" => m.dynamic = true,
            "user" => match c.arg(0) {
                Some(u) => m.user = Some((u.to_string(), c.arg(1).map(str::to_string))),
                None => d.error(c.loc, "'user' needs a user name"),
            },
            _ => {
                if !parse_common(c, false, common, d) {
                    d.unknown_keyword(c.loc, c.keyword());
                }
            }
        }
    }
    if m.path.is_none() {
        d.error(n.end_loc(), "MISC_CHECK has no misc_path - ignoring");
        return None;
    }
    Some(m)
}
