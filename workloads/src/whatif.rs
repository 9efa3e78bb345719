//! What-if transforms (`[whatif]` in a scenario, `--whatif KEY=VALUE` on
//! the command line): more or less load, fewer or bigger machines, shorter
//! tasks, a time window, a sample of the jobs. docs/scenario.md documents
//! each key.
//!
//! Jobs are transformed one at a time as the workload streams
//! ([`JobStream`]): a scenario's own jobs in file order, then a trace's
//! jobs in the order the trace reader first meets them. Each job gets the
//! next ordinal (0, 1, 2, ...), and every random decision about it is read
//! from the `Whatif` random stream at a position fixed by (seed, ordinal,
//! purpose) ([`sim::rng::Rng::at`]): it does not depend on how the
//! workload is read in pieces, and no other random draw of the run moves.
//! Agents are transformed once the cluster is known ([`Whatif::apply_cluster`]).

use std::collections::BTreeMap;

use sim::rng::{Rng, Stream};
use sim::spec::{Action, AgentSpec, JobSpec, Micros, Spec};

/// The keys of `[whatif]`.
pub const WHATIF_KEYS: &[&str] = &[
    "load",
    "machines",
    "machine_scale",
    "duration",
    "window",
    "sample",
];

/// The largest `load` (copies of every job).
pub const MAX_LOAD: f64 = 1000.0;

/// Draws per ordinal in the `Whatif` stream: one per purpose.
const SLOTS: u64 = 4;
const SLOT_SAMPLE: u64 = 0;
const SLOT_LOAD: u64 = 1;
const SLOT_MACHINES: u64 = 2;

/// The largest resource quantity, in thousandths (as
/// `sim::resources::thousandths_from_f64` accepts).
const MAX_THOUSANDTHS: i64 = 9_000_000_000_000_000;

/// The effective transforms; `None` / empty: not applied.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Whatif {
    /// Jobs kept with probability `load` (< 1), or copied: floor(load)
    /// instances plus one more with probability frac(load).
    pub load: Option<f64>,
    /// The fraction of agents kept: exactly round(machines × n) of n.
    pub machines: Option<f64>,
    /// Agent capacities multiplied, per resource name.
    pub machine_scale: BTreeMap<String, f64>,
    /// Task durations multiplied.
    pub duration: Option<f64>,
    /// Jobs submitted in [start, end) kept, all times shifted by -start.
    pub window: Option<(Micros, Micros)>,
    /// Jobs kept with this probability.
    pub sample: Option<f64>,
}

/// The name of copy `k` (1, 2, ...) of a job: `NAME*k`. The first
/// instance keeps the job's name.
pub fn copy_name(name: &str, k: u64) -> String {
    format!("{name}*{k}")
}

fn unit(seed: u64, ordinal: u64, slot: u64) -> f64 {
    Rng::at(
        seed,
        Stream::Whatif,
        ordinal.wrapping_mul(SLOTS).wrapping_add(slot),
    )
    .unit_f64()
}

/// `v × f` rounded to the nearest integer (halves away from zero),
/// saturating; `f == 1` leaves `v` exactly as it is.
fn scale_round(v: u64, f: f64) -> u64 {
    if f == 1.0 {
        return v;
    }
    (v as f64 * f).round() as u64
}

impl Whatif {
    /// True when no transform is set.
    pub fn is_empty(&self) -> bool {
        *self == Whatif::default()
    }

    /// `other`'s keys replace this one's (the command line over the
    /// file); `machine_scale` is merged resource by resource.
    pub fn merge(&mut self, other: &Whatif) {
        if other.load.is_some() {
            self.load = other.load;
        }
        if other.machines.is_some() {
            self.machines = other.machines;
        }
        for (k, v) in &other.machine_scale {
            self.machine_scale.insert(k.clone(), *v);
        }
        if other.duration.is_some() {
            self.duration = other.duration;
        }
        if other.window.is_some() {
            self.window = other.window;
        }
        if other.sample.is_some() {
            self.sample = other.sample;
        }
    }

