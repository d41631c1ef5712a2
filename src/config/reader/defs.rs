//! `$NAME=value` definitions and their use as `$NAME` or `${NAME}`.
//!
//! Rules kept from keepalived: a definition line is `$NAME=` with nothing between the name and `=`;
//! a value ending in `\` continues on the following lines (a multi-line definition), which may
//! only be used where the reference ends its line. Replacement happens when a line is read, is
//! repeated on the replaced text (so definitions may use definitions) and leaves unknown names
//! as they are. Built-ins: `_PWD`, `_INSTANCE`, `_RANDOM [min [max]]`, `_ENV NAME`, `_HASH`, `_BANG`.

/// A definition's value; lines of a multi-line value are joined with `\n`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Def {
    value: String,
    multiline: bool,
}

/// How many replacements one line may go through: a definition that contains itself would
/// otherwise never end.
const MAX_REPLACEMENTS: usize = 1000;

/// The longest line a replacement may make: keepalived reads lines into a 1024-byte buffer and
/// refuses a substitution that would not fit, so `$A` used 1000 times in `$B` cannot turn one
/// line into megabytes.
pub(crate) const MAX_LINE: usize = 1023;

#[derive(Debug, Default)]
pub(crate) struct Defs {
    user: Table,
    /// The multi-line definition still collecting lines.
    open: Option<String>,
    /// Value of `${_INSTANCE}`.
    config_id: String,
    /// Value of `${_PWD}`: the directory of the file being read.
    pub(crate) pwd: String,
    rng: u64,
}

/// The user's definitions, looked up in order as keepalived's list is: a HashMap brought its
/// hashing and table code into every binary for these alone (-3,456 B on x86_64 musl).
#[derive(Debug, Default)]
struct Table(Vec<(String, Def)>);

impl Table {
    fn insert(&mut self, name: String, def: Def) {
        match self.get_mut(&name) {
            Some(d) => *d = def,
            None => self.0.push((name, def)),
        }
    }

    fn get(&self, name: &str) -> Option<&Def> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, d)| d)
    }

    fn get_mut(&mut self, name: &str) -> Option<&mut Def> {
        self.0.iter_mut().find(|(n, _)| n == name).map(|(_, d)| d)
    }
}

