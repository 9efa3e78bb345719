//! From the span-preserving tree to a validated [`Spec`]: every key checked,
//! every default filled in, every cross reference resolved.
//!
//! The walk is by hand rather than through typed serde structs so that
//! every error can name its exact key path and position, and so that keys
//! reserved for later features get "not supported yet" instead of "unknown".
//! Defaults are those of DESIGN.md "Defaults"; the checks mirror the Mesos
//! replay oracle's (`convert` in `shared/peers/mesos-allocator/replay`) and
//! Mesos's own rules on roles and quota.

use std::collections::BTreeMap;
use std::ops::Range;

use sim::resources::{format_thousandths, thousandths_from_f64, Limits, Res, ResourceNames};
use sim::resources::{GPUS, MAX_RES};
use sim::spec::{
    Action, AgentOrder, AgentSpec, AllocatorSpec, Behavior, EventSpec, FaultsSpec, Fit,
    FrameworkSpec, JobSpec, MasterSpec, Micros, Mode, Placement, RoleSpec, Spec, TieBreak,
    WhenBlocked,
};

use crate::duration::{parse_duration, parse_duration_or_forever};
use crate::error::ScenarioError;
use crate::names::{validate_name, validate_resource_name, validate_role};
use crate::schema::{Entry, Node, Val};
use crate::whatif::{Whatif, MAX_LOAD, WHATIF_KEYS};

mod iso;
mod synth;

type R<T> = Result<T, ScenarioError>;

const TOP_KEYS: &[&str] = &[
    "name",
    "seed",
    "end",
    "allocator",
    "roles",
    "agents",
    "frameworks",
    "events",
    "expect", // read by `load_expectations` (expect.rs) for `mesosim check`
    "workload",
    "reports",
    "master",
    "faults",
    "network",
    "whatif",
    "isolation",        // isolator accounting: validate/iso.rs
    "oversubscription", // revocable resources: validate/iso.rs
];
/// `[workload]`: a trace; its options are checked for type here and for
/// meaning by the `traces` crate (which knows the formats).
const WORKLOAD_KEYS: &[&str] = &[
    "trace",
    "on_error",
    "frameworks",
    "cpus_per_unit",
    "mem_mib_per_unit",
    "gpus_per_unit",
    "synthetic", // validate/synth.rs
];
/// Tables of later features: refused loudly so that nobody believes a
/// fault or a trace was simulated when it was ignored (none left).
const TOP_RESERVED: &[&str] = &[];
const MASTER_KEYS: &[&str] = &[
    "replicas",
    "agent_ping_timeout",
    "max_agent_ping_timeouts",
    "agent_reregister_timeout",
    "zk_session_timeout",
    "registration_backoff_factor",
    "framework_backoff_factor",
    "registry_max_agent_age",
    "registry_gc_interval",
    "allocator_agent_recovery_factor",
    "allocator_recovery_timeout",
];
const FAULT_KEYS: &[&str] = &[
    "agent_mtbf",
    "agent_mttr",
    "partition_rate",
    "partition_duration",
    "master_mtbf",
];
const ALLOCATOR_KEYS: &[&str] = &[
    "policy",
    "mode",
    "interval",
    "refuse",
    "min_allocatable",
    "offer_timeout",
    "agent_order",
    "placement",
    "when_blocked",
    "tie_break",
];
const ROLE_KEYS: &[&str] = &[
    "name",
    "weight",
    "guarantee",
    "limit",
    "capacity",
    "max_capacity",
    "minimum_user_limit_percent",
];
const AGENT_KEYS: &[&str] = &["name", "count", "resources", "reserved", "attributes", "at"];
const FRAMEWORK_KEYS: &[&str] = &[
    "name",
    "role",
    "at",
    "behavior",
    "refuse",
    "fit",
    "partition_aware",
    "priority",
    "suppress_when_idle",
    "failover_timeout",
    "revocable", // REVOCABLE_RESOURCES, read by validate/iso.rs
    "jobs",
];
const JOB_KEYS: &[&str] = &[
    "name",
    "at",
    "tasks",
    "resources",
    "duration",
    "priority",
    "gang",
    "usage", // read by validate/iso.rs
    "limit", // read by validate/iso.rs
];
const ACTIONS: &[(&str, &[&str])] = &[
    ("set-weight", &["role", "weight"]),
    ("set-quota", &["role", "guarantee", "limit"]),
    ("suppress", &["framework"]),
    ("revive", &["framework"]),
    ("deactivate", &["framework"]),
    ("activate", &["framework"]),
    ("remove-agent", &["agent"]),
    (
        "add-agent",
        &["agent", "resources", "reserved", "attributes"],
    ),
    ("fail-agent", &["agent", "restart_after"]),
    ("partition-agent", &["agent", "heal_after"]),
    ("drain-agent", &["agent"]),
    ("fail-master", &[]),
    ("disconnect-framework", &["framework", "reconnect_after"]),
];
/// Event actions that later versions add.
const RESERVED_ACTIONS: &[&str] = &[
    "recover-agent",
    "restart-agent",
    "heal-agent",
    "heal-partition",
    "fail-framework",
    "kill-task",
];

/// Joins a key to a path, quoting keys that are not bare TOML keys
/// (`agents[0].reserved."eng/ml"`) so that the path reads unambiguously.
fn join(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let k = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if path.is_empty() {
        k
    } else {
        format!("{path}.{k}")
    }
}

/// A duration as short as it can be written exactly, for messages.
fn human(us: Micros) -> String {
    for (unit, k) in [
        ("d", 86_400_000_000u64),
        ("h", 3_600_000_000),
        ("m", 60_000_000),
        ("s", 1_000_000),
        ("ms", 1_000),
    ] {
        // Not `is_multiple_of`: the workspace's MSRV (1.80) predates it.
        let rest = us % k;
        if us != 0 && rest == 0 {
            return format!("{}{unit}", us / k);
        }
    }
    if us == 0 {
        "0s".into()
    } else {
        format!("{us}us")
    }
}

fn num_text(v: &Val) -> String {
    match v {
        Val::Int(i) => i.to_string(),
        // Debug keeps a float looking like one (`2.0`) and stays short
        // for huge values (`1e300`).
        Val::Float(f) => format!("{f:?}"),
        other => other.describe(),
    }
}

/// One value being checked: where it is and how to name it.
#[derive(Clone)]
struct At<'t> {
    node: &'t Node,
    path: String,
    loc: Option<Range<usize>>,
}

/// One table being checked.
struct Tbl<'t> {
    entries: &'t [Entry],
    path: String,
    loc: Option<Range<usize>>,
}

