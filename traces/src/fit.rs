//! `mesosim trace fit`: a synthetic model (docs/synthetic.md) fitted to a
//! trace, streaming. The trace is read and mapped exactly as a run reads
//! it (same drops, same scale); each kept task row (one `JobSpec` of the
//! mapping before grouping: an Alibaba task row, a Google task attempt,
//! an SWF job) is one fitted "job" of `count` identical tasks, and only
//! bounded summaries are kept: arrivals per minute, log-spaced histograms
//! of tasks per job and of durations, the distinct request shapes, the
//! priorities and the machines' capacities.

use std::collections::{BTreeMap, BTreeSet};

use sim::resources::{Res, CPUS, MEM};
use workloads::synthetic::{Arrivals, Assign, Dist, DistKind, MachineClass, Shape, Synthetic};

use crate::map::Builder;
use crate::{TraceError, TraceOptions, TraceRef, TraceSummary};

const MINUTE_US: i64 = 60_000_000;
const HOUR_US: i64 = 3_600_000_000;

/// Empirical tables or a lognormal fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FitKind {
    Empirical,
    Lognormal,
}

impl FitKind {
    pub fn parse(s: &str) -> Option<FitKind> {
        match s {
            "empirical" => Some(FitKind::Empirical),
            "lognormal" => Some(FitKind::Lognormal),
            _ => None,
        }
    }
}

/// How to fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitOptions {
    pub tasks: FitKind,
    pub durations: FitKind,
    /// At most this many rows in the shape table (the last one stands for
    /// every less frequent shape, at their task-weighted mean).
    pub max_shapes: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            tasks: FitKind::Empirical,
            durations: FitKind::Empirical,
            max_shapes: 64,
        }
    }
}

/// What the trace holds, as fitted: the figures a generated workload is
/// compared with. Means are per task (task-weighted), over tasks with a
/// finite duration for the duration.
#[derive(Clone, Debug, PartialEq)]
pub struct FitReport {
    pub summary: TraceSummary,
    /// Fitted jobs (kept task rows) and their tasks.
    pub jobs: u64,
    pub tasks: u64,
    /// Rows that run forever (no end in the trace): left out of the
    /// duration fit.
    pub forever_jobs: u64,
    pub mean_duration_s: f64,
    pub mean_cpus: f64,
    pub mean_mem: f64,
    pub span_us: u64,
    pub frameworks: u64,
}

impl FitReport {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "format": self.summary.format.name(),
            "jobs": self.jobs,
            "tasks": self.tasks,
            "forever_jobs": self.forever_jobs,
            "mean_duration_s": self.mean_duration_s,
            "mean_cpus": self.mean_cpus,
            "mean_mem": self.mean_mem,
            "span_us": self.span_us,
            "frameworks": self.frameworks,
            "machines": self.summary.machines,
            "lines": self.summary.lines,
            "skipped": self.summary.skipped,
            "dropped": self.summary.dropped,
        })
    }
}

/// Log-spaced bins (8 per doubling), exact bins for whole values up to
/// `exact`; each bin keeps its weight and weighted sum, so the table of
/// bin means keeps the sample's mean exactly.
#[derive(Default)]
struct Hist {
    exact: f64,
    bins: BTreeMap<(u8, i64), (f64, f64)>,
    /// Σw, Σw ln v, Σw (ln v)², over v > 0.
    logs: (f64, f64, f64),
}

impl Hist {
    fn new(exact: f64) -> Hist {
        Hist {
            exact,
            ..Hist::default()
        }
    }

    fn add(&mut self, v: f64, w: f64) {
        let key = if v <= 0.0 {
            (0, 0)
        } else if v <= self.exact && v.fract() == 0.0 {
            (0, v as i64)
        } else {
            (1, (v.log2() * 8.0).floor() as i64)
        };
        let e = self.bins.entry(key).or_insert((0.0, 0.0));
        e.0 += w;
        e.1 += w * v;
        if v > 0.0 {
            let l = v.ln();
            self.logs.0 += w;
            self.logs.1 += w * l;
            self.logs.2 += w * l * l;
        }
    }

