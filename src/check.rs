//! `mesosim check`: runs scenarios and asserts their `[[expect]]` entries
//! (and, with `--baseline`, that no fairness metric got worse), for CI.
//!
//! Exit codes: 0 every expectation holds, 1 one does not, 2 bad input (a
//! scenario, an expectation naming an unknown metric or policy, flags).
//! `--junit FILE` writes JUnit XML: one testcase per expectation (and per
//! baseline comparison), a `<failure>` with the message for each that fails.
//! See docs/ci.md.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;
use sim::engine::{self, RunOptions};
use sim::spec::Spec;
use workloads::Expect;

use crate::Failure;

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Scenario files (TOML) with `[[expect]]` entries.
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Compare fairness metrics against the summary.json files of an
    /// earlier `check --out DIR` (DIR/SCENARIO/POLICY/summary.json).
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Relative worsening of a fairness metric allowed against the baseline.
    #[arg(long, default_value_t = 0.01)]
    tolerance: f64,
    /// Keep every run's output directory under DIR/SCENARIO/POLICY/ (a
    /// later `--baseline DIR`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print one JSON object on one line of stdout instead of the report.
    #[arg(long)]
    json: bool,
}

/// Fairness metrics compared against a baseline: key, higher is better.
const BASELINE_METRICS: &[(&str, bool)] = &[
    ("jain_dominant_share", true),
    ("jain_final_dominant_share", true),
    ("jain_backlogged", true),
    ("max_min_ratio", false),
    ("envy_pairs", false),
    ("sharing_incentive_violations", false),
    ("pareto_slack_us", false),
];

/// One testcase of the report.
struct Case {
    suite: String,
    file: String,
    line: usize,
    name: String,
    /// None: passed.
    failure: Option<String>,
    skipped: Option<String>,
}

/// Looks a metric up in a summary (docs/metrics.md "Names in check
/// expectations"). Err: no such metric.
pub fn lookup<'a>(
    summary: &'a Value,
    metric: &str,
    framework: Option<&str>,
) -> Result<&'a Value, String> {
    if let Some(f) = framework {
        let fw = summary
            .get("frameworks")
            .and_then(|m| m.get(f))
            .ok_or_else(|| format!("no framework {f:?} in the run"))?;
        return fw
            .get(metric)
            .ok_or_else(|| format!("framework {f:?} has no metric {metric:?}"));
    }
    if metric.contains('.') {
        let mut v = summary;
        for part in metric.split('.') {
            v = v
                .get(part)
                .ok_or_else(|| format!("no metric {metric:?} in summary.json"))?;
        }
        return Ok(v);
    }
    for section in ["fairness", "latency", "tasks"] {
        if let Some(v) = summary.get(section).and_then(|s| s.get(metric)) {
            return Ok(v);
        }
    }
    match summary.get(metric) {
        Some(v) if !v.is_object() && !v.is_array() => Ok(v),
        _ => Err(format!(
            "no metric {metric:?} (see docs/metrics.md; or give a dotted path)"
        )),
    }
}

fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => o.push(c),
        }
    }
    o
}