impl<'t> Tbl<'t> {
    fn get(&self, key: &str) -> Option<At<'t>> {
        self.entries.iter().find(|e| e.key == key).map(|e| At {
            node: &e.node,
            path: join(&self.path, &e.key),
            // Point at the key: the line where the user wrote it, column
            // of its name; fall back to the value, then to the table.
            loc: e
                .key_span
                .clone()
                .or_else(|| e.node.span.clone())
                .or_else(|| self.loc.clone()),
        })
    }
}

/// A parsed resource table: quantities, which names it set, and where.
struct ResTable {
    res: Res,
    named: [bool; MAX_RES],
    locs: [Option<Range<usize>>; MAX_RES],
    paths: [String; MAX_RES],
}

/// Where an agent comes from, for remove-agent checks.
#[derive(Clone, Copy)]
enum Joined {
    /// A `[[agents]]` entry at this time: joins before any event then.
    Static(Micros),
    /// An add-agent event: at its time, in file order among events.
    Event(Micros, usize),
}

pub(crate) struct Checker<'a> {
    file: &'a str,
    text: &'a str,
    policies: &'a [&'a str],
    names: ResourceNames,
    /// The scenario's folder: relative model paths are resolved from it.
    base: &'a std::path::Path,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(file: &'a str, text: &'a str, policies: &'a [&'a str]) -> Self {
        Checker {
            file,
            text,
            policies,
            names: ResourceNames::default(),
            base: std::path::Path::new(""),
        }
    }

    /// Resolve relative paths (a synthetic `model`) against `base`.
    pub(crate) fn with_base(mut self, base: &'a std::path::Path) -> Self {
        self.base = base;
        self
    }

    fn err(&self, loc: &Option<Range<usize>>, key: &str, msg: impl Into<String>) -> ScenarioError {
        ScenarioError::at(
            self.file,
            self.text,
            loc.clone(),
            Some(key.to_string()),
            msg,
        )
    }

    fn err_at(&self, at: &At, msg: impl Into<String>) -> ScenarioError {
        self.err(&at.loc, &at.path, msg)
    }

    fn expected(&self, at: &At, what: &str) -> ScenarioError {
        self.err_at(
            at,
            format!("expected {what}, got {}", at.node.val.describe()),
        )
    }

    // ----- value helpers -------------------------------------------------

    fn table<'t>(&self, at: &At<'t>) -> R<Tbl<'t>> {
        match &at.node.val {
            Val::Table(entries) => Ok(Tbl {
                entries,
                path: at.path.clone(),
                loc: at.node.span.clone().or_else(|| at.loc.clone()),
            }),
            _ => Err(self.expected(at, "a table")),
        }
    }

    fn array<'t>(&self, at: &At<'t>) -> R<Vec<At<'t>>> {
        match &at.node.val {
            Val::Array(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, n)| At {
                    node: n,
                    path: format!("{}[{i}]", at.path),
                    loc: n.span.clone().or_else(|| at.loc.clone()),
                })
                .collect()),
            _ => Err(self.expected(at, "an array")),
        }
    }

    /// `[[name]]`: an array whose items are tables.
    fn tables<'t>(&self, at: &At<'t>) -> R<Vec<Tbl<'t>>> {
        let name = at.path.clone();
        match &at.node.val {
            Val::Array(_) => {}
            _ => return Err(self.expected(at, &format!("an array of tables ([[{name}]])"))),
        }
        self.array(at)?
            .iter()
            .map(|item| match &item.node.val {
                Val::Table(_) => self.table(item),
                _ => Err(self.expected(item, "a table")),
            })
            .collect()
    }

    fn string<'t>(&self, at: &At<'t>) -> R<&'t str> {
        match &at.node.val {
            Val::Str(s) => Ok(s),
            _ => Err(self.expected(at, "a string")),
        }
    }

    fn boolean(&self, at: &At) -> R<bool> {
        match &at.node.val {
            Val::Bool(b) => Ok(*b),
            _ => Err(self.expected(at, "true or false")),
        }
    }

    fn integer(&self, at: &At, min: i64) -> R<i64> {
        match &at.node.val {
            Val::Int(i) if *i >= min => Ok(*i),
            Val::Int(i) => Err(self.err_at(at, format!("must be at least {min} (got {i})"))),
            _ => Err(self.expected(at, "a whole number")),
        }
    }

    fn number(&self, at: &At) -> R<f64> {
        match &at.node.val {
            Val::Int(i) => Ok(*i as f64),
            Val::Float(f) => Ok(*f),
            _ => Err(self.expected(at, "a number")),
        }
    }

    fn weight(&self, at: &At) -> R<f64> {
        let w = self.number(at)?;
        if !w.is_finite() || w <= 0.0 {
            return Err(self.err_at(
                at,
                format!(
                    "a weight must be greater than 0 (got {})",
                    num_text(&at.node.val)
                ),
            ));
        }
        Ok(w)
    }

    fn duration_text<'t>(&self, at: &At<'t>) -> R<&'t str> {
        match &at.node.val {
            Val::Str(s) => Ok(s),
            v => Err(self.err_at(
                at,
                format!(
                    "a duration is a string with a unit, like \"250ms\", \"5s\" or \"2h\" (got {})",
                    v.describe()
                ),
            )),
        }
    }

    fn duration(&self, at: &At) -> R<Micros> {
        let s = self.duration_text(at)?;
        parse_duration(s).map_err(|e| self.err_at(at, e.0))
    }

    fn duration_or_forever(&self, at: &At) -> R<Option<Micros>> {
        let s = self.duration_text(at)?;
        parse_duration_or_forever(s).map_err(|e| self.err_at(at, e.0))
    }

    fn opt_duration(&self, t: &Tbl, key: &str, default: Micros) -> R<Micros> {
        match t.get(key) {
            Some(at) => self.duration(&at),
            None => Ok(default),
        }
    }

    /// An optional duration that must be greater than zero.
    fn opt_positive_duration(&self, t: &Tbl, key: &str) -> R<Option<Micros>> {
        match t.get(key) {
            Some(at) => {
                let us = self.duration(&at)?;
                if us == 0 {
                    return Err(self.err_at(&at, "must be greater than 0"));
                }
                Ok(Some(us))
            }
            None => Ok(None),
        }
    }

    /// `[master]`: replicas and Mesos's timing flags.
    fn master(&self, at: &At) -> R<MasterSpec> {
        let t = self.table(at)?;
        self.check_keys(&t, MASTER_KEYS, &[])?;
        let mut m = MasterSpec::default();
        if let Some(r) = t.get("replicas") {
            m.replicas = self.integer(&r, 1)?.min(u32::MAX as i64) as u32;
        }
        let positive = |key: &str, default: Micros| -> R<Micros> {
            Ok(self.opt_positive_duration(&t, key)?.unwrap_or(default))
        };
        m.agent_ping_timeout_us = positive("agent_ping_timeout", m.agent_ping_timeout_us)?;
        if let Some(at) = t.get("agent_ping_timeout") {
            // Mesos's allowed range for the flag.
            if !(1_000_000..=900_000_000).contains(&m.agent_ping_timeout_us) {
                return Err(self.err_at(&at, "must be between \"1s\" and \"15m\" (Mesos's range)"));
            }
        }
        if let Some(r) = t.get("max_agent_ping_timeouts") {
            m.max_agent_ping_timeouts = self.integer(&r, 1)?.min(u32::MAX as i64) as u32;
        }
        m.agent_reregister_timeout_us =
            positive("agent_reregister_timeout", m.agent_reregister_timeout_us)?;
        if let Some(at) = t.get("agent_reregister_timeout") {
            if m.agent_reregister_timeout_us < 600_000_000 {
                return Err(self.err_at(&at, "must be at least \"10m\" (Mesos's minimum)"));
            }
        }
        m.zk_session_timeout_us = positive("zk_session_timeout", m.zk_session_timeout_us)?;
        m.agent_backoff_us =
            self.opt_duration(&t, "registration_backoff_factor", m.agent_backoff_us)?;
        m.framework_backoff_us =
            self.opt_duration(&t, "framework_backoff_factor", m.framework_backoff_us)?;
        m.registry_max_agent_age_us =
            positive("registry_max_agent_age", m.registry_max_agent_age_us)?;
        m.registry_gc_interval_us = positive("registry_gc_interval", m.registry_gc_interval_us)?;
        if let Some(f) = t.get("allocator_agent_recovery_factor") {
            let v = self.number(&f)?;
            if !(0.0..=1.0).contains(&v) {
                return Err(self.err_at(&f, format!("must be between 0 and 1 (got {v})")));
            }
            m.recovery_agent_factor = v;
        }
        m.allocator_recovery_timeout_us = positive(
            "allocator_recovery_timeout",
            m.allocator_recovery_timeout_us,
        )?;
        Ok(m)
    }

    /// `[faults]`: means of exponential intervals; `partition_rate` is a
    /// number of partitions per agent per hour, or "N/UNIT" ("2/d").
    fn faults(&self, at: &At) -> R<FaultsSpec> {
        let t = self.table(at)?;
        self.check_keys(&t, FAULT_KEYS, &[])?;
        let mut f = FaultsSpec {
            agent_mtbf_us: self.opt_positive_duration(&t, "agent_mtbf")?,
            agent_mttr_us: self.opt_positive_duration(&t, "agent_mttr")?,
            partition_mtbf_us: None,
            partition_duration_us: self.opt_positive_duration(&t, "partition_duration")?,
            master_mtbf_us: self.opt_positive_duration(&t, "master_mtbf")?,
        };
        if let Some(r) = t.get("partition_rate") {
            let (count, per_us) = match &r.node.val {
                Val::Int(_) | Val::Float(_) => (self.number(&r)?, 3_600_000_000u64),
                Val::Str(s) => {
                    let bad = || {
                        self.err_at(
                            &r,
                            format!(
                                "a rate is a number of partitions per agent per hour, or \
                                 \"N/UNIT\" like \"2/d\" or \"1/30m\" (got {s:?})"
                            ),
                        )
                    };
                    let (n, unit) = s.split_once('/').ok_or_else(bad)?;
                    let n: f64 = n.trim().parse().map_err(|_| bad())?;
                    let unit = unit.trim();
                    let unit = if unit.starts_with(|c: char| c.is_ascii_digit()) {
                        unit.to_string()
                    } else {
                        format!("1{unit}")
                    };
                    let us = parse_duration(&unit).map_err(|_| bad())?;
                    (n, us)
                }
                _ => return Err(self.expected(&r, "a number or \"N/UNIT\"")),
            };
            if !count.is_finite() || count < 0.0 {
                return Err(self.err_at(&r, "must be 0 or more"));
            }
            if count > 0.0 && per_us > 0 {
                let mean = (per_us as f64 / count).round();
                f.partition_mtbf_us = Some(mean.clamp(1.0, u64::MAX as f64 / 2.0) as Micros);
            }
            if f.partition_mtbf_us.is_some() && f.partition_duration_us.is_none() {
                return Err(self.err_at(
                    &r,
                    "partition_rate needs partition_duration (the mean length of a partition)",
                ));
            }
        }
        if f.agent_mttr_us.is_some() && f.agent_mtbf_us.is_none() {
            let a = t.get("agent_mttr").expect("present");
            return Err(self.err_at(&a, "agent_mttr needs agent_mtbf (crashes to repair)"));
        }
        Ok(f)
    }

    fn choice<T: Copy>(&self, at: &At, options: &[(&str, T)]) -> R<T> {
        let s = self.string(at)?;
        options
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let list: Vec<String> = options.iter().map(|(n, _)| format!("{n:?}")).collect();
                self.err_at(
                    at,
                    format!("expected one of {} (got {s:?})", list.join(", ")),
                )
            })
    }

    fn required<'t>(&self, t: &Tbl<'t>, key: &str, why: &str) -> R<At<'t>> {
        t.get(key).ok_or_else(|| {
            self.err(
                &t.loc,
                &join(&t.path, key),
                format!("missing required key `{key}`{why}"),
            )
        })
    }

    fn check_keys(&self, t: &Tbl, allowed: &[&str], reserved: &[&str]) -> R<()> {
        for e in t.entries {
            if allowed.contains(&e.key.as_str()) {
                continue;
            }
            let at = t.get(&e.key).expect("entry exists");
            if reserved.contains(&e.key.as_str()) {
                return Err(self.err_at(
                    &at,
                    "not supported yet: this key is reserved for a later version of mesosim",
                ));
            }
            return Err(self.err_at(
                &at,
                format!(
                    "unknown key `{}`; allowed here: {}",
                    e.key,
                    allowed.join(", ")
                ),
            ));
        }
        Ok(())
    }

    fn name_value<'t>(&self, at: &At<'t>) -> R<&'t str> {
        let s = self.string(at)?;
        validate_name(s).map_err(|m| self.err_at(at, m))?;
        Ok(s)
    }

    fn role_value<'t>(&self, at: &At<'t>) -> R<&'t str> {
        let s = self.string(at)?;
        validate_role(s).map_err(|m| self.err_at(at, m))?;
        Ok(s)
    }

    // ----- resources -----------------------------------------------------

    fn resources(&mut self, at: &At, allow_empty: bool) -> R<ResTable> {
        let t = self.table(at)?;
        let mut out = ResTable {
            res: Res::ZERO,
            named: [false; MAX_RES],
            locs: Default::default(),
            paths: Default::default(),
        };
        if t.entries.is_empty() && !allow_empty {
            return Err(self.err_at(
                at,
                "must name at least one resource, like { cpus = 1, mem = 4096 }",
            ));
        }
        for e in t.entries {
            let v = t.get(&e.key).expect("entry exists");
            validate_resource_name(&e.key).map_err(|m| self.err_at(&v, m))?;
            let idx = match self.names.index(&e.key) {
                Some(i) => i,
                None => self.names.intern(&e.key).map_err(|_| {
                    self.err_at(
                        &v,
                        format!(
                            "too many resource names: {:?} would be number {}; a scenario may \
                             use at most {MAX_RES} (cpus, mem, disk, gpus and {} custom ones)",
                            e.key,
                            MAX_RES + 1,
                            MAX_RES - 4
                        ),
                    )
                })?,
            };
            let x = match &v.node.val {
                Val::Int(i) => *i as f64,
                Val::Float(f) => *f,
                other => {
                    return Err(
                        self.err_at(&v, format!("expected a number, got {}", other.describe()))
                    )
                }
            };
            let got = num_text(&v.node.val);
            if x.is_nan() || x.is_infinite() {
                return Err(self.err_at(&v, format!("must be a finite number (got {got})")));
            }
            if x < 0.0 {
                return Err(self.err_at(&v, format!("must not be negative (got {got})")));
            }
            if idx == GPUS && x.fract() != 0.0 {
                return Err(self.err_at(&v, format!("must be a whole number (got {got})")));
            }
            let th = thousandths_from_f64(x)
                .ok_or_else(|| self.err_at(&v, format!("is too large (got {got})")))?;
            out.res.0[idx] = th;
            out.named[idx] = true;
            out.locs[idx] = v.loc.clone();
            out.paths[idx] = v.path.clone();
        }
        Ok(out)
    }

    /// `reserved = { ROLE = { .. } }`, checked against the agent's total.
    fn reserved(&mut self, at: &At, total: &Res) -> R<Vec<(String, Res)>> {
        let t = self.table(at)?;
        let mut out = Vec::new();
        let mut sum = Res::ZERO;
        for e in t.entries {
            let v = t.get(&e.key).expect("entry exists");
            validate_role(&e.key).map_err(|m| self.err_at(&v, m))?;
            if e.key == "*" {
                return Err(self.err_at(
                    &v,
                    "cannot reserve resources for the default role \"*\" (unreserved resources are its already)",
                ));
            }
            let r = self.resources(&v, true)?;
            sum.add(&r.res);
            out.push((e.key.clone(), r.res));
        }
        for i in 0..self.names.len() {
            if sum.0[i] > total.0[i] {
                return Err(self.err_at(
                    at,
                    format!(
                        "reservations add up to {} {} but the agent has {}",
                        format_thousandths(sum.0[i]),
                        self.names.name(i),
                        format_thousandths(total.0[i])
                    ),
                ));
            }
        }
        Ok(out)
    }

    fn attributes(&self, at: &At) -> R<Vec<(String, String)>> {
        let t = self.table(at)?;
        let mut out = Vec::new();
        for e in t.entries {
            let v = t.get(&e.key).expect("entry exists");
            out.push((e.key.clone(), self.string(&v)?.to_string()));
        }
        Ok(out)
    }

    /// Guarantee and limit of a role ([[roles]] or set-quota), with Mesos's
    /// quota rules: top-level roles only, guarantee within limit.
    fn quota(&mut self, t: &Tbl, role: &str) -> R<(Option<Res>, Option<Limits>)> {
        let g_at = t.get("guarantee");
        let l_at = t.get("limit");
        if let Some(first) = g_at.as_ref().or(l_at.as_ref()) {
            if role == "*" {
                return Err(self.err_at(first, "quota cannot be set on the default role \"*\""));
            }
            if role.contains('/') {
                return Err(self.err_at(
                    first,
                    format!(
                        "quota is supported on top-level roles only, as in Mesos; {role:?} is nested"
                    ),
                ));
            }
        }
        let guarantee = match &g_at {
            Some(a) => Some(self.resources(a, true)?),
            None => None,
        };
        let limit = match &l_at {
            Some(a) => Some(self.resources(a, true)?),
            None => None,
        };
        if let (Some(g), Some(l)) = (&guarantee, &limit) {
            for i in 0..MAX_RES {
                if l.named[i] && g.res.0[i] > l.res.0[i] {
                    // Name the guarantee's entry when it has one; a guarantee
                    // that leaves the resource out is 0 and never above.
                    return Err(self.err(
                        &g.locs[i],
                        &g.paths[i],
                        format!(
                            "the guarantee ({}) is above the limit ({})",
                            format_thousandths(g.res.0[i]),
                            format_thousandths(l.res.0[i])
                        ),
                    ));
                }
            }
        }
        Ok((
            guarantee.map(|g| g.res),
            limit.map(|l| Limits::from_named(&l.res, &l.named)),
        ))
    }

    // ----- the scenario --------------------------------------------------

    pub(crate) fn check(self, root: &Node) -> R<Spec> {
        self.check_with_workload(root).map(|(spec, _, _, _)| spec)
    }

    /// `[workload]`, checked for shape: the trace's format and path, and
    /// scalar options; or a synthetic workload.
    fn workload(
        &self,
        at: &At,
        has_agents: bool,
    ) -> R<(
        Option<crate::workload::RawWorkload>,
        Option<crate::synthetic::Synthetic>,
    )> {
        use crate::workload::OptionValue;
        let t = self.table(at)?;
        self.check_keys(&t, WORKLOAD_KEYS, &[])?;
        if let Some(syn) = t.get("synthetic") {
            if let Some(e) = t.entries.iter().find(|e| e.key != "synthetic") {
                let other = t.get(&e.key).expect("entry exists");
                return Err(self.err_at(
                    &other,
                    format!(
                        "`{}` is a trace option; a synthetic workload takes its keys inside `synthetic`",
                        e.key
                    ),
                ));
            }
            return Ok((None, Some(self.synthetic(&syn, has_agents)?)));
        }
        let line = at
            .loc
            .as_ref()
            .map(|l| crate::error::line_col(self.text, l.start).0)
            .unwrap_or(0);
        let Some(tr) = t.get("trace") else {
            return Err(self.err_at(
                at,
                "expected `trace = { format = \"...\", path = \"...\" }`",
            ));
        };
        let tt = self.table(&tr)?;
        self.check_keys(&tt, &["format", "path"], &[])?;
        let get = |k: &str| -> R<String> {
            match tt.get(k) {
                Some(v) => Ok(self.string(&v)?.to_string()),
                None => Err(self.err_at(&tr, format!("missing key `{k}`"))),
            }
        };
        let format = get("format")?;
        let path = get("path")?;
        let mut options = BTreeMap::new();
        for e in t.entries.iter().filter(|e| e.key != "trace") {
            let v = t.get(&e.key).expect("entry exists");
            let val = match &v.node.val {
                Val::Str(s) => OptionValue::Str(s.clone()),
                Val::Int(i) => OptionValue::Int(*i),
                Val::Float(f) => OptionValue::Float(*f),
                _ => return Err(self.expected(&v, "a string or a number")),
            };
            options.insert(e.key.clone(), val);
        }
        Ok((
            Some(crate::workload::RawWorkload {
                format,
                path,
                options,
                line,
            }),
            None,
        ))
    }

    pub(crate) fn check_with_workload(
        mut self,
        root: &Node,
    ) -> R<(
        Spec,
        Option<crate::workload::RawWorkload>,
        Whatif,
        Option<crate::synthetic::Synthetic>,
    )> {
        let root_at = At {
            node: root,
            path: String::new(),
            loc: None,
        };
        let top = self.table(&root_at)?;
        self.check_keys(&top, TOP_KEYS, TOP_RESERVED)?;

        let name = match top.get("name") {
            Some(at) => {
                let s = self.string(&at)?;
                if s.is_empty()
                    || s == "."
                    || s == ".."
                    || s.chars().any(|c| c == '/' || c == '\\' || c.is_control())
                {
                    return Err(self.err_at(
                        &at,
                        format!(
                            "{s:?} cannot be a scenario name (it names the output directory): \
                             use no \"/\", \"\\\" or control characters"
                        ),
                    ));
                }
                s.to_string()
            }
            None => default_name(self.file),
        };
        let mut spec = Spec::new(&name);

        if let Some(at) = top.get("seed") {
            spec.seed = self.integer(&at, 0)? as u64;
        }
        if let Some(at) = top.get("allocator") {
            spec.allocator = self.allocator(&at)?;
        }
        if let Some(at) = top.get("end") {
            spec.end_us = Some(self.duration(&at)?);
        }
        if let Some(at) = top.get("reports") {
            let t = self.table(&at)?;
            self.check_keys(&t, &["sample", "offers"], &[])?;
            if let Some(o) = t.get("offers") {
                spec.record_offers = self.boolean(&o)?;
            }
            if let Some(s) = t.get("sample") {
                let us = self.duration(&s)?;
                if us == 0 {
                    return Err(self.err_at(&s, "must be greater than 0"));
                }
                spec.sample_us = Some(us);
            }
        }

        if let Some(at) = top.get("master") {
            spec.master = self.master(&at)?;
        }
        if let Some(at) = top.get("faults") {
            spec.faults = self.faults(&at)?;
        }
        if let Some(at) = top.get("network") {
            let t = self.table(&at)?;
            self.check_keys(&t, &["delay", "jitter"], &[])?;
            spec.network.delay_us = self.opt_duration(&t, "delay", 0)?;
            spec.network.jitter_us = self.opt_duration(&t, "jitter", 0)?;
        }

        let mut listed_roles: BTreeMap<String, String> = BTreeMap::new();
        if let Some(at) = top.get("roles") {
            for t in self.tables(&at)? {
                let role = self.role_entry(&t, &mut listed_roles)?;
                spec.roles.push(role);
            }
        }

        // Every expanded agent name -> the path that defined it.
        let mut agent_names: BTreeMap<String, (String, Joined)> = BTreeMap::new();
        if let Some(at) = top.get("agents") {
            for t in self.tables(&at)? {
                self.agent_entry(&t, &mut agent_names, &mut spec.agents)?;
            }
        }

        let mut fw_index: BTreeMap<String, usize> = BTreeMap::new();
        let mut forever_job: Option<At> = None;
        if let Some(at) = top.get("frameworks") {
            for t in self.tables(&at)? {
                let fw = self.framework_entry(&t, &spec.allocator, &fw_index, &mut forever_job)?;
                fw_index.insert(fw.name.clone(), spec.frameworks.len());
                spec.frameworks.push(fw);
            }
        }

        if let Some(at) = top.get("events") {
            self.events(&at, &mut spec, &fw_index, &mut agent_names)?;
        }

        if spec.end_us.is_none() {
            if let Some(job) = forever_job {
                return Err(self.err_at(
                    &job,
                    "a job runs \"forever\", so the run would never end on its own: set `end` \
                     at the top level (e.g. end = \"1h\")",
                ));
            }
        }

        self.isolation(&top, &mut spec)?;

        let (workload, synthetic) = match top.get("workload") {
            Some(at) => self.workload(&at, !spec.agents.is_empty())?,
            None => (None, None),
        };
        let whatif = match top.get("whatif") {
            Some(at) => self.whatif(&at)?,
            None => Whatif::default(),
        };
        spec.resource_names = self.names;
        Ok((spec, workload, whatif, synthetic))
    }

    /// A document that is a `[whatif]` table's body (`--whatif`).
    pub(crate) fn whatif_root(&self, root: &Node) -> R<Whatif> {
        self.whatif(&At {
            node: root,
            path: String::new(),
            loc: None,
        })
    }

    /// `[whatif]` (or one `--whatif KEY=VALUE`, parsed as a one-key table).
    fn whatif(&self, at: &At) -> R<Whatif> {
        let t = self.table(at)?;
        self.check_keys(&t, WHATIF_KEYS, &[])?;
        let mut w = Whatif::default();
        // A finite number in (0, max] (or (0, 1] for fractions).
        let factor = |key: &str, max: f64, what: &str| -> R<Option<f64>> {
            let Some(v) = t.get(key) else {
                return Ok(None);
            };
            let x = self.number(&v)?;
            if !(x.is_finite() && x > 0.0 && x <= max) {
                return Err(self.err_at(&v, format!("{what} (got {})", num_text(&v.node.val))));
            }
            Ok(Some(x))
        };
        w.load = factor(
            "load",
            MAX_LOAD,
            "must be greater than 0 and at most 1000 (1 = the workload as it is)",
        )?;
        w.machines = factor(
            "machines",
            1.0,
            "a fraction of the agents: greater than 0 and at most 1",
        )?;
        w.duration = factor("duration", 1e9, "must be greater than 0 (1 = as they are)")?;
        w.sample = factor(
            "sample",
            1.0,
            "a fraction of the jobs: greater than 0 and at most 1",
        )?;
        if let Some(ms) = t.get("machine_scale") {
            let mt = self.table(&ms)?;
            if mt.entries.is_empty() {
                return Err(
                    self.err_at(&ms, "must name at least one resource, like { cpus = 2.0 }")
                );
            }
            for e in mt.entries {
                let v = mt.get(&e.key).expect("entry exists");
                validate_resource_name(&e.key).map_err(|m| self.err_at(&v, m))?;
                let x = self.number(&v)?;
                if !(x.is_finite() && x > 0.0 && x <= 1e9) {
                    return Err(self.err_at(
                        &v,
                        format!(
                            "a capacity factor must be greater than 0 (got {})",
                            num_text(&v.node.val)
                        ),
                    ));
                }
                w.machine_scale.insert(e.key.clone(), x);
            }
        }
        if let Some(win) = t.get("window") {
            let items = match &win.node.val {
                Val::Array(_) => self.array(&win)?,
                _ => {
                    return Err(
                        self.expected(&win, "an array of two durations, like [\"1h\", \"3h\"]")
                    )
                }
            };
            if items.len() != 2 {
                return Err(self.err_at(
                    &win,
                    format!(
                        "expected two durations [start, end], like [\"1h\", \"3h\"] (got {})",
                        items.len()
                    ),
                ));
            }
            let start = self.duration(&items[0])?;
            let end = self.duration(&items[1])?;
            if start >= end {
                return Err(self.err_at(
                    &win,
                    format!(
                        "the window's start ({}) must come before its end ({})",
                        human(start),
                        human(end)
                    ),
                ));
            }
            w.window = Some((start, end));
        }
        Ok(w)
    }

    fn allocator(&mut self, at: &At) -> R<AllocatorSpec> {
        let t = self.table(at)?;
        // `[allocator.NAME]` tables hold the parameters of policy NAME.
        let policy_tables: Vec<&str> = self.policies.to_vec();
        let mut allowed: Vec<&str> = ALLOCATOR_KEYS.to_vec();
        allowed.extend(policy_tables.iter().copied());
        self.check_keys(&t, &allowed, &[])?;
        let mut a = AllocatorSpec::default();
        for name in &policy_tables {
            if let Some(pt) = t.get(name) {
                let tbl = self.table(&pt)?;
                let mut params = std::collections::BTreeMap::new();
                for e in tbl.entries {
                    let v_at = tbl.get(&e.key).expect("entry exists");
                    let v = self.number(&v_at)?;
                    if !v.is_finite() {
                        return Err(self.err_at(&v_at, "must be a finite number"));
                    }
                    // Each agent is cut into this many equal slots
                    // (docs/policies.md, `slots`).
                    if *name == "slots"
                        && e.key == "per_agent"
                        && !(v.fract() == 0.0 && (1.0..=1_000_000.0).contains(&v))
                    {
                        return Err(self.err_at(
                            &v_at,
                            format!(
                                "must be a whole number of slots per agent, from 1 to 1000000 (got {v})"
                            ),
                        ));
                    }
                    params.insert(e.key.clone(), v);
                }
                a.params.insert(name.to_string(), params);
            }
        }
        if let Some(p) = t.get("policy") {
            let s = self.string(&p)?;
            if !self.policies.is_empty() && !self.policies.contains(&s) {
                return Err(self.err_at(
                    &p,
                    format!(
                        "unknown policy {s:?}; known policies: {}",
                        self.policies.join(", ")
                    ),
                ));
            }
            a.policy = s.to_string();
        }
        if let Some(m) = t.get("mode") {
            a.mode = self.choice(&m, &[("offers", Mode::Offers), ("tasks", Mode::Tasks)])?;
        }
        if let Some(i) = t.get("interval") {
            a.interval_us = self.duration(&i)?;
            if a.interval_us == 0 {
                return Err(self.err_at(&i, "must be greater than 0"));
            }
        }
        a.refuse_us = self.opt_duration(&t, "refuse", a.refuse_us)?;
        if let Some(m) = t.get("min_allocatable") {
            a.min_allocatable = Vec::new();
            for item in self.array(&m)? {
                if !matches!(item.node.val, Val::Table(_)) {
                    return Err(self.expected(&item, "a resource table like { cpus = 0.01 }"));
                }
                let r = self.resources(&item, false)?;
                a.min_allocatable.push(r.res);
            }
        }
        if let Some(o) = t.get("offer_timeout") {
            a.offer_timeout_us = self.duration_or_forever(&o)?;
            if a.offer_timeout_us == Some(0) {
                return Err(self.err_at(&o, "must be greater than 0 (or \"forever\")"));
            }
        }
        if let Some(o) = t.get("agent_order") {
            a.agent_order = self.choice(
                &o,
                &[
                    ("shuffle", AgentOrder::Shuffle),
                    ("joined", AgentOrder::Joined),
                ],
            )?;
        }
        if let Some(o) = t.get("placement") {
            a.placement = self.choice(
                &o,
                &[
                    ("first-fit", Placement::FirstFit),
                    ("best-fit", Placement::BestFit),
                    ("worst-fit", Placement::WorstFit),
                    ("random", Placement::Random),
                ],
            )?;
        }
        if let Some(o) = t.get("when_blocked") {
            a.when_blocked = self.choice(
                &o,
                &[("skip", WhenBlocked::Skip), ("stop", WhenBlocked::Stop)],
            )?;
        }
        if let Some(o) = t.get("tie_break") {
            a.tie_break = self.choice(
                &o,
                &[
                    ("allocations", TieBreak::Allocations),
                    ("name", TieBreak::Name),
                ],
            )?;
        }
        Ok(a)
    }

    fn role_entry(&mut self, t: &Tbl, listed: &mut BTreeMap<String, String>) -> R<RoleSpec> {
        self.check_keys(t, ROLE_KEYS, &[])?;
        let name_at = self.required(t, "name", "")?;
        let name = self.role_value(&name_at)?.to_string();
        if let Some(first) = listed.get(&name) {
            return Err(self.err_at(
                &name_at,
                format!("role {name:?} is listed twice (first as {first})"),
            ));
        }
        listed.insert(name.clone(), t.path.clone());
        let weight = match t.get("weight") {
            Some(w) => self.weight(&w)?,
            None => 1.0,
        };
        let (guarantee, limit) = self.quota(t, &name)?;
        let percent = |key: &str| -> R<Option<f64>> {
            match t.get(key) {
                None => Ok(None),
                Some(v) => {
                    let x = self.number(&v)?;
                    if !(0.0..=100.0).contains(&x) {
                        return Err(
                            self.err_at(&v, format!("a percentage from 0 to 100 (got {x})"))
                        );
                    }
                    Ok(Some(x))
                }
            }
        };
        let capacity = percent("capacity")?;
        let max_capacity = percent("max_capacity")?;
        let minimum_user_limit_percent = percent("minimum_user_limit_percent")?;
        Ok(RoleSpec {
            name,
            weight,
            guarantee,
            limit,
            capacity,
            max_capacity,
            minimum_user_limit_percent,
        })
    }

    fn agent_entry(
        &mut self,
        t: &Tbl,
        names: &mut BTreeMap<String, (String, Joined)>,
        out: &mut Vec<AgentSpec>,
    ) -> R<()> {
        self.check_keys(t, AGENT_KEYS, &[])?;
        let name_at = self.required(t, "name", "")?;
        let base = self.name_value(&name_at)?.to_string();
        let count = match t.get("count") {
            Some(c) => self.integer(&c, 1)? as u64,
            None => 1,
        };
        let res_at = self.required(t, "resources", "")?;
        let resources = self.resources(&res_at, false)?.res;
        let reserved = match t.get("reserved") {
            Some(r) => self.reserved(&r, &resources)?,
            None => Vec::new(),
        };
        let attributes = match t.get("attributes") {
            Some(a) => self.attributes(&a)?,
            None => Vec::new(),
        };
        let at_us = self.opt_duration(t, "at", 0)?;
        for k in 0..count {
            let name = if count == 1 {
                base.clone()
            } else {
                format!("{base}-{k}")
            };
            if let Some((first, _)) = names.get(&name) {
                return Err(self.err_at(
                    &name_at,
                    format!("agent name {name:?} is used twice (first by {first})"),
                ));
            }
            names.insert(name.clone(), (t.path.clone(), Joined::Static(at_us)));
            out.push(AgentSpec {
                name,
                resources,
                reserved: reserved.clone(),
                attributes: attributes.clone(),
                at_us,
            });
        }
        Ok(())
    }

    fn framework_entry<'t>(
        &mut self,
        t: &Tbl<'t>,
        alloc: &AllocatorSpec,
        fw_index: &BTreeMap<String, usize>,
        forever_job: &mut Option<At<'t>>,
    ) -> R<FrameworkSpec> {
        self.check_keys(t, FRAMEWORK_KEYS, &[])?;
        let name_at = self.required(t, "name", "")?;
        let name = self.name_value(&name_at)?.to_string();
        if name.contains('/') {
            return Err(self.err_at(&name_at, "a framework name must not contain \"/\""));
        }
        if fw_index.contains_key(&name) {
            return Err(self.err_at(&name_at, format!("framework {name:?} is listed twice")));
        }
        let role = match t.get("role") {
            Some(r) => self.role_value(&r)?.to_string(),
            None => "*".to_string(),
        };
        let at_us = self.opt_duration(t, "at", 0)?;
        let behavior = match t.get("behavior") {
            Some(b) => self.choice(
                &b,
                &[
                    ("greedy", Behavior::Greedy),
                    ("hold", Behavior::Hold),
                    ("decline", Behavior::Decline),
                ],
            )?,
            None => Behavior::Greedy,
        };
        let refuse_us = self.opt_duration(t, "refuse", alloc.refuse_us)?;
        let fit = match t.get("fit") {
            Some(f) => self.choice(&f, &[("skip", Fit::Skip), ("stop", Fit::Stop)])?,
            None => Fit::Skip,
        };
        let partition_aware = match t.get("partition_aware") {
            Some(p) => self.boolean(&p)?,
            None => false,
        };
        let priority = match t.get("priority") {
            Some(p) => self.integer(&p, i64::MIN)?,
            None => 0,
        };
        let suppress_when_idle = match t.get("suppress_when_idle") {
            Some(p) => self.boolean(&p)?,
            None => false,
        };
        let failover_timeout_us = match t.get("failover_timeout") {
            Some(p) => self.duration_or_forever(&p)?.unwrap_or(Micros::MAX),
            None => 0,
        };
        let mut jobs = Vec::new();
        if let Some(j) = t.get("jobs") {
            for (k, jt) in self.tables(&j)?.into_iter().enumerate() {
                self.check_keys(&jt, JOB_KEYS, &[])?;
                let jname = match jt.get("name") {
                    Some(n) => self.name_value(&n)?.to_string(),
                    None => format!("{name}-job{k}"),
                };
                let jat = self.opt_duration(&jt, "at", 0)?;
                let tasks = match jt.get("tasks") {
                    Some(n) => self.integer(&n, 0)? as u64,
                    None => 1,
                };
                let r_at = self.required(&jt, "resources", "")?;
                let resources = self.resources(&r_at, false)?.res;
                let d_at = self.required(&jt, "duration", " (a duration, or \"forever\")")?;
                let duration_us = self.duration_or_forever(&d_at)?;
                if duration_us.is_none() && tasks > 0 && forever_job.is_none() {
                    *forever_job = Some(d_at.clone());
                }
                let priority = match jt.get("priority") {
                    Some(p) => Some(self.integer(&p, i64::MIN)?),
                    None => None,
                };
                let gang = match jt.get("gang") {
                    Some(g) => self.boolean(&g)?,
                    None => false,
                };
                jobs.push(JobSpec {
                    gang,
                    name: jname,
                    at_us: jat,
                    tasks,
                    resources,
                    duration_us,
                    priority,
                });
            }
        }
        Ok(FrameworkSpec {
            name,
            role,
            at_us,
            behavior,
            refuse_us,
            fit,
            partition_aware,
            priority,
            suppress_when_idle,
            failover_timeout_us,
            jobs,
        })
    }

    fn events(
        &mut self,
        at: &At,
        spec: &mut Spec,
        fw_index: &BTreeMap<String, usize>,
        agent_names: &mut BTreeMap<String, (String, Joined)>,
    ) -> R<()> {
        // Checks that need the whole event list (agents added by any
        // add-agent, reservations of all agents) wait until after the loop.
        let mut removals: Vec<(At, String, Micros, usize, &str)> = Vec::new();
        for (i, t) in self.tables(at)?.into_iter().enumerate() {
            let at_at = self.required(&t, "at", "")?;
            let act_at = self.required(&t, "action", "")?;
            let action = self.string(&act_at)?;
            let Some((_, keys)) = ACTIONS.iter().find(|(n, _)| *n == action) else {
                if RESERVED_ACTIONS.contains(&action) {
                    return Err(
                        self.err_at(&act_at, format!("action {action:?} is not supported yet"))
                    );
                }
                let list: Vec<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
                return Err(self.err_at(
                    &act_at,
                    format!(
                        "unknown action {action:?}; expected one of {}",
                        list.join(", ")
                    ),
                ));
            };
            for e in t.entries {
                if e.key == "at" || e.key == "action" || keys.contains(&e.key.as_str()) {
                    continue;
                }
                let bad = t.get(&e.key).expect("entry exists");
                return Err(self.err_at(
                    &bad,
                    format!(
                        "key `{}` does not belong to action {action:?}; allowed with it: {}",
                        e.key,
                        ["at", "action"]
                            .iter()
                            .chain(keys.iter())
                            .copied()
                            .collect::<Vec<&str>>()
                            .join(", ")
                    ),
                ));
            }
            let at_us = self.duration(&at_at)?;
            let why = format!(" ({action} needs it)");
            let act = match action {
                "set-weight" => {
                    let r = self.required(&t, "role", &why)?;
                    let role = self.role_value(&r)?.to_string();
                    let w = self.required(&t, "weight", &why)?;
                    let weight = self.weight(&w)?;
                    Action::SetWeight { role, weight }
                }
                "set-quota" => {
                    let r = self.required(&t, "role", &why)?;
                    let role = self.role_value(&r)?.to_string();
                    let (guarantee, limit) = self.quota(&t, &role)?;
                    Action::SetQuota {
                        role,
                        guarantee,
                        limit,
                    }
                }
                "suppress" | "revive" | "deactivate" | "activate" | "disconnect-framework" => {
                    let f = self.required(&t, "framework", &why)?;
                    let name = self.string(&f)?;
                    let Some(&idx) = fw_index.get(name) else {
                        let list: Vec<&str> = fw_index.keys().map(|s| s.as_str()).collect();
                        return Err(self.err_at(
                            &f,
                            format!(
                                "unknown framework {name:?}; the scenario's frameworks: {}",
                                if list.is_empty() {
                                    "(none)".to_string()
                                } else {
                                    list.join(", ")
                                }
                            ),
                        ));
                    };
                    let fw_at = spec.frameworks[idx].at_us;
                    if at_us < fw_at {
                        return Err(self.err_at(
                            &at_at,
                            format!(
                                "{action} at {} is before framework {name:?} registers (at {})",
                                human(at_us),
                                human(fw_at)
                            ),
                        ));
                    }
                    match action {
                        "suppress" => Action::Suppress { framework: idx },
                        "revive" => Action::Revive { framework: idx },
                        "deactivate" => Action::Deactivate { framework: idx },
                        "disconnect-framework" => Action::DisconnectFramework {
                            framework: idx,
                            reconnect_after_us: self
                                .opt_positive_duration(&t, "reconnect_after")?,
                        },
                        _ => Action::Activate { framework: idx },
                    }
                }
                "remove-agent" => {
                    let a = self.required(&t, "agent", &why)?;
                    let name = self.string(&a)?.to_string();
                    removals.push((a, name.clone(), at_us, i, action));
                    Action::RemoveAgent { agent: name }
                }
                "fail-agent" | "partition-agent" | "drain-agent" => {
                    let a = self.required(&t, "agent", &why)?;
                    let name = self.string(&a)?.to_string();
                    removals.push((a, name.clone(), at_us, i, action));
                    match action {
                        "fail-agent" => Action::FailAgent {
                            agent: name,
                            restart_after_us: self.opt_positive_duration(&t, "restart_after")?,
                        },
                        "partition-agent" => Action::PartitionAgent {
                            agent: name,
                            heal_after_us: self.opt_positive_duration(&t, "heal_after")?,
                        },
                        _ => Action::DrainAgent { agent: name },
                    }
                }
                "fail-master" => Action::FailMaster,
                "add-agent" => {
                    let a = self.required(&t, "agent", &why)?;
                    let name = self.name_value(&a)?.to_string();
                    if let Some((first, _)) = agent_names.get(&name) {
                        return Err(self.err_at(
                            &a,
                            format!("agent name {name:?} is used twice (first by {first})"),
                        ));
                    }
                    let r_at = self.required(&t, "resources", &why)?;
                    let resources = self.resources(&r_at, false)?.res;
                    let reserved = match t.get("reserved") {
                        Some(r) => self.reserved(&r, &resources)?,
                        None => Vec::new(),
                    };
                    let attributes = match t.get("attributes") {
                        Some(x) => self.attributes(&x)?,
                        None => Vec::new(),
                    };
                    agent_names.insert(name.clone(), (t.path.clone(), Joined::Event(at_us, i)));
                    Action::AddAgent {
                        agent: AgentSpec {
                            name,
                            resources,
                            reserved,
                            attributes,
                            at_us,
                        },
                    }
                }
                _ => unreachable!("every action in ACTIONS is handled"),
            };
            spec.events.push(EventSpec { at_us, action: act });
        }

        let mut removed: BTreeMap<String, String> = BTreeMap::new();
        for (a, name, at_us, i, action) in &removals {
            let Some((_, joined)) = agent_names.get(name) else {
                return Err(self.err_at(
                    a,
                    format!(
                        "unknown agent {name:?}: name an agent of [[agents]] (NAME-i when \
                         count > 1) or of an add-agent event"
                    ),
                ));
            };
            let ok = match *joined {
                Joined::Static(j) => *at_us >= j,
                Joined::Event(j, k) => *at_us > j || (*at_us == j && *i > k),
            };
            if !ok {
                let j = match *joined {
                    Joined::Static(j) | Joined::Event(j, _) => j,
                };
                return Err(self.err_at(
                    a,
                    format!(
                        "{action} at {} comes before agent {name:?} joins (at {})",
                        human(*at_us),
                        human(j)
                    ),
                ));
            }
            if let Some(first) = removed.get(name) {
                return Err(self.err_at(a, format!("agent {name:?} is already removed by {first}")));
            }
            if *action == "remove-agent" {
                removed.insert(name.clone(), format!("events[{i}]"));
            }
        }

        // Weights and quota may name any valid role, used or not: Mesos
        // accepts them before any framework subscribes to the role.
        Ok(())
    }
}

/// A scenario without `name` is named after its file (`sc.toml` -> `sc`).
fn default_name(file: &str) -> String {
    std::path::Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("scenario")
        .to_string()
}