    /// summary.json's `whatif` object: the keys set, with their effective
    /// values (`window` in µs); None when no transform is set.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        if self.is_empty() {
            return None;
        }
        let mut m = serde_json::Map::new();
        if let Some(v) = self.load {
            m.insert("load".into(), v.into());
        }
        if let Some(v) = self.machines {
            m.insert("machines".into(), v.into());
        }
        if !self.machine_scale.is_empty() {
            let t: serde_json::Map<String, serde_json::Value> = self
                .machine_scale
                .iter()
                .map(|(k, v)| (k.clone(), (*v).into()))
                .collect();
            m.insert("machine_scale".into(), t.into());
        }
        if let Some(v) = self.duration {
            m.insert("duration".into(), v.into());
        }
        if let Some((s, e)) = self.window {
            m.insert(
                "window".into(),
                serde_json::json!({ "start_us": s, "end_us": e }),
            );
        }
        if let Some(v) = self.sample {
            m.insert("sample".into(), v.into());
        }
        Some(m.into())
    }

    /// The job transforms, for jobs numbered from 0 in stream order.
    pub fn job_stream(&self, seed: u64) -> JobStream {
        JobStream {
            whatif: self.clone(),
            seed,
            next: 0,
            jobs_in: 0,
            jobs_out: 0,
        }
    }

    /// How many instances of job number `ordinal` the transforms keep:
    /// 0 (dropped), 1, or more (copies). `sample` first, then `load`; each
    /// reads its own draw, so setting one never changes the other's.
    pub fn copies(&self, seed: u64, ordinal: u64) -> u64 {
        if let Some(p) = self.sample {
            if p < 1.0 && unit(seed, ordinal, SLOT_SAMPLE) >= p {
                return 0;
            }
        }
        let Some(load) = self.load else {
            return 1;
        };
        if load < 1.0 {
            return u64::from(unit(seed, ordinal, SLOT_LOAD) < load);
        }
        let whole = load.floor();
        let frac = load - whole;
        let extra = frac > 0.0 && unit(seed, ordinal, SLOT_LOAD) < frac;
        whole as u64 + u64::from(extra)
    }

    /// A task duration after `duration` (None: forever, stays forever).
    pub fn scale_duration(&self, d: Option<Micros>) -> Option<Micros> {
        match self.duration {
            Some(f) => d.map(|d| scale_round(d, f)),
            None => d,
        }
    }

    /// A job submitted at `at`: its new time, or None when it falls
    /// outside `window`.
    pub fn in_window(&self, at: Micros) -> Option<Micros> {
        match self.window {
            Some((s, e)) if at < s || at >= e => None,
            Some((s, _)) => Some(at - s),
            None => Some(at),
        }
    }

    /// The cluster transforms, on the whole scenario once every agent is
    /// known (the scenario's and the trace's): `machines`, `machine_scale`,
    /// and the `window` shift of agents, frameworks, events and `end`
    /// (jobs are shifted by [`JobStream`]).
    pub fn apply_cluster(&self, seed: u64, spec: &mut Spec) {
        if let Some(f) = self.machines {
            let n = spec.agents.len();
            let keep = ((f * n as f64).round() as usize).clamp(n.min(1), n);
            if keep < n {
                // Each agent's key is its own draw (by ordinal); the
                // `keep` smallest keys stay, in their original order.
                let mut keys: Vec<(u64, usize)> = (0..n)
                    .map(|i| {
                        let k = Rng::at(
                            seed,
                            Stream::Whatif,
                            (i as u64).wrapping_mul(SLOTS).wrapping_add(SLOT_MACHINES),
                        )
                        .next_u64();
                        (k, i)
                    })
                    .collect();
                keys.sort_unstable();
                let mut kept = vec![false; n];
                for &(_, i) in &keys[..keep] {
                    kept[i] = true;
                }
                let mut removed = std::collections::BTreeSet::new();
                let agents = std::mem::take(&mut spec.agents);
                for (i, a) in agents.into_iter().enumerate() {
                    if kept[i] {
                        spec.agents.push(a);
                    } else {
                        removed.insert(a.name);
                    }
                }
                spec.events.retain(|e| match &e.action {
                    Action::RemoveAgent { agent } => !removed.contains(agent),
                    _ => true,
                });
            }
        }
        if !self.machine_scale.is_empty() {
            let scales: Vec<(usize, f64)> = self
                .machine_scale
                .iter()
                .filter_map(|(name, f)| spec.resource_names.index(name).map(|i| (i, *f)))
                .collect();
            let scale = |a: &mut AgentSpec| {
                for &(i, f) in &scales {
                    let v = &mut a.resources.0[i];
                    *v = ((*v as f64 * f).round() as i64).min(MAX_THOUSANDTHS);
                    // Reservations round down, so they never add up to
                    // more than the (rounded) total.
                    for (_, r) in a.reserved.iter_mut() {
                        r.0[i] = ((r.0[i] as f64 * f).floor() as i64).min(MAX_THOUSANDTHS);
                    }
                }
            };
            for a in spec.agents.iter_mut() {
                scale(a);
            }
            for e in spec.events.iter_mut() {
                if let Action::AddAgent { agent } = &mut e.action {
                    scale(agent);
                }
            }
        }
        if let Some((s, _)) = self.window {
            for a in spec.agents.iter_mut() {
                a.at_us = a.at_us.saturating_sub(s);
            }
            for f in spec.frameworks.iter_mut() {
                f.at_us = f.at_us.saturating_sub(s);
            }
            for e in spec.events.iter_mut() {
                e.at_us = e.at_us.saturating_sub(s);
                if let Action::AddAgent { agent } = &mut e.action {
                    agent.at_us = agent.at_us.saturating_sub(s);
                }
            }
            if let Some(end) = spec.end_us.as_mut() {
                *end = end.saturating_sub(s);
            }
        }
    }
}

