//! From files to the keyword tree. PLACEHOLDER: the full lexer/preprocessor replaces this.

use std::path::Path;

use super::diag::{Diagnostics, Loc};
use super::tree::Node;
use super::LoadOptions;

pub fn read_tree(path: &Path, _opts: &LoadOptions, d: &mut Diagnostics) -> Vec<Node> {
    let file = d.add_file(path);
    match std::fs::read_to_string(path) {
        Ok(text) => tree_from_str(&text, file, d),
        Err(e) => {
            d.error(
                Loc { file, line: 0 },
                format!("cannot read {}: {e}", path.display()),
            );
            Vec::new()
        }
    }
}

/// Builds a tree from one text (no include/definitions): enough for section tests.
pub fn tree_from_str(text: &str, file: u16, d: &mut Diagnostics) -> Vec<Node> {
    let mut stack: Vec<Vec<Node>> = vec![Vec::new()];
    for (i, raw) in text.lines().enumerate() {
        let loc = Loc {
            file,
            line: i as u32 + 1,
        };
        let line = raw.split(['#', '!']).next().unwrap_or("");
        let mut words: Vec<String> = Vec::new();
        let spaced = line.replace('{', " { ").replace('}', " } ");
        for w in spaced.split_whitespace() {
            match w {
                "{" => {
                    if !words.is_empty() {
                        let top = stack.last_mut().expect("stack never empty");
                        top.push(Node {
                            loc,
                            words: std::mem::take(&mut words),
                            block: None,
                            end_line: loc.line,
                        });
                    }
                    stack.push(Vec::new());
                }
                "}" => {
                    if !words.is_empty() {
                        let top = stack.last_mut().expect("stack never empty");
                        top.push(Node {
                            loc,
                            words: std::mem::take(&mut words),
                            block: None,
                            end_line: loc.line,
                        });
                    }
                    if stack.len() == 1 {
                        d.error(loc, "unexpected '}'");
                        continue;
                    }
                    let block = stack.pop().unwrap_or_default();
                    let top = stack.last_mut().expect("stack never empty");
                    match top.last_mut() {
                        Some(n) if n.block.is_none() => {
                            n.block = Some(block);
                            n.end_line = loc.line;
                        }
                        _ => d.error(loc, "block without a keyword"),
                    }
                }
                _ => words.push(w.trim_matches('"').to_string()),
            }
        }
        if !words.is_empty() {
            stack.last_mut().expect("stack never empty").push(Node {
                loc,
                words,
                block: None,
                end_line: loc.line,
            });
        }
    }
    while stack.len() > 1 {
        d.error(
            Loc {
                file,
                line: text.lines().count() as u32,
            },
            "missing '}'",
        );
        let block = stack.pop().unwrap_or_default();
        if let Some(n) = stack.last_mut().and_then(|t| t.last_mut()) {
            n.block = Some(block);
        }
    }
    stack.pop().unwrap_or_default()
}
