//! The one error type of trace reading.
//!
//! A bad line is reported as `FILE:LINE: column NAME: expected ..., found
//! ...`; a stream that cannot be read on (a truncated or corrupt gzip
//! member, an unreadable file) as `FILE:LINE: expected ..., found ...`
//! (LINE is the line being read when it broke), and a bad option or path
//! as `FILE: message`.

use std::fmt;

/// Why a trace could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceError {
    /// One line is malformed: `FILE:LINE: column NAME: expected E, found F`.
    /// With `on_error = "skip"` these are skipped and counted.
    Line {
        file: String,
        line: u64,
        column: String,
        expected: String,
        found: String,
    },
    /// The stream broke (truncated gzip, I/O error): never skippable.
    Stream {
        file: String,
        line: u64,
        expected: String,
        found: String,
    },
    /// A file, folder or option is wrong: `FILE: message`.
    Input { file: String, message: String },
}

impl TraceError {
    pub(crate) fn input(file: impl Into<String>, message: impl Into<String>) -> TraceError {
        TraceError::Input {
            file: file.into(),
            message: message.into(),
        }
    }

    /// The file the error is reported against.
    pub fn file(&self) -> &str {
        match self {
            TraceError::Line { file, .. }
            | TraceError::Stream { file, .. }
            | TraceError::Input { file, .. } => file,
        }
    }

    /// The 1-based line, where there is one.
    pub fn line(&self) -> Option<u64> {
        match self {
            TraceError::Line { line, .. } | TraceError::Stream { line, .. } => Some(*line),
            TraceError::Input { .. } => None,
        }
    }

    /// True for errors that `on_error = "skip"` may skip (one bad line).
    pub fn is_line_error(&self) -> bool {
        matches!(self, TraceError::Line { .. })
    }

    /// The skip-count key: the column and what was expected, without the
    /// file, line and found value (`plan_cpu: expected a number`).
    pub fn reason(&self) -> String {
        match self {
            // The time-order message names the previous line's value;
            // the key does not, so that one cause is one key.
            TraceError::Line {
                column, expected, ..
            } => match expected.split_once(" (the table is sorted by ") {
                Some((head, tail)) if head.starts_with("a value >= ") => {
                    format!("{column}: expected a value >= the previous line's (the table is sorted by {tail}")
                }
                _ => format!("{column}: expected {expected}"),
            },
            TraceError::Stream { expected, .. } => format!("expected {expected}"),
            TraceError::Input { message, .. } => message.clone(),
        }
    }
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::Line {
                file,
                line,
                column,
                expected,
                found,
            } => write!(
                f,
                "{file}:{line}: column {column}: expected {expected}, found {found}"
            ),
            TraceError::Stream {
                file,
                line,
                expected,
                found,
            } => write!(f, "{file}:{line}: expected {expected}, found {found}"),
            TraceError::Input { file, message } => write!(f, "{file}: {message}"),
        }
    }
}

impl std::error::Error for TraceError {}

#[cfg(test)]
mod tests {
    use super::TraceError;

    fn line(column: &str, expected: &str) -> TraceError {
        TraceError::Line {
            file: "t.csv".into(),
            line: 2,
            column: column.into(),
            expected: expected.into(),
            found: "5".into(),
        }
    }

    #[test]
    fn skip_reasons_name_the_column_and_what_was_expected() {
        assert_eq!(
            line("plan_cpu", "a number").reason(),
            "plan_cpu: expected a number"
        );
        // The previous line's value is left out of the key.
        assert_eq!(
            line("time", "a value >= 600000000 (the table is sorted by time)").reason(),
            "time: expected a value >= the previous line's (the table is sorted by time)"
        );
        assert_eq!(
            line("time", "a value >= 7 (the table is sorted by time)").reason(),
            line("time", "a value >= 9 (the table is sorted by time)").reason()
        );
    }
}
