//! Pattern text to program: a recursive-descent parser builds the tree of `prog.rs`, which
//! lays it out as instructions for `exec.rs`. Byte semantics throughout (PCRE2 without UTF,
//! C locale).

use super::prog::{Ast, Codegen, Inst, Look, Prog, UNBOUNDED};
use super::sets::{
    add, add_range, class_escape, fold, is_space, is_word, negate, posix_class, set_of, union, Set,
};
use super::{Flags, RegexError};

/// Repeat counts above this are refused, as PCRE2 refuses them.
const MAX_REPEAT: u32 = 65535;
/// Groups nested deeper than this are refused (the parser recurses on them).
const MAX_DEPTH: usize = 250;

pub(super) fn compile(pattern: &[u8], flags: Flags) -> Result<Prog, RegexError> {
    let mut p = Parser {
        p: pattern,
        i: 0,
        f: flags,
        dollar_endonly: flags.dollar_endonly,
        quoting: false,
        transparent: false,
        depth: 0,
    };
    let ast = p.alt()?;
    if p.i < pattern.len() {
        return Err(p.err("unmatched closing parenthesis"));
    }
    let mut c = Codegen {
        prog: Prog {
            insts: Vec::new(),
            sets: Vec::new(),
            regs: 0,
            lookbehind: usize::from(ast.looks_behind()),
            firstline: flags.firstline,
        },
    };
    c.emit(&ast)
        .and_then(|()| c.push(Inst::Match))
        .map_err(|()| RegexError {
            offset: pattern.len(),
            msg: "regular expression is too large",
        })?;
    Ok(c.prog)
}

struct Parser<'a> {
    p: &'a [u8],
    i: usize,
    /// The options in force here ((?i) and friends change them for the rest of the group).
    f: Flags,
    dollar_endonly: bool,
    /// Inside `\Q...\E`.
    quoting: bool,
    /// The last item read was `\E` or a comment, which a quantifier looks through.
    transparent: bool,
    depth: usize,
}

/// One escaped byte or class.
enum Escaped {
    Byte(u8),
    Class(Set),
}

