//! The line and row machinery every text reader shares: bounded line
//! reads (no line may grow past [`MAX_LINE`] bytes), field splitting,
//! typed field access whose errors name the column, header handling,
//! time-order checks and `on_error = "skip"` accounting.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read};

use crate::error::TraceError;
use crate::OnError;

/// The longest line accepted (1 MiB): a file with no newlines cannot make
/// a reader hold more than this.
pub const MAX_LINE: usize = 1 << 20;

/// Turns an I/O error of the underlying stream into a [`TraceError`].
pub(crate) fn stream_error(file: &str, line: u64, e: &io::Error) -> TraceError {
    let (expected, found) = match e.kind() {
        io::ErrorKind::UnexpectedEof => (
            "the rest of the compressed stream".to_string(),
            "the end of the file (truncated gzip)".to_string(),
        ),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            ("valid gzip data".to_string(), format!("corrupt data ({e})"))
        }
        _ => ("readable data".to_string(), format!("an I/O error ({e})")),
    };
    TraceError::Stream {
        file: file.to_string(),
        line,
        expected,
        found,
    }
}

/// Bounded line reader: strips `\n` and `\r\n`, accepts a missing final
/// newline.
pub(crate) struct Lines<R> {
    r: R,
    pub file: String,
    pub line: u64,
    pub buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> Lines<R> {
    pub fn new(r: R, file: &str) -> Self {
        Lines {
            r,
            file: file.to_string(),
            line: 0,
            buf: Vec::new(),
            done: false,
        }
    }

    /// Reads the next line into `buf`; Ok(false) at the end.
    pub fn advance(&mut self) -> Result<bool, TraceError> {
        if self.done {
            return Ok(false);
        }
        self.buf.clear();
        self.line += 1;
        let n = match (&mut self.r)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut self.buf)
        {
            Ok(n) => n,
            Err(e) => {
                self.done = true;
                return Err(stream_error(&self.file, self.line, &e));
            }
        };
        if n == 0 {
            self.done = true;
            return Ok(false);
        }
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        } else if self.buf.len() > MAX_LINE {
            self.done = true;
            return Err(TraceError::Stream {
                file: self.file.clone(),
                line: self.line,
                expected: format!("a line of at most {MAX_LINE} bytes"),
                found: "a longer one".into(),
            });
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(true)
    }
}

/// How fields are separated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sep {
    Comma,
    Whitespace,
}

/// Whether a table has a header line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Header {
    /// Never: a header-like line is a bad line like any other.
    No,
    /// The published table has none, but copies made by others sometimes
    /// add one: line 1 is taken as a header when the given column (a
    /// numeric one) starts with a letter. Anywhere else it is an error.
    Line1(usize),
    /// Line 1 is a header; columns are found by name.
    Yes,
}

/// The fixed description of one table.
pub(crate) struct TableDef {
    #[allow(dead_code)]
    pub name: &'static str,
    pub cols: &'static [&'static str],
    /// Fewer columns than this is a short row (older versions may have
    /// fewer trailing columns than `cols`).
    pub min_cols: usize,
    pub sep: Sep,
    pub header: Header,
    /// A column whose integer value must never decrease (the published
    /// table is sorted by it), checked across shards too.
    pub sorted_by: Option<usize>,
}

/// One split line.
pub(crate) struct Row<'a> {
    pub file: &'a str,
    pub line: u64,
    def: &'static TableDef,
    buf: &'a [u8],
    fields: &'a [(usize, usize)],
    map: &'a [usize],
}

fn found_text(b: &[u8]) -> String {
    if b.is_empty() {
        return "an empty field".into();
    }
    let s = String::from_utf8_lossy(b);
    let mut t: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        t.push_str("...");
    }
    format!("{t:?}")
}