/// The result of replacing definitions in one line.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Replaced {
    pub(crate) line: String,
    /// Further lines of a multi-line definition used at the end of the line.
    pub(crate) more: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReplaceError {
    /// The definitions refer to themselves without end.
    TooDeep,
    /// A built-in got the wrong parameters.
    Params(String),
    /// Replacing this definition would make the line longer than [`MAX_LINE`].
    TooLong(String),
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl Defs {
    pub(crate) fn new(config_id: &str, pwd: &str) -> Self {
        let seed = match crate::core::time::real_now().as_nanos() as u64 {
            0 => 0x2545_f491,
            n => n,
        };
        Defs {
            config_id: config_id.to_string(),
            pwd: pwd.to_string(),
            rng: seed | 1,
            ..Default::default()
        }
    }

    /// Sets a single-line definition (used by sequences for their variable).
    pub(crate) fn set(&mut self, name: &str, value: &str) {
        self.user.insert(
            name.to_string(),
            Def {
                value: value.to_string(),
                multiline: false,
            },
        );
    }

    #[cfg(test)]
    fn get(&self, name: &str) -> Option<&str> {
        self.user.get(name).map(|d| d.value.as_str())
    }

    /// A multi-line definition is waiting for its next line.
    pub(crate) fn in_multiline(&self) -> bool {
        self.open.is_some()
    }

    /// Stores `$NAME=value` if the line is one; true when it was.
    pub(crate) fn define(&mut self, line: &str) -> bool {
        let b = line.as_bytes();
        if b.first() != Some(&b'$') || !b.get(1).copied().is_some_and(is_name_start) {
            return false;
        }
        let Some(eq) = b[2..].iter().position(|&c| !is_name_char(c)).map(|p| p + 2) else {
            return false;
        };
        if b[eq] != b'=' {
            return false;
        }
        let name = &line[1..eq];
        let mut value = line[eq + 1..].trim_start_matches([' ', '\t']).to_string();
        let multiline = value.ends_with('\\');
        if multiline {
            value.pop();
            let keep = value.trim_end_matches([' ', '\t']).len();
            value.truncate(keep);
            if !value.is_empty() {
                value.push('\n');
            }
            self.open = Some(name.to_string());
        } else {
            self.open = None;
        }
        self.user.insert(name.to_string(), Def { value, multiline });
        true
    }

    /// Adds a following line to the open multi-line definition. An empty line (`None`) ends it.
    pub(crate) fn continue_multiline(&mut self, line: Option<&str>) {
        let Some(name) = self.open.clone() else {
            return;
        };
        let Some(def) = self.user.get_mut(&name) else {
            self.open = None;
            return;
        };
        match line {
            Some(l) if l.ends_with('\\') => {
                let body = l[..l.len() - 1].trim_end_matches([' ', '\t']);
                if !body.is_empty() {
                    def.value.push_str(body);
                    def.value.push('\n');
                }
            }
            other => {
                if let Some(l) = other {
                    def.value.push_str(l);
                }
                self.open = None;
                if def.value.is_empty() {
                    def.multiline = false;
                }
            }
        }
    }

    /// Replaces every known `$NAME` / `${NAME}` in `line`, again on the replaced text, until none
    /// is left. `Ok(None)`: the line has no known reference.
    pub(crate) fn replace(&mut self, line: &str) -> Result<Option<Replaced>, ReplaceError> {
        let mut buf = line.to_string();
        let mut more: Vec<String> = Vec::new();
        let mut found = false;
        let mut count = 0;
        let mut pos = 0;
        while let Some(off) = buf[pos..].find('$') {
            let at = pos + off;
            let Some(r) = self.reference(&buf, at)? else {
                pos = at + 1;
                continue;
            };
            count += 1;
            if count > MAX_REPLACEMENTS {
                return Err(ReplaceError::TooDeep);
            }
            found = true;
            let (first, rest) = match r.value.split_once('\n') {
                Some((f, rest)) if r.multiline => (f.to_string(), Some(rest.to_string())),
                _ => (r.value.clone(), None),
            };
            if let Some(rest) = rest {
                // The inner definition's lines come before those of the definition it sits in.
                let mut lines: Vec<String> = rest.split('\n').map(str::to_string).collect();
                lines.append(&mut more);
                more = lines;
            }
            if buf.len() - (r.end - at) + first.len() > MAX_LINE {
                let name = buf[at..r.end].to_string();
                return Err(ReplaceError::TooLong(name));
            }
            buf.replace_range(at..r.end, &first);
            // A value that is a sequence is expanded later, as a line of its own.
            if first.trim_start_matches([' ', '\t']).starts_with('~') {
                break;
            }
            pos = at;
        }
        Ok(found.then_some(Replaced { line: buf, more }))
    }

    /// The definition referenced at `buf[at]` (a `$`), if it is one.
    fn reference(&mut self, buf: &str, at: usize) -> Result<Option<Ref>, ReplaceError> {
        let b = buf.as_bytes();
        let braces = b.get(at + 1) == Some(&b'{');
        let start = at + 1 + usize::from(braces);
        if !b.get(start).copied().is_some_and(is_name_start) {
            return Ok(None);
        }
        let name_end = b[start..]
            .iter()
            .position(|&c| !is_name_char(c))
            .map_or(b.len(), |p| p + start);
        let name = &buf[start..name_end];
        let (end, params) = if braces {
            let Some(close) = b[name_end..].iter().position(|&c| c == b'}') else {
                return Ok(None);
            };
            let close = close + name_end;
            let params = &buf[name_end..close];
            if !params
                .bytes()
                .all(|c| c == b' ' || c == b'\t' || is_name_char(c))
                || params.ends_with([' ', '\t'])
                || (!params.is_empty() && !params.starts_with([' ', '\t']))
            {
                return Ok(None);
            }
            (close + 1, params.trim_start_matches([' ', '\t']))
        } else {
            if !matches!(b.get(name_end), None | Some(b' ' | b'\t' | b',' | b')')) {
                return Ok(None);
            }
            (name_end, "")
        };
        let at_line_end = end == b.len();
        if let Some(def) = self.user.get(name) {
            if !params.is_empty() || (def.multiline && !at_line_end) {
                return Ok(None);
            }
            return Ok(Some(Ref {
                end,
                value: def.value.clone(),
                multiline: def.multiline,
            }));
        }
        let value = match self.builtin(name, params)? {
            Some(v) => v,
            None => return Ok(None),
        };
        Ok(Some(Ref {
            end,
            value,
            multiline: false,
        }))
    }

    fn builtin(&mut self, name: &str, params: &str) -> Result<Option<String>, ReplaceError> {
        let args: Vec<&str> = params.split_whitespace().collect();
        let (min, max) = match name {
            "_PWD" | "_INSTANCE" | "_HASH" | "_BANG" => (0, 0),
            "_RANDOM" => (0, 2),
            "_ENV" => (1, 1),
            _ => return Ok(None),
        };
        if args.is_empty() && min == 0 {
            // fall through: no parameters is fine
        } else if max == 0 {
            return Ok(None);
        } else if args.len() < min || args.len() > max {
            return Err(ReplaceError::Params(format!(
                "definition {name} takes {min} to {max} parameters, {} given",
                args.len()
            )));
        }
        Ok(Some(match name {
            "_PWD" => self.pwd.clone(),
            "_INSTANCE" => self.config_id.clone(),
            "_HASH" => "#".to_string(),
            "_BANG" => "!".to_string(),
            "_ENV" => std::env::var(args[0]).unwrap_or_default(),
            _ => self.random(&args)?,
        }))
    }

    fn random(&mut self, args: &[&str]) -> Result<String, ReplaceError> {
        let num = |s: &str| {
            s.parse::<u64>().map_err(|_| {
                ReplaceError::Params("definition _RANDOM requires numeric parameters only".into())
            })
        };
        let min = args.first().map_or(Ok(0), |s| num(s))?;
        let max = args.get(1).map_or(Ok(32767), |s| num(s))?.max(min);
        // xorshift: enough to spread values, no need for quality randomness here.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let span = max - min;
        let v = if span == u64::MAX {
            self.rng
        } else {
            min + self.rng % (span + 1)
        };
        Ok(v.to_string())
    }
}

struct Ref {
    /// Byte offset just past the reference.
    end: usize,
    value: String,
    multiline: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs(lines: &[&str]) -> Defs {
        let mut d = Defs::new("node1", "/etc/keepalived");
        for l in lines {
            if d.in_multiline() {
                d.continue_multiline(Some(l));
            } else {
                assert!(d.define(l), "not a definition: {l}");
            }
        }
        d
    }

    fn rep(d: &mut Defs, line: &str) -> Option<Replaced> {
        d.replace(line).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn line(d: &mut Defs, l: &str) -> String {
        rep(d, l).map(|r| r.line).unwrap_or_else(|| l.to_string())
    }

    #[test]
    fn definition_lines() {
        let mut d = Defs::new("x", "/");
        assert!(d.define("$IF=eth0"));
        assert!(d.define("$_X2=  a b  "));
        assert!(
            !d.define("$IF = eth0"),
            "a blank before '=' makes it an ordinary line"
        );
        assert!(!d.define("$1=x"));
        assert!(!d.define("IF=x"));
        assert!(!d.define("$IF"));
        assert_eq!(d.get("IF"), Some("eth0"));
        assert_eq!(d.get("_X2"), Some("a b  "));
    }

    #[test]
    fn plain_and_braced_references() {
        let mut d = defs(&["$IF=eth0", "$N=5"]);
        assert_eq!(line(&mut d, "interface $IF"), "interface eth0");
        assert_eq!(line(&mut d, "interface ${IF}.${N}"), "interface eth0.5");
        assert_eq!(line(&mut d, "f($IF,$N)"), "f(eth0,5)");
        // `$IFx` is another (unknown) name; `$IF.` is not a reference without braces.
        assert!(rep(&mut d, "a $IFx $IF.1 $NOPE").is_none());
    }

    #[test]
    fn definitions_may_use_definitions() {
        let mut d = defs(&["$A=${B}1", "$B=x${C}", "$C=y"]);
        assert_eq!(line(&mut d, "v $A"), "v xy1");
    }

    #[test]
    fn self_reference_is_stopped() {
        let mut d = defs(&["$A=a$A"]);
        assert_eq!(d.replace("x $A"), Err(ReplaceError::TooDeep));
    }

    #[test]
    fn replacement_past_the_line_limit_is_refused() {
        let a = format!("$A={}", "x".repeat(500));
        let mut d = defs(&[&a, "$B=${A}${A}${A}"]);
        assert_eq!(line(&mut d, "k $A $A").len(), 1003);
        assert_eq!(
            d.replace("k $B"),
            Err(ReplaceError::TooLong("${A}".to_string()))
        );
        assert_eq!(
            d.replace("k $A $A $A"),
            Err(ReplaceError::TooLong("$A".to_string()))
        );
    }

    #[test]
    fn multiline_definition_expands_at_line_end_only() {
        let mut d = defs(&["$M=first \\", "second\\", "  \\", "third"]);
        assert!(!d.in_multiline());
        let r = rep(&mut d, "$M").unwrap_or_default();
        assert_eq!(r.line, "first");
        assert_eq!(r.more, vec!["second".to_string(), "third".to_string()]);
        assert!(rep(&mut d, "$M x").is_none());
        let r = rep(&mut d, "pre ${M}").unwrap_or_default();
        assert_eq!(r.line, "pre first");
    }

    #[test]
    fn multiline_definition_may_start_empty() {
        let mut d = defs(&["$M=\\", "a \\", "b"]);
        let r = rep(&mut d, "$M").unwrap_or_default();
        assert_eq!((r.line.as_str(), r.more), ("a", vec!["b".to_string()]));
    }

    #[test]
    fn empty_line_ends_multiline_definition() {
        let mut d = defs(&["$M=a \\"]);
        d.continue_multiline(None);
        assert!(!d.in_multiline());
        assert_eq!(line(&mut d, "$M"), "a");
    }

    #[test]
    fn builtins() {
        let mut d = Defs::new("node1", "/etc/k");
        assert_eq!(line(&mut d, "x ${_HASH}${_BANG}"), "x #!");
        assert_eq!(line(&mut d, "${_PWD}/a ${_INSTANCE}"), "/etc/k/a node1");
        // Without braces a name must end at a blank, ',', ')' or the line end.
        assert!(rep(&mut d, "$_PWD/a").is_none());
        assert_eq!(line(&mut d, "${_ENV KEEPALIVED_READER_UNSET_VAR}-"), "-");
        for _ in 0..50 {
            let v: u32 = line(&mut d, "${_RANDOM 5 7}").parse().unwrap_or(0);
            assert!((5..=7).contains(&v), "{v}");
        }
        assert!(matches!(d.replace("${_ENV}"), Err(ReplaceError::Params(_))));
        assert!(rep(&mut d, "${_HASH x}").is_none());
        // A user definition overrides a built-in.
        assert!(d.define("$_HASH=hash"));
        assert_eq!(line(&mut d, "$_HASH"), "hash");
    }
}
