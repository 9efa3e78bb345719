//! `mesosim fidelity`: differential testing against the real Mesos
//! allocator (`../shared/peers/mesos-allocator/replay`).
//!
//! A seeded generator writes random scenarios in the replay's subset of the
//! scenario format (roles with weights and quota, reservations, agents
//! joining and leaving, frameworks that hold, decline or run tasks,
//! filters, suppress/revive/deactivate/activate, weight and quota changes),
//! all with `agent_order = "joined"`. Each one runs through mesosim and
//! through `replay`; every offer (per virtual time, as a multiset) and
//! every task must agree. A difference is shrunk to a smaller scenario
//! that still differs, printed with both sides' rows at the first
//! differing time, and written out to become a regression test.
//!
//! A test tool: nothing in the simulator depends on it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sim::rng::{Rng, Stream};

/// A generated scenario, kept structured so that it can be shrunk.
#[derive(Clone, Debug)]
pub struct Gen {
    pub seed: u64,
    pub end_ms: u64,
    pub interval_ms: u64,
    pub refuse_ms: u64,
    pub min_allocatable: Option<&'static str>,
    pub roles: Vec<GenRole>,
    pub agents: Vec<GenAgent>,
    pub frameworks: Vec<GenFramework>,
    pub events: Vec<GenEvent>,
}

#[derive(Clone, Debug)]
pub struct GenRole {
    pub name: String,
    pub weight: Option<f64>,
    pub guarantee: Option<(u64, u64)>,
    pub limit: Option<(u64, u64)>,
}

#[derive(Clone, Debug)]
pub struct GenAgent {
    pub name: String,
    pub count: u64,
    pub cpus_half: u64,
    pub mem: u64,
    pub disk: u64,
    pub gpus: u64,
    pub reserved: Option<(String, u64, u64)>,
    pub at_ms: u64,
}

#[derive(Clone, Debug)]
pub struct GenJob {
    pub at_ms: u64,
    pub tasks: u64,
    pub cpus_half: u64,
    pub mem: u64,
    pub duration_ms: u64,
}

#[derive(Clone, Debug)]
pub struct GenFramework {
    pub name: String,
    pub role: String,
    pub at_ms: u64,
    pub behavior: &'static str,
    pub refuse_ms: Option<u64>,
    pub fit: Option<&'static str>,
    pub jobs: Vec<GenJob>,
}