impl<'a> Row<'a> {
    pub fn err(
        &self,
        col: usize,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> TraceError {
        TraceError::Line {
            file: self.file.to_string(),
            line: self.line,
            column: self.def.cols[col].to_string(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// The field of column `col`, trimmed; empty when the row is shorter.
    pub fn raw(&self, col: usize) -> &'a [u8] {
        match self.map.get(col).and_then(|&i| self.fields.get(i)) {
            Some(&(s, e)) => self.buf[s..e].trim_ascii(),
            None => b"",
        }
    }

    pub fn opt_str(&self, col: usize) -> Result<Option<&'a str>, TraceError> {
        let b = self.raw(col);
        if b.is_empty() {
            return Ok(None);
        }
        std::str::from_utf8(b)
            .map(Some)
            .map_err(|_| self.err(col, "UTF-8 text", found_text(b)))
    }

    pub fn str(&self, col: usize) -> Result<&'a str, TraceError> {
        self.opt_str(col)?
            .ok_or_else(|| self.err(col, "a value", "an empty field"))
    }

    pub fn opt_int(&self, col: usize) -> Result<Option<i64>, TraceError> {
        let b = self.raw(col);
        if b.is_empty() {
            return Ok(None);
        }
        std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .map(Some)
            .ok_or_else(|| self.err(col, "an integer", found_text(b)))
    }

    pub fn int(&self, col: usize) -> Result<i64, TraceError> {
        self.opt_int(col)?
            .ok_or_else(|| self.err(col, "an integer", "an empty field"))
    }

    pub fn opt_float(&self, col: usize) -> Result<Option<f64>, TraceError> {
        let b = self.raw(col);
        if b.is_empty() {
            return Ok(None);
        }
        std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| self.err(col, "a number", found_text(b)))
    }

    pub fn float(&self, col: usize) -> Result<f64, TraceError> {
        self.opt_float(col)?
            .ok_or_else(|| self.err(col, "a number", "an empty field"))
    }

    /// A float count of seconds as integer microseconds.
    pub fn opt_secs_f(&self, col: usize) -> Result<Option<i64>, TraceError> {
        match self.opt_float(col)? {
            None => Ok(None),
            Some(v) if v.abs() < 9.0e12 => Ok(Some((v * 1e6).round() as i64)),
            Some(_) => Err(self.err(col, "a time in seconds", found_text(self.raw(col)))),
        }
    }

    /// Whole seconds as microseconds.
    pub fn opt_secs(&self, col: usize) -> Result<Option<i64>, TraceError> {
        match self.opt_int(col)? {
            None => Ok(None),
            Some(v) => v
                .checked_mul(1_000_000)
                .map(Some)
                .ok_or_else(|| self.err(col, "a time in seconds", found_text(self.raw(col)))),
        }
    }

    pub fn secs(&self, col: usize) -> Result<i64, TraceError> {
        self.opt_secs(col)?
            .ok_or_else(|| self.err(col, "a time in seconds", "an empty field"))
    }

    pub fn count(&self, col: usize) -> Result<u64, TraceError> {
        let v = self.int(col)?;
        u64::try_from(v).map_err(|_| self.err(col, "a count >= 0", found_text(self.raw(col))))
    }
}

/// Parses one row into zero or one record.
pub(crate) type ParseFn<T> = fn(&Row) -> Result<Option<T>, TraceError>;

/// A streaming reader of one table over any `BufRead`.
pub struct TableReader<R, T> {
    lines: Lines<R>,
    def: &'static TableDef,
    parse: ParseFn<T>,
    on_error: OnError,
    skipped: BTreeMap<String, u64>,
    map: Vec<usize>,
    fields: Vec<(usize, usize)>,
    last_sorted: Option<i64>,
    rows: u64,
    failed: bool,
    comments: BTreeMap<String, String>,
}

impl<R: BufRead, T> TableReader<R, T> {
    pub(crate) fn new(
        r: R,
        file: &str,
        def: &'static TableDef,
        parse: ParseFn<T>,
        on_error: OnError,
    ) -> Self {
        TableReader {
            lines: Lines::new(r, file),
            def,
            parse,
            on_error,
            skipped: BTreeMap::new(),
            map: (0..def.cols.len()).collect(),
            fields: Vec::new(),
            last_sorted: None,
            rows: 0,
            failed: false,
            comments: BTreeMap::new(),
        }
    }

    /// The lines skipped so far, by reason (`on_error = "skip"`).
    pub fn skipped(&self) -> &BTreeMap<String, u64> {
        &self.skipped
    }

    /// `Key: value` pairs of `;` comment lines (SWF header), so far.
    pub fn comments(&self) -> &BTreeMap<String, String> {
        &self.comments
    }

    /// Data rows read (header and blank lines excluded, skipped included).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Carries the time-order check over from the previous shard.
    pub(crate) fn set_last_sorted(&mut self, last: Option<i64>) {
        self.last_sorted = last;
    }

    pub(crate) fn last_sorted(&self) -> Option<i64> {
        self.last_sorted
    }

