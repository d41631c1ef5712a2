//! From files to the keyword tree: keepalived.conf's preprocessing language.
//!
//! Each physical line is decommented, then goes through the same steps keepalived applies
//! (lib/parser.c `read_line`): an `@ID`/`@^ID` prefix keeps or drops it, `$NAME=` lines define,
//! `~SEQ`/`~LST` lines repeat their text, `$NAME` references are replaced (and the result looked
//! at again), `include` lines read other files, and what is left is split at braces into
//! statements and block delimiters. A trailing `\` continues only a `$NAME=` definition, as in
//! keepalived; anywhere else it stays part of the line.

mod blocks;
mod defs;
mod include;
mod lexer;
mod seq;

use std::path::{Path, PathBuf};

use super::diag::{Diagnostics, Loc};
use super::tree::Node;
use super::LoadOptions;
use defs::{Defs, ReplaceError, MAX_LINE};

/// Expansions (sequences, definitions, brace remainders) nested deeper than this are a loop.
const MAX_DEPTH: u32 = 64;
/// Lines made by sequences and multi-line definitions: beyond this, nested `~SEQ`s are a mistake.
const MAX_GENERATED: usize = 200_000;
/// Includes nested deeper than this are a file including itself.
const MAX_INCLUDE_DEPTH: u32 = 32;
/// Files read through includes: a file that includes itself twice would otherwise be read 2^32
/// times before the depth limit stops it.
const MAX_INCLUDED_FILES: usize = 10_000;
/// Bytes of lines read and made by definitions and sequences: each line is bounded by
/// `defs::MAX_LINE`, but a `~SEQ` of such lines is not; this keeps the tree (and `-t`'s time)
/// bounded. The biggest real configs are a few megabytes; [`MAX_GENERATED`] lines of 80 bytes
/// fit.
const MAX_TOTAL: usize = 16 << 20;

pub(crate) fn read_tree(path: &Path, opts: &LoadOptions, d: &mut Diagnostics) -> Vec<Node> {
    let id = opts.config_id.clone().unwrap_or_else(default_config_id);
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut r = Reader::new(d, id, opts.all_config, base);
    let file = r.d.add_file(path);
    match read_text_file(path) {
        Ok(text) => r.read_text(&text, file),
        Err(e) => r.d.error(
            Loc { file, line: 0 },
            format_args!("cannot read {}: {e}", path.display()),
        ),
    }
    r.finish()
}

/// Builds a tree from one text. Includes are relative to the directory of `file`'s path if it
/// has one, else to the working directory.
pub(crate) fn tree_from_str(text: &str, file: u16, d: &mut Diagnostics) -> Vec<Node> {
    let base = d
        .file(file)
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut r = Reader::new(d, default_config_id(), false, base);
    r.read_text(text, file);
    r.finish()
}

/// keepalived's default config id: the host name up to its first '.'.
fn default_config_id() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default();
    name.trim().split('.').next().unwrap_or("").to_string()
}

fn read_text_file(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

struct Reader<'d> {
    d: &'d mut Diagnostics,
    config_id: String,
    all_config: bool,
    defs: Defs,
    tree: blocks::TreeBuilder,
    /// Directory of the file being read, innermost last: includes are relative to it.
    dirs: Vec<PathBuf>,
    /// The last line of the main file: where unclosed blocks are reported.
    eof: Loc,
    /// Lines made so far by sequences and multi-line definitions.
    generated: usize,
    /// The line an unmatched quote was last reported at.
    quote_reported: Option<Loc>,
    /// Bytes of lines seen so far, after replacement.
    total: usize,
    /// Files read through includes so far.
    included: usize,
    /// A limit on the whole config was passed: nothing more is read.
    stopped: bool,
}

impl<'d> Reader<'d> {
    fn new(d: &'d mut Diagnostics, config_id: String, all_config: bool, base: PathBuf) -> Self {
        let defs = Defs::new(&config_id, &dir_text(&base));
        Reader {
            d,
            config_id,
            all_config,
            defs,
            tree: blocks::TreeBuilder::new(),
            dirs: vec![base],
            eof: Loc::default(),
            generated: 0,
            quote_reported: None,
            total: 0,
            included: 0,
            stopped: false,
        }
    }

    fn finish(self) -> Vec<Node> {
        self.tree.finish(self.eof, self.d)
    }

    fn read_text(&mut self, text: &str, file: u16) {
        let mut line_no = 0u32;
        for raw in text.split('\n') {
            if self.stopped {
                return;
            }
            line_no += 1;
            let loc = Loc {
                file,
                line: line_no,
            };
            let raw = raw.trim_end_matches(['\r', '\n']);
            if raw.is_empty() {
                self.defs.continue_multiline(None);
                continue;
            }
            let dc = lexer::decomment(raw);
            if dc.open_quote {
                self.quote_error(loc, &dc.text);
            }
            if dc.text.is_empty() {
                continue;
            }
            if self.defs.in_multiline() {
                self.defs.continue_multiline(Some(&dc.text));
                continue;
            }
            self.line(dc.text, loc, 0);
        }
        // A definition does not continue into the file after an include.
        self.defs.continue_multiline(None);
        if self.dirs.len() == 1 {
            // `split` yields one more piece after a final newline.
            let last = if text.ends_with('\n') {
                line_no - 1
            } else {
                line_no
            };
            self.eof = Loc { file, line: last };
        }
    }

