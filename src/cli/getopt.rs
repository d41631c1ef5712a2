//! A getopt_long(3) work-alike: clustered short options, `--long=value` and `--long value`,
//! optional arguments only when attached, unambiguous long-name prefixes, and GNU argument
//! permutation (options may follow operands; `--` ends option parsing).

use super::UsageError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HasArg {
    No,
    Required,
    /// Only taken when attached: `-tFILE`, `--config-test=FILE`.
    Optional,
}

#[derive(Clone, Copy, Debug)]
pub struct Spec<Id: Copy> {
    pub short: Option<char>,
    pub long: Option<&'static str>,
    pub has_arg: HasArg,
    pub id: Id,
}

/// One option as found on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found<Id> {
    pub id: Id,
    pub arg: Option<String>,
    /// `-f` or `--use-file`, for messages.
    pub name: String,
}

const HINT: &str = "Try 'keepalived --help' for more information.";

fn usage_error(msg: String) -> UsageError {
    UsageError(format!("{msg}\n{HINT}"))
}

/// Splits `args` (without argv[0]) into options, in order, and operands.
pub fn parse<Id: Copy>(
    args: &[String],
    specs: &[Spec<Id>],
) -> Result<(Vec<Found<Id>>, Vec<String>), UsageError> {
    let mut found = Vec::new();
    let mut operands = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = a.strip_prefix("--") {
            found.push(long_opt(body, a, args, &mut i, specs)?);
        } else if a.len() > 1 && a.starts_with('-') {
            short_cluster(&a[1..], args, &mut i, specs, &mut found)?;
        } else {
            operands.push(a.clone());
        }
    }
    Ok((found, operands))
}

fn long_opt<Id: Copy>(
    body: &str,
    written: &str,
    args: &[String],
    i: &mut usize,
    specs: &[Spec<Id>],
) -> Result<Found<Id>, UsageError> {
    let (name, attached) = match body.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (body, None),
    };
    let spec = find_long(name, written, specs)?;
    let long = spec.long.unwrap_or(name);
    let display = format!("--{long}");
    let arg = match spec.has_arg {
        HasArg::No => {
            if attached.is_some() {
                return Err(usage_error(format!(
                    "Option --{long} doesn't allow an argument"
                )));
            }
            None
        }
        HasArg::Optional => attached.map(str::to_string),
        HasArg::Required => {
            let v = match attached {
                Some(v) => Some(v.to_string()),
                None => {
                    let next = args.get(*i).cloned();
                    if next.is_some() {
                        *i += 1;
                    }
                    next
                }
            };
            // keepalived treats `--use-file=` (empty) as a missing parameter too.
            match v {
                Some(v) if !v.is_empty() => Some(v),
                _ => {
                    return Err(usage_error(format!(
                        "Missing parameter for option --{long}"
                    )))
                }
            }
        }
    };
    Ok(Found {
        id: spec.id,
        arg,
        name: display,
    })
}

fn find_long<'a, Id: Copy>(
    name: &str,
    written: &str,
    specs: &'a [Spec<Id>],
) -> Result<&'a Spec<Id>, UsageError> {
    if let Some(s) = specs.iter().find(|s| s.long == Some(name)) {
        return Ok(s);
    }
    let candidates: Vec<&Spec<Id>> = if name.is_empty() {
        Vec::new()
    } else {
        specs
            .iter()
            .filter(|s| s.long.is_some_and(|l| l.starts_with(name)))
            .collect()
    };
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(usage_error(format!("Unknown option {written}"))),
        many => {
            let names: Vec<String> = many
                .iter()
                .filter_map(|s| s.long.map(|l| format!("--{l}")))
                .collect();
            Err(usage_error(format!(
                "Option --{name} is ambiguous; possibilities: {}",
                names.join(" ")
            )))
        }
    }
}

fn short_cluster<Id: Copy>(
    cluster: &str,
    args: &[String],
    i: &mut usize,
    specs: &[Spec<Id>],
    found: &mut Vec<Found<Id>>,
) -> Result<(), UsageError> {
    for (pos, c) in cluster.char_indices() {
        let Some(spec) = specs.iter().find(|s| s.short == Some(c)) else {
            return Err(usage_error(format!("Unknown option -{c}")));
        };
        let rest = &cluster[pos + c.len_utf8()..];
        let name = format!("-{c}");
        match spec.has_arg {
            HasArg::No => found.push(Found {
                id: spec.id,
                arg: None,
                name,
            }),
            HasArg::Optional => {
                let arg = (!rest.is_empty()).then(|| rest.to_string());
                found.push(Found {
                    id: spec.id,
                    arg,
                    name,
                });
                return Ok(());
            }
            HasArg::Required => {
                let arg = if !rest.is_empty() {
                    rest.to_string()
                } else if let Some(next) = args.get(*i) {
                    *i += 1;
                    next.clone()
                } else {
                    return Err(usage_error(format!("Missing parameter for option -{c}")));
                };
                found.push(Found {
                    id: spec.id,
                    arg: Some(arg),
                    name,
                });
                return Ok(());
            }
        }
    }
    Ok(())
}
