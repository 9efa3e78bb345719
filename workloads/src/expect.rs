//! `[[expect]]` entries of a scenario: what `mesosim check` asserts about
//! the run's `summary.json` (docs/ci.md).
//!
//! ```toml
//! [[expect]]
//! metric = "jain_dominant_share"    # a summary key (docs/metrics.md)
//! min = 0.95                        # and/or max, or equals
//! [[expect]]
//! framework = "f1"                  # a key of frameworks.f1
//! metric = "tasks_finished"
//! equals = 3
//! [[expect]]
//! metric = "p95_wait_us"
//! max = 2000000
//! policy = "drf"                    # run under this policy (default: the scenario's)
//! ```
//!
//! [`crate::parse_str`] accepts the table and ignores it; this module
//! reads it, reporting problems as `FILE:LINE:COL: expect[i].KEY: ...`.

use std::ops::Range;
use std::path::Path;

use crate::error::{line_col, ScenarioError};
use crate::schema::{parse_document, Entry, Node, Val};

/// One expectation.
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    /// A key of `summary.json`: a dotted path or a bare name (docs/metrics.md).
    pub metric: String,
    /// Look the metric up in `frameworks.NAME`.
    pub framework: Option<String>,
    /// Run under this policy instead of the scenario's.
    pub policy: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub equals: Option<f64>,
    /// 1-based line of the entry in the file (0 when unknown).
    pub line: usize,
}

impl Expect {
    /// A short human description: `framework f1: tasks_finished == 3`.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        if let Some(f) = &self.framework {
            s.push_str(&format!("framework {f}: "));
        }
        s.push_str(&self.metric);
        let mut conds = Vec::new();
        if let Some(v) = self.equals {
            conds.push(format!("== {v}"));
        }
        if let Some(v) = self.min {
            conds.push(format!(">= {v}"));
        }
        if let Some(v) = self.max {
            conds.push(format!("<= {v}"));
        }
        s.push(' ');
        s.push_str(&conds.join(" and "));
        if let Some(p) = &self.policy {
            s.push_str(&format!(" (policy {p})"));
        }
        s
    }

    /// Whether `value` meets every bound.
    pub fn holds(&self, value: f64) -> bool {
        self.equals.is_none_or(|v| value == v)
            && self.min.is_none_or(|v| value >= v)
            && self.max.is_none_or(|v| value <= v)
    }
}

const KEYS: &[&str] = &["metric", "framework", "policy", "min", "max", "equals"];

/// Reads the `[[expect]]` entries of a scenario file (none: empty).
pub fn load_expectations(path: &Path) -> Result<Vec<Expect>, ScenarioError> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::io(&label, e))?;
    parse_expectations(&text, &label)
}

/// The `[[expect]]` entries of scenario text; `file_label` names it in errors.
pub fn parse_expectations(text: &str, file_label: &str) -> Result<Vec<Expect>, ScenarioError> {
    let root = parse_document(text).map_err(|e| {
        ScenarioError::at(
            file_label,
            text,
            e.span().or(Some(0..0)),
            None,
            format!("invalid TOML: {}", e.message().trim()),
        )
    })?;
    let Val::Table(top) = &root.val else {
        return Ok(Vec::new());
    };
    let Some(entry) = top.iter().find(|e| e.key == "expect") else {
        return Ok(Vec::new());
    };
    let err = |span: &Option<Range<usize>>, key: String, msg: String| {
        ScenarioError::at(file_label, text, span.clone(), Some(key), msg)
    };
    let items: Vec<&Node> = match &entry.node.val {
        Val::Array(items) => items.iter().collect(),
        v => {
            return Err(err(
                &entry.key_span,
                "expect".into(),
                format!(
                    "expected an array of tables ([[expect]]), got {}",
                    v.describe()
                ),
            ))
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("expect[{i}]");
        let loc = item.span.clone().or(entry.key_span.clone());
        let Val::Table(t) = &item.val else {
            return Err(err(
                &loc,
                path,
                format!("expected a table, got {}", item.val.describe()),
            ));
        };
        let at = |e: &Entry| e.key_span.clone().or(e.node.span.clone()).or(loc.clone());
        let mut x = Expect {
            metric: String::new(),
            framework: None,
            policy: None,
            min: None,
            max: None,
            equals: None,
            line: loc.as_ref().map(|s| line_col(text, s.start).0).unwrap_or(0),
        };
        let mut metric = None;
        for e in t {
            let key = format!("{path}.{}", e.key);
            match (e.key.as_str(), &e.node.val) {
                ("metric" | "framework" | "policy", Val::Str(s)) => {
                    if s.is_empty() {
                        return Err(err(&at(e), key, "must not be empty".into()));
                    }
                    match e.key.as_str() {
                        "metric" => metric = Some(s.clone()),
                        "framework" => x.framework = Some(s.clone()),
                        _ => x.policy = Some(s.clone()),
                    }
                }
                ("metric" | "framework" | "policy", v) => {
                    return Err(err(
                        &at(e),
                        key,
                        format!("expected a string, got {}", v.describe()),
                    ))
                }
                ("min" | "max" | "equals", v) => {
                    let n = match v {
                        Val::Int(i) => *i as f64,
                        Val::Float(f) if f.is_finite() => *f,
                        v => {
                            return Err(err(
                                &at(e),
                                key,
                                format!("expected a number, got {}", v.describe()),
                            ))
                        }
                    };
                    match e.key.as_str() {
                        "min" => x.min = Some(n),
                        "max" => x.max = Some(n),
                        _ => x.equals = Some(n),
                    }
                }
                (k, _) => {
                    return Err(err(
                        &at(e),
                        key,
                        format!("unknown key `{k}`; allowed here: {}", KEYS.join(", ")),
                    ))
                }
            }
        }
        x.metric = metric.ok_or_else(|| err(&loc, path.clone(), "missing `metric`".to_string()))?;
        if x.min.is_none() && x.max.is_none() && x.equals.is_none() {
            return Err(err(
                &loc,
                path,
                "give at least one of `min`, `max`, `equals`".into(),
            ));
        }
        out.push(x);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries_and_lines() {
        let t = "name = \"x\"\n[[expect]]\nmetric = \"jain_dominant_share\"\nmin = 0.95\n\
                 [[expect]]\nframework = \"f1\"\nmetric = \"tasks_finished\"\nequals = 3\n";
        let e = parse_expectations(t, "s.toml").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].min, Some(0.95));
        assert_eq!(e[1].framework.as_deref(), Some("f1"));
        assert_eq!(e[1].equals, Some(3.0));
        assert!(e[1].holds(3.0) && !e[1].holds(2.0));
        assert!(e[0].line >= 2);
    }

    #[test]
    fn errors_name_line_and_key() {
        let t = "[[expect]]\nmetric = \"x\"\nmni = 1\n";
        let e = parse_expectations(t, "s.toml").unwrap_err().to_string();
        assert!(
            e.starts_with("s.toml:3:1: expect[0].mni: unknown key"),
            "{e}"
        );
        let t = "[[expect]]\nmetric = \"x\"\n";
        let e = parse_expectations(t, "s.toml").unwrap_err().to_string();
        assert!(e.contains("at least one of"), "{e}");
        let t = "[[expect]]\nmetric = \"x\"\nmin = \"a\"\n";
        let e = parse_expectations(t, "s.toml").unwrap_err().to_string();
        assert!(
            e.contains("s.toml:3:1: expect[0].min: expected a number"),
            "{e}"
        );
    }
}