/// JUnit XML, suites in scenario order, cases in expectation order.
fn junit(cases: &[Case]) -> String {
    let mut suites: Vec<(&str, Vec<&Case>)> = Vec::new();
    for c in cases {
        match suites.iter_mut().find(|s| s.0 == c.suite) {
            Some(s) => s.1.push(c),
            None => suites.push((&c.suite, vec![c])),
        }
    }
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let skipped = cases.iter().filter(|c| c.skipped.is_some()).count();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"mesosim check\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n",
        cases.len()
    ));
    for (name, cs) in &suites {
        let f = cs.iter().filter(|c| c.failure.is_some()).count();
        let s = cs.iter().filter(|c| c.skipped.is_some()).count();
        x.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"0\" skipped=\"{s}\">\n",
            xml_escape(name),
            cs.len()
        ));
        for c in cs {
            x.push_str(&format!(
                "    <testcase classname=\"mesosim.check.{}\" name=\"{}\" file=\"{}\" line=\"{}\"",
                xml_escape(name),
                xml_escape(&c.name),
                xml_escape(&c.file),
                c.line
            ));
            match (&c.failure, &c.skipped) {
                (Some(m), _) => x.push_str(&format!(
                    ">\n      <failure message=\"{}\" type=\"expectation\">{}</failure>\n    </testcase>\n",
                    xml_escape(m),
                    xml_escape(m)
                )),
                (None, Some(m)) => x.push_str(&format!(
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    xml_escape(m)
                )),
                (None, None) => x.push_str("/>\n"),
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

/// `>= 0.95 and <= 1`.
fn conditions(e: &Expect) -> String {
    let mut c = Vec::new();
    if let Some(v) = e.equals {
        c.push(format!("== {v}"));
    }
    if let Some(v) = e.min {
        c.push(format!(">= {v}"));
    }
    if let Some(v) = e.max {
        c.push(format!("<= {v}"));
    }
    c.join(" and ")
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "null (no value)".into(),
        v => v.to_string(),
    }
}

/// One scenario, loaded and with its runs to make.
struct Planned {
    path: PathBuf,
    spec: Spec,
    expects: Vec<Expect>,
    /// Policies to run, first-seen order.
    policies: Vec<String>,
}

pub fn cmd_check(args: CheckArgs) -> Result<(), Failure> {
    if args.tolerance.is_nan() || args.tolerance < 0.0 {
        return Err(Failure::BadInput("--tolerance must be >= 0".into()));
    }
    // Load everything first: bad input stops before anything runs.
    let mut plan = Vec::new();
    for p in &args.scenarios {
        let spec = crate::load(Some(p))?;
        let expects =
            workloads::load_expectations(p).map_err(|e| Failure::BadInput(e.to_string()))?;
        let mut policies: Vec<String> = Vec::new();
        for e in &expects {
            let pol = e
                .policy
                .clone()
                .unwrap_or_else(|| spec.allocator.policy.clone());
            if !policies.contains(&pol) {
                policies.push(pol);
            }
        }
        if policies.is_empty() {
            policies.push(spec.allocator.policy.clone());
        }
        for pol in &policies {
            let mut s = spec.clone();
            s.allocator.policy = pol.clone();
            crate::build_policy(&s).map_err(|f| match f {
                Failure::BadInput(m) | Failure::Failed(m) => {
                    Failure::BadInput(format!("{}: {m}", p.display()))
                }
            })?;
        }
        plan.push(Planned {
            path: p.clone(),
            spec,
            expects,
            policies,
        });
    }

    // Every (scenario, policy) run, in parallel; results in plan order.
    let jobs: Vec<(usize, String)> = plan
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.policies.iter().map(move |pol| (i, pol.clone())))
        .collect();
    let results: Vec<Result<Value, String>> = jobs
        .par_iter()
        .map(|(i, pol)| {
            let mut spec = plan[*i].spec.clone();
            spec.allocator.policy = pol.clone();
            let policy = crate::build_policy(&spec).map_err(|_| format!("policy {pol}"))?;
            let rec = engine::run(&spec, policy, RunOptions::default(), &mut |_, _| {})
                .map_err(|e| format!("{}: {e}", plan[*i].path.display()))?;
            if let Some(out) = &args.out {
                let dir = out.join(&spec.name).join(pol);
                reports::write_run(&rec, &dir).map_err(|e| e.to_string())?;
            }
            serde_json::from_str(&reports::summary::to_json(&rec)).map_err(|e| e.to_string())
        })
        .collect();
    let mut summaries = Vec::new();
    for r in results {
        summaries.push(r.map_err(Failure::Failed)?);
    }
    let summary_of = |i: usize, pol: &str| -> &Value {
        let k = jobs
            .iter()
            .position(|(j, p)| *j == i && p == pol)
            .expect("planned run");
        &summaries[k]
    };

    let mut cases = Vec::new();
    let mut bad = Vec::new();
    for (i, p) in plan.iter().enumerate() {
        let suite = p.spec.name.clone();
        let file = p.path.display().to_string();
        for e in &p.expects {
            let pol = e.policy.as_deref().unwrap_or(&p.spec.allocator.policy);
            let summary = summary_of(i, pol);
            let name = format!("{} [{pol}]", e.describe());
            let failure = match lookup(summary, &e.metric, e.framework.as_deref()) {
                Err(m) => {
                    bad.push(format!("{file}:{}: {m}", e.line));
                    Some(m)
                }
                Ok(v) => match v.as_f64() {
                    Some(x) if e.holds(x) => None,
                    _ => Some(format!(
                        "{file}:{}: {}{}: expected {}, actual {}",
                        e.line,
                        e.framework
                            .as_ref()
                            .map(|f| format!("frameworks.{f}."))
                            .unwrap_or_default(),
                        e.metric,
                        conditions(e),
                        show(v)
                    )),
                },
            };
            cases.push(Case {
                suite: suite.clone(),
                file: file.clone(),
                line: e.line,
                name,
                failure,
                skipped: None,
            });
        }
        if let Some(base) = &args.baseline {
            for pol in &p.policies {
                let now = summary_of(i, pol);
                let path = base.join(&p.spec.name).join(pol).join("summary.json");
                let old: Option<Value> = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok());
                for (key, higher_better) in BASELINE_METRICS {
                    let name = format!("baseline fairness.{key} [{pol}]");
                    let mut case = Case {
                        suite: suite.clone(),
                        file: file.clone(),
                        line: 0,
                        name,
                        failure: None,
                        skipped: None,
                    };
                    let Some(old) = &old else {
                        case.skipped = Some(format!("no baseline {}", path.display()));
                        cases.push(case);
                        continue;
                    };
                    let b = old.get("fairness").and_then(|f| f.get(*key));
                    let n = now.get("fairness").and_then(|f| f.get(*key));
                    let (b, n) = (b.and_then(Value::as_f64), n.and_then(Value::as_f64));
                    let worse = match (b, n) {
                        (Some(b), Some(n)) => {
                            let slack = args.tolerance * b.abs();
                            if *higher_better {
                                n < b - slack
                            } else {
                                n > b + slack
                            }
                        }
                        // max_min_ratio: null is infinite, worse than any.
                        (Some(_), None) => !*higher_better,
                        _ => false,
                    };
                    if worse {
                        case.failure = Some(format!(
                            "fairness.{key} got worse than the baseline by more than {}%: \
                             baseline {}, now {} ({})",
                            args.tolerance * 100.0,
                            b.map(|x| x.to_string()).unwrap_or("null".into()),
                            n.map(|x| x.to_string()).unwrap_or("null".into()),
                            path.display()
                        ));
                    }
                    cases.push(case);
                }
            }
        }
    }

    if let Some(j) = &args.junit {
        write_file(j, &junit(&cases))?;
    }
    let failed = cases.iter().filter(|c| c.failure.is_some()).count();
    let skipped = cases.iter().filter(|c| c.skipped.is_some()).count();
    let held = cases.len() - failed - skipped;
    if args.json {
        let list: Vec<Value> = cases
            .iter()
            .map(|c| {
                serde_json::json!({
                    "scenario": c.suite, "file": c.file, "line": c.line, "name": c.name,
                    "ok": c.failure.is_none(), "message": c.failure, "skipped": c.skipped.is_some(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({"held": held, "failed": failed, "skipped": skipped, "cases": list})
        );
    } else {
        for c in &cases {
            match (&c.failure, &c.skipped) {
                (Some(m), _) => println!("FAIL {}: {}\n     {m}", c.suite, c.name),
                (None, Some(m)) => println!("skip {}: {} ({m})", c.suite, c.name),
                (None, None) => println!("ok   {}: {}", c.suite, c.name),
            }
        }
        println!("check: {held} of {} hold, {failed} fail", cases.len());
    }
    if !bad.is_empty() {
        return Err(Failure::BadInput(bad.join("\nerror: ")));
    }
    if failed > 0 {
        return Err(Failure::Failed(format!(
            "{failed} expectation(s) do not hold"
        )));
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<(), Failure> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::Failed(format!("{}: {e}", parent.display())))?;
    }
    std::fs::write(path, text).map_err(|e| Failure::Failed(format!("{}: {e}", path.display())))
}
