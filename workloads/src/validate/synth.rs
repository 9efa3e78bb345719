//! `[workload] synthetic = { ... }` and model files (docs/synthetic.md),
//! checked with the same file:line:col errors as the rest of the scenario.
//! A model file is the body of a `synthetic` table as a TOML document;
//! its errors name the model file.

use std::ops::Range;
use std::path::Path;

use sim::resources::{thousandths_from_f64, Res, CPUS, DISK, GPUS, MEM};

use super::{num_text, At, Checker, Tbl, R};
use crate::error::ScenarioError;
use crate::schema::Val;
use crate::synthetic::{
    Arrivals, Assign, Dist, DistKind, MachineClass, Shape, Synthetic, BUNDLED_MODELS,
};

pub(super) const SYNTH_KEYS: &[&str] = &[
    "model",
    "arrivals",
    "rate",
    "rates",
    "amplitude",
    "peak",
    "duration",
    "jobs",
    "tasks",
    "task_duration",
    "cpus",
    "mem",
    "shapes",
    "priorities",
    "machines",
    "frameworks",
    "assign",
    "scale",
];

/// What one table (the scenario's or a model's) sets.
#[derive(Clone, Default)]
pub(crate) struct Partial {
    arrivals: Option<&'static str>,
    rate: Option<f64>,
    rates: Option<[f64; 24]>,
    amplitude: Option<f64>,
    peak: Option<f64>,
    duration: Option<u64>,
    jobs: Option<u64>,
    tasks: Option<Dist>,
    task_duration: Option<Dist>,
    cpus: Option<Dist>,
    mem: Option<Dist>,
    shapes: Option<Vec<(f64, f64, f64)>>,
    priorities: Option<Vec<(i64, f64)>>,
    machines: Option<Vec<MachineClass>>,
    frameworks: Option<u64>,
    assign: Option<Assign>,
    scale: Option<f64>,
}

impl Partial {
    /// `self` (the scenario's keys) over `model`'s. Setting `arrivals`
    /// replaces every arrival key of the model; `shapes` replaces its
    /// `cpus` and `mem`, and the other way round.
    fn over(self, model: Partial) -> Partial {
        let mut m = model;
        if self.arrivals.is_some() {
            m.rate = None;
            m.rates = None;
            m.amplitude = None;
            m.peak = None;
        }
        if self.shapes.is_some() {
            m.cpus = None;
            m.mem = None;
        }
        if self.cpus.is_some() || self.mem.is_some() {
            m.shapes = None;
        }
        Partial {
            arrivals: self.arrivals.or(m.arrivals),
            rate: self.rate.or(m.rate),
            rates: self.rates.or(m.rates),
            amplitude: self.amplitude.or(m.amplitude),
            peak: self.peak.or(m.peak),
            duration: self.duration.or(m.duration),
            jobs: self.jobs.or(m.jobs),
            tasks: self.tasks.or(m.tasks),
            task_duration: self.task_duration.or(m.task_duration),
            cpus: self.cpus.or(m.cpus),
            mem: self.mem.or(m.mem),
            shapes: self.shapes.or(m.shapes),
            priorities: self.priorities.or(m.priorities),
            machines: self.machines.or(m.machines),
            frameworks: self.frameworks.or(m.frameworks),
            assign: self.assign.or(m.assign),
            scale: self.scale.or(m.scale),
        }
    }
}

/// What a distribution's values are, for messages and shorthands.
#[derive(Clone, Copy, PartialEq)]
enum Unit {
    /// Tasks per job, cores, MiB.
    Plain,
    /// Seconds; a duration string is a constant.
    Seconds,
}