#[derive(Clone, Debug)]
pub enum GenAction {
    SetWeight(String, f64),
    SetQuota(String, Option<(u64, u64)>, Option<(u64, u64)>),
    Framework(&'static str, String),
    RemoveAgent(String),
}

#[derive(Clone, Debug)]
pub struct GenEvent {
    pub at_ms: u64,
    pub action: GenAction,
}

fn pick<T: Copy>(rng: &mut Rng, xs: &[T]) -> T {
    xs[rng.below(xs.len() as u64) as usize]
}

fn chance(rng: &mut Rng, percent: u64) -> bool {
    rng.below(100) < percent
}

fn fmt_ms(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

fn fmt_cpus(half: u64) -> String {
    if half.is_multiple_of(2) {
        format!("{}", half / 2)
    } else {
        format!("{}.5", half / 2)
    }
}

/// Draws a scenario from `seed`. Small seeds give tiny scenarios more
/// often: the size class comes from the seed itself.
pub fn generate(seed: u64) -> Gen {
    let mut rng = Rng::new(seed, Stream::Workload);
    let size = pick(&mut rng, &[1u64, 2, 3, 4, 6, 10, 20]);
    let interval_ms = pick(&mut rng, &[1000u64, 1000, 1000, 500, 2000]);
    // Times on a 250 ms grid so that things coincide with ticks and with
    // filter ends often.
    let at = |rng: &mut Rng, max_ms: u64| -> u64 { rng.below(max_ms / 250 + 1) * 250 };
    let end_ms = pick(&mut rng, &[3000u64, 5000, 8000, 12000, 20000]);
    let refuse_ms = pick(&mut rng, &[5000u64, 5000, 0, 1000, 500, 2000, 3000]);
    let min_allocatable = if chance(&mut rng, 15) {
        Some(pick(
            &mut rng,
            &[
                "[{ cpus = 1 }]",
                "[{ cpus = 0.5, mem = 512 }]",
                "[{ mem = 1024 }, { cpus = 2 }]",
            ],
        ))
    } else {
        None
    };

    // Roles: top-level and nested, some with weights and quota.
    let nroles = 1 + rng.below(size.min(4));
    let mut role_names: Vec<String> = Vec::new();
    for i in 0..nroles {
        let name = if i > 0 && chance(&mut rng, 25) {
            format!(
                "{}/c{}",
                role_names[rng.below(role_names.len() as u64) as usize]
                    .split('/')
                    .next()
                    .unwrap_or("r0"),
                i
            )
        } else {
            format!("r{i}")
        };
        if !role_names.contains(&name) {
            role_names.push(name);
        }
    }
    let mut roles = Vec::new();
    for name in &role_names {
        if !chance(&mut rng, 50) {
            continue;
        }
        let top = !name.contains('/');
        let weight = if chance(&mut rng, 50) {
            Some(pick(&mut rng, &[0.5, 2.0, 3.0, 1.5]))
        } else {
            None
        };
        let guarantee = if top && chance(&mut rng, 35) {
            Some((1 + rng.below(8), 256 * (1 + rng.below(16))))
        } else {
            None
        };
        let limit = if top && chance(&mut rng, 30) {
            let (gc, gm) = guarantee.unwrap_or((0, 0));
            Some((gc + rng.below(10), gm + 256 * rng.below(24)))
        } else {
            None
        };
        roles.push(GenRole {
            name: name.clone(),
            weight,
            guarantee,
            limit,
        });
    }

    let nagents = 1 + rng.below(size.min(8));
    let mut agents = Vec::new();
    for i in 0..nagents {
        let count = if chance(&mut rng, 30) {
            1 + rng.below(size.min(5))
        } else {
            1
        };
        let cpus_half =
            2 * pick(&mut rng, &[1u64, 2, 4, 8, 16]) + if chance(&mut rng, 10) { 1 } else { 0 };
        let mem = 1024 * pick(&mut rng, &[1u64, 2, 4, 8, 16]);
        let disk = if chance(&mut rng, 30) {
            1024 * (1 + rng.below(8))
        } else {
            0
        };
        let gpus = if chance(&mut rng, 10) {
            1 + rng.below(4)
        } else {
            0
        };
        let reserved = if chance(&mut rng, 20) {
            let role = role_names[rng.below(role_names.len() as u64) as usize].clone();
            Some((
                role,
                1 + rng.below(cpus_half / 2),
                256 * rng.below(mem / 256),
            ))
        } else {
            None
        };
        let at_ms = if chance(&mut rng, 60) {
            0
        } else {
            at(&mut rng, end_ms)
        };
        agents.push(GenAgent {
            name: format!("a{i}"),
            count,
            cpus_half,
            mem,
            disk,
            gpus,
            reserved,
            at_ms,
        });
    }

    let nfw = 1 + rng.below(size.min(8));
    let mut frameworks = Vec::new();
    for i in 0..nfw {
        let role = if chance(&mut rng, 10) {
            "*".to_string()
        } else {
            role_names[rng.below(role_names.len() as u64) as usize].clone()
        };
        let behavior = pick(&mut rng, &["greedy", "greedy", "greedy", "hold", "decline"]);
        let refuse_ms = if chance(&mut rng, 40) {
            Some(pick(&mut rng, &[0u64, 500, 1000, 2000, 4000, 5000, 10000]))
        } else {
            None
        };
        let fit = if chance(&mut rng, 30) {
            Some(pick(&mut rng, &["skip", "stop"]))
        } else {
            None
        };
        let at_ms = if chance(&mut rng, 60) {
            0
        } else {
            at(&mut rng, end_ms)
        };
        let mut jobs = Vec::new();
        if behavior == "greedy" || chance(&mut rng, 20) {
            for _ in 0..(1 + rng.below(3)) {
                jobs.push(GenJob {
                    at_ms: if chance(&mut rng, 50) {
                        0
                    } else {
                        at(&mut rng, end_ms)
                    },
                    tasks: rng.below(2 * size + 2),
                    cpus_half: pick(&mut rng, &[1u64, 2, 2, 4, 6, 8]),
                    mem: 128 * pick(&mut rng, &[1u64, 2, 4, 8, 16]),
                    duration_ms: 250 * (1 + rng.below(40)),
                });
            }
        }
        frameworks.push(GenFramework {
            name: format!("f{i}"),
            role,
            at_ms,
            behavior,
            refuse_ms,
            fit,
            jobs,
        });
    }

    let nevents = rng.below(size + 2);
    let mut events = Vec::new();
    for _ in 0..nevents {
        let kind = rng.below(6);
        let action = match kind {
            0 => GenAction::SetWeight(
                role_names[rng.below(role_names.len() as u64) as usize].clone(),
                pick(&mut rng, &[0.5, 1.0, 2.0, 4.0]),
            ),
            1 => {
                let tops: Vec<&String> = role_names.iter().filter(|r| !r.contains('/')).collect();
                let role = tops[rng.below(tops.len() as u64) as usize].clone();
                let g = if chance(&mut rng, 60) {
                    Some((1 + rng.below(6), 256 * rng.below(16)))
                } else {
                    None
                };
                let l = if chance(&mut rng, 50) {
                    let (gc, gm) = g.unwrap_or((0, 0));
                    Some((gc + rng.below(8), gm + 256 * rng.below(16)))
                } else {
                    None
                };
                GenAction::SetQuota(role, g, l)
            }
            2 => {
                let a = &agents[rng.below(agents.len() as u64) as usize];
                let name = if a.count > 1 {
                    format!("{}-{}", a.name, rng.below(a.count))
                } else {
                    a.name.clone()
                };
                GenAction::RemoveAgent(name)
            }
            _ => {
                let f = &frameworks[rng.below(frameworks.len() as u64) as usize];
                let act = pick(&mut rng, &["suppress", "revive", "deactivate", "activate"]);
                GenAction::Framework(act, f.name.clone())
            }
        };
        let earliest = match &action {
            GenAction::RemoveAgent(n) => agents
                .iter()
                .find(|a| *n == a.name || n.starts_with(&format!("{}-", a.name)))
                .map(|a| a.at_ms)
                .unwrap_or(0),
            GenAction::Framework(_, f) => frameworks
                .iter()
                .find(|x| &x.name == f)
                .map(|x| x.at_ms)
                .unwrap_or(0),
            _ => 0,
        };
        let at_ms = earliest.max(at(&mut rng, end_ms));
        events.push(GenEvent { at_ms, action });
    }
    // Two removals of one agent are fine for Mesos (the second is ignored)
    // but make noise: keep the first.
    let mut removed: Vec<String> = Vec::new();
    events.retain(|e| match &e.action {
        GenAction::RemoveAgent(n) => {
            if removed.contains(n) {
                false
            } else {
                removed.push(n.clone());
                true
            }
        }
        _ => true,
    });

    // A deactivated framework cannot call SUPPRESS or REVIVE in Mesos (the
    // real allocator CHECK-fails on it): drop such calls, replaying each
    // framework's state in event order (time, then file order).
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| events[i].at_ms);
    let mut inactive: Vec<String> = Vec::new();
    let mut drop = vec![false; events.len()];
    for i in order {
        if let GenAction::Framework(act, f) = &events[i].action {
            match *act {
                "deactivate" => {
                    if !inactive.contains(f) {
                        inactive.push(f.clone());
                    }
                }
                "activate" => inactive.retain(|x| x != f),
                _ => {
                    if inactive.contains(f) {
                        drop[i] = true;
                    }
                }
            }
        }
    }
    let mut k = 0;
    events.retain(|_| {
        k += 1;
        !drop[k - 1]
    });

    Gen {
        seed,
        end_ms,
        interval_ms,
        refuse_ms,
        min_allocatable,
        roles,
        agents,
        frameworks,
        events,
    }
}

impl Gen {
    /// The scenario file.
    pub fn to_toml(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# fidelity scenario, generator seed {}", self.seed);
        let _ = writeln!(s, "name = \"fidelity-{}\"", self.seed);
        let _ = writeln!(s, "end = \"{}\"", fmt_ms(self.end_ms));
        let _ = writeln!(s, "\n[allocator]");
        let _ = writeln!(s, "agent_order = \"joined\"");
        let _ = writeln!(s, "interval = \"{}\"", fmt_ms(self.interval_ms));
        let _ = writeln!(s, "refuse = \"{}\"", fmt_ms(self.refuse_ms));
        if let Some(m) = self.min_allocatable {
            let _ = writeln!(s, "min_allocatable = {m}");
        }
        for r in &self.roles {
            let _ = writeln!(s, "\n[[roles]]\nname = \"{}\"", r.name);
            if let Some(w) = r.weight {
                let _ = writeln!(s, "weight = {w:?}");
            }
            if let Some((c, m)) = r.guarantee {
                let _ = writeln!(s, "guarantee = {{ cpus = {c}, mem = {m} }}");
            }
            if let Some((c, m)) = r.limit {
                let _ = writeln!(s, "limit = {{ cpus = {c}, mem = {m} }}");
            }
        }
        for a in &self.agents {
            let _ = writeln!(s, "\n[[agents]]\nname = \"{}\"", a.name);
            if a.count != 1 {
                let _ = writeln!(s, "count = {}", a.count);
            }
            let mut res = format!("cpus = {}, mem = {}", fmt_cpus(a.cpus_half), a.mem);
            if a.disk > 0 {
                let _ = write!(res, ", disk = {}", a.disk);
            }
            if a.gpus > 0 {
                let _ = write!(res, ", gpus = {}", a.gpus);
            }
            let _ = writeln!(s, "resources = {{ {res} }}");
            if let Some((role, c, m)) = &a.reserved {
                let mem = if *m > 0 {
                    format!(", mem = {m}")
                } else {
                    String::new()
                };
                let _ = writeln!(s, "reserved = {{ \"{role}\" = {{ cpus = {c}{mem} }} }}");
            }
            if a.at_ms > 0 {
                let _ = writeln!(s, "at = \"{}\"", fmt_ms(a.at_ms));
            }
        }
        for f in &self.frameworks {
            let _ = writeln!(
                s,
                "\n[[frameworks]]\nname = \"{}\"\nrole = \"{}\"",
                f.name, f.role
            );
            if f.behavior != "greedy" {
                let _ = writeln!(s, "behavior = \"{}\"", f.behavior);
            }
            if let Some(r) = f.refuse_ms {
                let _ = writeln!(s, "refuse = \"{}\"", fmt_ms(r));
            }
            if let Some(fit) = f.fit {
                let _ = writeln!(s, "fit = \"{fit}\"");
            }
            if f.at_ms > 0 {
                let _ = writeln!(s, "at = \"{}\"", fmt_ms(f.at_ms));
            }
            for (j, job) in f.jobs.iter().enumerate() {
                let _ = writeln!(s, "\n[[frameworks.jobs]]\nname = \"{}-j{}\"", f.name, j);
                if job.at_ms > 0 {
                    let _ = writeln!(s, "at = \"{}\"", fmt_ms(job.at_ms));
                }
                let _ = writeln!(s, "tasks = {}", job.tasks);
                let _ = writeln!(
                    s,
                    "resources = {{ cpus = {}, mem = {} }}",
                    fmt_cpus(job.cpus_half),
                    job.mem
                );
                let _ = writeln!(s, "duration = \"{}\"", fmt_ms(job.duration_ms));
            }
        }
        for e in &self.events {
            let _ = writeln!(s, "\n[[events]]\nat = \"{}\"", fmt_ms(e.at_ms));
            match &e.action {
                GenAction::SetWeight(r, w) => {
                    let _ = writeln!(s, "action = \"set-weight\"\nrole = \"{r}\"\nweight = {w:?}");
                }
                GenAction::SetQuota(r, g, l) => {
                    let _ = writeln!(s, "action = \"set-quota\"\nrole = \"{r}\"");
                    if let Some((c, m)) = g {
                        let _ = writeln!(s, "guarantee = {{ cpus = {c}, mem = {m} }}");
                    }
                    if let Some((c, m)) = l {
                        let _ = writeln!(s, "limit = {{ cpus = {c}, mem = {m} }}");
                    }
                }
                GenAction::Framework(a, f) => {
                    let _ = writeln!(s, "action = \"{a}\"\nframework = \"{f}\"");
                }
                GenAction::RemoveAgent(a) => {
                    let _ = writeln!(s, "action = \"remove-agent\"\nagent = \"{a}\"");
                }
            }
        }
        s
    }

