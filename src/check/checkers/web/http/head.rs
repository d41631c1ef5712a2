//! The response header, parsed byte by byte as it streams in, so an HTTP_GET checker keeps a
//! few dozen bytes of state instead of a 4 KiB header buffer for its whole life (1,000
//! checkers: 4 MiB). It finds what the judge needs: where the blank line ends the header, the
//! status code and Content-Length, with the same reading a complete header would get (see
//! the tests, which compare both on many headers and every chunking).

/// keepalived reads the response into a 4 KiB buffer and gives up when the header does not
/// end inside it; so do we.
pub const MAX_HEADER: usize = 4096;

/// Longest Content-Length value (after its colon, blanks included) that is read; a longer
/// one is taken as no number at all.
const VALUE_MAX: usize = 40;

const NAME: &[u8] = b"content-length";

/// What one chunk did to the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fed {
    /// The header goes on in the next chunk.
    More,
    /// The header ended; the body starts at this index of the chunk.
    End(usize),
    /// [`MAX_HEADER`] bytes and no blank line.
    TooLong,
}

/// The status line, read up to its first CR: the code is the three digits after the first
/// space, followed by a space or the line's end.
#[derive(Clone, Copy, Debug)]
enum Status {
    Version,
    Code { digits: u8, value: u16 },
    Read(u16),
}

/// Header lines (split at LF, the status line skipped): which part of the current line
/// the byte belongs to.
#[derive(Clone, Copy, Debug)]
enum Line {
    Skip,
    Name { at: u8, matches: bool },
    Value,
}

#[derive(Debug)]
pub struct Head {
    /// At most MAX_HEADER; narrow fields keep the dialog in its allocator class.
    seen: u32,
    /// Bytes of CR LF CR LF matched at the end of what came so far.
    blank: u8,
    status: Status,
    line: Line,
    value: [u8; VALUE_MAX],
    value_len: u8,
    value_over: bool,
    content_len: Option<u64>,
}

impl Default for Head {
    fn default() -> Self {
        Self {
            seen: 0,
            blank: 0,
            status: Status::Version,
            line: Line::Skip,
            value: [0; VALUE_MAX],
            value_len: 0,
            value_over: false,
            content_len: None,
        }
    }
}

impl Head {
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Header bytes taken so far (the whole header once it ended).
    pub fn seen(&self) -> usize {
        self.seen as usize
    }

    /// The status code; 0 when the status line has none.
    pub fn status(&self) -> u16 {
        match self.status {
            Status::Read(code) => code,
            _ => 0,
        }
    }

    /// The first Content-Length line's value that is a number.
    pub fn content_length(&self) -> Option<u64> {
        self.content_len
    }

    pub fn feed(&mut self, data: &[u8]) -> Fed {
        let seen = self.seen();
        let take = data.len().min(MAX_HEADER - seen);
        for (i, &b) in data[..take].iter().enumerate() {
            self.byte(b);
            if self.blank == 4 {
                self.seen = u32::try_from(seen + i + 1).unwrap_or(u32::MAX);
                return Fed::End(i + 1);
            }
        }
        self.seen = u32::try_from(seen + take).unwrap_or(u32::MAX);
        if self.seen() == MAX_HEADER {
            Fed::TooLong
        } else {
            Fed::More
        }
    }

    fn byte(&mut self, b: u8) {
        self.blank = match (self.blank, b) {
            (0 | 2, b'\r') => self.blank + 1,
            (1 | 3, b'\n') => self.blank + 1,
            (_, b'\r') => 1,
            _ => 0,
        };
        self.status = match (self.status, b) {
            (Status::Read(code), _) => Status::Read(code),
            (_, b'\r') if !matches!(self.status, Status::Code { digits: 3, .. }) => Status::Read(0),
            (Status::Version, b' ') => Status::Code {
                digits: 0,
                value: 0,
            },
            (Status::Version, _) => Status::Version,
            (Status::Code { digits: 3, value }, b' ' | b'\r') => Status::Read(value),
            (Status::Code { digits, value }, b'0'..=b'9') if digits < 3 => Status::Code {
                digits: digits + 1,
                value: value * 10 + u16::from(b - b'0'),
            },
            (Status::Code { .. }, _) => Status::Read(0),
        };
        self.line(b);
    }

    fn line(&mut self, b: u8) {
        if b == b'\n' {
            if matches!(self.line, Line::Value) && self.content_len.is_none() {
                self.content_len = self.value_number();
            }
            self.line = Line::Name {
                at: 0,
                matches: true,
            };
            return;
        }
        self.line = match self.line {
            Line::Skip => Line::Skip,
            Line::Name { at, matches } if b == b':' => {
                if matches && usize::from(at) == NAME.len() {
                    self.value_len = 0;
                    self.value_over = false;
                    Line::Value
                } else {
                    Line::Skip
                }
            }
            Line::Name { at, matches } => Line::Name {
                at: at.saturating_add(1),
                matches: matches
                    && NAME
                        .get(usize::from(at))
                        .is_some_and(|&c| c == b.to_ascii_lowercase()),
            },
            Line::Value => {
                match self.value.get_mut(usize::from(self.value_len)) {
                    Some(slot) => {
                        *slot = b;
                        self.value_len += 1;
                    }
                    None => self.value_over = true,
                }
                Line::Value
            }
        };
    }

    fn value_number(&self) -> Option<u64> {
        if self.value_over {
            return None;
        }
        let v = std::str::from_utf8(&self.value[..usize::from(self.value_len)]).ok()?;
        v.trim().parse().ok()
    }
}

#[cfg(test)]
mod tests;