impl Parser<'_> {
    fn err(&self, msg: &'static str) -> RegexError {
        RegexError {
            offset: self.i,
            msg,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.p.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn rest(&self) -> &[u8] {
        self.p.get(self.i..).unwrap_or(&[])
    }

    /// Extended mode: white space and `#` comments between items mean nothing.
    fn skip_extended(&mut self) {
        if !self.f.extended || self.quoting {
            return;
        }
        while let Some(b) = self.peek() {
            if is_space(b) {
                self.i += 1;
            } else if b == b'#' {
                while self.peek().is_some_and(|b| b != b'\n') {
                    self.i += 1;
                }
            } else {
                break;
            }
        }
    }

    fn literal(&self, b: u8) -> Ast {
        let mut s = set_of(b);
        if self.f.caseless {
            fold(&mut s);
        }
        Ast::Set(s)
    }

    fn alt(&mut self) -> Result<Ast, RegexError> {
        let mut alts = vec![self.cat()?];
        while self.eat(b'|') {
            alts.push(self.cat()?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().unwrap_or(Ast::Empty)
        } else {
            Ast::Alt(alts)
        })
    }

    fn cat(&mut self) -> Result<Ast, RegexError> {
        let mut items = Vec::new();
        loop {
            self.skip_extended();
            match self.peek() {
                None => break,
                Some(b'|' | b')') if !self.quoting => break,
                _ => {}
            }
            self.transparent = false;
            let atom = match self.atom()? {
                Some(atom) => atom,
                // A quantifier after `\E` or a comment applies to the item before it.
                None if self.transparent => match items.pop() {
                    Some(last) => last,
                    None => continue,
                },
                None => continue,
            };
            // One call site for both cases: 512 bytes less on MIPS than two.
            let atom = self.quantified(atom)?;
            items.push(atom);
        }
        Ok(match items.len() {
            0 => Ast::Empty,
            1 => items.pop().unwrap_or(Ast::Empty),
            _ => Ast::Cat(items),
        })
    }

    /// The next item, or None for one that matches nothing by itself ((?i), \E, a comment).
    fn atom(&mut self) -> Result<Option<Ast>, RegexError> {
        let Some(b) = self.peek() else {
            return Ok(None);
        };
        if self.quoting {
            self.i += 1;
            if b == b'\\' && self.eat(b'E') {
                self.quoting = false;
                self.transparent = true;
                return Ok(None);
            }
            return Ok(Some(self.literal(b)));
        }
        let at = self.i;
        self.i += 1;
        Ok(Some(match b {
            b'(' => return self.group(),
            b'[' => Ast::Set(self.class()?),
            b'.' => {
                let mut s = negate(&[0; 4]);
                if !self.f.dotall {
                    s = negate(&set_of(b'\n'));
                }
                Ast::Set(s)
            }
            b'^' => Ast::Look(if self.f.multiline {
                Look::LineStart
            } else {
                Look::Start
            }),
            b'$' => Ast::Look(if self.f.multiline {
                Look::LineEnd
            } else if self.dollar_endonly {
                Look::End
            } else {
                Look::EndOrNewline
            }),
            b'\\' => return self.escape(),
            b'*' | b'+' | b'?' => {
                self.i = at;
                return Err(self.err("quantifier does not follow a repeatable item"));
            }
            b'{' if self.counted_at(at).is_some() => {
                self.i = at;
                return Err(self.err("quantifier does not follow a repeatable item"));
            }
            _ => self.literal(b),
        }))
    }

    fn escape(&mut self) -> Result<Option<Ast>, RegexError> {
        let Some(c) = self.peek() else {
            return Err(self.err("\\ at end of pattern"));
        };
        let look = match c {
            b'b' => Some(Look::WordBoundary),
            b'B' => Some(Look::NotWordBoundary),
            b'A' => Some(Look::Start),
            b'z' => Some(Look::End),
            b'Z' => Some(Look::EndOrNewline),
            _ => None,
        };
        if let Some(l) = look {
            self.i += 1;
            return Ok(Some(Ast::Look(l)));
        }
        match c {
            b'Q' => {
                self.i += 1;
                self.quoting = true;
                return Ok(None);
            }
            b'E' => {
                self.i += 1;
                self.transparent = true;
                return Ok(None);
            }
            b'N' => {
                self.i += 1;
                return Ok(Some(Ast::Set(negate(&set_of(b'\n')))));
            }
            _ => {}
        }
        Ok(Some(match self.escaped(false)? {
            Escaped::Byte(b) => self.literal(b),
            Escaped::Class(s) => Ast::Set(s),
        }))
    }

    /// An escape after its backslash that stands for a byte or a class, in or out of `[...]`.
    fn escaped(&mut self, in_class: bool) -> Result<Escaped, RegexError> {
        let Some(c) = self.peek() else {
            return Err(self.err("\\ at end of pattern"));
        };
        self.i += 1;
        if let Some(s) = class_escape(c) {
            return Ok(Escaped::Class(s));
        }
        let b = match c {
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'f' => 0x0c,
            b'e' => 0x1b,
            b'a' => 0x07,
            b'b' if in_class => 0x08,
            b'x' => self.hex()?,
            b'c' => match self.peek() {
                Some(x) if x.is_ascii() => {
                    self.i += 1;
                    x.to_ascii_uppercase() ^ 0x40
                }
                _ => return Err(self.err("\\c must be followed by a printable ASCII character")),
            },
            // \1..\9 refer back; \10 and up are octal when there are fewer groups than
            // that (PCRE2's rule; patterns here have few groups); in a class always octal.
            b'1'..=b'7' if in_class || self.decimal_from(self.i - 1) >= 10 => {
                self.i -= 1;
                self.octal(3)
            }
            b'0' => self.octal(2),
            b'1'..=b'9' | b'g' | b'k' => {
                self.i -= 1;
                return Err(self.err("back references are not supported by this build"));
            }
            b'p' | b'P' | b'X' | b'R' | b'K' | b'C' | b'G' | b'o' | b'u' | b'U' | b'l' | b'L' => {
                self.i -= 1;
                return Err(self.err("this escape is not supported by this build"));
            }
            c if c.is_ascii_alphanumeric() => {
                return Err(self.err("unrecognized character follows \\"));
            }
            c => c,
        };
        Ok(Escaped::Byte(b))
    }

    fn decimal_from(&self, at: usize) -> u32 {
        self.p
            .get(at..)
            .unwrap_or(&[])
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .fold(0u32, |v, &d| {
                v.saturating_mul(10).saturating_add(u32::from(d - b'0'))
            })
    }

    /// Up to `n` octal digits (keeping the low 8 bits, as PCRE2 does without UTF).
    fn octal(&mut self, n: usize) -> u8 {
        let mut v: u8 = 0;
        for _ in 0..n {
            match self.peek() {
                Some(d @ b'0'..=b'7') => {
                    v = v.wrapping_mul(8).wrapping_add(d - b'0');
                    self.i += 1;
                }
                _ => break,
            }
        }
        v
    }

    /// `\xhh` (up to two digits) or `\x{h...}`, after the `x`.
    fn hex(&mut self) -> Result<u8, RegexError> {
        let digit = |b: Option<u8>| b.and_then(|b| char::from(b).to_digit(16));
        if self.eat(b'{') {
            let mut v: u32 = 0;
            let mut n = 0;
            while let Some(d) = digit(self.peek()) {
                v = v.saturating_mul(16).saturating_add(d);
                self.i += 1;
                n += 1;
            }
            if n == 0 || !self.eat(b'}') {
                return Err(self.err("digits missing in \\x{} or \\o{} or \\N{U+}"));
            }
            return u8::try_from(v).map_err(|_| {
                self.err("character code point value in \\x{} or \\o{} is too large")
            });
        }
        let mut v: u8 = 0;
        for _ in 0..2 {
            match digit(self.peek()) {
                Some(d) => {
                    v = v * 16 + d as u8;
                    self.i += 1;
                }
                None => break,
            }
        }
        Ok(v)
    }

    /// After `[`: the class up to its `]`.
    fn class(&mut self) -> Result<Set, RegexError> {
        let start = self.i - 1;
        let neg = self.eat(b'^');
        let mut s: Set = [0; 4];
        let mut first = true;
        loop {
            let Some(b) = self.peek() else {
                self.i = start;
                return Err(self.err("missing terminating ] for character class"));
            };
            if b == b']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            if b == b'[' && self.rest().get(1) == Some(&b':') {
                if let Some(end) = self.rest().windows(2).position(|w| w == b":]") {
                    let name = &self.rest()[2..end];
                    let (neg_posix, name) = match name.strip_prefix(b"^") {
                        Some(n) => (true, n),
                        None => (false, name),
                    };
                    let Some(p) = posix_class(name) else {
                        return Err(self.err("unknown POSIX class name"));
                    };
                    union(&mut s, &if neg_posix { negate(&p) } else { p });
                    self.i += end + 2;
                    continue;
                }
            }
            let lo = match self.class_item()? {
                Escaped::Class(c) => {
                    union(&mut s, &c);
                    continue;
                }
                Escaped::Byte(b) => b,
            };
            // A range, unless the `-` ends the class.
            if self.peek() == Some(b'-') && self.rest().get(1).is_some_and(|&b| b != b']') {
                self.i += 1;
                match self.class_item()? {
                    Escaped::Byte(hi) if hi >= lo => add_range(&mut s, lo, hi),
                    Escaped::Byte(_) => {
                        return Err(self.err("range out of order in character class"))
                    }
                    Escaped::Class(_) => {
                        return Err(self.err("invalid range in character class"));
                    }
                }
                continue;
            }
            add(&mut s, lo);
        }
        if self.f.caseless {
            fold(&mut s);
        }
        Ok(if neg { negate(&s) } else { s })
    }

    fn class_item(&mut self) -> Result<Escaped, RegexError> {
        let Some(b) = self.peek() else {
            return Err(self.err("missing terminating ] for character class"));
        };
        self.i += 1;
        if b == b'\\' {
            if matches!(self.peek(), Some(b'N' | b'B' | b'R' | b'X')) {
                return Err(self.err("escape sequence is invalid in character class"));
            }
            return self.escaped(true);
        }
        Ok(Escaped::Byte(b))
    }

    /// After `(`.
    fn group(&mut self) -> Result<Option<Ast>, RegexError> {
        let open = self.i - 1;
        if self.p.get(self.i) == Some(&b'*') {
            return Err(self.err("(*VERB) items are not supported by this build"));
        }
        let saved = self.f;
        if self.eat(b'?') {
            match self.peek() {
                Some(b'#') => {
                    while self.peek().is_some_and(|b| b != b')') {
                        self.i += 1;
                    }
                    if !self.eat(b')') {
                        return Err(self.err("missing ) at end of (?# comment"));
                    }
                    self.transparent = true;
                    return Ok(None);
                }
                Some(b':') => self.i += 1,
                Some(b'P') if self.rest().get(1) == Some(&b'<') => {
                    self.i += 1;
                    self.name(b'>')?;
                }
                Some(b'<') if self.rest().get(1).is_some_and(|b| !matches!(b, b'=' | b'!')) => {
                    self.name(b'>')?;
                }
                Some(b'\'') => self.name(b'\'')?,
                Some(b'i' | b'm' | b's' | b'x' | b'U' | b'-' | b'^' | b')') => {
                    if self.options()? {
                        // `(?i)`: the options hold to the end of the enclosing group.
                        return Ok(None);
                    }
                }
                _ => return Err(self.err("lookaround, atomic, conditional and recursive groups are not supported by this build")),
            }
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("parentheses are too deeply nested"));
        }
        let inner = self.alt()?;
        self.depth -= 1;
        if !self.eat(b')') {
            self.i = open;
            return Err(RegexError {
                offset: self.p.len(),
                msg: "missing closing parenthesis",
            });
        }
        self.f = saved;
        Ok(Some(inner))
    }

    /// `<name>` or `'name'` of a named group, after the `<` or `'`.
    fn name(&mut self, close: u8) -> Result<(), RegexError> {
        self.i += 1;
        let start = self.i;
        while self.peek().is_some_and(is_word) {
            self.i += 1;
        }
        if self.i == start || !self.eat(close) {
            return Err(self.err("syntax error in subpattern name (missing terminator?)"));
        }
        Ok(())
    }

    /// Option letters after `(?`; true for `(?i)` (the group ends here), false for `(?i:`.
    fn options(&mut self) -> Result<bool, RegexError> {
        let mut on = true;
        if self.eat(b'^') {
            self.f.caseless = false;
            self.f.multiline = false;
            self.f.dotall = false;
            self.f.extended = false;
        }
        loop {
            let Some(b) = self.peek() else {
                return Err(self.err("missing closing parenthesis"));
            };
            self.i += 1;
            match b {
                b'i' => self.f.caseless = on,
                b'm' => self.f.multiline = on,
                b's' => self.f.dotall = on,
                b'x' => self.f.extended = on,
                b'U' => self.f.ungreedy = on,
                b'-' if on => on = false,
                b')' => return Ok(true),
                b':' => return Ok(false),
                _ => {
                    self.i -= 1;
                    return Err(self.err("unrecognized character after (? or (?-"));
                }
            }
        }
    }

    /// `{n}`, `{n,}` or `{n,m}` at `at` (PCRE2 10.42: anything else is literal text).
    fn counted_at(&self, at: usize) -> Option<(u32, Option<u32>, usize)> {
        let s = self.p.get(at..)?;
        let close = s.iter().position(|&b| b == b'}')?;
        let body = s.get(1..close)?;
        let num = |t: &[u8]| -> Option<u32> {
            if t.is_empty() || !t.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(t.iter().fold(0u32, |v, &d| {
                v.saturating_mul(10).saturating_add(u32::from(d - b'0'))
            }))
        };
        let (min, max) = match body.iter().position(|&b| b == b',') {
            None => {
                let n = num(body)?;
                (n, Some(n))
            }
            Some(c) => {
                let min = num(&body[..c])?;
                let rest = &body[c + 1..];
                (
                    min,
                    if rest.is_empty() {
                        None
                    } else {
                        Some(num(rest)?)
                    },
                )
            }
        };
        Some((min, max, close + 1))
    }

    fn quantified(&mut self, atom: Ast) -> Result<Ast, RegexError> {
        self.skip_extended();
        if self.quoting {
            return Ok(atom);
        }
        let at = self.i;
        let (min, max) = match self.peek() {
            Some(b'*') => (0, UNBOUNDED),
            Some(b'+') => (1, UNBOUNDED),
            Some(b'?') => (0, 1),
            Some(b'{') => match self.counted_at(at) {
                Some((min, max, len)) => {
                    if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT) {
                        return Err(self.err("number too big in {} quantifier"));
                    }
                    if max.is_some_and(|m| m < min) {
                        return Err(self.err("numbers out of order in {} quantifier"));
                    }
                    self.i += len - 1;
                    (min, max.unwrap_or(UNBOUNDED))
                }
                None => return Ok(atom),
            },
            _ => return Ok(atom),
        };
        self.i += 1;
        if matches!(atom, Ast::Look(_)) {
            self.i = at;
            return Err(self.err("quantifier does not follow a repeatable item"));
        }
        let mut greedy = !self.f.ungreedy;
        if self.eat(b'?') {
            greedy = !greedy;
        } else if self.peek() == Some(b'+') {
            return Err(self.err("possessive quantifiers are not supported by this build"));
        }
        if matches!(self.peek(), Some(b'*' | b'+' | b'?')) {
            return Err(self.err("quantifier does not follow a repeatable item"));
        }
        Ok(Ast::Rep {
            ast: Box::new(atom),
            min,
            max,
            greedy,
        })
    }
}
