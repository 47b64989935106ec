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

    /// Whether the text is valid TOML (positions come from the parsed
    /// document only then).
    pub fn parsed(&self) -> bool {
        self.doc.is_some()
    }

    /// The user's path (`stage.Pilot.gate.pass`) of the key or table header
    /// written on a 1-based line, read from the raw text. For errors in text
    /// that is not valid TOML, where there is no document to walk; a best
    /// effort that gives up on anything unusual.
    pub fn path_at_line(&self, line: usize) -> Option<String> {
        let lines: Vec<&str> = self.text.lines().collect();
        let target = lines.get(line.checked_sub(1)?)?.trim();
        // The path of the innermost table header at or above the line.
        let mut table = String::new();
        let mut array: Option<(String, String)> = None; // (toml name, user path)
        for (n, raw) in lines.iter().enumerate().take(line) {
            let l = raw.trim();
            if let Some(name) = l.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
                let name = name.trim().to_string();
                let user = match block_name(&lines[n + 1..]) {
                    Some(named) if name == "stage" || name == "benefit" => {
                        format!("{name}.{named}")
                    }
                    _ => name.clone(),
                };
                table = user.clone();
                array = Some((name, user));
            } else if let Some(name) = l.strip_prefix('[').and_then(|r| r.split(']').next()) {
                let name = name.trim();
                table = match &array {
                    Some((a, user)) if name.starts_with(&format!("{a}.")) => {
                        format!("{user}{}", &name[a.len()..])
                    }
                    _ => name.to_string(),
                };
                if !name.contains('.') {
                    array = None;
                }
            }
        }
        if target.starts_with('[') {
            return (!table.is_empty()).then_some(table);
        }
        let key = target
            .split('=')
            .next()?
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        if key.is_empty() || key.starts_with('#') || !target.contains('=') {
            return (!table.is_empty()).then_some(table);
        }
        Some(if table.is_empty() {
            key.to_string()
        } else {
            format!("{table}.{key}")
        })
    }

    /// The stage or benefit name at `[[table]]` number `index`, if written.
    pub fn array_name(&self, table: &str, index: usize) -> Option<String> {
        let doc = self.doc.as_ref()?;
        let t = doc.get(table)?.as_array_of_tables()?.get(index)?;
        t.get("name")?.as_str().map(str::to_string)
    }
}

/// The `name = "..."` written in a table's lines, up to the next header.
fn block_name(lines: &[&str]) -> Option<String> {
    for l in lines {
        let l = l.trim();
        if l.starts_with('[') {
            return None;
        }
        if let Some((k, v)) = l.split_once('=') {
            if k.trim() == "name" {
                let v = v.trim();
                let q = v.chars().next().filter(|c| *c == '"' || *c == '\'')?;
                return v[1..].split(q).next().map(str::to_string);
            }
        }
    }
    None
}

enum Node<'d> {
    Item(&'d Item),
    Table(&'d toml_edit::Table),
    Value(&'d Value),
}