    /// One line made by a sequence or a multi-line definition; false when it could not be
    /// expanded, so that a sequence stops at its first bad round.
    fn generated_line(&mut self, text: String, loc: Loc, depth: u32) -> bool {
        self.generated += 1;
        if self.generated == MAX_GENERATED {
            self.d.error(
                loc,
                format_args!("sequences and definitions make more than {MAX_GENERATED} lines; ignoring the rest"),
            );
        }
        self.generated < MAX_GENERATED && self.line(text, loc, depth)
    }

    /// Counts a line against [`MAX_TOTAL`]; false (with one error for the whole config) past it.
    fn within_total(&mut self, len: usize, loc: Loc) -> bool {
        if self.stopped {
            return false;
        }
        self.total += len + 1;
        if self.total > MAX_TOTAL {
            self.stopped = true;
            self.d.error(
                loc,
                format_args!(
                    "the config expands to more than {} MiB; ignoring the rest",
                    MAX_TOTAL >> 20
                ),
            );
        }
        !self.stopped
    }

    /// One decommented line: conditionals, definitions, sequences and replacement. False when
    /// it could not be expanded (an error is reported).
    fn line(&mut self, text: String, loc: Loc, depth: u32) -> bool {
        if depth > MAX_DEPTH {
            self.d.error(
                loc,
                "definitions or sequences nested too deep (do they refer to themselves?)",
            );
            return false;
        }
        if !self.within_total(text.len(), loc) {
            return false;
        }
        let mut ok = true;
        let mut buf = text;
        // Further lines of multi-line definitions, innermost last.
        let mut more: Vec<Vec<String>> = Vec::new();
        let done = loop {
            if buf.starts_with('@') {
                match self.conditional(&buf) {
                    Some(rest) => buf = rest,
                    None => break None,
                }
            }
            if buf.starts_with('$') && self.defs.define(&buf) {
                break None;
            }
            if buf.starts_with("~SEQ") || buf.starts_with("~LST") {
                ok = self.repeat(&buf, loc, depth);
                break None;
            }
            if buf.starts_with('~') || !buf.contains('$') {
                break Some(buf);
            }
            match self.defs.replace(&buf) {
                Ok(None) => break Some(buf),
                Ok(Some(r)) => {
                    if !r.more.is_empty() {
                        more.push(r.more);
                    }
                    let dc = lexer::decomment(&r.line);
                    if dc.open_quote {
                        self.quote_error(loc, &dc.text);
                    }
                    buf = dc.text;
                    if !self.within_total(buf.len(), loc) {
                        return false;
                    }
                    if !(buf.starts_with('@') || buf.contains('$')) {
                        break Some(buf);
                    }
                }
                Err(ReplaceError::TooDeep) => {
                    self.d
                        .error(loc, "definition refers to itself: replacement never ends");
                    return false;
                }
                Err(ReplaceError::TooLong(name)) => {
                    self.d.error(
                        loc,
                        format_args!(
                            "replacing {name} would make the line longer than {MAX_LINE} bytes"
                        ),
                    );
                    return false;
                }
                Err(ReplaceError::Params(msg)) => {
                    self.d.error(loc, msg);
                    break Some(buf);
                }
            }
        };
        if let Some(l) = done {
            ok &= self.statement(l, loc, depth);
        }
        for group in more.into_iter().rev() {
            for l in group {
                if !self.generated_line(l, loc, depth + 1) {
                    return false;
                }
            }
        }
        ok
    }

    /// `@ID rest` / `@^ID rest`: the rest when the line applies to this host.
    fn conditional(&self, buf: &str) -> Option<String> {
        let (negate, body) = match buf.strip_prefix("@^") {
            Some(b) => (true, b),
            None => (false, &buf[1..]),
        };
        // A condition with nothing after it leaves nothing to keep.
        let sp = body.find([' ', '\t'])?;
        let matched = body[..sp] == self.config_id;
        (matched != negate).then(|| body[sp..].trim_start_matches([' ', '\t']).to_string())
    }

