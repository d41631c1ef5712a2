//! The regular expressions of HTTP_GET/SSL_GET `regex`: the PCRE2 subset health checks use,
//! matched the way keepalived drives PCRE2 (bytes, not UTF-8; hard partial matching, so a
//! match that runs into the end of what has arrived so far says so instead of settling).
//!
//! A pattern compiles once (`Regex::new`) into a small program run by a backtracking machine
//! (`exec.rs`). A run allocates nothing: its stack is a [`Scratch`] made once per checker, and
//! a step budget bounds a pathological pattern as PCRE2's match limit does.
//!
//! Supported: literals and escapes (`\n \t \xhh \x{hh} \cX \0oo \Q..\E`), `.`, classes
//! (`[...]`, `[^...]`, ranges, POSIX `[:alpha:]`), `\d \w \s \h \v \N` and their negations,
//! anchors `^ $ \A \z \Z`, `\b \B`, groups `(...)`, `(?:...)`, named groups, `|`, greedy and lazy
//! `* + ? {m,n}`, inline options `(?imsx-imsx)` and `(?i:...)`. Refused with a message: what
//! needs more than a backtracker over bytes (back references, lookaround, atomic groups and
//! possessive quantifiers, recursion, Unicode properties).

mod exec;
mod parse;
mod prog;
mod sets;
#[cfg(test)]
mod tests;

pub(crate) use exec::Scratch;

/// PCRE2 compile options this build honours (`regex_options` words).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    pub(crate) caseless: bool,
    pub(crate) multiline: bool,
    pub(crate) dotall: bool,
    pub(crate) extended: bool,
    pub(crate) ungreedy: bool,
    pub(crate) dollar_endonly: bool,
    pub(crate) firstline: bool,
}

/// What a `regex_options` word does here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OptionWord {
    /// Changes what matches; honoured.
    Honoured,
    /// A PCRE2 option that changes nothing for the patterns this build accepts.
    NoEffect,
    /// A PCRE2 option this build cannot honour.
    Unsupported,
    /// Not a keepalived `regex_options` word (keepalived ignores it).
    Unknown,
}

impl Flags {
    /// Applies one `regex_options` word, saying what it did.
    pub(crate) fn apply(&mut self, word: &str) -> OptionWord {
        let f = match word {
            "caseless" => &mut self.caseless,
            "multiline" => &mut self.multiline,
            "dotall" => &mut self.dotall,
            "extended" => &mut self.extended,
            "ungreedy" => &mut self.ungreedy,
            "dollar_endonly" => &mut self.dollar_endonly,
            "firstline" => &mut self.firstline,
            // Captures, names, callouts without a callout function, optimisations and
            // verbs: none changes whether a pattern of ours matches.
            "auto_callout"
            | "dupnames"
            | "match_unset_backref"
            | "never_ucp"
            | "never_utf"
            | "no_auto_capture"
            | "no_auto_possess"
            | "no_dotstar_anchor"
            | "no_start_optimize"
            | "never_backslash_c"
            | "alt_verbnames"
            | "use_offset_limit" => return OptionWord::NoEffect,
            "allow_empty_class" | "alt_bsux" | "ucp" | "utf" | "alt_circumflex" => {
                return OptionWord::Unsupported
            }
            _ => return OptionWord::Unknown,
        };
        *f = true;
        OptionWord::Honoured
    }
}

/// Why a pattern does not compile: PCRE2's wording where PCRE2 refuses it too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RegexError {
    /// Byte offset in the pattern.
    pub(crate) offset: usize,
    pub(crate) msg: &'static str,
}

impl std::fmt::Display for RegexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at offset {}: {}", self.offset, self.msg)
    }
}

/// What one search found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A complete match over `start..end` of the subject.
    Match {
        start: usize,
        end: usize,
    },
    /// A match from `start` ran into the end of the subject: more bytes could decide it.
    Partial(usize),
    NoMatch,
    /// The step budget or the stack ran out (PCRE2's match or JIT stack limit).
    Limit,
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Regex {
    prog: prog::Prog,
}

impl Regex {
    pub(crate) fn new(pattern: &str, flags: Flags) -> Result<Regex, RegexError> {
        Ok(Regex {
            prog: parse::compile(pattern.as_bytes(), flags)?,
        })
    }

    /// How many bytes before a match start the pattern may look at (`\b`, `\B`, `^` in
    /// multiline mode): what must be kept of a subject to go on matching after it.
    pub(crate) fn lookbehind(&self) -> usize {
        self.prog.lookbehind
    }

    /// A stack for [`Regex::find_at`] holding `frames` choice points.
    pub(crate) fn scratch(&self, frames: usize) -> Scratch {
        Scratch::new(frames, self.prog.regs)
    }

    /// The leftmost match starting at or after `start`, PCRE2_PARTIAL_HARD style; `budget`
    /// is spent one step per instruction and backtrack.
    pub(crate) fn find_at(
        &self,
        subject: &[u8],
        start: usize,
        sc: &mut Scratch,
        budget: &mut u32,
    ) -> Outcome {
        exec::find_at(&self.prog, subject, start, sc, budget)
    }
}
