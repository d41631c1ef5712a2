//! notify_master / notify_backup / ... scripts, shared by instances and sync groups.

use super::super::diag::Diagnostics;
use super::super::track::{self, ScriptCmd};
use super::super::tree::Node;

/// Notify scripts of an instance or sync group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Notify {
    pub(crate) master: Option<ScriptCmd>,
    pub(crate) backup: Option<ScriptCmd>,
    pub(crate) fault: Option<ScriptCmd>,
    pub(crate) stop: Option<ScriptCmd>,
    /// `notify_deleted` alone reports deleted instances as deleted (not as stopped).
    pub(crate) deleted: Option<Option<ScriptCmd>>,
    pub(crate) generic: Option<ScriptCmd>,
    pub(crate) master_rx_lower_pri: Option<ScriptCmd>,
}

impl Notify {
    /// Every script slot, `notify_deleted`'s last (an array, not a chain of iterators:
    /// smaller code at each caller).
    pub(crate) fn slots(&self) -> [&Option<ScriptCmd>; 7] {
        [
            &self.master,
            &self.backup,
            &self.fault,
            &self.stop,
            &self.generic,
            &self.master_rx_lower_pri,
            self.deleted.as_ref().unwrap_or(&None),
        ]
    }

    /// Every script slot, for removing scripts that cannot run (`notify_deleted` alone has
    /// no script and is kept).
    pub(crate) fn slots_mut(&mut self) -> impl Iterator<Item = &mut Option<ScriptCmd>> {
        [
            &mut self.master,
            &mut self.backup,
            &mut self.fault,
            &mut self.stop,
            &mut self.generic,
            &mut self.master_rx_lower_pri,
        ]
        .into_iter()
        .chain(self.deleted.iter_mut())
    }

    /// Reads a notify keyword; false when `c` is not one. A second script for the same event
    /// is ignored with a warning, as keepalived does.
    pub(crate) fn parse(&mut self, c: &Node, owner: &str, d: &mut Diagnostics) -> bool {
        let slot = match c.keyword() {
            "notify_master" => &mut self.master,
            "notify_backup" => &mut self.backup,
            "notify_fault" => &mut self.fault,
            "notify_stop" => &mut self.stop,
            "notify" => &mut self.generic,
            "notify_master_rx_lower_pri" => &mut self.master_rx_lower_pri,
            "notify_deleted" => {
                if self.deleted.is_some() {
                    d.warn(
                        c.loc,
                        format!("({owner}) notify_deleted already specified - ignoring"),
                    );
                } else if c.args().is_empty() {
                    self.deleted = Some(None);
                } else {
                    self.deleted = notify_cmd(c, owner, d).map(Some);
                }
                return true;
            }
            _ => return false,
        };
        if c.args().is_empty() {
            // keepalived reads the script unchecked and exits (status 2).
            d.missing_value(c.loc, format!("'{}' needs a script", c.keyword()));
            return true;
        }
        if slot.is_some() {
            d.warn(
                c.loc,
                format!(
                    "({owner}) {} script already specified - ignoring",
                    c.keyword()
                ),
            );
        } else {
            *slot = notify_cmd(c, owner, d);
        }
        true
    }
}

/// A notify keyword's command as keepalived reads it: the first argument (usually quoted) is
/// split into argv; a second and third name the user and group it runs as. An unknown user or
/// group drops the script, as keepalived does.
fn notify_cmd(c: &Node, owner: &str, d: &mut Diagnostics) -> Option<ScriptCmd> {
    let (mut cmd, rest) = track::script_line(c, d)?;
    cmd.run_as = track::notify_user(c, &rest, &format!("({owner}) notify"), &cmd, d)?;
    Some(cmd)
}
