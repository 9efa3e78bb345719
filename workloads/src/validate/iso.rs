//! `[isolation]` and the per-job `usage` / `limit` keys (isolator
//! accounting, docs/isolation.md), checked with the same file:line:col
//! errors as the rest of the scenario.

use sim::isolation::{IsolationSpec, JobUsage, OversubSpec, UsagePhase};
use sim::resources::{format_thousandths, thousandths_from_f64, CPUS, MEM};
use sim::spec::{Mode, Spec};

use super::{num_text, At, Checker, Tbl, R};
use crate::schema::Val;

pub(super) const ISOLATION_KEYS: &[&str] = &["cfs", "executor_overhead", "usage", "noise"];
pub(super) const OVERSUBSCRIPTION_KEYS: &[&str] =
    &["enabled", "safety_margin", "estimator_interval"];

impl Checker<'_> {
    /// Reads `[isolation]` and every job's `usage` and `limit`; accounting
    /// is on when any of them is present.
    pub(super) fn isolation(&mut self, top: &Tbl, spec: &mut Spec) -> R<()> {
        let mut iso: Option<IsolationSpec> = None;
        if let Some(at) = top.get("isolation") {
            let t = self.table(&at)?;
            self.check_keys(&t, ISOLATION_KEYS, &[])?;
            let mut s = IsolationSpec::default();
            if let Some(v) = t.get("cfs") {
                s.cfs = self.boolean(&v)?;
            }
            if let Some(v) = t.get("executor_overhead") {
                s.executor_overhead = self.boolean(&v)?;
            }
            if let Some(v) = t.get("usage") {
                let u = self.table(&v)?;
                self.check_keys(&u, &["cpus", "mem"], &[])?;
                if let Some(c) = u.get("cpus") {
                    s.usage_cpus = self.fraction_of_request(&c)?;
                }
                if let Some(m) = u.get("mem") {
                    s.usage_mem = self.fraction_of_request(&m)?;
                }
            }
            if let Some(v) = t.get("noise") {
                let x = self.number(&v)?;
                if !(0.0..=1.0).contains(&x) {
                    return Err(self.err_at(
                        &v,
                        format!(
                            "noise is a fraction from 0 to 1 (got {})",
                            num_text(&v.node.val)
                        ),
                    ));
                }
                s.noise = x;
            }
            iso = Some(s);
        }
        let oversub = self.oversubscription(top, spec)?;
        let mut revocable_frameworks = Vec::new();
        if let Some(at) = top.get("frameworks") {
            for (f, ft) in self.tables(&at)?.into_iter().enumerate() {
                if let Some(v) = ft.get("revocable") {
                    if self.boolean(&v)? {
                        revocable_frameworks.push(f);
                    }
                }
                let Some(jobs) = ft.get("jobs") else {
                    continue;
                };
                for (j, jt) in self.tables(&jobs)?.into_iter().enumerate() {
                    let usage = jt.get("usage");
                    let limit = jt.get("limit");
                    if usage.is_none() && limit.is_none() {
                        continue;
                    }
                    let request = spec.frameworks[f].jobs[j].resources;
                    let mut ju = JobUsage::default();
                    if let Some(u) = usage {
                        ju.phases = self.usage_profile(&u)?;
                    }
                    if let Some(l) = limit {
                        let lt = self.table(&l)?;
                        self.check_keys(&lt, &["cpus", "mem"], &[])?;
                        for (key, idx) in [("cpus", CPUS), ("mem", MEM)] {
                            let Some(v) = lt.get(key) else {
                                continue;
                            };
                            let x = self.usage_quantity(&v)?;
                            if x < request.0[idx] {
                                return Err(self.err_at(
                                    &v,
                                    format!(
                                        "a limit must not be below the request ({} < {}), as in Mesos",
                                        format_thousandths(x),
                                        format_thousandths(request.0[idx])
                                    ),
                                ));
                            }
                            if idx == CPUS {
                                ju.limit_cpus = Some(x);
                            } else {
                                ju.limit_mem = Some(x);
                            }
                        }
                    }
                    iso.get_or_insert_with(IsolationSpec::default)
                        .jobs
                        .insert((f, j), ju);
                }
            }
        }
        if let Some(mut o) = oversub {
            // Oversubscription needs accounting: it turns it on (with the
            // usage model's defaults unless `[isolation]` says otherwise).
            o.revocable_frameworks = revocable_frameworks;
            iso.get_or_insert_with(IsolationSpec::default)
                .oversubscription = Some(o);
        }
        spec.isolation = iso;
        Ok(())
    }

    /// `[oversubscription]`: None when absent or `enabled = false`.
    fn oversubscription(&mut self, top: &Tbl, spec: &Spec) -> R<Option<OversubSpec>> {
        let Some(at) = top.get("oversubscription") else {
            return Ok(None);
        };
        let t = self.table(&at)?;
        self.check_keys(&t, OVERSUBSCRIPTION_KEYS, &[])?;
        let mut o = OversubSpec::default();
        if let Some(v) = t.get("safety_margin") {
            let x = self.number(&v)?;
            if !(0.0..=1.0).contains(&x) {
                return Err(self.err_at(
                    &v,
                    format!(
                        "safety_margin is the fraction of the estimate withheld, from 0 to 1 (got {})",
                        num_text(&v.node.val)
                    ),
                ));
            }
            o.safety_margin_ppm = (x * 1_000_000.0).round() as i64;
        }
        if let Some(v) = t.get("estimator_interval") {
            let us = self.duration(&v)?;
            if us == 0 {
                return Err(self.err_at(&v, "must be greater than 0"));
            }
            o.interval_us = us;
        }
        let e = self.required(&t, "enabled", " (true turns oversubscription on)")?;
        if !self.boolean(&e)? {
            return Ok(None);
        }
        if spec.allocator.mode != Mode::Offers {
            return Err(self.err_at(
                &e,
                "oversubscription needs mode = \"offers\" (revocable resources are offered)",
            ));
        }
        Ok(Some(o))
    }

    fn fraction_of_request(&self, at: &At) -> R<f64> {
        let x = self.number(at)?;
        if !x.is_finite() || x < 0.0 {
            return Err(self.err_at(
                at,
                format!(
                    "a fraction of the request, 0 or more (got {})",
                    num_text(&at.node.val)
                ),
            ));
        }
        Ok(x)
    }

    /// A usage or limit quantity: cpus or MiB, finite, not negative.
    fn usage_quantity(&self, at: &At) -> R<i64> {
        let x = self.number(at)?;
        let got = num_text(&at.node.val);
        if x.is_nan() || x.is_infinite() {
            return Err(self.err_at(at, format!("must be a finite number (got {got})")));
        }
        if x < 0.0 {
            return Err(self.err_at(at, format!("must not be negative (got {got})")));
        }
        thousandths_from_f64(x).ok_or_else(|| self.err_at(at, format!("is too large (got {got})")))
    }

    /// `usage = { cpus = .., mem = .. }` or `usage = [{ after = "0s", .. }, ..]`.
    fn usage_profile(&self, at: &At) -> R<Vec<UsagePhase>> {
        match &at.node.val {
            Val::Table(_) => {
                let t = self.table(at)?;
                self.check_keys(&t, &["cpus", "mem"], &[])?;
                Ok(vec![self.phase(&t, 0)?])
            }
            Val::Array(_) => {
                let items = self.array(at)?;
                if items.is_empty() {
                    return Err(self.err_at(
                        at,
                        "a usage profile needs at least one phase, like [{ after = \"0s\", cpus = 1 }]",
                    ));
                }
                let mut out: Vec<UsagePhase> = Vec::new();
                for item in &items {
                    if !matches!(item.node.val, Val::Table(_)) {
                        return Err(
                            self.expected(item, "a phase like { after = \"30s\", mem = 2048 }")
                        );
                    }
                    let t = self.table(item)?;
                    self.check_keys(&t, &["after", "cpus", "mem"], &[])?;
                    let a = self.required(&t, "after", " (the time since the task started)")?;
                    let after = self.duration(&a)?;
                    if let Some(prev) = out.last() {
                        if after <= prev.after_us {
                            return Err(
                                self.err_at(&a, "phases must come in increasing `after` order")
                            );
                        }
                    }
                    out.push(self.phase(&t, after)?);
                }
                Ok(out)
            }
            _ => Err(self.expected(
                at,
                "a table like { cpus = 1.5, mem = 3000 } or an array of phases",
            )),
        }
    }

    fn phase(&self, t: &Tbl, after_us: u64) -> R<UsagePhase> {
        let cpus = match t.get("cpus") {
            Some(v) => Some(self.usage_quantity(&v)?),
            None => None,
        };
        let mem = match t.get("mem") {
            Some(v) => Some(self.usage_quantity(&v)?),
            None => None,
        };
        Ok(UsagePhase {
            after_us,
            cpus,
            mem,
        })
    }
}