    fn split(&mut self) {
        self.fields.clear();
        let b = &self.lines.buf;
        match self.def.sep {
            Sep::Comma => {
                let mut s = 0;
                for (i, &c) in b.iter().enumerate() {
                    if c == b',' {
                        self.fields.push((s, i));
                        s = i + 1;
                    }
                }
                self.fields.push((s, b.len()));
            }
            Sep::Whitespace => {
                let mut s = None;
                for (i, &c) in b.iter().enumerate() {
                    let ws = c.is_ascii_whitespace();
                    match (s, ws) {
                        (None, false) => s = Some(i),
                        (Some(st), true) => {
                            self.fields.push((st, i));
                            s = None;
                        }
                        _ => {}
                    }
                }
                if let Some(st) = s {
                    self.fields.push((st, b.len()));
                }
            }
        }
    }

    fn header_from_names(&mut self) -> Result<(), TraceError> {
        let names: Vec<String> = self
            .fields
            .iter()
            .map(|&(s, e)| String::from_utf8_lossy(self.lines.buf[s..e].trim_ascii()).into_owned())
            .collect();
        for (ci, col) in self.def.cols.iter().enumerate() {
            match names.iter().position(|n| n == col) {
                Some(p) => self.map[ci] = p,
                None => {
                    return Err(TraceError::Line {
                        file: self.lines.file.clone(),
                        line: self.lines.line,
                        column: col.to_string(),
                        expected: format!(
                            "a header line naming the columns {}",
                            self.def.cols.join(",")
                        ),
                        found: found_text(&self.lines.buf),
                    })
                }
            }
        }
        Ok(())
    }

    /// Parses the current line; Ok(None) for a header or blank line.
    fn parse_line(&mut self) -> Result<Option<T>, TraceError> {
        self.split();
        let first = self.lines.line == 1;
        if first && self.def.header == Header::Yes {
            self.header_from_names()?;
            return Ok(None);
        }
        if self.lines.buf.trim_ascii().is_empty() {
            // Blank lines (a trailing one, most often) carry nothing.
            return Ok(None);
        }
        if self.def.sep == Sep::Whitespace && self.lines.buf.first() == Some(&b';') {
            // SWF header comments: `; Key: value`.
            let text = String::from_utf8_lossy(&self.lines.buf[1..]).into_owned();
            if let Some((k, v)) = text.split_once(':') {
                let k = k.trim();
                if !k.is_empty() && !k.contains(' ') {
                    self.comments
                        .entry(k.to_string())
                        .or_insert_with(|| v.trim().to_string());
                }
            }
            return Ok(None);
        }
        if first {
            if let Header::Line1(probe) = self.def.header {
                let row = self.row();
                if row
                    .raw(probe)
                    .first()
                    .is_some_and(|c| c.is_ascii_alphabetic())
                {
                    return Ok(None);
                }
            }
        }
        self.rows += 1;
        let n = self.fields.len();
        let want = self.def.cols.len();
        if n < self.def.min_cols || n > want && self.def.header != Header::Yes {
            let col = if n < self.def.min_cols { n } else { want - 1 };
            let expected = if self.def.min_cols == want {
                format!("{want} columns")
            } else {
                format!("{} to {want} columns", self.def.min_cols)
            };
            return Err(self.row().err(col, expected, format!("{n}")));
        }
        let row = self.row();
        if let Some(c) = self.def.sorted_by {
            let t = row.int(c)?;
            if let Some(last) = self.last_sorted {
                if t < last {
                    return Err(row.err(
                        c,
                        format!(
                            "a value >= {last} (the table is sorted by {})",
                            self.def.cols[c]
                        ),
                        format!("{t}"),
                    ));
                }
            }
            let v = (self.parse)(&row)?;
            self.last_sorted = Some(t);
            return Ok(v);
        }
        (self.parse)(&row)
    }

    fn row(&self) -> Row<'_> {
        Row {
            file: &self.lines.file,
            line: self.lines.line,
            def: self.def,
            buf: &self.lines.buf,
            fields: &self.fields,
            map: &self.map,
        }
    }
}

impl<R: BufRead, T> Iterator for TableReader<R, T> {
    type Item = Result<T, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            match self.lines.advance() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
            match self.parse_line() {
                Ok(Some(rec)) => return Some(Ok(rec)),
                Ok(None) => continue,
                Err(e)
                    if e.is_line_error()
                        && self.on_error == OnError::Skip
                        && !(self.def.header == Header::Yes && self.lines.line == 1) =>
                {
                    *self.skipped.entry(e.reason()).or_insert(0) += 1;
                }
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