    fn dist(&self, kind: FitKind, digits: i32) -> Dist {
        match kind {
            FitKind::Lognormal if self.logs.0 > 0.0 => {
                let mu = self.logs.1 / self.logs.0;
                let var = (self.logs.2 / self.logs.0 - mu * mu).max(0.0);
                Dist {
                    kind: DistKind::Lognormal {
                        mu: round_sig(mu, 6),
                        sigma: round_sig(var.sqrt(), 6),
                    },
                    max: None,
                }
            }
            _ => {
                let rows: Vec<(f64, f64)> = self
                    .bins
                    .values()
                    .filter(|(w, _)| *w > 0.0)
                    .map(|(w, s)| (round_sig(s / w, digits), *w))
                    .collect();
                if rows.is_empty() {
                    return Dist::constant(1.0);
                }
                Dist {
                    kind: DistKind::Empirical(rows),
                    max: None,
                }
            }
        }
    }
}

/// `x` to `d` significant digits (so that model files stay readable).
fn round_sig(x: f64, d: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let p = d - 1 - x.abs().log10().floor() as i32;
    let f = 10f64.powi(p);
    (x * f).round() / f
}

/// The streaming accumulator the mapping feeds.
pub(crate) struct Fitter {
    per_minute: BTreeMap<i64, u64>,
    first: Option<i64>,
    last: Option<i64>,
    tasks_hist: Hist,
    dur_hist: Hist,
    shapes: BTreeMap<(i64, i64), u64>,
    priorities: BTreeMap<i64, u64>,
    frameworks: BTreeSet<String>,
    jobs: u64,
    tasks: u64,
    forever: u64,
    dur_tasks: f64,
    dur_sum: f64,
    cpus_sum: f64,
    mem_sum: f64,
}

impl Fitter {
    fn new() -> Fitter {
        Fitter {
            per_minute: BTreeMap::new(),
            first: None,
            last: None,
            tasks_hist: Hist::new(128.0),
            dur_hist: Hist::new(0.0),
            shapes: BTreeMap::new(),
            priorities: BTreeMap::new(),
            frameworks: BTreeSet::new(),
            jobs: 0,
            tasks: 0,
            forever: 0,
            dur_tasks: 0.0,
            dur_sum: 0.0,
            cpus_sum: 0.0,
            mem_sum: 0.0,
        }
    }

    pub(crate) fn add(
        &mut self,
        submit_us: i64,
        count: u64,
        res: &Res,
        duration_us: Option<u64>,
        priority: Option<i64>,
        framework: String,
    ) {
        self.jobs += 1;
        self.tasks += count;
        *self
            .per_minute
            .entry(submit_us.div_euclid(MINUTE_US))
            .or_insert(0) += 1;
        self.first = Some(self.first.map_or(submit_us, |f| f.min(submit_us)));
        self.last = Some(self.last.map_or(submit_us, |l| l.max(submit_us)));
        let n = count as f64;
        self.tasks_hist.add(n, 1.0);
        match duration_us {
            Some(d) => {
                let s = d as f64 / 1e6;
                self.dur_hist.add(s, n);
                self.dur_tasks += n;
                self.dur_sum += s * n;
            }
            None => self.forever += 1,
        }
        *self.shapes.entry((res.0[CPUS], res.0[MEM])).or_insert(0) += count;
        self.cpus_sum += res.0[CPUS] as f64 / 1000.0 * n;
        self.mem_sum += res.0[MEM] as f64 / 1000.0 * n;
        if let Some(p) = priority {
            *self.priorities.entry(p).or_insert(0) += 1;
        }
        if !self.frameworks.contains(&framework) {
            self.frameworks.insert(framework);
        }
    }

    fn arrivals(&self) -> (Arrivals, u64) {
        let (Some(first), Some(last)) = (self.first, self.last) else {
            return (Arrivals::Poisson { rate: 1.0 }, 0);
        };
        let span = (last - first).max(0);
        if span < HOUR_US {
            // Under an hour: one rate, jobs per hour.
            let h = (span.max(MINUTE_US)) as f64 / HOUR_US as f64;
            return (
                Arrivals::Poisson {
                    rate: round_sig(self.jobs as f64 / h, 6),
                },
                span as u64,
            );
        }
        let mut count = [0.0f64; 24];
        for (m, c) in &self.per_minute {
            let rel = (m * MINUTE_US - first).max(0);
            count[((rel / HOUR_US) % 24) as usize] += *c as f64;
        }
        // Hours of each hour-of-day covered by [0, span].
        let mut cover = [0.0f64; 24];
        let slots = span / HOUR_US + 1;
        for s in 0..slots {
            let start = s * HOUR_US;
            let end = ((s + 1) * HOUR_US).min(span.max(1));
            if end > start {
                cover[(s % 24) as usize] += (end - start) as f64 / HOUR_US as f64;
            }
        }
        let mut rates = [0.0; 24];
        for h in 0..24 {
            if cover[h] > 0.0 {
                rates[h] = round_sig(count[h] / cover[h], 6);
            }
        }
        (Arrivals::Diurnal { rates }, span as u64)
    }

