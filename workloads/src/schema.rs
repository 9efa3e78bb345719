//! A span-preserving TOML tree, read through serde with toml's span support.
//!
//! The scenario is not deserialized straight into typed structs: validation
//! needs the exact key path and position of every value (to say
//! `agents[1].resources.cpus` at line 12), needs tables in file order (agent
//! attributes, reservations), and must tell "unknown key" apart from
//! "reserved for a later feature". So serde builds this small tree, each
//! value and each key carrying its byte span (via toml's `Spanned`
//! protocol), and `validate` walks it by hand.
//!
//! The tree asks the deserializer for a span on every node; where toml has
//! none (some implicit tables) it falls back to a span-less node rather than
//! failing, and the validator then uses the enclosing key's position.

use std::fmt;
use std::ops::Range;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

// toml's `Spanned<T>` asks for a struct with these magic names; answering
// the same request ourselves lets one visitor accept both spanned and
// span-less values (`Spanned<T>` alone would fail on the latter).
const SPANNED_NAME: &str = "$__serde_spanned_private_Spanned";
const SPANNED_START: &str = "$__serde_spanned_private_start";
const SPANNED_END: &str = "$__serde_spanned_private_end";
const SPANNED_VALUE: &str = "$__serde_spanned_private_value";
const SPANNED_FIELDS: &[&str] = &[SPANNED_START, SPANNED_END, SPANNED_VALUE];
const DATETIME_FIELD: &str = "$__toml_private_datetime";

/// One TOML value with where it is.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub span: Option<Range<usize>>,
    pub val: Val,
}

#[derive(Clone, Debug)]
pub(crate) enum Val {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime(String),
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

/// One `key = value` of a table, in file order.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub key: String,
    pub key_span: Option<Range<usize>>,
    pub node: Node,
}