    /// Smaller variants, most aggressive first (for shrinking).
    fn shrink_candidates(&self) -> Vec<Gen> {
        let mut out = Vec::new();
        if self.end_ms > 1000 {
            let mut g = self.clone();
            g.end_ms = (self.end_ms / 2 / 250) * 250;
            let end = g.end_ms;
            g.events.retain(|e| e.at_ms <= end);
            for a in g.agents.iter_mut() {
                a.at_ms = a.at_ms.min(end);
            }
            for f in g.frameworks.iter_mut() {
                f.at_ms = f.at_ms.min(end);
                for j in f.jobs.iter_mut() {
                    j.at_ms = j.at_ms.min(end);
                }
            }
            out.push(g);
        }
        for i in 0..self.events.len() {
            let mut g = self.clone();
            g.events.remove(i);
            out.push(g);
        }
        for i in 0..self.frameworks.len() {
            let name = &self.frameworks[i].name;
            let mut g = self.clone();
            g.frameworks.remove(i);
            g.events
                .retain(|e| !matches!(&e.action, GenAction::Framework(_, f) if f == name));
            if !g.frameworks.is_empty() {
                out.push(g);
            }
        }
        for i in 0..self.agents.len() {
            let name = self.agents[i].name.clone();
            let mut g = self.clone();
            g.agents.remove(i);
            g.events.retain(|e| {
                !matches!(&e.action, GenAction::RemoveAgent(a) if *a == name || a.starts_with(&format!("{name}-")))
            });
            if !g.agents.is_empty() {
                out.push(g);
            }
        }
        for i in 0..self.agents.len() {
            if self.agents[i].count > 1 {
                let mut g = self.clone();
                g.agents[i].count -= 1;
                let gone = format!("{}-{}", g.agents[i].name, g.agents[i].count);
                g.events
                    .retain(|e| !matches!(&e.action, GenAction::RemoveAgent(a) if *a == gone));
                out.push(g);
            }
        }
        for i in 0..self.frameworks.len() {
            for j in 0..self.frameworks[i].jobs.len() {
                let mut g = self.clone();
                g.frameworks[i].jobs.remove(j);
                out.push(g);
                if self.frameworks[i].jobs[j].tasks > 1 {
                    let mut g = self.clone();
                    g.frameworks[i].jobs[j].tasks -= 1;
                    out.push(g);
                }
            }
        }
        for i in 0..self.roles.len() {
            let mut g = self.clone();
            g.roles.remove(i);
            out.push(g);
        }
        out
    }
}

/// One side's rows: offers by time (sorted within a time, without ids) and
/// tasks by id.
#[derive(Debug, PartialEq, Eq)]
pub struct Rows {
    pub offers: BTreeMap<u64, Vec<String>>,
    pub tasks: Vec<String>,
}

fn read_rows(dir: &Path) -> Result<Rows, String> {
    let offers_text = std::fs::read_to_string(dir.join("offers.csv"))
        .map_err(|e| format!("{}: {e}", dir.join("offers.csv").display()))?;
    let tasks_text = std::fs::read_to_string(dir.join("tasks.csv"))
        .map_err(|e| format!("{}: {e}", dir.join("tasks.csv").display()))?;
    let mut offers: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for line in offers_text.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        if cols.len() < 11 {
            return Err(format!("bad offers.csv row: {line}"));
        }
        let t: u64 = cols[0].parse().map_err(|_| format!("bad time in {line}"))?;
        // Drop the offer id: offers of one time are a multiset.
        let key = format!("{},{}", cols[0], cols[2..].join(","));
        offers.entry(t).or_default().push(key);
    }
    for v in offers.values_mut() {
        v.sort();
    }
    let tasks = tasks_text.lines().skip(1).map(|l| l.to_string()).collect();
    Ok(Rows { offers, tasks })
}

