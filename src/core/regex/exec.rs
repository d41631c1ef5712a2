//! The backtracking machine. Choice points live on a stack made once ([`Scratch`]); a full
//! stack or a spent budget ends the search with [`Outcome::Limit`] rather than growing or
//! running on. Hard partial matching as PCRE2_PARTIAL_HARD does it: the first time any path
//! needs a byte past the end of the subject, the search stops and reports where that attempt
//! started.

use super::prog::{Inst, Look, Prog};
use super::sets::{has, is_word};
use super::Outcome;

#[derive(Clone, Copy, Debug)]
enum Frame {
    /// Resume at `pc`, `pos`.
    Alt { pc: u32, pos: u32 },
    /// A greedy single-set repeat that may give back bytes down to `min_pos`.
    Greedy { pc: u32, min_pos: u32, pos: u32 },
    /// A lazy single-set repeat at instruction `pc` that may take one more byte at `pos`,
    /// having taken `n`.
    Lazy { pc: u32, pos: u32, n: u32 },
    /// Undo a Mark.
    Reg { reg: u16, old: u32 },
}

/// The working memory of a search, reused by every search of one checker.
#[derive(Debug)]
pub(crate) struct Scratch {
    stack: Vec<Frame>,
    regs: Vec<u32>,
}

impl Scratch {
    pub(super) fn new(frames: usize, regs: usize) -> Scratch {
        Scratch {
            stack: Vec::with_capacity(frames.max(16)),
            regs: vec![0; regs],
        }
    }
}

enum Step {
    Next,
    Fail,
    /// The path needs a byte past the end of the subject.
    Partial,
}

pub(super) fn find_at(
    prog: &Prog,
    s: &[u8],
    start: usize,
    sc: &mut Scratch,
    budget: &mut u32,
) -> Outcome {
    // Subjects are at most a receive buffer; positions fit u32 on every target.
    if u32::try_from(s.len()).is_err() {
        return Outcome::Limit;
    }
    if sc.regs.len() < prog.regs {
        return Outcome::Limit;
    }
    let last_start = if prog.firstline {
        s.iter().position(|&b| b == b'\n').unwrap_or(s.len())
    } else {
        s.len()
    };
    // A pattern that must start with a byte of some set cannot match where the subject has
    // another: skipping those positions costs no steps (an attempt there fails at once,
    // without a partial match, so the outcome is the same).
    let first = match prog.insts.first() {
        Some(Inst::Byte(i))
        | Some(Inst::Rep {
            set: i, min: 1.., ..
        }) => prog.sets.get(usize::from(*i)),
        _ => None,
    };
    for at in start..=last_start {
        if let (Some(f), Some(&b)) = (first, s.get(at)) {
            if !has(f, b) {
                continue;
            }
        }
        if let Some(o) = attempt(prog, s, at as u32, sc, budget) {
            return o;
        }
    }
    Outcome::NoMatch
}

/// One match attempt from `at`: None when it fails.
fn attempt(prog: &Prog, s: &[u8], at: u32, sc: &mut Scratch, budget: &mut u32) -> Option<Outcome> {
    sc.stack.clear();
    let partial = Some(Outcome::Partial(at as usize));
    let byte = |pos: u32| s.get(pos as usize).copied();
    let set = |i: u16| prog.sets.get(usize::from(i));
    let (mut pc, mut pos) = (0u32, at);
    loop {
        if *budget == 0 {
            return Some(Outcome::Limit);
        }
        *budget -= 1;
        let Some(&inst) = prog.insts.get(pc as usize) else {
            return Some(Outcome::Limit);
        };
        let step = match inst {
            Inst::Byte(i) => match byte(pos) {
                None => return partial,
                Some(b) if set(i).is_some_and(|s| has(s, b)) => {
                    pos += 1;
                    Step::Next
                }
                Some(_) => Step::Fail,
            },
            Inst::Rep {
                set: i,
                min,
                max,
                greedy,
            } => {
                let Some(set) = set(i) else {
                    return Some(Outcome::Limit);
                };
                let mut n = 0u32;
                let want = if greedy { max } else { min };
                while n < want {
                    match byte(pos + n) {
                        Some(b) if has(set, b) => n += 1,
                        Some(_) => break,
                        None => return partial,
                    }
                }
                *budget = budget.saturating_sub(n);
                if n < min {
                    Step::Fail
                } else {
                    let frame = if greedy {
                        (n > min).then_some(Frame::Greedy {
                            pc: pc + 1,
                            min_pos: pos + min,
                            pos: pos + n,
                        })
                    } else {
                        (n < max).then_some(Frame::Lazy {
                            pc,
                            pos: pos + n,
                            n,
                        })
                    };
                    if let Some(f) = frame {
                        if !push(sc, f) {
                            return Some(Outcome::Limit);
                        }
                    }
                    pos += n;
                    Step::Next
                }
            }
            Inst::Split(a, b) => {
                if !push(sc, Frame::Alt { pc: b, pos }) {
                    return Some(Outcome::Limit);
                }
                pc = a;
                continue;
            }
            Inst::Jmp(a) => {
                pc = a;
                continue;
            }
            Inst::Mark(r) => {
                let slot = sc.regs.get_mut(usize::from(r))?;
                let old = std::mem::replace(slot, pos);
                if !push(sc, Frame::Reg { reg: r, old }) {
                    return Some(Outcome::Limit);
                }
                Step::Next
            }
            Inst::Progress(r) => {
                if sc.regs.get(usize::from(r)) == Some(&pos) {
                    Step::Fail
                } else {
                    Step::Next
                }
            }
            Inst::Look(l) => look(l, s, pos as usize),
            Inst::Match => {
                return Some(Outcome::Match {
                    start: at as usize,
                    end: pos as usize,
                })
            }
        };
        match step {
            Step::Next => pc += 1,
            Step::Partial => return partial,
            Step::Fail => match backtrack(prog, s, sc, budget) {
                Ok((p, q)) => (pc, pos) = (p, q),
                Err(None) => return None,
                Err(Some(o)) => {
                    return Some(match o {
                        Outcome::Partial(_) => Outcome::Partial(at as usize),
                        o => o,
                    })
                }
            },
        }
    }
}

