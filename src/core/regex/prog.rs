//! The program the parser lays out and the machine (`exec.rs`) runs, and the tree the
//! parser builds on the way.

use super::sets::Set;

/// A program this long (counted repeats of groups are laid out in full) is refused.
const MAX_INSTS: usize = 20_000;
pub(super) const UNBOUNDED: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Look {
    /// `^`, `\A`: the start of the subject.
    Start,
    /// `^` in multiline mode: also just after a newline that is not the last byte.
    LineStart,
    /// `$`, `\Z`: the end, or before a newline that ends the subject.
    EndOrNewline,
    /// `\z`, `$` with dollar_endonly: the very end.
    End,
    /// `$` in multiline mode: the end or before any newline.
    LineEnd,
    WordBoundary,
    NotWordBoundary,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Inst {
    /// One byte of the set.
    Byte(u16),
    /// `min..=max` bytes of the set, as a single choice point.
    Rep {
        set: u16,
        min: u32,
        max: u32,
        greedy: bool,
    },
    /// Go on at the first, backtrack to the second.
    Split(u32, u32),
    Jmp(u32),
    /// Remember where a loop iteration started (loops whose body can match empty).
    Mark(u16),
    /// Fail an iteration that consumed nothing, so such a loop ends.
    Progress(u16),
    Look(Look),
    Match,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Prog {
    pub(super) insts: Vec<Inst>,
    pub(super) sets: Vec<Set>,
    /// Registers the Mark/Progress pairs use.
    pub(super) regs: usize,
    pub(super) lookbehind: usize,
    pub(super) firstline: bool,
}

#[derive(Clone, Debug)]
pub(super) enum Ast {
    Empty,
    Set(Set),
    Look(Look),
    Cat(Vec<Ast>),
    Alt(Vec<Ast>),
    Rep {
        ast: Box<Ast>,
        min: u32,
        max: u32,
        greedy: bool,
    },
}

impl Ast {
    /// Whether it can match without consuming a byte.
    pub(super) fn nullable(&self) -> bool {
        match self {
            Ast::Empty | Ast::Look(_) => true,
            Ast::Set(_) => false,
            Ast::Cat(v) => v.iter().all(Ast::nullable),
            Ast::Alt(v) => v.iter().any(Ast::nullable),
            Ast::Rep { ast, min, .. } => *min == 0 || ast.nullable(),
        }
    }

    pub(super) fn looks_behind(&self) -> bool {
        match self {
            Ast::Look(l) => matches!(
                l,
                Look::WordBoundary | Look::NotWordBoundary | Look::LineStart
            ),
            Ast::Cat(v) | Ast::Alt(v) => v.iter().any(Ast::looks_behind),
            Ast::Rep { ast, .. } => ast.looks_behind(),
            Ast::Empty | Ast::Set(_) => false,
        }
    }
}

pub(super) struct Codegen {
    pub(super) prog: Prog,
}

impl Codegen {
    pub(super) fn push(&mut self, i: Inst) -> Result<(), ()> {
        if self.prog.insts.len() >= MAX_INSTS {
            return Err(());
        }
        self.prog.insts.push(i);
        Ok(())
    }

    fn pc(&self) -> u32 {
        self.prog.insts.len() as u32
    }

    fn set(&mut self, s: &Set) -> Result<u16, ()> {
        if let Some(i) = self.prog.sets.iter().position(|x| x == s) {
            return Ok(i as u16);
        }
        let i = u16::try_from(self.prog.sets.len()).map_err(|_| ())?;
        self.prog.sets.push(*s);
        Ok(i)
    }

    fn patch(&mut self, at: u32, to: u32) {
        if let Some(i) = self.prog.insts.get_mut(at as usize) {
            match i {
                Inst::Jmp(t) => *t = to,
                Inst::Split(a, b) => {
                    if *a == u32::MAX {
                        *a = to;
                    } else {
                        *b = to;
                    }
                }
                _ => {}
            }
        }
    }

    pub(super) fn emit(&mut self, ast: &Ast) -> Result<(), ()> {
        match ast {
            Ast::Empty => Ok(()),
            Ast::Set(s) => {
                let i = self.set(s)?;
                self.push(Inst::Byte(i))
            }
            Ast::Look(l) => self.push(Inst::Look(*l)),
            Ast::Cat(v) => v.iter().try_for_each(|a| self.emit(a)),
            Ast::Alt(v) => {
                let mut jumps = Vec::new();
                for (n, a) in v.iter().enumerate() {
                    if n + 1 == v.len() {
                        self.emit(a)?;
                        break;
                    }
                    let split = self.pc();
                    self.push(Inst::Split(split + 1, u32::MAX))?;
                    self.emit(a)?;
                    jumps.push(self.pc());
                    self.push(Inst::Jmp(u32::MAX))?;
                    let next = self.pc();
                    self.patch(split, next);
                }
                let end = self.pc();
                for j in jumps {
                    self.patch(j, end);
                }
                Ok(())
            }
            Ast::Rep {
                ast,
                min,
                max,
                greedy,
            } => self.repeat(ast, *min, *max, *greedy),
        }
    }

    fn split(&mut self, greedy: bool) -> Result<u32, ()> {
        let at = self.pc();
        // The preferred branch is the next instruction; the other is patched in later.
        self.push(if greedy {
            Inst::Split(at + 1, u32::MAX)
        } else {
            Inst::Split(u32::MAX, at + 1)
        })?;
        Ok(at)
    }

    fn repeat(&mut self, ast: &Ast, min: u32, max: u32, greedy: bool) -> Result<(), ()> {
        if let Ast::Set(s) = ast {
            let set = self.set(s)?;
            return self.push(Inst::Rep {
                set,
                min,
                max,
                greedy,
            });
        }
        for _ in 0..min {
            self.emit(ast)?;
        }
        if max == UNBOUNDED {
            let top = self.split(greedy)?;
            let guard = ast.nullable();
            let reg = u16::try_from(self.prog.regs).map_err(|_| ())?;
            if guard {
                self.prog.regs += 1;
                self.push(Inst::Mark(reg))?;
            }
            self.emit(ast)?;
            if guard {
                self.push(Inst::Progress(reg))?;
            }
            self.push(Inst::Jmp(top))?;
            let exit = self.pc();
            self.patch(top, exit);
            return Ok(());
        }
        let mut splits = Vec::new();
        for _ in min..max {
            splits.push(self.split(greedy)?);
            self.emit(ast)?;
        }
        let exit = self.pc();
        for s in splits {
            self.patch(s, exit);
        }
        Ok(())
    }
}
