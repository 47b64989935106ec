//! Maps a place in the scenario file (a key path such as `stage[1].gate.pass`)
//! to its line and column, so that every error can point at the line to fix.

use toml_edit::{ImDocument, Item, Value};

/// One step of a key path in the TOML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl Seg {
    pub fn key(k: &str) -> Seg {
        Seg::Key(k.to_string())
    }
}

/// The source text with its parsed document, for looking up positions.
pub struct Locator<'a> {
    text: &'a str,
    doc: Option<ImDocument<&'a str>>,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Locator<'a> {
        Locator {
            text,
            doc: ImDocument::parse(text).ok(),
        }
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    /// The text of a 1-based line, trimmed.
    pub fn source_line(&self, line: usize) -> Option<String> {
        self.text
            .lines()
            .nth(line.checked_sub(1)?)
            .map(|l| l.trim().to_string())
    }

    /// The byte offset where the item at `path` starts (its key where it
    /// has one), or where the nearest enclosing item does.
    pub fn offset(&self, path: &[Seg]) -> Option<usize> {
        let doc = self.doc.as_ref()?;
        let mut best = None;
        let mut item: Option<Node> = Some(Node::Item(doc.as_item()));
        for seg in path {
            let Some(node) = item.take() else { break };
            let next = match (node, seg) {
                (Node::Item(Item::Table(t)), Seg::Key(k)) => {
                    if let Some(key) = t.key(k) {
                        best = key.span().map(|s| s.start).or(best);
                    }
                    t.get(k).map(Node::Item)
                }
                (Node::Item(Item::ArrayOfTables(a)), Seg::Index(i)) => a.get(*i).map(|t| {
                    best = t.span().map(|s| s.start).or(best);
                    Node::Table(t)
                }),
                (Node::Table(t), Seg::Key(k)) => {
                    if let Some(key) = t.key(k) {
                        best = key.span().map(|s| s.start).or(best);
                    }
                    t.get(k).map(Node::Item)
                }
                (Node::Item(Item::Value(v)), seg) | (Node::Value(v), seg) => {
                    let inner = match (v, seg) {
                        (Value::InlineTable(t), Seg::Key(k)) => {
                            if let Some(key) = t.key(k) {
                                best = key.span().map(|s| s.start).or(best);
                            }
                            t.get(k)
                        }
                        (Value::Array(a), Seg::Index(i)) => a.get(*i),
                        _ => None,
                    };
                    if let Some(x) = inner {
                        best = x.span().map(|s| s.start).or(best);
                    }
                    inner.map(Node::Value)
                }
                _ => None,
            };
            item = next;
        }
        best
    }

    /// The stage or benefit name at `[[table]]` number `index`, if written.
    pub fn array_name(&self, table: &str, index: usize) -> Option<String> {
        let doc = self.doc.as_ref()?;
        let t = doc.get(table)?.as_array_of_tables()?.get(index)?;
        t.get("name")?.as_str().map(str::to_string)
    }
}

enum Node<'d> {
    Item(&'d Item),
    Table(&'d toml_edit::Table),
    Value(&'d Value),
}
