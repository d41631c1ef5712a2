//! A getopt_long(3) work-alike: clustered short options, `--long=value` and `--long value`,
//! optional arguments only when attached, unambiguous long-name prefixes, and GNU argument
//! permutation (options may follow operands; `--` ends option parsing).
//!
//! [`scan`] reads the whole command line and reports every problem in place, leaving the
//! words and the policy to the caller: keepalived stops at the first problem ([`parse`]),
//! genhash reports them all and then shows its usage.

use super::UsageError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HasArg {
    No,
    Required,
    /// Only taken when attached: `-tFILE`, `--config-test=FILE`.
    Optional,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Spec<Id: Copy> {
    pub(crate) short: Option<char>,
    pub(crate) long: Option<&'static str>,
    pub(crate) has_arg: HasArg,
    pub(crate) id: Id,
}

/// One option as found on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Found<Id> {
    pub(crate) id: Id,
    /// For an option without argument, a value attached to its long form all the same.
    pub(crate) arg: Option<String>,
    /// `-f` or `--use-file`, for messages.
    pub(crate) name: String,
    /// What its spec says about an argument.
    has_arg: HasArg,
}

/// What the command line holds, in its order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Item<Id> {
    Opt(Found<Id>),
    Operand(String),
    /// `-x`, or the whole `--word[=value]` as written.
    Unknown(String),
    /// A long-name prefix that fits more than one option.
    Ambiguous {
        written: String,
        prefix: String,
        candidates: Vec<&'static str>,
    },
    /// A required argument missing: the option as `-f` or `--use-file`.
    Missing(String),
}

/// Splits `args` (without argv[0]) into options, operands and problems.
pub(crate) fn scan<Id: Copy>(args: &[String], specs: &[Spec<Id>]) -> Vec<Item<Id>> {
    // The scan itself is not generic: keepalived's and genhash's option types share one copy.
    let forms: Vec<Form> = specs
        .iter()
        .map(|s| Form {
            short: s.short,
            long: s.long,
            has_arg: s.has_arg,
        })
        .collect();
    let id = |k: usize| specs[k].id;
    scan_forms(args, &forms)
        .into_iter()
        .map(|item| match item {
            Item::Opt(f) => Item::Opt(Found {
                id: id(f.id),
                arg: f.arg,
                name: f.name,
                has_arg: f.has_arg,
            }),
            Item::Operand(o) => Item::Operand(o),
            Item::Unknown(w) => Item::Unknown(w),
            Item::Ambiguous {
                written,
                prefix,
                candidates,
            } => Item::Ambiguous {
                written,
                prefix,
                candidates,
            },
            Item::Missing(m) => Item::Missing(m),
        })
        .collect()
}

/// A spec without its id: options found name theirs by its place in the specs.
struct Form {
    short: Option<char>,
    long: Option<&'static str>,
    has_arg: HasArg,
}

fn scan_forms(args: &[String], specs: &[Form]) -> Vec<Item<usize>> {
    let mut items = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            items.extend(args[i..].iter().cloned().map(Item::Operand));
            break;
        }
        if let Some(body) = a.strip_prefix("--") {
            items.push(long_opt(body, a, args, &mut i, specs));
        } else if a.len() > 1 && a.starts_with('-') {
            short_cluster(&a[1..], args, &mut i, specs, &mut items);
        } else {
            items.push(Item::Operand(a.clone()));
        }
    }
    items
}

fn long_opt(
    body: &str,
    written: &str,
    args: &[String],
    i: &mut usize,
    specs: &[Form],
) -> Item<usize> {
    let (name, attached) = match body.split_once('=') {
        Some((n, v)) => (n, Some(v.to_string())),
        None => (body, None),
    };
    let (k, spec) = match find_long(name, specs) {
        Ok(k) => (k, &specs[k]),
        Err(candidates) if candidates.len() > 1 => {
            return Item::Ambiguous {
                written: written.to_string(),
                prefix: name.to_string(),
                candidates,
            }
        }
        Err(_) => return Item::Unknown(written.to_string()),
    };
    let long = spec.long.unwrap_or(name);
    let arg = match (spec.has_arg, attached) {
        (HasArg::Required, None) => match args.get(*i) {
            Some(next) => {
                *i += 1;
                Some(next.clone())
            }
            None => return Item::Missing(format!("--{long}")),
        },
        (_, attached) => attached,
    };
    Item::Opt(Found {
        id: k,
        arg,
        name: format!("--{long}"),
        has_arg: spec.has_arg,
    })
}

