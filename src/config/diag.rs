//! Diagnostics collected while reading a config: every message carries the file and line it is about,
//! so `-t` can list all of them and a reload can log why it was refused.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where a config line came from: an index into [`Diagnostics::files`] and a 1-based line number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub(crate) file: u16,
    pub(crate) line: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Severity {
    Warning,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    pub(crate) loc: Loc,
    pub(crate) severity: Severity,
    pub(crate) msg: String,
}

/// The files read (for rendering locations) and the messages raised about them.
#[derive(Debug, Default)]
pub struct Diagnostics {
    files: Vec<PathBuf>,
    items: Vec<Diag>,
    /// Scripts are configured to run as root without `enable_script_security`: keepalived's
    /// `-t` then exits with its own code, distinct from config errors.
    pub script_security_violation: bool,
    /// keepalived stops reading at once (exit 2) when a keyword that needs a value has none.
    fatal: bool,
}

impl Diagnostics {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Registers a file and returns the index its [`Loc`]s use.
    pub(crate) fn add_file(&mut self, path: &Path) -> u16 {
        if let Some(i) = self.files.iter().position(|p| p == path) {
            return i as u16;
        }
        self.files.push(path.to_path_buf());
        (self.files.len() - 1) as u16
    }

    pub(crate) fn file(&self, idx: u16) -> Option<&Path> {
        self.files.get(idx as usize).map(|p| p.as_path())
    }

    pub(crate) fn warn(&mut self, loc: Loc, msg: impl Msg) {
        self.push(loc, Severity::Warning, msg.into_msg());
    }

    pub(crate) fn error(&mut self, loc: Loc, msg: impl Msg) {
        self.push(loc, Severity::Error, msg.into_msg());
    }

    /// A keyword without the value it needs: keepalived 2.2.7 exits at once with status 2
    /// (lib/parser.c null_strvec); we go on reading to list every problem, but `-t` exits 2.
    pub(crate) fn missing_parameter(&mut self, loc: Loc, kw: &str) {
        self.missing_value(loc, format_args!("'{kw}' is missing a parameter"));
    }

    /// [`Self::missing_parameter`] with a message saying what the value should be.
    pub(crate) fn missing_value(&mut self, loc: Loc, msg: impl Msg) {
        self.fatal = true;
        self.error(loc, msg);
    }

    /// `-t`'s exit status, keepalived's most severe class first: 2 for a missing parameter
    /// (keepalived exits there, before it checks scripts), 6 for scripts run as root without
    /// `enable_script_security` (whatever else is wrong), 5 for any other message, 0 for none.
    pub fn config_test_status(&self) -> i32 {
        if self.fatal {
            2
        } else if self.script_security_violation {
            6
        } else if self.items.is_empty() {
            0
        } else {
            5
        }
    }

    /// keepalived warns about an unknown keyword and goes on.
    #[inline(never)]
    pub(crate) fn unknown_keyword(&mut self, loc: Loc, kw: &str) {
        self.warn(loc, format_args!("unknown keyword '{kw}'"));
    }

    // Out of line: the config parsers raise messages from hundreds of places.
    #[inline(never)]
    fn push(&mut self, loc: Loc, severity: Severity, msg: String) {
        self.items.push(Diag { loc, severity, msg });
    }

    pub fn items(&self) -> &[Diag] {
        &self.items
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub(crate) fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// `file:line: message` (with `warning: ` before warnings), the form editors and users' greps expect.
    pub fn render(&self, d: &Diag) -> String {
        let file = self
            .file(d.loc.file)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "<config>".to_string());
        match d.severity {
            Severity::Error => format!("{}:{}: {}", file, d.loc.line, d.msg),
            Severity::Warning => format!("{}:{}: warning: {}", file, d.loc.line, d.msg),
        }
    }
}

/// A message's text: a literal, a built `String`, or `format_args!` rendered out of line, so a
/// call site carries no formatting or allocation code of its own.
pub(crate) trait Msg {
    fn into_msg(self) -> String;
}

impl Msg for &str {
    #[inline(never)]
    fn into_msg(self) -> String {
        self.to_string()
    }
}

impl Msg for &String {
    fn into_msg(self) -> String {
        self.as_str().into_msg()
    }
}

impl Msg for String {
    fn into_msg(self) -> String {
        self
    }
}

impl Msg for fmt::Arguments<'_> {
    #[inline(never)]
    fn into_msg(self) -> String {
        fmt::format(self)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            writeln!(f, "{}", self.render(d))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_test_status_takes_the_most_severe_class() {
        let mut d = Diagnostics::new();
        assert_eq!(d.config_test_status(), 0);
        d.warn(Loc::default(), "unknown keyword 'x'");
        assert_eq!(d.config_test_status(), 5);
        d.script_security_violation = true;
        assert_eq!(d.config_test_status(), 6);
        d.missing_parameter(Loc::default(), "priority");
        assert_eq!(d.config_test_status(), 2);
        let mut d = Diagnostics::new();
        d.script_security_violation = true;
        assert_eq!(d.config_test_status(), 6);
    }
}