    /// False when a round could not be expanded: the rest would fail the same way, once per
    /// round (`~SEQ(i, 100000) $TOO_LONG` is one error, not 100,000).
    fn repeat(&mut self, buf: &str, loc: Loc, depth: u32) -> bool {
        let parsed = if buf.starts_with("~SEQ") {
            let defs = &mut self.defs;
            seq::parse_seq(buf, &mut |p: &str| match defs.replace(p) {
                Ok(Some(r)) if !r.more.is_empty() => {
                    Err(format!("~SEQ parameter is a multi-line definition '{buf}'"))
                }
                Ok(Some(r)) => Ok(r.line),
                Ok(None) => Ok(p.to_string()),
                Err(ReplaceError::TooDeep) => Err("definition refers to itself".to_string()),
                Err(ReplaceError::TooLong(name)) => Err(format!(
                    "replacing {name} would make the line longer than {MAX_LINE} bytes"
                )),
                Err(ReplaceError::Params(m)) => Err(m),
            })
        } else {
            seq::parse_lst(buf)
        };
        match parsed {
            Err(msg) => {
                self.d.error(loc, msg);
                false
            }
            Ok(rep) => {
                for round in rep.rounds {
                    for (name, value) in &round {
                        self.defs.set(name, value);
                    }
                    if !self.generated_line(rep.text.clone(), loc, depth + 1) {
                        return false;
                    }
                }
                true
            }
        }
    }

    /// A fully replaced line: an include, or statements and braces. False when what follows a
    /// brace could not be expanded.
    fn statement(&mut self, mut buf: String, loc: Loc, depth: u32) -> bool {
        loop {
            if let Some((checks, pattern)) = include::include_line(&buf) {
                self.include(pattern, checks, loc);
                return true;
            }
            let (head, rest) = lexer::split_brace(&buf);
            if !self.tree.push(head, loc, self.d) {
                self.quote_error(loc, head);
            }
            let Some(rest) = rest else {
                return true;
            };
            // keepalived reads what follows a brace as a new line.
            if rest.starts_with(['@', '~']) || rest.contains('$') {
                return self.line(rest.to_string(), loc, depth + 1);
            }
            buf = rest.to_string();
        }
    }

    /// One message per line for a `"` without its pair.
    fn quote_error(&mut self, loc: Loc, text: &str) {
        if self.quote_reported != Some(loc) {
            self.quote_reported = Some(loc);
            self.d
                .error(loc, format_args!("unmatched quote in '{text}'"));
        }
    }

    fn problem(&mut self, strict: bool, loc: Loc, msg: String) {
        if strict || self.all_config {
            self.d.error(loc, msg);
        } else {
            self.d.warn(loc, msg);
        }
    }

    fn include(&mut self, pattern: &str, checks: include::Checks, loc: Loc) {
        if self.dirs.len() as u32 > MAX_INCLUDE_DEPTH {
            // A file that includes itself more than once would report this at every leaf.
            self.stopped = true;
            self.d.error(
                loc,
                format_args!("include '{pattern}' nested too deep (does a file include itself?); ignoring the rest"),
            );
            return;
        }
        let base = self.dirs.last().cloned().unwrap_or_default();
        let m = include::expand(pattern, &base);
        if m.missing {
            let what = if m.files.is_empty() {
                "config files missing"
            } else {
                "some config files missing"
            };
            self.problem(checks.missing, loc, format!("{what} '{pattern}'"));
        } else if m.files.is_empty() && (checks.wildcard || self.all_config) {
            self.d
                .error(loc, format_args!("no config files matched '{pattern}'"));
        }
        for f in m.files {
            self.include_file(&f, checks, loc);
        }
    }

    fn include_file(&mut self, path: &Path, checks: include::Checks, loc: Loc) {
        self.included += 1;
        if self.included > MAX_INCLUDED_FILES {
            self.stopped = true;
            let msg = format_args!(
                "more than {MAX_INCLUDED_FILES} files included (does a file include itself?); ignoring the rest"
            );
            return self.d.error(loc, msg);
        }
        let usable = std::fs::metadata(path).map(|md| {
            use std::os::unix::fs::PermissionsExt;
            md.is_file() && md.permissions().mode() & 0o111 == 0
        });
        match usable {
            Ok(true) => {}
            Ok(false) => {
                let msg = format!(
                    "config file '{}' is not a regular non-executable file - skipping",
                    path.display()
                );
                return self.problem(checks.readable, loc, msg);
            }
            Err(e) => {
                let msg = format!("cannot read config file '{}': {e}", path.display());
                return self.problem(checks.readable, loc, msg);
            }
        }
        let text = match read_text_file(path) {
            Ok(t) => t,
            Err(e) => {
                let msg = format!("cannot read config file '{}': {e}", path.display());
                return self.problem(checks.readable, loc, msg);
            }
        };
        let file = self.d.add_file(path);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let saved_pwd = std::mem::replace(&mut self.defs.pwd, dir_text(&dir));
        self.dirs.push(dir);
        self.read_text(&text, file);
        self.dirs.pop();
        self.defs.pwd = saved_pwd;
    }
}

/// A directory as `${_PWD}` shows it: absolute when it can be.
fn dir_text(dir: &Path) -> String {
    let abs = if dir.as_os_str().is_empty() {
        std::env::current_dir().unwrap_or_default()
    } else {
        std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
    };
    abs.display().to_string()
}

#[cfg(test)]
mod tests;
