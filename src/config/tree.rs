//! The keyword tree: what is left of keepalived.conf once comments, includes, conditionals,
//! definitions and sequences are resolved. A node is one statement (the words of one line)
//! with the block that followed it, if any. Typed sections are read off this tree.

use super::diag::{Diagnostics, Loc};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) loc: Loc,
    /// The words of the statement: `words[0]` is the keyword. Quotes are already removed.
    pub(crate) words: Vec<String>,
    /// `Some` when the statement opened a `{ ... }` block (possibly empty).
    pub(crate) block: Option<Vec<Node>>,
    /// The line of the block's closing `}` (same file as `loc`), or `loc.line` without a block:
    /// keepalived reports some block-level problems there.
    pub(crate) end_line: u32,
    /// The statement's text before it was split into words (empty for built nodes): script
    /// keywords re-split it honouring single quotes and escapes, as keepalived does.
    pub(crate) raw: String,
}

impl Node {
    pub(crate) fn keyword(&self) -> &str {
        self.words.first().map(String::as_str).unwrap_or("")
    }

    pub(crate) fn args(&self) -> &[String] {
        self.words.get(1..).unwrap_or(&[])
    }

    // Out of line: the parsers call it from some 50 places, each inlined copy with two
    // bounds checks.
    #[inline(never)]
    pub(crate) fn arg(&self, i: usize) -> Option<&str> {
        self.args().get(i).map(String::as_str)
    }

    /// The statement as written; a node built without text quotes its words so that
    /// re-splitting gives them back.
    pub(crate) fn raw_text(&self) -> std::borrow::Cow<'_, str> {
        if !self.raw.is_empty() {
            return self.raw.as_str().into();
        }
        let quoted: Vec<String> = self
            .words
            .iter()
            .map(|w| format!("\"{}\"", w.replace('\\', "\\\\").replace('"', "\\\"")))
            .collect();
        quoted.join(" ").into()
    }

    /// Where the block closes: keepalived reports what a block lacks at its closing brace.
    pub(crate) fn end_loc(&self) -> Loc {
        Loc {
            line: self.end_line,
            ..self.loc
        }
    }

    /// Every word of every line in the block: keepalived's name lists (`group { A B \n C }`) may
    /// put the names on one line or several.
    pub(crate) fn block_words(&self) -> Vec<String> {
        // A loop, not flat_map/collect: measured smaller.
        let mut out = Vec::new();
        for l in self.children() {
            out.extend_from_slice(&l.words);
        }
        out
    }

    /// The children of a block, or none.
    pub(crate) fn children(&self) -> &[Node] {
        self.block.as_deref().unwrap_or(&[])
    }

    /// The `i`th argument, or an error naming what was expected, for the few keywords whose
    /// missing value keepalived reports and reads on from.
    pub(crate) fn checked_arg(&self, i: usize, what: &str, d: &mut Diagnostics) -> Option<&str> {
        let v = self.arg(i);
        if v.is_none() {
            d.error(
                self.loc,
                format_args!("'{}' needs {}", self.keyword(), what),
            );
        }
        v
    }

    /// The `i`th argument, or an error naming what was expected (one keepalived stops at).
    pub(crate) fn require_arg(&self, i: usize, what: &str, d: &mut Diagnostics) -> Option<&str> {
        let v = self.arg(i);
        if v.is_none() {
            d.missing_value(
                self.loc,
                format_args!("'{}' needs {}", self.keyword(), what),
            );
        }
        v
    }
}