    fn shapes(&self, max: usize) -> Vec<(f64, f64, f64)> {
        let mut v: Vec<((i64, i64), u64)> = self.shapes.iter().map(|(k, c)| (*k, *c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let max = max.max(1);
        let mut out: Vec<(f64, f64, f64)> = v
            .iter()
            .take(if v.len() > max { max - 1 } else { max })
            .map(|((c, m), n)| (*c as f64 / 1000.0, *m as f64 / 1000.0, *n as f64))
            .collect();
        if v.len() > max {
            let rest = &v[max - 1..];
            let w: f64 = rest.iter().map(|e| e.1 as f64).sum();
            let c: f64 = rest.iter().map(|e| e.0 .0 as f64 * e.1 as f64).sum::<f64>() / w;
            let m: f64 = rest.iter().map(|e| e.0 .1 as f64 * e.1 as f64).sum::<f64>() / w;
            out.push((round_sig(c / 1000.0, 6), round_sig(m / 1000.0, 6), w));
        }
        out
    }
}

/// Fits a model to the trace. Machine classes are the distinct scaled
/// capacities (most machines first); frameworks = the distinct frameworks
/// the mapping makes, jobs given to them at random.
pub fn fit(
    trace: &TraceRef,
    opts: &TraceOptions,
    fo: &FitOptions,
) -> Result<(Synthetic, FitReport), TraceError> {
    let mut b = Builder::new(trace.records_format()?, opts.clone(), true);
    b.fit = Some(Box::new(Fitter::new()));
    crate::map::walk(trace, opts.on_error, &mut b)?;
    let f = b.fit.take().expect("set above");
    let mut classes: BTreeMap<Res, u64> = BTreeMap::new();
    for (_, _, r, _) in b.machine_list() {
        if let Some(res) = Builder::res(r).filter(|r| !r.is_empty()) {
            *classes.entry(res).or_insert(0) += 1;
        }
    }
    let mut machines: Vec<MachineClass> = classes
        .into_iter()
        .map(|(resources, count)| MachineClass { count, resources })
        .collect();
    machines.sort_by(|a, b| b.count.cmp(&a.count).then(a.resources.cmp(&b.resources)));
    let summary = b.summary();
    if f.jobs == 0 {
        return Err(TraceError::input(
            trace.path.display().to_string(),
            "no task the mapping keeps: nothing to fit (see `mesosim trace inspect`)",
        ));
    }
    let (arrivals, span_us) = f.arrivals();
    let frameworks = f.frameworks.len().max(1) as u64;
    let syn = Synthetic {
        arrivals,
        horizon_us: None,
        jobs: Some(f.jobs),
        tasks: f.tasks_hist.dist(fo.tasks, 6),
        task_duration: if f.dur_tasks > 0.0 {
            f.dur_hist.dist(fo.durations, 6)
        } else {
            Dist::constant(1.0)
        },
        shape: Shape::Table(f.shapes(fo.max_shapes)),
        priorities: f.priorities.iter().map(|(p, n)| (*p, *n as f64)).collect(),
        machines,
        frameworks,
        assign: if frameworks > 1 {
            Assign::Random
        } else {
            Assign::RoundRobin
        },
        scale: 1.0,
        model: None,
    };
    let n = f.tasks.max(1) as f64;
    let report = FitReport {
        summary,
        jobs: f.jobs,
        tasks: f.tasks,
        forever_jobs: f.forever,
        mean_duration_s: if f.dur_tasks > 0.0 {
            f.dur_sum / f.dur_tasks
        } else {
            0.0
        },
        mean_cpus: f.cpus_sum / n,
        mean_mem: f.mem_sum / n,
        span_us,
        frameworks,
    };
    Ok((syn, report))
}