/// The job transforms over a stream of jobs: each call to [`next`]
/// decides about the next job in stream order.
///
/// [`next`]: JobStream::next
#[derive(Clone, Debug, PartialEq)]
pub struct JobStream {
    whatif: Whatif,
    seed: u64,
    next: u64,
    jobs_in: u64,
    jobs_out: u64,
}

impl JobStream {
    pub fn whatif(&self) -> &Whatif {
        &self.whatif
    }

    /// True when no job transform is set (jobs pass unchanged).
    pub fn is_identity(&self) -> bool {
        let w = &self.whatif;
        w.load.is_none() && w.sample.is_none() && w.duration.is_none() && w.window.is_none()
    }

    /// The ordinal the next job gets.
    pub fn next_ordinal(&self) -> u64 {
        self.next
    }

    /// Jobs seen, and job instances kept (copies counted), so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.jobs_in, self.jobs_out)
    }

    /// How many instances of the next job to keep (`sample`, `load`);
    /// the job's ordinal is used up whatever the answer.
    pub fn next_copies(&mut self) -> u64 {
        let c = self.whatif.copies(self.seed, self.next);
        self.next += 1;
        self.jobs_in += 1;
        c
    }

    /// Counts instances that made it into the scenario (a trace's jobs are
    /// decided early and may still fall outside the window).
    pub fn emitted(&mut self, n: u64) {
        self.jobs_out += n;
    }

    pub fn scale_duration(&self, d: Option<Micros>) -> Option<Micros> {
        self.whatif.scale_duration(d)
    }

    pub fn in_window(&self, at: Micros) -> Option<Micros> {
        self.whatif.in_window(at)
    }

    /// One job through every job transform: its instances (the job, then
    /// copies `NAME*1`, `NAME*2`, ... at the same time), in the window,
    /// with scaled durations. Pushes them to `out`.
    pub fn job(&mut self, job: JobSpec, out: &mut Vec<JobSpec>) {
        let copies = self.next_copies();
        if copies == 0 {
            return;
        }
        let Some(at) = self.in_window(job.at_us) else {
            return;
        };
        let mut job = job;
        job.at_us = at;
        job.duration_us = self.scale_duration(job.duration_us);
        // The original first, then its copies.
        for k in 1..copies {
            let mut c = job.clone();
            c.name = copy_name(&job.name, k);
            if k == 1 {
                out.push(job.clone());
            }
            out.push(c);
        }
        if copies == 1 {
            out.push(job);
        }
        self.emitted(copies);
    }

    /// The scenario's own jobs, frameworks in file order and jobs in file
    /// order within each.
    pub fn apply_inline(&mut self, spec: &mut Spec) {
        if self.is_identity() {
            let n: u64 = spec.frameworks.iter().map(|f| f.jobs.len() as u64).sum();
            self.next += n;
            self.jobs_in += n;
            self.jobs_out += n;
            return;
        }
        for f in spec.frameworks.iter_mut() {
            let jobs = std::mem::take(&mut f.jobs);
            let mut out = Vec::with_capacity(jobs.len());
            for j in jobs {
                self.job(j, &mut out);
            }
            f.jobs = out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w() -> Whatif {
        Whatif::default()
    }

    #[test]
    fn copies_identity_and_whole_loads_draw_nothing() {
        let mut x = w();
        for i in 0..100 {
            assert_eq!(x.copies(1, i), 1);
        }
        x.load = Some(1.0);
        x.sample = Some(1.0);
        for i in 0..100 {
            assert_eq!(x.copies(1, i), 1);
        }
        x.load = Some(3.0);
        for i in 0..100 {
            assert_eq!(x.copies(1, i), 3);
        }
    }

    #[test]
    fn copies_follow_the_probabilities() {
        // 10,000 jobs: the counts are within a few standard deviations
        // (sd = sqrt(n p (1-p)) = 50 for p = 0.5) of n × p.
        let mut x = w();
        x.load = Some(1.5);
        let total: u64 = (0..10_000).map(|i| x.copies(9, i)).sum();
        assert!((14_800..=15_200).contains(&total), "{total}");
        x.load = Some(0.5);
        let total: u64 = (0..10_000).map(|i| x.copies(9, i)).sum();
        assert!((4_800..=5_200).contains(&total), "{total}");
        let mut s = w();
        s.sample = Some(0.1);
        let total: u64 = (0..10_000).map(|i| s.copies(9, i)).sum();
        // sd = sqrt(10000 × 0.1 × 0.9) = 30.
        assert!((880..=1_120).contains(&total), "{total}");
    }

    #[test]
    fn decisions_depend_on_the_ordinal_not_on_the_order_of_asking() {
        let mut x = w();
        x.load = Some(0.5);
        let forward: Vec<u64> = (0..50).map(|i| x.copies(4, i)).collect();
        let mut backward: Vec<u64> = (0..50).rev().map(|i| x.copies(4, i)).collect();
        backward.reverse();
        assert_eq!(forward, backward);
    }

    #[test]
    fn durations_round_to_the_nearest_microsecond() {
        let mut x = w();
        x.duration = Some(0.5);
        assert_eq!(x.scale_duration(Some(3)), Some(2)); // 1.5 rounds up
        assert_eq!(x.scale_duration(Some(10_000_000)), Some(5_000_000));
        assert_eq!(x.scale_duration(None), None);
        x.duration = Some(1.0);
        assert_eq!(x.scale_duration(Some(u64::MAX)), Some(u64::MAX));
    }

    #[test]
    fn window_keeps_start_inclusive_end_exclusive() {
        let mut x = w();
        x.window = Some((10, 20));
        assert_eq!(x.in_window(9), None);
        assert_eq!(x.in_window(10), Some(0));
        assert_eq!(x.in_window(19), Some(9));
        assert_eq!(x.in_window(20), None);
    }

    #[test]
    fn copies_are_named_and_follow_the_original() {
        let mut x = w();
        x.load = Some(3.0);
        let mut s = x.job_stream(0);
        let mut out = Vec::new();
        let job = |name: &str| JobSpec {
            name: name.into(),
            at_us: 5,
            tasks: 2,
            resources: sim::resources::Res::ZERO,
            duration_us: Some(7),
            priority: None,
            gang: false,
        };
        s.job(job("a"), &mut out);
        s.job(job("b"), &mut out);
        let names: Vec<&str> = out.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(names, ["a", "a*1", "a*2", "b", "b*1", "b*2"]);
        assert_eq!(s.counts(), (2, 6));
    }
}