/// The option a long name or an unambiguous prefix of one names; else the candidates.
fn find_long(name: &str, specs: &[Form]) -> Result<usize, Vec<&'static str>> {
    if let Some(k) = specs.iter().position(|s| s.long == Some(name)) {
        return Ok(k);
    }
    if name.is_empty() {
        return Err(Vec::new());
    }
    // Loops, not filter/filter_map/collect: ~300 bytes less MIPS code.
    let mut ambiguous = Vec::new();
    let mut hit = None;
    for (k, s) in specs.iter().enumerate() {
        let Some(l) = s.long.filter(|l| l.starts_with(name)) else {
            continue;
        };
        hit = Some(k);
        ambiguous.push(l);
    }
    match hit {
        Some(one) if ambiguous.len() == 1 => Ok(one),
        _ => Err(ambiguous),
    }
}

fn short_cluster(
    cluster: &str,
    args: &[String],
    i: &mut usize,
    specs: &[Form],
    items: &mut Vec<Item<usize>>,
) {
    for (pos, c) in cluster.char_indices() {
        let Some(k) = specs.iter().position(|s| s.short == Some(c)) else {
            items.push(Item::Unknown(format!("-{c}")));
            continue;
        };
        let spec = &specs[k];
        let rest = &cluster[pos + c.len_utf8()..];
        let name = format!("-{c}");
        let arg = match spec.has_arg {
            HasArg::No => {
                items.push(Item::Opt(Found {
                    id: k,
                    arg: None,
                    name,
                    has_arg: spec.has_arg,
                }));
                continue;
            }
            HasArg::Optional => (!rest.is_empty()).then(|| rest.to_string()),
            HasArg::Required if !rest.is_empty() => Some(rest.to_string()),
            HasArg::Required => match args.get(*i) {
                Some(next) => {
                    *i += 1;
                    Some(next.clone())
                }
                None => {
                    items.push(Item::Missing(name));
                    return;
                }
            },
        };
        // An option with an argument ends the cluster.
        items.push(Item::Opt(Found {
            id: k,
            arg,
            name,
            has_arg: spec.has_arg,
        }));
        return;
    }
}

const HINT: &str = "Try 'keepalived --help' for more information.";

pub(crate) fn usage_error(msg: String) -> UsageError {
    UsageError(format!("{msg}\n{HINT}"))
}

/// keepalived's reading: options in order and operands, or the first problem. A long option
/// that takes no argument refuses one; an empty one where it is required counts as missing.
pub(crate) fn parse<Id: Copy>(
    args: &[String],
    specs: &[Spec<Id>],
) -> Result<(Vec<Found<Id>>, Vec<String>), UsageError> {
    let mut found = Vec::new();
    let mut operands = Vec::new();
    for item in scan(args, specs) {
        match item {
            // A value where none is taken can only come attached to a long name; an empty one
            // counts as missing there only.
            Item::Opt(f) => match (f.has_arg, f.arg.as_deref()) {
                (HasArg::No, Some(_)) => {
                    return Err(usage_error(format!(
                        "Option {} doesn't allow an argument",
                        f.name
                    )))
                }
                (HasArg::Required, Some("")) if f.name.starts_with("--") => {
                    return Err(usage_error(format!(
                        "Missing parameter for option {}",
                        f.name
                    )))
                }
                _ => found.push(f),
            },
            Item::Operand(o) => operands.push(o),
            Item::Unknown(w) => return Err(usage_error(format!("Unknown option {w}"))),
            Item::Ambiguous {
                prefix, candidates, ..
            } => {
                let names: Vec<String> = candidates.iter().map(|l| format!("--{l}")).collect();
                return Err(usage_error(format!(
                    "Option --{prefix} is ambiguous; possibilities: {}",
                    names.join(" ")
                )));
            }
            Item::Missing(name) => {
                return Err(usage_error(format!("Missing parameter for option {name}")))
            }
        }
    }
    Ok((found, operands))
}