impl Checker<'_> {
    /// `workload.synthetic`: its keys over its model's; `has_agents`:
    /// whether the scenario defines `[[agents]]` (else `machines` is
    /// required).
    pub(super) fn synthetic(&self, at: &At, has_agents: bool) -> R<Synthetic> {
        let t = self.table(at)?;
        let own = self.synth_partial(&t)?;
        let mut model_name = None;
        let merged = match t.get("model") {
            Some(m) => {
                let name = self.string(&m)?;
                model_name = Some(name.to_string());
                let model = self.load_model(&m, name)?;
                own.over(model)
            }
            None => own,
        };
        let syn = self.synth_finish(merged, &at.loc, &at.path, has_agents)?;
        Ok(Synthetic {
            model: model_name,
            ..syn
        })
    }

    /// A model file's document, checked on its own (every required key).
    pub(crate) fn model_root(&self, root: &crate::schema::Node) -> R<Synthetic> {
        let t = self.table(&At {
            node: root,
            path: String::new(),
            loc: None,
        })?;
        let p = self.synth_partial(&t)?;
        if let Some(m) = t.get("model") {
            return Err(self.err_at(&m, "a model file cannot name another model"));
        }
        self.synth_finish(p, &Some(0..0), "", true)
    }

    fn load_model(&self, at: &At, name: &str) -> R<Partial> {
        let (label, text) = match BUNDLED_MODELS.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => (format!("{n} (bundled model)"), text.to_string()),
            None => {
                let p = Path::new(name);
                let path = if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    self.base.join(p)
                };
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    let known: Vec<&str> = BUNDLED_MODELS.iter().map(|(n, _)| *n).collect();
                    self.err_at(
                        at,
                        format!(
                            "cannot read the model file {}: {e} (bundled models: {})",
                            path.display(),
                            known.join(", ")
                        ),
                    )
                })?;
                (path.display().to_string(), text)
            }
        };
        let root = crate::schema::parse_document(&text)
            .map_err(|e| crate::toml_error(&text, &label, &e))?;
        let c = Checker::new(&label, &text, &[]);
        let root_at = At {
            node: &root,
            path: String::new(),
            loc: None,
        };
        let t = c.table(&root_at)?;
        if let Some(m) = t.get("model") {
            return Err(c.err_at(&m, "a model file cannot name another model"));
        }
        c.synth_partial(&t)
    }

    fn synth_partial(&self, t: &Tbl) -> R<Partial> {
        self.check_keys(t, SYNTH_KEYS, &[])?;
        let mut p = Partial::default();
        if let Some(v) = t.get("arrivals") {
            p.arrivals = Some(self.choice(&v, &[("poisson", "poisson"), ("diurnal", "diurnal")])?);
        }
        let positive = |key: &str, what: &str| -> R<Option<f64>> {
            let Some(v) = t.get(key) else {
                return Ok(None);
            };
            let x = self.number(&v)?;
            if !(x.is_finite() && x > 0.0) {
                return Err(self.err_at(
                    &v,
                    format!(
                        "{what} must be greater than 0 (got {})",
                        num_text(&v.node.val)
                    ),
                ));
            }
            Ok(Some(x))
        };
        p.rate = positive("rate", "a rate (jobs per hour)")?;
        p.scale = positive("scale", "a scale")?;
        if let Some(v) = t.get("rates") {
            let items = self.array(&v)?;
            if items.len() != 24 {
                return Err(self.err_at(
                    &v,
                    format!(
                        "expected 24 rates (jobs per hour in each hour of the day), got {}",
                        items.len()
                    ),
                ));
            }
            let mut r = [0.0; 24];
            for (i, it) in items.iter().enumerate() {
                let x = self.number(it)?;
                if !(x.is_finite() && x >= 0.0) {
                    return Err(self.err_at(
                        it,
                        format!("a rate must be 0 or more (got {})", num_text(&it.node.val)),
                    ));
                }
                r[i] = x;
            }
            if r.iter().all(|x| *x == 0.0) {
                return Err(self.err_at(&v, "at least one hour must have a rate above 0"));
            }
            p.rates = Some(r);
        }
        if let Some(v) = t.get("amplitude") {
            let x = self.number(&v)?;
            if !(0.0..=1.0).contains(&x) {
                return Err(self.err_at(
                    &v,
                    format!("must be between 0 and 1 (got {})", num_text(&v.node.val)),
                ));
            }
            p.amplitude = Some(x);
        }
        if let Some(v) = t.get("peak") {
            let x = self.number(&v)?;
            if !(0.0..24.0).contains(&x) {
                return Err(self.err_at(
                    &v,
                    format!(
                        "an hour of the day, 0 <= peak < 24 (got {})",
                        num_text(&v.node.val)
                    ),
                ));
            }
            p.peak = Some(x);
        }
        if let Some(v) = t.get("duration") {
            let us = self.duration(&v)?;
            if us == 0 {
                return Err(self.err_at(&v, "must be greater than 0"));
            }
            p.duration = Some(us);
        }
        if let Some(v) = t.get("jobs") {
            p.jobs = Some(self.integer(&v, 1)? as u64);
        }
        if let Some(v) = t.get("frameworks") {
            p.frameworks = Some(self.integer(&v, 1)?.min(1_000_000) as u64);
        }
        if let Some(v) = t.get("assign") {
            p.assign = Some(self.choice(
                &v,
                &[
                    ("round-robin", Assign::RoundRobin),
                    ("random", Assign::Random),
                ],
            )?);
        }
        if let Some(v) = t.get("tasks") {
            p.tasks = Some(self.dist(&v, Unit::Plain)?);
        }
        if let Some(v) = t.get("task_duration") {
            p.task_duration = Some(self.dist(&v, Unit::Seconds)?);
        }
        if let Some(v) = t.get("cpus") {
            p.cpus = Some(self.dist(&v, Unit::Plain)?);
        }
        if let Some(v) = t.get("mem") {
            p.mem = Some(self.dist(&v, Unit::Plain)?);
        }
        if let (Some(s), Some(c)) = (t.get("shapes"), t.get("cpus").or_else(|| t.get("mem"))) {
            let _ = s;
            return Err(self.err_at(
                &c,
                "set either `shapes` (a table of [cpus, mem, weight]) or `cpus`/`mem` distributions, not both",
            ));
        }
        if let Some(v) = t.get("shapes") {
            let mut out = Vec::new();
            for row in self.array(&v)? {
                let cells = self.array(&row)?;
                if cells.len() != 3 {
                    return Err(self.err_at(
                        &row,
                        format!("expected [cpus, mem, weight], got {} values", cells.len()),
                    ));
                }
                let c = self.non_negative(&cells[0])?;
                let m = self.non_negative(&cells[1])?;
                let w = self.non_negative(&cells[2])?;
                out.push((c, m, w));
            }
            if out.is_empty() || out.iter().all(|e| e.2 == 0.0) {
                return Err(self.err_at(&v, "needs at least one row with a weight above 0"));
            }
            p.shapes = Some(out);
        }
        if let Some(v) = t.get("priorities") {
            let mut out = Vec::new();
            for row in self.array(&v)? {
                let cells = self.array(&row)?;
                if cells.len() != 2 {
                    return Err(self.err_at(
                        &row,
                        format!("expected [priority, weight], got {} values", cells.len()),
                    ));
                }
                let pr = self.integer(&cells[0], i64::MIN)?;
                let w = self.non_negative(&cells[1])?;
                out.push((pr, w));
            }
            if out.is_empty() || out.iter().all(|e| e.1 == 0.0) {
                return Err(self.err_at(&v, "needs at least one row with a weight above 0"));
            }
            p.priorities = Some(out);
        }
        if let Some(v) = t.get("machines") {
            let mut out = Vec::new();
            for mt in self.tables(&v)? {
                self.check_keys(&mt, &["count", "resources"], &[])?;
                let count = match mt.get("count") {
                    Some(c) => self.integer(&c, 0)? as u64,
                    None => 1,
                };
                let r = self.required(&mt, "resources", " (like { cpus = 32, mem = 131072 })")?;
                out.push(MachineClass {
                    count,
                    resources: self.machine_resources(&r)?,
                });
            }
            p.machines = Some(out);
        }
        Ok(p)
    }

    fn non_negative(&self, at: &At) -> R<f64> {
        let x = self.number(at)?;
        if !(x.is_finite() && x >= 0.0) {
            return Err(self.err_at(
                at,
                format!(
                    "must be a finite number, 0 or more (got {})",
                    num_text(&at.node.val)
                ),
            ));
        }
        Ok(x)
    }

    /// cpus, mem, disk, gpus only (a model is read without the
    /// scenario's custom resource names).
    fn machine_resources(&self, at: &At) -> R<Res> {
        let t = self.table(at)?;
        self.check_keys(&t, &["cpus", "mem", "disk", "gpus"], &[])?;
        let mut r = Res::ZERO;
        for (k, i) in [("cpus", CPUS), ("mem", MEM), ("disk", DISK), ("gpus", GPUS)] {
            if let Some(v) = t.get(k) {
                let x = self.non_negative(&v)?;
                if i == GPUS && x.fract() != 0.0 {
                    return Err(self.err_at(
                        &v,
                        format!("must be a whole number (got {})", num_text(&v.node.val)),
                    ));
                }
                r.0[i] = thousandths_from_f64(x).ok_or_else(|| {
                    self.err_at(&v, format!("is too large (got {})", num_text(&v.node.val)))
                })?;
            }
        }
        if r.is_empty() {
            return Err(self.err_at(
                at,
                "must name at least one resource, like { cpus = 32, mem = 131072 }",
            ));
        }
        Ok(r)
    }

    fn dist(&self, at: &At, unit: Unit) -> R<Dist> {
        match &at.node.val {
            Val::Int(_) | Val::Float(_) => return Ok(Dist::constant(self.non_negative(at)?)),
            Val::Str(_) if unit == Unit::Seconds => {
                let us = self.duration(at)?;
                return Ok(Dist::constant(us as f64 / 1e6));
            }
            Val::Table(_) => {}
            _ => return Err(self.expected(
                at,
                "a number or a distribution like { dist = \"lognormal\", mu = 1.0, sigma = 2.0 }",
            )),
        }
        let t = self.table(at)?;
        let d = self.required(
            &t,
            "dist",
            " (constant, exponential, lognormal, pareto or empirical)",
        )?;
        let name = self.choice(
            &d,
            &[
                ("constant", "constant"),
                ("exponential", "exponential"),
                ("lognormal", "lognormal"),
                ("pareto", "pareto"),
                ("empirical", "empirical"),
            ],
        )?;
        let params: &[&str] = match name {
            "constant" => &["dist", "value", "max"],
            "exponential" => &["dist", "mean", "max"],
            "lognormal" => &["dist", "mu", "sigma", "max"],
            "pareto" => &["dist", "alpha", "min", "max"],
            _ => &["dist", "table", "max"],
        };
        self.check_keys(&t, params, &[])?;
        let req = |k: &str| self.required(&t, k, &format!(" for a {name} distribution"));
        let positive = |k: &str| -> R<f64> {
            let v = req(k)?;
            let x = self.number(&v)?;
            if !(x.is_finite() && x > 0.0) {
                return Err(self.err_at(
                    &v,
                    format!("must be greater than 0 (got {})", num_text(&v.node.val)),
                ));
            }
            Ok(x)
        };
        let kind = match name {
            "constant" => DistKind::Constant(self.non_negative(&req("value")?)?),
            "exponential" => DistKind::Exponential {
                mean: positive("mean")?,
            },
            "lognormal" => {
                let mu_at = req("mu")?;
                let mu = self.number(&mu_at)?;
                if !mu.is_finite() || mu.abs() > 700.0 {
                    return Err(self.err_at(
                        &mu_at,
                        format!(
                            "must be a finite number between -700 and 700 (got {})",
                            num_text(&mu_at.node.val)
                        ),
                    ));
                }
                DistKind::Lognormal {
                    mu,
                    sigma: self.non_negative(&req("sigma")?)?,
                }
            }
            "pareto" => DistKind::Pareto {
                alpha: positive("alpha")?,
                min: positive("min")?,
            },
            _ => {
                let tv = req("table")?;
                let mut rows = Vec::new();
                for row in self.array(&tv)? {
                    let cells = self.array(&row)?;
                    if cells.len() != 2 {
                        return Err(self.err_at(
                            &row,
                            format!("expected [value, weight], got {} values", cells.len()),
                        ));
                    }
                    rows.push((self.non_negative(&cells[0])?, self.non_negative(&cells[1])?));
                }
                if rows.is_empty() || rows.iter().all(|e| e.1 == 0.0) {
                    return Err(self.err_at(&tv, "needs at least one row with a weight above 0"));
                }
                DistKind::Empirical(rows)
            }
        };
        let max = match t.get("max") {
            Some(_) => Some(positive("max")?),
            None => None,
        };
        Ok(Dist { kind, max })
    }

    /// Cross-key checks once the scenario's keys are over the model's.
    /// Missing keys are reported at `loc` / `path` (the `synthetic` key,
    /// or the start of a model file).
    fn synth_finish(
        &self,
        p: Partial,
        loc: &Option<Range<usize>>,
        path: &str,
        has_agents: bool,
    ) -> R<Synthetic> {
        let fail = |msg: String| -> ScenarioError { self.err(loc, path, msg) };
        let arrivals = match p.arrivals.unwrap_or("poisson") {
            "poisson" => {
                if p.rates.is_some() || p.amplitude.is_some() || p.peak.is_some() {
                    return Err(fail(
                        "`rates`, `amplitude` and `peak` need arrivals = \"diurnal\"".into(),
                    ));
                }
                let rate = p.rate.ok_or_else(|| {
                    fail("arrivals = \"poisson\" needs `rate` (jobs per hour)".into())
                })?;
                Arrivals::Poisson { rate }
            }
            _ => match (p.rates, p.rate) {
                (Some(_), Some(_)) => {
                    return Err(fail(
                        "arrivals = \"diurnal\" takes `rates` (24 values) or `rate` with `amplitude` and `peak`, not both".into(),
                    ))
                }
                (Some(rates), None) => {
                    if p.amplitude.is_some() || p.peak.is_some() {
                        return Err(fail(
                            "`amplitude` and `peak` go with `rate`, not with `rates`".into(),
                        ));
                    }
                    Arrivals::Diurnal { rates }
                }
                (None, Some(rate)) => {
                    let a = p.amplitude.ok_or_else(|| {
                        fail("arrivals = \"diurnal\" with `rate` needs `amplitude` (0 to 1)".into())
                    })?;
                    let peak = p.peak.unwrap_or(12.0);
                    let mut rates = [0.0; 24];
                    for (h, r) in rates.iter_mut().enumerate() {
                        let x = 2.0 * std::f64::consts::PI * (h as f64 + 0.5 - peak) / 24.0;
                        *r = rate * (1.0 + a * x.cos());
                    }
                    Arrivals::Diurnal { rates }
                }
                (None, None) => {
                    return Err(fail(
                        "arrivals = \"diurnal\" needs `rates` (24 values, jobs per hour) or `rate` with `amplitude`".into(),
                    ))
                }
            },
        };
        if p.duration.is_none() && p.jobs.is_none() {
            return Err(fail(
                "needs `duration` (how long jobs arrive) or `jobs` (how many), or both".into(),
            ));
        }
        let task_duration = p
            .task_duration
            .ok_or_else(|| fail("missing `task_duration` (seconds)".into()))?;
        let shape = match (p.shapes, p.cpus) {
            (Some(t), _) => Shape::Table(t),
            (None, Some(cpus)) => Shape::Dists { cpus, mem: p.mem },
            (None, None) => {
                return Err(fail(
                    "missing the task shape: `shapes` (a table of [cpus, mem, weight]) or `cpus` (and `mem`)".into(),
                ))
            }
        };
        let machines = p.machines.unwrap_or_default();
        if !has_agents && machines.iter().all(|m| m.count == 0) {
            return Err(fail(
                "the scenario has no [[agents]]: set `machines` (classes of { count, resources })"
                    .into(),
            ));
        }
        Ok(Synthetic {
            arrivals,
            horizon_us: p.duration,
            jobs: p.jobs,
            tasks: p.tasks.unwrap_or(Dist::constant(1.0)),
            task_duration,
            shape,
            priorities: p.priorities.unwrap_or_default(),
            machines,
            frameworks: p.frameworks.unwrap_or(1),
            assign: p.assign.unwrap_or(Assign::RoundRobin),
            scale: p.scale.unwrap_or(1.0),
            model: None,
        })
    }
}