impl Val {
    /// How a value is named in "expected X, got Y" messages.
    pub fn describe(&self) -> String {
        match self {
            Val::Str(s) => format!("the string {s:?}"),
            Val::Int(i) => format!("the integer {i}"),
            Val::Float(f) => format!("the number {f:?}"),
            Val::Bool(b) => format!("the boolean {b}"),
            Val::Datetime(d) => format!("the date-time {d}"),
            Val::Array(_) => "an array".to_string(),
            Val::Table(_) => "a table".to_string(),
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_struct(
            SPANNED_NAME,
            SPANNED_FIELDS,
            NodeVisitor { spanned_ok: true },
        )
    }
}

/// The value inside a span wrapper: it must not ask for a span again, or
/// the deserializer would wrap it once more, forever.
struct Bare(Node);

impl<'de> Deserialize<'de> for Bare {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Bare, D::Error> {
        d.deserialize_any(NodeVisitor { spanned_ok: false })
            .map(Bare)
    }
}

/// Parses a whole document into its top-level table (span-less root).
pub(crate) fn parse_document(text: &str) -> Result<Node, toml::de::Error> {
    let Bare(node) = toml::from_str::<Bare>(text)?;
    Ok(node)
}

/// A table key, with its span when toml knows it; magic field names of the
/// span and date-time protocols arrive as plain strings.
enum KeyTok {
    Plain(String),
    Spanned(String, Range<usize>),
}

impl<'de> Deserialize<'de> for KeyTok {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyTok, D::Error> {
        d.deserialize_struct(SPANNED_NAME, SPANNED_FIELDS, KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = KeyTok;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a table key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyTok, E> {
        Ok(KeyTok::Plain(v.to_string()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyTok, A::Error> {
        let (mut start, mut end, mut value) = (None, None, None);
        while let Some(k) = map.next_key::<String>()? {
            match k.as_str() {
                SPANNED_START => start = Some(map.next_value::<usize>()?),
                SPANNED_END => end = Some(map.next_value::<usize>()?),
                SPANNED_VALUE => value = Some(map.next_value::<String>()?),
                _ => return Err(de::Error::custom("unexpected field in a spanned key")),
            }
        }
        match (start, end, value) {
            (Some(s), Some(e), Some(v)) => Ok(KeyTok::Spanned(v, s..e)),
            (_, _, Some(v)) => Ok(KeyTok::Plain(v)),
            _ => Err(de::Error::custom("spanned key without a value")),
        }
    }
}

struct NodeVisitor {
    spanned_ok: bool,
}

fn bare(val: Val) -> Node {
    Node { span: None, val }
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a TOML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(bare(Val::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(bare(Val::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        i64::try_from(v)
            .map(|i| bare(Val::Int(i)))
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(bare(Val::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(bare(Val::Str(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(bare(Val::Str(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(bare(Val::Array(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        let mut first = true;
        while let Some(k) = map.next_key::<KeyTok>()? {
            match k {
                KeyTok::Plain(name) if first && self.spanned_ok && name == SPANNED_START => {
                    return finish_spanned(map);
                }
                KeyTok::Plain(name) if first && name == DATETIME_FIELD => {
                    let s: String = map.next_value()?;
                    return Ok(bare(Val::Datetime(s)));
                }
                KeyTok::Plain(key) => {
                    let node: Node = map.next_value()?;
                    entries.push(Entry {
                        key,
                        key_span: None,
                        node,
                    });
                }
                KeyTok::Spanned(key, span) => {
                    let node: Node = map.next_value()?;
                    entries.push(Entry {
                        key,
                        key_span: Some(span),
                        node,
                    });
                }
            }
            first = false;
        }
        Ok(bare(Val::Table(entries)))
    }
}

/// The rest of a span wrapper after its start key: start, end, value.
fn finish_spanned<'de, A: MapAccess<'de>>(mut map: A) -> Result<Node, A::Error> {
    let start: usize = map.next_value()?;
    let mut end = start;
    let mut node = None;
    while let Some(k) = map.next_key::<String>()? {
        match k.as_str() {
            SPANNED_END => end = map.next_value()?,
            SPANNED_VALUE => node = Some(map.next_value::<Bare>()?.0),
            _ => return Err(de::Error::custom("unexpected field in a spanned value")),
        }
    }
    let mut node = node.ok_or_else(|| de::Error::custom("spanned value without a value"))?;
    node.span = Some(start..end);
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(n: &Node) -> &[Entry] {
        match &n.val {
            Val::Table(t) => t,
            v => panic!("not a table: {v:?}"),
        }
    }

    #[test]
    fn keeps_order_and_spans() {
        let text = "b = 1\na = \"x\"\n[t]\nz = { q = 1.5, p = [1, 2] }\n[[arr]]\nk = true\n[[arr]]\nk = false\nd = 1979-05-27\n";
        let root = parse_document(text).unwrap();
        let top = table(&root);
        let keys: Vec<_> = top.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["b", "a", "t", "arr"]);
        assert_eq!(top[1].key_span, Some(6..7));
        assert_eq!(top[1].node.span, Some(10..13));
        let t = table(&top[2].node);
        let z = table(&t[0].node);
        assert_eq!(z[0].key, "q");
        assert_eq!(z[1].key, "p");
        match &top[3].node.val {
            Val::Array(items) => {
                assert_eq!(items.len(), 2);
                for it in items {
                    assert!(it.span.is_some());
                }
                let second = table(&items[1]);
                assert!(matches!(second[1].node.val, Val::Datetime(_)));
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn dotted_keys_and_implicit_tables() {
        let text = "[a.b]\nc = 1\n[x]\ny.z = 2\n";
        let root = parse_document(text).unwrap();
        let top = table(&root);
        assert_eq!(top[0].key, "a");
        assert_eq!(top[1].key, "x");
        let x = table(&top[1].node);
        assert_eq!(x[0].key, "y");
        assert!(x[0].key_span.is_some());
    }
}
