//! Comparison tables over many runs: `compare.csv` (one row per policy,
//! mode and seed; the summary's metrics flattened with dots) and
//! `compare.md` (a Markdown table: per policy and mode, the value, or the
//! mean with a 95% Student-t confidence interval over seeds).
//!
//! Columns come in sorted key order (independent of how serde_json orders
//! maps); rows in the order given (the caller's (policy, mode, seed)
//! order). Numbers are printed as in `summary.json` (CSV) or with a fixed
//! number of decimals (Markdown), so the bytes depend only on the values.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// Top-level keys of `summary.json` that identify a run rather than
/// measure it (the CSV has `policy,mode,seed` in front instead).
const IDENTITY: &[&str] = &["scenario", "seed", "policy", "mode", "mesosim_version"];

/// One run's flattened summary.
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub policy: String,
    pub mode: String,
    pub seed: u64,
    /// Dotted key -> leaf (number, null or bool).
    pub metrics: BTreeMap<String, Value>,
}

impl RunSummary {
    /// Parses `summary.json` text.
    pub fn from_summary(text: &str) -> Result<RunSummary, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        Ok(RunSummary {
            policy: s("policy"),
            mode: s("mode"),
            seed: v.get("seed").and_then(Value::as_u64).unwrap_or(0),
            metrics: flatten(&v),
        })
    }

    /// A metric as f64 (None when null, missing or not a number).
    pub fn get(&self, key: &str) -> Option<f64> {
        self.metrics.get(key).and_then(Value::as_f64)
    }
}

/// The numeric, null and boolean leaves of a summary, keyed by dotted
/// path (`fairness.jain_dominant_share`, `frameworks.f1.tasks_finished`);
/// strings and the identity keys are left out.
pub fn flatten(summary: &Value) -> BTreeMap<String, Value> {
    fn walk(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, x, out);
                }
            }
            Value::Number(_) | Value::Null | Value::Bool(_) => {
                out.insert(prefix.to_string(), v.clone());
            }
            Value::String(_) | Value::Array(_) => {}
        }
    }
    let mut out = BTreeMap::new();
    if let Value::Object(m) = summary {
        for (k, x) in m {
            if !IDENTITY.contains(&k.as_str()) {
                walk(k, x, &mut out);
            }
        }
    }
    out
}

/// Every metric key of any run, sorted.
pub fn columns(runs: &[RunSummary]) -> Vec<String> {
    let set: BTreeSet<&String> = runs.iter().flat_map(|r| r.metrics.keys()).collect();
    set.into_iter().cloned().collect()
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(x) => x.to_string(),
    }
}

/// `compare.csv`: header `policy,mode,seed,` then [`columns`].
pub fn csv_text(runs: &[RunSummary]) -> String {
    let cols = columns(runs);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["policy".to_string(), "mode".into(), "seed".into()];
    header.extend(cols.iter().cloned());
    w.write_record(&header).expect("in memory");
    for r in runs {
        let mut row = vec![r.policy.clone(), r.mode.clone(), r.seed.to_string()];
        row.extend(cols.iter().map(|c| cell(r.metrics.get(c))));
        w.write_record(&row).expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("utf-8")
}

/// Two-sided 95% Student-t quantile t(0.975, df); for df past the table,
/// the next smaller tabulated df (a slightly wider, conservative interval).
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        31..=39 => 2.042,
        40..=59 => 2.021,
        60..=119 => 2.000,
        120..=999 => 1.980,
        _ => 1.960,
    }
}

/// Mean and, with two or more values, the half-width of the 95% Student-t
/// confidence interval `t(0.975, n-1) * s / sqrt(n)` (s: sample standard
/// deviation). Sums run in the given order. None when empty.
pub fn mean_ci(xs: &[f64]) -> Option<(f64, Option<f64>)> {
    if xs.is_empty() {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return Some((mean, None));
    }
    let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    let sd = (ss / (n - 1.0)).sqrt();
    Some((mean, Some(t975(xs.len() - 1) * sd / n.sqrt())))
}

/// A number for a table: integers as integers, others with 4 decimals.
pub fn fmt_num(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.4}")
    }
}

/// The (policy, mode) groups in first-seen order.
pub fn groups(runs: &[RunSummary]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in runs {
        let g = (r.policy.clone(), r.mode.clone());
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

/// The values of `key` over the seeds of one group, in run order; nulls
/// and missing values left out.
pub fn group_values(runs: &[RunSummary], policy: &str, mode: &str, key: &str) -> Vec<f64> {
    runs.iter()
        .filter(|r| r.policy == policy && r.mode == mode)
        .filter_map(|r| r.get(key))
        .collect()
}

/// `compare.md`: one row per metric, one column per (policy, mode).
pub fn markdown(scenario: &str, runs: &[RunSummary]) -> String {
    let gs = groups(runs);
    let mut seeds: Vec<u64> = runs.iter().map(|r| r.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    let several = seeds.len() > 1;
    let mut s = String::new();
    s.push_str(&format!("# Policy comparison: {scenario}\n\n"));
    let seed_list: Vec<String> = seeds.iter().map(u64::to_string).collect();
    s.push_str(&format!(
        "{} runs; seeds: {}.",
        runs.len(),
        seed_list.join(", ")
    ));
    if several {
        s.push_str(
            " Each cell is the mean over seeds ± the half-width of its 95% confidence \
             interval (Student t, n − 1 degrees of freedom); `(k/n)` marks a metric \
             defined in only k of n runs.",
        );
    }
    s.push_str(" Metrics are defined in docs/metrics.md; per-seed values are in compare.csv.\n\n");
    s.push_str("| metric |");
    for (p, m) in &gs {
        s.push_str(&format!(" {p} / {m} |"));
    }
    s.push_str("\n|---|");
    for _ in &gs {
        s.push_str("---:|");
    }
    s.push('\n');
    for key in columns(runs) {
        s.push_str(&format!("| `{key}` |"));
        for (p, m) in &gs {
            let total = runs
                .iter()
                .filter(|r| &r.policy == p && &r.mode == m)
                .count();
            let xs = group_values(runs, p, m, &key);
            let text = match mean_ci(&xs) {
                None => "–".to_string(),
                Some((mean, None)) => fmt_num(mean),
                Some((mean, Some(hw))) => format!("{} ± {}", fmt_num(mean), fmt_num(hw)),
            };
            if !xs.is_empty() && xs.len() < total {
                s.push_str(&format!(" {text} ({}/{total}) |", xs.len()));
            } else {
                s.push_str(&format!(" {text} |"));
            }
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_of_known_values() {
        // 1, 2, 3: mean 2, s = 1, t(0.975, 2) = 4.303: 4.303 / sqrt(3).
        let (m, hw) = mean_ci(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(m, 2.0);
        assert!((hw.unwrap() - 4.303 / 3f64.sqrt()).abs() < 1e-12);
        assert_eq!(mean_ci(&[5.0]), Some((5.0, None)));
    }

    #[test]
    fn flatten_skips_identity_and_strings() {
        let v: Value = serde_json::from_str(
            r#"{"scenario":"s","seed":3,"policy":"drf","mode":"offers","end_us":5,
                "fairness":{"jain_dominant_share":0.5,"x":null},"frameworks":{"f":{"n":1}}}"#,
        )
        .unwrap();
        let f = flatten(&v);
        let keys: Vec<&str> = f.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "end_us",
                "fairness.jain_dominant_share",
                "fairness.x",
                "frameworks.f.n"
            ]
        );
    }
}