fn push(sc: &mut Scratch, f: Frame) -> bool {
    // Never grow: a full stack is a limit, as PCRE2's JIT stack is.
    if sc.stack.len() == sc.stack.capacity() {
        return false;
    }
    sc.stack.push(f);
    true
}

/// Pops to the next choice point: Ok(pc, pos) to resume, Err(None) when the attempt failed,
/// Err(Some) when it must stop (partial, limit).
fn backtrack(
    prog: &Prog,
    s: &[u8],
    sc: &mut Scratch,
    budget: &mut u32,
) -> Result<(u32, u32), Option<Outcome>> {
    loop {
        if *budget == 0 {
            return Err(Some(Outcome::Limit));
        }
        *budget -= 1;
        let Some(f) = sc.stack.pop() else {
            return Err(None);
        };
        match f {
            Frame::Alt { pc, pos } => return Ok((pc, pos)),
            Frame::Reg { reg, old } => {
                if let Some(r) = sc.regs.get_mut(usize::from(reg)) {
                    *r = old;
                }
            }
            Frame::Greedy { pc, min_pos, pos } => {
                let pos = pos - 1;
                if pos > min_pos {
                    sc.stack.push(Frame::Greedy { pc, min_pos, pos });
                }
                return Ok((pc, pos));
            }
            Frame::Lazy { pc, pos, n } => {
                let Some(Inst::Rep { set, max, .. }) = prog.insts.get(pc as usize) else {
                    return Err(Some(Outcome::Limit));
                };
                let Some(b) = s.get(pos as usize) else {
                    return Err(Some(Outcome::Partial(0)));
                };
                if !prog.sets.get(usize::from(*set)).is_some_and(|s| has(s, *b)) {
                    continue;
                }
                if n + 1 < *max {
                    sc.stack.push(Frame::Lazy {
                        pc,
                        pos: pos + 1,
                        n: n + 1,
                    });
                }
                return Ok((pc + 1, pos + 1));
            }
        }
    }
}

fn look(l: Look, s: &[u8], pos: usize) -> Step {
    let at = s.get(pos).copied();
    let before = pos.checked_sub(1).and_then(|p| s.get(p)).copied();
    let ok = match (l, at) {
        (Look::Start, _) => pos == 0,
        // Not after a newline that ends the subject (PCRE2 without alt_circumflex).
        (Look::LineStart, _) => pos == 0 || (before == Some(b'\n') && at.is_some()),
        (Look::End | Look::LineEnd | Look::WordBoundary | Look::NotWordBoundary, None) => {
            return Step::Partial
        }
        (Look::EndOrNewline, None) => return Step::Partial,
        (Look::EndOrNewline, Some(b'\n')) if pos + 1 == s.len() => return Step::Partial,
        (Look::EndOrNewline | Look::End, Some(_)) => false,
        (Look::LineEnd, Some(b)) => b == b'\n',
        (Look::WordBoundary, Some(b)) => before.is_some_and(is_word) != is_word(b),
        (Look::NotWordBoundary, Some(b)) => before.is_some_and(is_word) == is_word(b),
    };
    if ok {
        Step::Next
    } else {
        Step::Fail
    }
}

#[cfg(test)]
impl Scratch {
    pub(super) fn stack_capacity(&self) -> usize {
        self.stack.capacity()
    }
}
