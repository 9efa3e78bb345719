//! Opening trace files: plain text, gzip (`.gz`, multi-member), and the
//! Alibaba `tar.gz` archives that hold one CSV; and finding a format's
//! tables in a folder (shards in name order).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::csv::stream_error;
use crate::error::TraceError;

/// A boxed line source.
pub type Input = Box<dyn BufRead + Send>;

fn label(p: &Path) -> String {
    p.display().to_string()
}

fn lower_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Opens one file by its name: `.tar.gz`/`.tgz` (the first regular file
/// inside), `.gz`, or plain.
pub fn open_file(path: &Path) -> Result<Input, TraceError> {
    let f = File::open(path)
        .map_err(|e| TraceError::input(label(path), format!("cannot open: {e}")))?;
    let name = lower_name(path);
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        let gz = MultiGzDecoder::new(BufReader::with_capacity(1 << 16, f));
        return open_tar(gz, &label(path));
    }
    if name.ends_with(".gz") {
        let gz = MultiGzDecoder::new(BufReader::with_capacity(1 << 16, f));
        return Ok(Box::new(BufReader::with_capacity(1 << 16, gz)));
    }
    Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
}

/// Streams the first regular file of a tar archive (its header read by
/// hand so that the returned reader owns the stream).
pub fn open_tar<R: Read + Send + 'static>(mut r: R, file: &str) -> Result<Input, TraceError> {
    loop {
        let mut hdr = tar::Header::new_old();
        if let Err(e) = r.read_exact(hdr.as_mut_bytes()) {
            return Err(if e.kind() == io::ErrorKind::UnexpectedEof {
                TraceError::input(file, "expected a file inside the tar archive, found none")
            } else {
                stream_error(file, 1, &e)
            });
        }
        if hdr.as_bytes().iter().all(|&b| b == 0) {
            return Err(TraceError::input(
                file,
                "expected a file inside the tar archive, found none",
            ));
        }
        if hdr.cksum().is_err() {
            return Err(TraceError::input(
                file,
                "expected a tar archive, found something else",
            ));
        }
        let size = hdr.entry_size().map_err(|_| {
            TraceError::input(file, "expected a tar archive, found a bad entry size")
        })?;
        let name = String::from_utf8_lossy(&hdr.path_bytes()).into_owned();
        let base = name.rsplit('/').next().unwrap_or("");
        if hdr.entry_type().is_file() && !base.starts_with("._") && !base.is_empty() {
            return Ok(Box::new(BufReader::with_capacity(1 << 16, r.take(size))));
        }
        let padded = size.div_ceil(512) * 512;
        io::copy(&mut (&mut r).take(padded), &mut io::sink())
            .map_err(|e| stream_error(file, 1, &e))?;
    }
}

/// Whether a file name holds trace data (not a `.header`, schema or doc).
fn is_data(name: &str) -> bool {
    !(name.ends_with(".header")
        || name.starts_with("schema")
        || name.ends_with(".md")
        || name.ends_with(".txt")
        || name.ends_with(".sh")
        || name.starts_with('.')
        || name.ends_with("sha256sum"))
}

/// The name with its compression and `.csv`/`.json` extensions removed.
fn stem(name: &str) -> &str {
    let mut s = name;
    for ext in [".tar.gz", ".tgz", ".gz", ".csv", ".json", ".jsonl"] {
        if let Some(t) = s.strip_suffix(ext) {
            s = t;
        }
    }
    s
}

/// The files of `table` under the folder `dir`: a subfolder named like the
/// table (its shards, sorted), or files whose name contains the table's
/// name (sorted; one per stem, preferring plain, then `.gz`, then
/// `.tar.gz`).
pub fn table_files(dir: &Path, table: &str) -> Result<Vec<PathBuf>, TraceError> {
    let entries = list(dir)?;
    for p in &entries {
        if p.is_dir() && lower_name(p) == table {
            let mut shards: Vec<PathBuf> = list(p)?
                .into_iter()
                .filter(|q| q.is_file() && is_data(&lower_name(q)))
                .collect();
            shards.sort();
            return Ok(shards);
        }
    }
    let mut files: Vec<(String, u8, PathBuf)> = Vec::new();
    for p in entries {
        let n = lower_name(&p);
        if p.is_file() && is_data(&n) && n.contains(table) {
            let pref = if n.ends_with(".tar.gz") || n.ends_with(".tgz") {
                2
            } else if n.ends_with(".gz") {
                1
            } else {
                0
            };
            files.push((stem(&n).to_string(), pref, p));
        }
    }
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    Ok(files.into_iter().map(|(_, _, p)| p).collect())
}

fn list(dir: &Path) -> Result<Vec<PathBuf>, TraceError> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| TraceError::input(label(dir), format!("cannot read the folder: {e}")))?;
    let mut out = Vec::new();
    for e in rd {
        let e =
            e.map_err(|e| TraceError::input(label(dir), format!("cannot read the folder: {e}")))?;
        out.push(e.path());
    }
    out.sort();
    Ok(out)
}

/// Which of `tables` a single file belongs to, by its name or its
/// folder's name.
pub fn table_of(path: &Path, tables: &[&'static str]) -> Option<&'static str> {
    let n = lower_name(path);
    if let Some(t) = tables.iter().find(|t| n.contains(*t)) {
        return Some(t);
    }
    let parent = path.parent().map(lower_name).unwrap_or_default();
    tables.iter().find(|t| parent == **t).copied()
}
