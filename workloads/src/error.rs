//! The one error type of scenario loading, and byte-offset to line/column
//! conversion.
//!
//! Every problem with a scenario is reported as `FILE:LINE:COL: KEY: message`
//! so that an editor can jump to it and the user sees which key is wrong;
//! problems with no place in the file (an unreadable file) are `FILE:
//! message`. Lines and columns are 1-based; columns count characters, not
//! bytes, so that they match what an editor shows.

use std::ops::Range;

/// A malformed or invalid scenario, or a scenario file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct ScenarioError {
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    key: Option<String>,
    message: String,
    #[source]
    source: Option<std::io::Error>,
}

impl ScenarioError {
    /// An error somewhere in `text` (byte offsets `span`), about `key`.
    pub(crate) fn at(
        file: &str,
        text: &str,
        span: Option<Range<usize>>,
        key: Option<String>,
        message: impl Into<String>,
    ) -> ScenarioError {
        let (line, column) = match span {
            Some(s) => {
                let (l, c) = line_col(text, s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        ScenarioError {
            file: file.to_string(),
            line,
            column,
            key: key.filter(|k| !k.is_empty()),
            message: message.into(),
            source: None,
        }
    }

    /// The file could not be read at all.
    pub(crate) fn io(file: &str, err: std::io::Error) -> ScenarioError {
        ScenarioError {
            file: file.to_string(),
            line: None,
            column: None,
            key: None,
            message: err.to_string(),
            source: Some(err),
        }
    }

    /// The file label the error was reported against.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// 1-based line, when the error has a place in the file.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// 1-based column (in characters), when the error has a place.
    pub fn column(&self) -> Option<usize> {
        self.column
    }

    /// The dotted key path (`agents[1].resources.cpus`; array indices count
    /// from 0), when the error is about one key.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// What is wrong, without the location prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    fn render(&self) -> String {
        let mut s = self.file.clone();
        if let (Some(l), Some(c)) = (self.line, self.column) {
            s.push_str(&format!(":{l}:{c}"));
        }
        s.push_str(": ");
        if let Some(k) = &self.key {
            s.push_str(k);
            s.push_str(": ");
        }
        s.push_str(&self.message);
        s
    }
}

/// 1-based (line, column) of byte `offset` in `text`. Offsets past the end
/// or inside a multi-byte character are clamped, so a bad span from the
/// parser can never panic here.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut off = offset.min(text.len());
    while off > 0 && !text.is_char_boundary(off) {
        off -= 1;
    }
    let before = &text[..off];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = text[line_start..off].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let t = "a = 1\nbé = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 4), (1, 5));
        assert_eq!(line_col(t, 6), (2, 1));
        // 'é' is two bytes; the '=' after it is the 4th character.
        assert_eq!(line_col(t, 10), (2, 4));
        assert_eq!(line_col(t, 1000), (3, 1));
    }

    #[test]
    fn display_with_and_without_location() {
        let t = "x\ny\n";
        let e = ScenarioError::at("sc.toml", t, Some(2..3), Some("k.v".into()), "bad");
        assert_eq!(e.to_string(), "sc.toml:2:1: k.v: bad");
        assert_eq!(e.line(), Some(2));
        assert_eq!(e.key(), Some("k.v"));
        let e = ScenarioError::at("sc.toml", t, None, None, "gone");
        assert_eq!(e.to_string(), "sc.toml: gone");
        assert_eq!(e.line(), None);
    }
}