/// Runs mesosim in-process on `toml`, writing into `dir`.
fn run_mesosim(toml: &str, dir: &Path) -> Result<Rows, String> {
    let names = policies::names();
    let spec = workloads::parse_str(
        toml,
        "fidelity.toml",
        &workloads::LoadOptions { policies: &names },
    )
    .map_err(|e| format!("mesosim rejected the scenario: {e}"))?;
    let policy = policies::build(&spec.allocator.policy).map_err(|e| e.to_string())?;
    let record = sim::engine::run(
        &spec,
        policy,
        sim::engine::RunOptions {
            check_invariants: true,
            ..Default::default()
        },
        &mut |_, _| {},
    )
    .map_err(|e| format!("mesosim: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    reports::write_files(&record, dir).map_err(|e| e.to_string())?;
    read_rows(dir)
}

fn run_replay(replay: &Path, scenario: &Path, dir: &Path) -> Result<Rows, String> {
    let out = Command::new(replay)
        .arg(scenario)
        .arg("--out")
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", replay.display()))?;
    if !out.status.success() {
        return Err(format!(
            "replay failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    read_rows(dir)
}

fn compare(ours: &Rows, mesos: &Rows) -> Option<String> {
    let times: std::collections::BTreeSet<u64> = ours
        .offers
        .keys()
        .chain(mesos.offers.keys())
        .copied()
        .collect();
    for t in times {
        let a = ours.offers.get(&t).cloned().unwrap_or_default();
        let b = mesos.offers.get(&t).cloned().unwrap_or_default();
        if a != b {
            return Some(format!(
                "offers differ first at time_us {t}\n  mesosim:\n    {}\n  mesos:\n    {}",
                if a.is_empty() {
                    "(none)".to_string()
                } else {
                    a.join("\n    ")
                },
                if b.is_empty() {
                    "(none)".to_string()
                } else {
                    b.join("\n    ")
                },
            ));
        }
    }
    let n = ours.tasks.len().max(mesos.tasks.len());
    for i in 0..n {
        let a = ours.tasks.get(i).map(String::as_str).unwrap_or("(missing)");
        let b = mesos
            .tasks
            .get(i)
            .map(String::as_str)
            .unwrap_or("(missing)");
        if a != b {
            return Some(format!(
                "tasks differ first at task {i}\n  mesosim: {a}\n  mesos:   {b}"
            ));
        }
    }
    None
}

/// Runs one scenario through both; Ok(None) when they agree.
pub fn check_one(replay: &Path, work: &Path, g: &Gen) -> Result<Option<String>, String> {
    std::fs::create_dir_all(work).map_err(|e| e.to_string())?;
    let toml = g.to_toml();
    let file = work.join("scenario.toml");
    std::fs::write(&file, &toml).map_err(|e| e.to_string())?;
    // A panic in mesosim is a finding, not the end of the whole run.
    let dir = work.join("mesosim");
    let ours = std::panic::catch_unwind(|| run_mesosim(&toml, &dir)).map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("mesosim panicked: {msg}")
    })??;
    let mesos = run_replay(replay, &file, &work.join("mesos"))?;
    Ok(compare(&ours, &mesos))
}

/// Shrinks a differing scenario while it still differs.
pub fn shrink(replay: &Path, work: &Path, g: &Gen) -> Gen {
    let mut best = g.clone();
    'outer: loop {
        for cand in best.shrink_candidates() {
            if let Ok(Some(_)) = check_one(replay, work, &cand) {
                best = cand;
                continue 'outer;
            }
        }
        return best;
    }
}

/// The default location of the replay peer, relative to the repository.
pub fn default_replay() -> PathBuf {
    if let Ok(p) = std::env::var("MESOSIM_REPLAY") {
        return PathBuf::from(p);
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.join("../shared/peers/mesos-allocator/replay")
}
