//! A url's `regex` applied to the response as keepalived 2.2.7's check_http.c applies it with
//! PCRE2, so the same server gives the same verdict:
//!
//! - Reads land in one buffer of 4095 bytes. The first subject is everything since the start
//!   of the response, header included, when the read that completed the header also brought
//!   body bytes; without them the header is dropped. Offsets count from the subject's start.
//! - Each later read is matched on its own, with hard partial matching: a match that runs
//!   into the end of the read keeps the buffer from where that match started (plus the
//!   pattern's lookbehind), and the next read is appended; a full buffer that must be kept
//!   whole is dropped. Otherwise the buffer is dropped, so `^` matches at the start of a read.
//! - A partial match when the response ends is no match: keepalived never settles it.
//! - `regex_min_offset` skips reads that end before it and starts the search there;
//!   `regex_max_offset` (inclusive) stops matching once past it, and a match starting beyond it
//!   does not count.
//!
//! Our reads are the dialog's chunks cut to the buffer's room, as keepalived's read() is.

use crate::core::regex::{Outcome, Regex, Scratch};

/// keepalived's MAX_BUFFER_LENGTH less the byte it keeps for a terminating NUL.
pub(super) const WINDOW: usize = 4095;

/// Steps one check may spend matching (PCRE2's match limit is per call; per check bounds
/// the time a whole response can take): some milliseconds on a router.
pub(super) const BUDGET: u32 = 5_000_000;

/// keepalived's default JIT stack (32 KiB) in our frames of 16 bytes, and the most
/// `regex_stack` may ask for.
const DEFAULT_FRAMES: usize = 2048;
const MAX_FRAMES: usize = 65536;

/// A url's regex and the limits on where it may match.
#[derive(Debug)]
pub(super) struct UrlRegex {
    re: Regex,
    pub(super) no_match: bool,
    min_offset: u64,
    /// One past the last offset where a match may start.
    max_offset: Option<u64>,
    scratch: Scratch,
}

impl UrlRegex {
    /// `max_offset` as written (the last offset where a match may start); `stack_max`:
    /// `regex_stack`'s maximum, in bytes.
    pub(super) fn new(
        re: Regex,
        no_match: bool,
        min_offset: u64,
        max_offset: Option<u64>,
        stack_max: Option<u64>,
    ) -> UrlRegex {
        let frames = stack_max.map_or(DEFAULT_FRAMES, |b| {
            usize::try_from(b / 16).map_or(MAX_FRAMES, |f| f.clamp(DEFAULT_FRAMES, MAX_FRAMES))
        });
        let scratch = re.scratch(frames);
        UrlRegex {
            re,
            no_match,
            min_offset,
            max_offset: max_offset.map(|m| m.saturating_add(1)),
            scratch,
        }
    }
}

/// The matching state of one check.
#[derive(Debug)]
pub(super) struct Scan {
    buf: Box<[u8]>,
    len: usize,
    /// Where `buf` starts in the subject stream.
    subject_offset: u64,
    /// Where to resume after a kept partial match (the lookbehind before it).
    start_offset: usize,
    matched: bool,
    budget: u32,
}

impl Scan {
    /// `window`: whether any url has a regex (else no buffer is made).
    pub(super) fn new(window: bool) -> Scan {
        Scan {
            buf: vec![0; if window { WINDOW } else { 0 }].into_boxed_slice(),
            len: 0,
            subject_offset: 0,
            start_offset: 0,
            matched: false,
            budget: BUDGET,
        }
    }

    pub(super) fn reset(&mut self) {
        self.len = 0;
        self.subject_offset = 0;
        self.start_offset = 0;
        self.matched = false;
        self.budget = BUDGET;
    }

    pub(super) fn matched(&self) -> bool {
        self.matched
    }

    fn append(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&data[..n]);
        self.len += n;
        n
    }

    /// Bytes read while the header is incomplete: they stay for the first subject.
    pub(super) fn hold(&mut self, data: &[u8]) {
        self.append(data);
    }

    /// The header ended `head_end` bytes into the response; `body` is the body that came
    /// with it (after Content-Length is applied).
    pub(super) fn header_done(&mut self, r: &mut UrlRegex, head_end: usize, body: &[u8]) {
        if self.len < head_end {
            // keepalived would never have seen the end of a header this long.
            self.len = 0;
            return self.feed(r, body);
        }
        let first = (self.len - head_end).min(body.len());
        self.len = head_end + first;
        if first == 0 {
            self.len = 0;
        } else {
            self.read(r);
        }
        self.feed(r, &body[first..]);
    }

    /// Body bytes after the header's read, cut into reads the size of the buffer's room.
    pub(super) fn feed(&mut self, r: &mut UrlRegex, mut data: &[u8]) {
        while !data.is_empty() {
            if self.len == self.buf.len() {
                self.subject_offset += self.len as u64;
                self.len = 0;
            }
            let n = self.append(data);
            data = &data[n..];
            self.read(r);
        }
    }

    /// check_regex(): one read's worth of matching; drops the buffer unless a partial match
    /// must be kept.
    fn read(&mut self, r: &mut UrlRegex) {
        if !self.keep(r) {
            self.subject_offset += self.len as u64;
            self.len = 0;
        }
    }

    fn keep(&mut self, r: &mut UrlRegex) -> bool {
        if self.matched {
            return false;
        }
        let (len, lb) = (self.len as u64, r.re.lookbehind() as u64);
        let mut start = 0;
        if r.min_offset > 0 {
            if self.subject_offset + len < r.min_offset.saturating_sub(lb) {
                return false;
            }
            start = r.min_offset.saturating_sub(self.subject_offset);
        }
        if r.max_offset
            .is_some_and(|m| self.subject_offset + self.start_offset as u64 >= m)
        {
            return false;
        }
        let start = start.max(self.start_offset as u64);
        self.start_offset = 0;
        // PCRE2 refuses a start past the subject (keepalived logs the error code).
        let Some(start) = usize::try_from(start).ok().filter(|&s| s <= self.len) else {
            return false;
        };
        let subject = &self.buf[..self.len];
        match r
            .re
            .find_at(subject, start, &mut r.scratch, &mut self.budget)
        {
            Outcome::Partial(at) => {
                let keep = at.saturating_sub(lb as usize);
                if keep > 0 {
                    self.buf.copy_within(keep..self.len, 0);
                    self.len -= keep;
                    self.subject_offset += keep as u64;
                    self.start_offset = lb as usize;
                    true
                } else {
                    // A partial match from the start of a full buffer cannot be kept whole.
                    self.len < self.buf.len()
                }
            }
            Outcome::Match { start, .. } => {
                if r.max_offset
                    .is_none_or(|m| self.subject_offset + (start as u64) < m)
                {
                    self.matched = true;
                }
                false
            }
            Outcome::NoMatch | Outcome::Limit => false,
        }
    }
}
