//! Line fragments to the keyword tree: a `{` opens a block for the statement before it (on the
//! same line or an earlier one), a `}` closes it.

use super::lexer;
use crate::config::diag::{Diagnostics, Loc};
use crate::config::tree::Node;

struct Level {
    nodes: Vec<Node>,
    /// Opened by a `{` with no statement to belong to: its content is dropped.
    orphan: bool,
}

/// Blocks nested deeper than this are refused: keepalived's deepest real nesting is 4, and
/// dropping a much deeper tree would recurse past the stack.
const MAX_NESTING: usize = 64;

pub(crate) struct TreeBuilder {
    stack: Vec<Level>,
}

impl TreeBuilder {
    pub(crate) fn new() -> Self {
        TreeBuilder {
            stack: vec![Level {
                nodes: Vec::new(),
                orphan: false,
            }],
        }
    }

    fn top(&mut self) -> &mut Level {
        if self.stack.is_empty() {
            self.stack.push(Level {
                nodes: Vec::new(),
                orphan: false,
            });
        }
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    /// Adds one fragment: `{`, `}`, or the words of a statement. False when the statement has
    /// a `"` without its pair (the words before it are kept).
    pub(crate) fn push(&mut self, fragment: &str, loc: Loc, d: &mut Diagnostics) -> bool {
        match fragment {
            "" => {}
            "{" => {
                let mut orphan = !matches!(self.top().nodes.last(), Some(n) if n.block.is_none());
                if orphan {
                    d.error(loc, "unexpected '{'");
                } else if self.stack.len() > MAX_NESTING {
                    d.error(
                        loc,
                        format_args!("blocks nested deeper than {MAX_NESTING} levels"),
                    );
                    orphan = true;
                }
                self.stack.push(Level {
                    nodes: Vec::new(),
                    orphan,
                });
            }
            "}" => {
                if self.stack.len() <= 1 {
                    d.error(loc, "unexpected '}'");
                    return true;
                }
                let Some(level) = self.stack.pop() else {
                    return true;
                };
                if !level.orphan {
                    if let Some(owner) = self.top().nodes.last_mut() {
                        owner.block = Some(level.nodes);
                        owner.end_line = loc.line;
                    }
                }
            }
            _ => {
                let (words, ok) = match lexer::words(fragment) {
                    Ok(w) => (w, true),
                    Err(partial) => (partial, false),
                };
                if !words.is_empty() {
                    self.top().nodes.push(Node {
                        loc,
                        words,
                        block: None,
                        end_line: loc.line,
                        raw: fragment.to_string(),
                    });
                }
                return ok;
            }
        }
        true
    }

    /// Closes blocks left open at the end of the config (`eof`: the last line) and returns the tree.
    pub(crate) fn finish(mut self, eof: Loc, d: &mut Diagnostics) -> Vec<Node> {
        while self.stack.len() > 1 {
            let Some(level) = self.stack.pop() else {
                break;
            };
            if level.orphan {
                d.error(eof, "missing '}' at end of config");
                continue;
            }
            let Some(owner) = self.top().nodes.last_mut() else {
                continue;
            };
            // The opening line is where the user has to look; the end of file says nothing.
            let msg = format!(
                "block '{}' is not closed: missing '}}' before the end of the config",
                owner.keyword()
            );
            owner.block = Some(level.nodes);
            owner.end_line = eof.line;
            d.error(owner.loc, msg);
        }
        self.stack.pop().map(|l| l.nodes).unwrap_or_default()
    }
}
