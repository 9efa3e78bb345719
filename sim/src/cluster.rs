//! The Mesos cluster model: master, allocator and framework models.
//!
//! A sans-I/O state machine. The engine feeds it inputs at virtual times
//! (an agent joins, a framework registers, a job arrives, a task ends, a
//! scripted event) and asks it to run allocation passes; it never reads a
//! clock or draws randomness it was not handed.
//!
//! The allocation pass follows Mesos 1.11's
//! `HierarchicalAllocatorProcess::__generateOffers` step by step (two
//! stages, quota headroom, chopping, filters, min-allocatable), with the
//! ordering decisions delegated to the policy's sorters. See
//! `docs/fidelity.md` and DESIGN.md "Timing in offers mode".
//!
//! The state is split so that a master can later be rebuilt after
//! failover: agents own what runs on them (`Agent::tasks`, per-framework
//! usage); the allocator's books (sorters, role totals, filters) are
//! derived from them and from framework subscriptions.

use std::collections::{BTreeMap, VecDeque};

mod audit;
mod faults;
mod free_tree;
mod preempt;
mod slots;
pub use audit::InjectedBug;
use faults::{AgentLink, MasterView, RandomFaults, Registry};
pub use faults::{FailoverRecord, FaultCounts, Timer};

use crate::record::{OfferRow, Outcome, TaskRow, TaskState, NO_AGENT};
use crate::resources::{Limits, Res, MAX_RES};
use crate::rng::{Rng, Stream};
use crate::sorter::{ClientId, Demand, Level, PlacementRule, Policy, Sorter, SorterConfig};
use crate::spec::{
    AgentOrder, AgentSpec, Behavior, Fit, MasterSpec, Micros, Mode, Placement, Spec, WhenBlocked,
};

mod accounting;
mod oversub;

pub type AgentIdx = u32;
pub type FwIdx = u32;
pub type RoleIdx = u32;
pub type TaskId = u64;

const NO_ROLE: RoleIdx = u32::MAX;
/// Mesos caps refuse_seconds at 365 days.
const MAX_REFUSE_US: Micros = 365 * 86_400 * 1_000_000;

/// Resources split by reservation: unreserved plus per-role reservations,
/// plus revocable resources (oversubscription; always zero without it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Split {
    pub unres: Res,
    /// (reservation role, amount), no zero entries, ordered by role id.
    pub resv: Vec<(RoleIdx, Res)>,
    /// Revocable (unreserved) resources: cpus and mem the agent's resource
    /// estimator reported (docs/isolation.md, "Oversubscription").
    pub revoc: Revocable,
}

/// A `Res` kept out of line and absent when zero. Every offer, filter and
/// usage entry carries a `Split`, and only runs with oversubscription have
/// revocable resources: inline, the 64 bytes made every run pay for them
/// (the Alibaba replay was 30% slower in copies and moves). Reads go
/// through `Deref` (zero when absent).
#[derive(Clone, Debug, Default)]
pub struct Revocable(Option<Box<Res>>);

impl Revocable {
    pub fn new(r: Res) -> Revocable {
        if r.is_empty() {
            Revocable(None)
        } else {
            Revocable(Some(Box::new(r)))
        }
    }

    pub fn add(&mut self, r: &Res) {
        if r.is_empty() {
            return;
        }
        match &mut self.0 {
            Some(mine) => mine.add(r),
            None => self.0 = Some(Box::new(*r)),
        }
        self.drop_zero();
    }

    /// Keeps "absent when zero" true after arithmetic.
    fn drop_zero(&mut self) {
        if self.0.as_deref().is_some_and(Res::is_empty) {
            self.0 = None;
        }
    }

    pub fn sub(&mut self, r: &Res) {
        if r.is_empty() {
            return;
        }
        match &mut self.0 {
            Some(mine) => mine.sub(r),
            None => self.0 = Some(Box::new(Res::ZERO.minus(r))),
        }
        self.drop_zero();
    }
}

impl std::ops::Deref for Revocable {
    type Target = Res;
    fn deref(&self) -> &Res {
        self.0.as_deref().unwrap_or(&Res::ZERO)
    }
}

impl PartialEq for Revocable {
    fn eq(&self, other: &Revocable) -> bool {
        **self == **other
    }
}

impl Eq for Revocable {}

impl Split {
    /// Every quantity summed by name (reserved, revocable and unreserved
    /// `cpus` are all `cpus`, as in Mesos's sorters).
    pub fn total(&self) -> Res {
        let mut t = self.unres;
        for (_, r) in &self.resv {
            t.add(r);
        }
        t.add(&self.revoc);
        t
    }

    /// The non-revocable part's total.
    pub fn regular_total(&self) -> Res {
        self.total().minus(&self.revoc)
    }

    /// The same resources without the revocable part (what a framework
    /// without REVOCABLE_RESOURCES may be offered).
    fn without_revocable(&self) -> Split {
        Split {
            unres: self.unres,
            resv: self.resv.clone(),
            revoc: Revocable::default(),
        }
    }

    pub fn resv_total(&self) -> Res {
        let mut t = Res::ZERO;
        for (_, r) in &self.resv {
            t.add(r);
        }
        t
    }

    pub fn is_empty(&self) -> bool {
        self.unres.is_empty()
            && self.resv.iter().all(|(_, r)| r.is_empty())
            && self.revoc.is_empty()
    }

    fn add(&mut self, other: &Split) {
        self.unres.add(&other.unres);
        self.revoc.add(&other.revoc);
        for (role, r) in &other.resv {
            match self.resv.iter_mut().find(|(x, _)| x == role) {
                Some((_, mine)) => mine.add(r),
                None => {
                    self.resv.push((*role, *r));
                    self.resv.sort_by_key(|(x, _)| *x);
                }
            }
        }
    }

    /// Mesos's `Resources::contains`: every reservation and the unreserved
    /// part of `other` is covered by the same part of `self`.
    fn contains(&self, other: &Split) -> bool {
        if !self.unres.contains(&other.unres) || !self.revoc.contains(&other.revoc) {
            return false;
        }
        other.resv.iter().all(|(role, r)| {
            r.is_empty()
                || self
                    .resv
                    .iter()
                    .any(|(x, mine)| x == role && mine.contains(r))
        })
    }
}

struct Role {
    name: String,
    parent: RoleIdx,
    /// Top-level ancestor (itself if top level).
    top: RoleIdx,
    weight: f64,
    guarantee: Option<Res>,
    limit: Option<Limits>,
    /// The role's framework sorter, once a framework subscribed.
    sorter: Option<Box<dyn Sorter>>,
    /// Frameworks tracked under the role.
    framework_count: u32,
    /// Those frameworks, in registration order.
    members: Vec<FwIdx>,
    /// Reservations on all agents for this role and its subroles.
    reserved_subtree: Res,
    /// Offered or allocated, unreserved, for this role and its subroles.
    unres_alloc_subtree: Res,
}

impl Role {
    fn has_quota(&self) -> bool {
        self.guarantee.is_some() || self.limit.is_some()
    }
}

/// Where a pass's offer to (framework, agent) sits in its list: per
/// agent, a chain through the entries made on it (one or two: stage 1
/// and stage 2, or a role's frameworks after a partial offer). It
/// replaced a B-tree keyed by the pair that cost 10% of the Alibaba
/// replay; dense ids, no hashing (ARCHITECTURE.md).
#[derive(Default)]
struct MadeIndex {
    /// Per agent, the latest entry made on it.
    head: Vec<u32>,
    /// Per entry, the previous entry on the same agent.
    next: Vec<u32>,
    /// Agents whose `head` is set (cleared by `reset`, so a pass costs
    /// what it touched, not the number of agents).
    touched: Vec<AgentIdx>,
}

const NO_ENTRY: u32 = u32::MAX;

impl MadeIndex {
    /// Empty, for a pass over `agents` agents.
    fn reset(&mut self, agents: usize) {
        for &a in &self.touched {
            self.head[a as usize] = NO_ENTRY;
        }
        self.touched.clear();
        self.next.clear();
        if self.head.len() < agents {
            self.head.resize(agents, NO_ENTRY);
        }
    }

    fn get(&self, made: &[(FwIdx, AgentIdx, Split)], fw: FwIdx, a: AgentIdx) -> Option<usize> {
        let mut i = self.head[a as usize];
        while i != NO_ENTRY {
            if made[i as usize].0 == fw {
                return Some(i as usize);
            }
            i = self.next[i as usize];
        }
        None
    }

    /// Entry `at` (the next one of the list) is on agent `a`.
    fn insert(&mut self, a: AgentIdx, at: usize) {
        debug_assert_eq!(self.next.len(), at);
        let prev = self.head[a as usize];
        if prev == NO_ENTRY {
            self.touched.push(a);
        }
        self.next.push(prev);
        self.head[a as usize] = at as u32;
    }
}

fn set_bit(bits: &mut Vec<u64>, fw: FwIdx) {
    let word = fw as usize / 64;
    if word >= bits.len() {
        bits.resize(word + 1, 0);
    }
    bits[word] |= 1 << (fw % 64);
}

fn test_bit(bits: &[u64], fw: FwIdx) -> bool {
    bits.get(fw as usize / 64)
        .is_some_and(|w| w & (1 << (fw % 64)) != 0)
}

/// See `Agent::blocked_cache`. Valid while no filter was removed, no
/// filter expired (`Agent::filters_valid_until`) and the candidate offer
/// is `offer`.
struct BlockedCache {
    offer: Split,
    bits: Vec<u64>,
}

/// Agents with at least about this many filters get a `BlockedCache`; below it a
/// binary search through the filters is as cheap and needs no upkeep.
const BLOCKED_CACHE_MIN_FILTERS: usize = 48;

/// Agent `a` sets up its cache from `BLOCKED_CACHE_MIN_FILTERS + a % 32`
/// filters: in the DeclineOffers benchmark every agent gains one filter
/// per round, and one threshold for all made a single round build ten
/// thousand caches (52 ms at 10k x 1k, twice any other round).
fn blocked_cache_threshold(a: AgentIdx) -> usize {
    BLOCKED_CACHE_MIN_FILTERS + (a % 32) as usize
}

struct Filter {
    framework: FwIdx,
    /// Boxed: agents keep their filters in a sorted vector, and a filter
    /// of a few words keeps inserting into it cheap when an agent carries
    /// a thousand of them (Mesos's DeclineOffers benchmark at 10k x 1k).
    refused: Box<Split>,
    expires_us: Micros,
    /// MESOS-4302: a filter set at a batch tick that lasts exactly one
    /// interval is still seen by the batch pass at its end.
    blocks_at_end: bool,
}

impl Filter {
    fn active(&self, now: Micros) -> bool {
        now < self.expires_us || (now == self.expires_us && self.blocks_at_end)
    }
}

/// A run of identical pending tasks of one job (consecutive task ids).
#[derive(Clone, Copy, Debug)]
struct PendingGroup {
    job: u32,
    next_task: TaskId,
    remaining: u64,
}

struct Framework {
    name: String,
    role: RoleIdx,
    behavior: Behavior,
    refuse_us: Micros,
    fit: Fit,
    registered: bool,
    active: bool,
    suppressed: bool,
    pending: VecDeque<PendingGroup>,
    pending_tasks: u64,
    running_tasks: u64,
    /// Offered or allocated to this framework (the sorter's charge).
    charge: Res,
    /// Agents on which this framework may have filters (may hold agents
    /// whose filters already expired), so revive can clear them.
    filtered_agents: Vec<AgentIdx>,
    /// Offers not yet answered (hold frameworks).
    outstanding: Vec<u64>,
    /// Position in registration order.
    registered_order: u32,
    /// Priority band (for priority policies).
    priority: i64,
    suppress_when_idle: bool,
    /// Cache of `Cluster::min_demand` (None: to recompute).
    min_demand: Option<Res>,
    /// Active in its role's sorter.
    in_sort: bool,
    /// The scheduler has subscribed at least once (it re-subscribes after
    /// a master failover).
    subscribed_once: bool,
    /// The scheduler's connection is down (`disconnect-framework`).
    disconnected: bool,
    /// Torn down by the master (failover timeout passed).
    removed: bool,
    /// Invalidates the framework's pending timers.
    epoch: u32,
    partition_aware: bool,
    failover_timeout_us: Micros,
    /// Mesos's REVOCABLE_RESOURCES capability (`revocable = true`).
    revocable: bool,
}

struct Agent {
    name: String,
    total: Split,
    avail: Split,
    active: bool,
    /// Per framework: what is offered or allocated here.
    usage: Vec<(FwIdx, Split)>,
    /// Per framework: the slots it holds here, and their sum (only with a
    /// policy that counts slots, `Policy::slots_per_agent`; see
    /// `cluster/slots.rs`).
    slot_usage: Vec<(FwIdx, u64)>,
    slots_used: u64,
    /// Running tasks, for removal.
    tasks: Vec<TaskId>,
    /// Offer filters set on this agent, by any framework. Kept per agent so
    /// that one pass over an agent checks every framework in O(1) each.
    filters: Vec<Filter>,
    /// Which frameworks the filters block from one candidate offer, as
    /// bits: set up for agents with many filters, so that the walk over a
    /// role's frameworks tests a bit per filtered framework instead of a
    /// search through the filters (DeclineOffers at 10k x 1k: the last
    /// rounds pass ~500 filtered frameworks per agent). Dropped whenever a
    /// filter goes; a new filter sets its bit (`decline`).
    blocked_cache: Option<Box<BlockedCache>>,
    /// Bumped whenever what the agent has available or its filters change.
    version: u64,
    /// No filter on the agent changes state before this time.
    filters_valid_until: Micros,
    /// (version, sort version) of the last pass that found nothing to
    /// offer here: while both are unchanged and no filter expires, a pass
    /// would find nothing again, so it skips the agent.
    idle: Option<(u64, u64)>,
    /// Deactivated in the allocator (draining or drained): counted in the
    /// totals, never offered.
    deactivated: bool,
    /// What the master knows of the agent.
    view: MasterView,
    /// What is true of the host and its network.
    link: AgentLink,
    /// Invalidates the agent's pending health and registration timers.
    epoch: u32,
    /// When the agent (re-)registered with the current leader: the phase
    /// of the master's pings.
    registered_us: Micros,
    /// Since when the agent is trying to (re-)register (it lost its master
    /// or saw a new one); attempts back off from here.
    detect_us: Option<Micros>,
    /// Tasks that ended on the host while the master could not hear of
    /// it, with their end time: reported when the agent reconnects.
    deferred: Vec<(TaskId, Micros, TaskState)>,
    /// Tasks that died with the host (crash) that the master has not yet
    /// written off.
    dead: Vec<TaskId>,
    /// During a partition: the last moment a heal still reaches one of the
    /// master's pings in time.
    last_ping_in_time_us: Micros,
}

impl Agent {
    fn usage_mut(&mut self, fw: FwIdx) -> &mut Split {
        let pos = match self.usage.iter().position(|(f, _)| *f == fw) {
            Some(p) => p,
            None => {
                self.usage.push((fw, Split::default()));
                self.usage.len() - 1
            }
        };
        &mut self.usage[pos].1
    }

    /// Drops the filters that no longer block (they block nothing), so
    /// that `filters_valid_until` names the next expiry ahead.
    fn drop_expired_filters(&mut self, now: Micros) {
        let before = self.filters.len();
        self.filters.retain(|f| f.active(now));
        if self.filters.len() != before {
            self.blocked_cache = None;
        }
        self.filters_valid_until = self
            .filters
            .iter()
            .map(|f| f.expires_us.saturating_add(f.blocks_at_end as u64))
            .min()
            .unwrap_or(Micros::MAX);
    }

    fn usage_sub(&mut self, fw: FwIdx, part: &Split) {
        let pos = self
            .usage
            .iter()
            .position(|(f, _)| *f == fw)
            .expect("usage recorded for framework");
        let u = &mut self.usage[pos].1;
        u.unres.sub(&part.unres);
        u.revoc.sub(&part.revoc);
        for (role, r) in &part.resv {
            if let Some((_, mine)) = u.resv.iter_mut().find(|(x, _)| x == role) {
                mine.sub(r);
            }
        }
        u.resv.retain(|(_, r)| !r.is_empty());
        if u.is_empty() {
            self.usage.swap_remove(pos);
        }
    }
}

pub struct Job {
    pub name: String,
    pub framework: FwIdx,
    pub resources: Res,
    pub duration_us: Option<Micros>,
    pub submit_us: Micros,
    pub first_task: TaskId,
    pub tasks: u64,
    /// The job's priority (its own, else its framework's).
    pub priority: i64,
    /// Rigid: all its tasks start together or none does.
    pub gang: bool,
}

/// "Never" in the compact task times.
const NEVER: Micros = Micros::MAX;
/// `Task::slot` of a task that no longer runs on its host.
const DEAD_SLOT: u32 = u32::MAX;

/// One task's live state, kept compact (32 bytes) because a trace replay
/// holds tens of millions: the submission time is its job's, the reserved
/// part it holds lives in `Cluster::task_resv` (usually empty).
pub struct Task {
    pub job: u32,
    pub agent: AgentIdx,
    start_us: Micros,
    end_us: Micros,
    /// Index in the agent's task list while running.
    slot: u32,
    pub state: TaskState,
    /// Runs on revocable resources (oversubscription).
    pub revocable: bool,
}

impl Task {
    pub fn start_us(&self) -> Option<Micros> {
        (self.start_us != NEVER).then_some(self.start_us)
    }
    pub fn end_us(&self) -> Option<Micros> {
        (self.end_us != NEVER).then_some(self.end_us)
    }
}

struct Offer {
    framework: FwIdx,
    agent: AgentIdx,
    made_us: Micros,
    resources: Split,
    outcome: Outcome,
    tasks_launched: u32,
}

/// The outcome of trying to place one framework's next task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placed {
    Yes,
    NothingPending,
    /// It has pending tasks but none can go anywhere now.
    Blocked,
}

/// Something the engine must schedule because of a state change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// A task started and ends at this time.
    TaskEnds { task: TaskId, at_us: Micros },
    /// An offer made now times out then.
    OfferTimeout { offer: u64, at_us: Micros },
    /// A master, agent or scheduler timer (faults and failover).
    Timer { timer: Timer, at_us: Micros },
    /// Isolator accounting: agent `agent`'s next change (a task ends at
    /// its current rate, a usage phase, an OOM) is then; ignored if the
    /// agent's accounting version moved on.
    AgentTimer {
        agent: AgentIdx,
        version: u64,
        at_us: Micros,
    },
}

/// The cluster: master, allocator and framework models.
pub struct Cluster {
    mode: Mode,
    interval_us: Micros,
    min_allocatable: Vec<Res>,
    agent_order: AgentOrder,
    offer_timeout_us: Option<Micros>,

    roles: Vec<Role>,
    role_by_name: BTreeMap<String, RoleIdx>,
    role_sorter: Box<dyn Sorter>,
    role_config: SorterConfig,
    policy: Box<dyn Policy>,
    policy_seed: u64,
    wants_demand: bool,
    placement: Placement,
    placement_rule: Option<PlacementRule>,
    /// Slots per agent (`Policy::slots_per_agent`), None: no slots.
    slots_per_agent: Option<u32>,
    when_blocked: WhenBlocked,
    /// Draws of `placement = "random"`.
    place_rng: Rng,
    sorter_count: u64,
    registered_count: u32,
    /// Frameworks active in their role's sorter.
    in_sort_count: u32,
    /// Bumped whenever a framework enters or leaves a sort.
    sort_version: u64,

    agents: Vec<Agent>,
    agent_by_name: BTreeMap<String, AgentIdx>,
    frameworks: Vec<Framework>,
    pub jobs: Vec<Job>,
    pub tasks: Vec<Task>,
    /// The reserved part held by running tasks that drew on reservations.
    task_resv: BTreeMap<TaskId, Vec<(RoleIdx, Res)>>,
    /// Offers not yet final (made in this pass, or outstanding), by id.
    /// Boxed: offers are made and answered by the thousand per pass, and
    /// a B-tree node of inline offers (about 200 bytes each) moved a
    /// kilobyte per insert and remove (the Alibaba replay's top memmove).
    live: BTreeMap<u64, Box<Offer>>,
    /// Final offers' rows, when the run records them.
    offer_rows: Vec<OfferRow>,
    record_offers: bool,
    next_offer: u64,

    /// All agents' totals (the pool shares divide by).
    total: Res,
    /// All reservations on all agents.
    total_reserved: Res,
    /// Offered or allocated, everything.
    total_charged: Res,
    /// Offered or allocated, reserved part.
    total_charged_reserved: Res,
    /// Held by running tasks (non-revocable: utilization.csv's
    /// `allocated`, like Mesos's `master/cpus_used`).
    total_task_alloc: Res,
    /// Revocable resources on all agents (part of `total`), offered or
    /// allocated ones, and those held by running revocable tasks
    /// (oversubscription; zero without it).
    total_revocable: Res,
    total_charged_revocable: Res,
    revocable_task_alloc: Res,

    /// Agents that asked for an allocation at this time; `all_candidates`
    /// stands for every agent.
    candidates: Vec<AgentIdx>,
    all_candidates: bool,
    agent_rng: Rng,

    /// Frameworks whose charge changed since the engine last looked.
    changed_frameworks: Vec<FwIdx>,
    changed_flag: Vec<bool>,
    /// Set when an agent joined or left (every share changes).
    pub totals_changed: bool,
    /// Tasks-mode: something happened that may let a task be placed.
    tasks_dirty: bool,
    /// Effects for the engine.
    pub effects: Vec<Effect>,
    /// Last time a task started or ended or the workload changed.
    pub last_progress_us: Micros,
    /// Running tasks with a finite duration.
    running_finite: u64,
    /// Offers before this index have been answered.
    answered_upto: u64,

    scratch_roles: Vec<ClientId>,
    /// The (framework, agent) index of a pass, kept between passes.
    scratch_made: MadeIndex,
    /// Tasks mode, one `schedule_tasks` call (`sched_epoch` tells calls
    /// apart): frameworks found with nothing that fits or nothing pending
    /// (skipped for the rest of the call), and per framework the first
    /// pending group that may still fit. Within a call resources only
    /// shrink, so what did not fit earlier in it does not fit later.
    sched_epoch: u32,
    /// Tasks mode with a policy whose order ignores inactive clients
    /// (`Policy::order_ignores_inactive`) and no preemption: a framework
    /// is active in its sorter only while it has pending tasks.
    /// `pending_changed` lists frameworks whose pending work changed since
    /// the last `schedule_tasks`, which brings their activation in step.
    idle_out: bool,
    pending_changed: Vec<FwIdx>,
    sched_skip: Vec<u32>,
    group_hint: Vec<(u32, u32)>,
    scratch_fws: Vec<ClientId>,
    /// Each framework's place in name order (names are fixed at start):
    /// a pass's offers are ordered by agent, then framework name.
    name_rank: Vec<u32>,
    /// Bit set of agents that are active and have something available.
    free: Vec<u64>,
    /// Tasks mode only: agents indexed by free capacity, so that
    /// first-fit placement does not scan every agent (cluster/free_tree.rs).
    free_tree: Option<free_tree::FreeTree>,
    /// Per framework: the stamp of the last (agent, candidate) check that
    /// found it filtered.
    blocked: Vec<u32>,
    stamp: u32,

    // ----- faults and failover (see cluster/faults.rs) -----
    master: MasterSpec,
    /// A leading master exists (false from a master failure until the
    /// next election).
    leader_up: bool,
    /// The allocator is paused after a failover with quota (Mesos's
    /// `recover`).
    paused: bool,
    /// Agents the paused allocator waits for.
    resume_at_agents: u32,
    /// Bumped at every failure of the leading master.
    term: u32,
    registry: Registry,
    /// Registration backoff draws.
    fault_rng: Rng,
    /// Scripted operator and framework calls made while no master leads,
    /// applied at the next election.
    waiting_actions: Vec<crate::spec::Action>,
    pub failovers: Vec<FailoverRecord>,
    pub fault_counts: FaultCounts,
    /// Each agent's spec, by agent index (a rebooted host registers as a
    /// new agent with the same spec).
    agent_specs: Vec<AgentSpec>,
    random: RandomFaults,
    /// A planted bug (explorer tests only).
    bug: Option<InjectedBug>,
    network: crate::spec::NetworkSpec,
    net_rng: Rng,
    /// Tasks mode: the policy's preemption rule, if any.
    preemption: Option<crate::sorter::Preemption>,
    /// Some job is rigid (gang): offers of a pass are answered together.
    any_gang: bool,
    /// Tasks evicted by preemption (and put back in their queue).
    pub preemptions: u64,
    /// Isolator accounting, when the scenario turns it on (module
    /// `accounting`); None costs nothing.
    iso: Option<Box<crate::isolation::Isolation>>,
    /// Oversubscription (module `oversub`): the resource estimator's
    /// settings; None when off.
    oversub: Option<crate::isolation::OversubSpec>,
    /// The estimator's next run.
    next_estimate_us: Micros,
    /// Offers that carried revocable resources; tasks launched on them.
    revocable_offers: u64,
    revocable_launches: u64,
}

impl Cluster {
    /// Builds the cluster for a scenario: roles, frameworks and jobs are
    /// known up front (and registered or submitted later by the engine).
    pub fn new(spec: &Spec, policy: Box<dyn Policy>) -> Cluster {
        let policy_seed = spec.seed;
        let mut params = spec
            .allocator
            .params
            .get(policy.name())
            .cloned()
            .unwrap_or_default();
        // Queue settings written on [[roles]] reach sorters as parameters
        // `capacity.ROLE`, `max_capacity.ROLE` and
        // `minimum_user_limit_percent.ROLE` (YARN sets each per queue);
        // `[allocator.POLICY]` entries of the same name win.
        for r in &spec.roles {
            for (key, v) in [
                ("capacity", r.capacity),
                ("max_capacity", r.max_capacity),
                ("minimum_user_limit_percent", r.minimum_user_limit_percent),
            ] {
                if let Some(v) = v {
                    params.entry(format!("{key}.{}", r.name)).or_insert(v);
                }
            }
        }
        let preemption = policy.preemption(&params);
        let idle_out = spec.allocator.mode == Mode::Tasks
            && policy.order_ignores_inactive()
            && preemption.is_none();
        let slots_per_agent = policy.slots_per_agent(&params);
        let role_config = SorterConfig {
            level: Level::Roles,
            tie_break: spec.allocator.tie_break,
            params,
            role: None,
        };
        let role_sorter = policy.sorter(
            &role_config,
            Rng::with_stream(policy_seed, Stream::Policy as u64 + 1000),
        );
        let wants_demand = policy.wants_demand();
        let placement_rule = policy.placement();
        let mut c = Cluster {
            mode: spec.allocator.mode,
            interval_us: spec.allocator.interval_us,
            min_allocatable: spec.allocator.min_allocatable.clone(),
            agent_order: spec.allocator.agent_order,
            offer_timeout_us: spec.allocator.offer_timeout_us,
            roles: Vec::new(),
            role_by_name: BTreeMap::new(),
            role_sorter,
            role_config,
            policy,
            policy_seed,
            wants_demand,
            placement: spec.allocator.placement,
            placement_rule,
            slots_per_agent,
            when_blocked: spec.allocator.when_blocked,
            place_rng: Rng::with_stream(policy_seed, Stream::Policy as u64 + 999),
            sorter_count: 0,
            registered_count: 0,
            in_sort_count: 0,
            sort_version: 0,
            agents: Vec::new(),
            agent_by_name: BTreeMap::new(),
            frameworks: Vec::new(),
            jobs: Vec::new(),
            tasks: Vec::new(),
            task_resv: BTreeMap::new(),
            live: BTreeMap::new(),
            offer_rows: Vec::new(),
            record_offers: spec.record_offers,
            next_offer: 0,
            total: Res::ZERO,
            total_reserved: Res::ZERO,
            total_charged: Res::ZERO,
            total_charged_reserved: Res::ZERO,
            total_task_alloc: Res::ZERO,
            total_revocable: Res::ZERO,
            total_charged_revocable: Res::ZERO,
            revocable_task_alloc: Res::ZERO,
            candidates: Vec::new(),
            all_candidates: false,
            agent_rng: Rng::new(spec.seed, Stream::AgentOrder),
            changed_frameworks: Vec::new(),
            changed_flag: Vec::new(),
            totals_changed: false,
            tasks_dirty: false,
            effects: Vec::new(),
            last_progress_us: 0,
            running_finite: 0,
            answered_upto: 0,
            scratch_roles: Vec::new(),
            scratch_made: MadeIndex::default(),
            sched_epoch: 0,
            sched_skip: Vec::new(),
            group_hint: Vec::new(),
            scratch_fws: Vec::new(),
            name_rank: Vec::new(),
            free: Vec::new(),
            free_tree: (spec.allocator.mode == Mode::Tasks).then(free_tree::FreeTree::new),
            blocked: vec![0; spec.frameworks.len()],
            stamp: 0,
            master: spec.master.clone(),
            leader_up: true,
            paused: false,
            resume_at_agents: 0,
            term: 0,
            registry: Registry::default(),
            fault_rng: Rng::new(spec.seed, Stream::Failover),
            waiting_actions: Vec::new(),
            failovers: Vec::new(),
            fault_counts: FaultCounts::default(),
            agent_specs: Vec::new(),
            random: RandomFaults::new(spec.seed, &spec.faults),
            bug: None,
            network: spec.network,
            net_rng: Rng::new(spec.seed, Stream::Network),
            preemption,
            idle_out,
            pending_changed: Vec::new(),
            any_gang: false,
            preemptions: 0,
            iso: spec
                .isolation
                .as_ref()
                .map(|i| Box::new(crate::isolation::Isolation::new(i, spec.seed))),
            oversub: spec
                .isolation
                .as_ref()
                .and_then(|i| i.oversubscription.clone()),
            next_estimate_us: Micros::MAX,
            revocable_offers: 0,
            revocable_launches: 0,
        };
        for r in &spec.roles {
            let id = c.intern_role(&r.name);
            let role = &mut c.roles[id as usize];
            role.weight = r.weight;
            role.guarantee = r.guarantee.filter(|g| !g.is_empty());
            role.limit = r.limit.filter(|l| !l.is_none());
            if r.weight != 1.0 {
                c.role_sorter.update_weight(&r.name, r.weight);
            }
            // Weights and quota given at startup are what the registry
            // holds (Mesos's --weights flag and quota calls persist).
            c.registry.set_weight(&r.name, r.weight);
            c.registry.set_quota(&r.name, role.guarantee, role.limit);
        }
        for f in &spec.frameworks {
            let role = c.intern_role(&f.role);
            c.frameworks.push(Framework {
                name: f.name.clone(),
                role,
                behavior: f.behavior,
                refuse_us: f.refuse_us.min(MAX_REFUSE_US),
                fit: f.fit,
                registered: false,
                active: false,
                suppressed: false,
                pending: VecDeque::new(),
                pending_tasks: 0,
                running_tasks: 0,
                charge: Res::ZERO,
                filtered_agents: Vec::new(),
                outstanding: Vec::new(),
                registered_order: 0,
                priority: f.priority,
                suppress_when_idle: f.suppress_when_idle,
                min_demand: None,
                in_sort: false,
                subscribed_once: false,
                disconnected: false,
                removed: false,
                epoch: 0,
                partition_aware: f.partition_aware,
                failover_timeout_us: f.failover_timeout_us,
                revocable: false,
            });
            c.changed_flag.push(false);
        }
        let mut by_name: Vec<usize> = (0..c.frameworks.len()).collect();
        by_name.sort_by(|&x, &y| c.frameworks[x].name.cmp(&c.frameworks[y].name));
        c.name_rank = vec![0; c.frameworks.len()];
        for (rank, &f) in by_name.iter().enumerate() {
            c.name_rank[f] = rank as u32;
        }
        if let Some(o) = &c.oversub {
            c.next_estimate_us = o.interval_us;
            for &f in &o.revocable_frameworks {
                if let Some(fw) = c.frameworks.get_mut(f) {
                    fw.revocable = true;
                }
            }
        }
        c
    }

    // ----- roles -------------------------------------------------------

    fn intern_role(&mut self, name: &str) -> RoleIdx {
        if let Some(&id) = self.role_by_name.get(name) {
            return id;
        }
        let parent = match name.rfind('/') {
            Some(pos) => self.intern_role(&name[..pos]),
            None => NO_ROLE,
        };
        let id = self.roles.len() as RoleIdx;
        let top = if parent == NO_ROLE {
            id
        } else {
            self.roles[parent as usize].top
        };
        self.roles.push(Role {
            name: name.to_string(),
            parent,
            top,
            weight: 1.0,
            guarantee: None,
            limit: None,
            sorter: None,
            framework_count: 0,
            members: Vec::new(),
            reserved_subtree: Res::ZERO,
            unres_alloc_subtree: Res::ZERO,
        });
        self.role_by_name.insert(name.to_string(), id);
        id
    }

    /// True if `resv_role` is `role` or one of its ancestors (its
    /// reservations may be offered to `role`).
    fn reservation_usable_by(&self, resv_role: RoleIdx, role: RoleIdx) -> bool {
        let mut r = role;
        while r != NO_ROLE {
            if r == resv_role {
                return true;
            }
            r = self.roles[r as usize].parent;
        }
        false
    }

    fn for_role_and_ancestors(&mut self, role: RoleIdx, f: impl Fn(&mut Role)) {
        let mut r = role;
        while r != NO_ROLE {
            f(&mut self.roles[r as usize]);
            r = self.roles[r as usize].parent;
        }
    }

    fn new_sorter(&mut self, level: Level, role: Option<String>) -> Box<dyn Sorter> {
        self.sorter_count += 1;
        let config = SorterConfig {
            level,
            role,
            ..self.role_config.clone()
        };
        self.policy.sorter(
            &config,
            Rng::with_stream(
                self.policy_seed,
                Stream::Policy as u64 + 1000 + self.sorter_count,
            ),
        )
    }

    /// Mesos's `trackFrameworkUnderRole`.
    fn track_framework(&mut self, fw: FwIdx) {
        let role = self.frameworks[fw as usize].role;
        if self.roles[role as usize].sorter.is_none() {
            let name = self.roles[role as usize].name.clone();
            self.role_sorter.add(role, &name);
            self.role_sorter.activate(role);
            let mut s = self.new_sorter(Level::Frameworks, Some(name.clone()));
            if !self.total.is_empty() {
                s.add_total(&self.total);
            }
            self.roles[role as usize].sorter = Some(s);
        }
        self.sort_version += 1;
        let name = self.frameworks[fw as usize].name.clone();
        let r = &mut self.roles[role as usize];
        r.framework_count += 1;
        r.members.push(fw);
        r.sorter.as_mut().expect("sorter exists").add(fw, &name);
        self.registered_count += 1;
        self.frameworks[fw as usize].registered_order = self.registered_count - 1;
        self.update_demand(fw);
    }

    /// Tells the sorters what `fw` (and its role) now waits to run, for
    /// policies that order by demand.
    fn update_demand(&mut self, fw: FwIdx) {
        if self.idle_out {
            // Called after every change of a framework's pending work.
            self.pending_changed.push(fw);
        }
        if !self.wants_demand || !self.frameworks[fw as usize].registered {
            return;
        }
        let d = self.demand_of(fw);
        self.fw_sorter(fw).demand(fw, d.as_ref());
        let role = self.frameworks[fw as usize].role;
        // The role's demand: its member whose head task came first.
        let mut best: Option<Demand> = None;
        let mut pending = 0;
        for &m in &self.roles[role as usize].members {
            if let Some(dm) = self.demand_of(m) {
                pending += dm.pending;
                let better = match &best {
                    None => true,
                    Some(b) => (dm.submit_us, dm.registered) < (b.submit_us, b.registered),
                };
                if better {
                    best = Some(dm);
                }
            }
        }
        if let Some(b) = best.as_mut() {
            b.pending = pending;
        }
        self.role_sorter.demand(role, best.as_ref());
    }

    fn demand_of(&self, fw: FwIdx) -> Option<Demand> {
        let f = &self.frameworks[fw as usize];
        let g = f.pending.front()?;
        let job = &self.jobs[g.job as usize];
        Some(Demand {
            task: job.resources,
            submit_us: job.submit_us,
            duration_us: job.duration_us,
            pending: f.pending_tasks,
            priority: job.priority,
            registered: f.registered_order,
        })
    }

    fn fw_sorter(&mut self, fw: FwIdx) -> &mut dyn Sorter {
        let role = self.frameworks[fw as usize].role;
        self.roles[role as usize]
            .sorter
            .as_deref_mut()
            .expect("framework tracked under its role")
    }

    // ----- inputs ------------------------------------------------------

    /// An agent joins (or an `add-agent` event). Returns its index. With no
    /// leading master it waits and registers after the next election.
    pub fn add_agent(&mut self, now: Micros, spec: &AgentSpec) -> AgentIdx {
        let id = self.new_agent_entry(spec);
        if self.leader_up {
            self.admit_agent(now, id);
        }
        id
    }

    /// A fresh agent record (not yet registered with any master).
    fn new_agent_entry(&mut self, spec: &AgentSpec) -> AgentIdx {
        let id = self.agents.len() as AgentIdx;
        let mut total = Split {
            unres: spec.resources,
            ..Split::default()
        };
        for (role_name, r) in &spec.reserved {
            let role = self.intern_role(role_name);
            total.unres.sub(r);
            total.add(&Split {
                resv: vec![(role, *r)],
                ..Split::default()
            });
        }
        total.resv.retain(|(_, r)| !r.is_empty());
        self.agents.push(Agent {
            name: spec.name.clone(),
            avail: total.clone(),
            total,
            active: false,
            usage: Vec::new(),
            slot_usage: Vec::new(),
            slots_used: 0,
            tasks: Vec::new(),
            filters: Vec::new(),
            blocked_cache: None,
            version: 0,
            filters_valid_until: Micros::MAX,
            idle: None,
            deactivated: false,
            view: MasterView::Unknown,
            link: AgentLink::Up,
            epoch: 0,
            registered_us: 0,
            detect_us: None,
            deferred: Vec::new(),
            dead: Vec::new(),
            last_ping_in_time_us: 0,
        });
        self.agent_specs.push(spec.clone());
        self.agent_by_name.insert(spec.name.clone(), id);
        id
    }

    /// The leading master admits a new agent: the registry records it and
    /// the allocator adds it (Mesos's `addSlave`, which asks for an
    /// allocation on that agent).
    fn admit_agent(&mut self, now: Micros, id: AgentIdx) {
        self.registry.admit(id);
        let agent = &mut self.agents[id as usize];
        agent.view = MasterView::Registered;
        agent.registered_us = now;
        agent.detect_us = None;
        self.add_to_allocator(now, id);
    }

    /// Puts a known agent into the allocator: its totals join the pool,
    /// what its running tasks hold is charged to their frameworks (those
    /// subscribed; Mesos's `addSlave` with `used`), and an allocation on
    /// it is asked for.
    fn add_to_allocator(&mut self, now: Micros, id: AgentIdx) {
        let a = id as usize;
        // What the agent reports: its running tasks.
        let mut usage: Vec<(FwIdx, Split)> = Vec::new();
        let mut held = Split::default();
        let mut came_back = Vec::new();
        // Tasks mode: slots are counted task by task (cluster/slots.rs).
        let mut task_slots: Vec<(FwIdx, u64)> = Vec::new();
        for i in 0..self.agents[a].tasks.len() {
            let t = self.agents[a].tasks[i];
            let job = &self.jobs[self.tasks[t as usize].job as usize];
            if self.slots_per_agent.is_some() && self.mode == Mode::Tasks {
                let k = self.slots_on(id, &job.resources);
                slots::add_held(&mut task_slots, job.framework, k);
            }
            let part = self.task_split(t, job.resources);
            held.add(&part);
            match usage.iter_mut().find(|(f, _)| *f == job.framework) {
                Some((_, u)) => u.add(&part),
                None => usage.push((job.framework, part)),
            }
            let res = job.resources;
            self.track_task_alloc(t, &res, true);
            if self.tasks[t as usize].state != TaskState::Running {
                came_back.push(t);
            }
        }
        for t in came_back {
            let fw = self.jobs[self.tasks[t as usize].job as usize].framework;
            let task = &mut self.tasks[t as usize];
            task.state = TaskState::Running;
            task.end_us = NEVER;
            self.frameworks[fw as usize].running_tasks += 1;
            self.mark_changed(fw);
        }
        {
            let agent = &mut self.agents[a];
            let mut avail = agent.total.clone();
            avail.unres.sub(&held.unres);
            avail.revoc.sub(&held.revoc);
            for (rr, r) in &held.resv {
                if let Some((_, mine)) = avail.resv.iter_mut().find(|(x, _)| x == rr) {
                    mine.sub(r);
                }
            }
            agent.avail = avail;
            agent.usage = usage.clone();
            agent.active = true;
            agent.filters.clear();
            agent.blocked_cache = None;
            agent.filters_valid_until = Micros::MAX;
            agent.idle = None;
        }
        let total = self.agents[a].total.clone();
        for (role, r) in total.resv.clone() {
            self.for_role_and_ancestors(role, |x| x.reserved_subtree.add(&r));
            self.total_reserved.add(&r);
        }
        let all = total.total();
        self.total.add(&all);
        self.total_revocable.add(&total.revoc);
        self.role_sorter.add_total(&all);
        for role in self.roles.iter_mut() {
            if let Some(s) = role.sorter.as_mut() {
                s.add_total(&all);
            }
        }
        self.tally_agent(id, task_slots);
        for (fw, part) in &usage {
            if self.frameworks[*fw as usize].registered {
                if self.bug != Some(InjectedBug::ForgetChargeOnReregister) {
                    let held = slots::held_by(&self.agents[a].slot_usage, *fw);
                    self.charge_books(*fw, part, held as i64);
                }
            } else {
                // Tasks of a framework that has not re-subscribed yet.
                self.recover_framework(*fw);
            }
        }
        self.refresh_free(id);
        self.totals_changed = true;
        self.tasks_dirty = true;
        self.last_progress_us = now;
        self.request(Some(id));
    }

    /// A task's resources split into the unreserved part and the
    /// reservations it drew on (all revocable for a revocable task).
    fn task_split(&self, t: TaskId, res: Res) -> Split {
        if self.tasks[t as usize].revocable {
            return Split {
                revoc: Revocable::new(res),
                ..Split::default()
            };
        }
        let mut part = Split {
            unres: res,
            resv: self.task_resv.get(&t).cloned().unwrap_or_default(),
            revoc: Revocable::default(),
        };
        for (_, r) in &part.resv {
            part.unres.sub(r);
        }
        part
    }

    /// What running tasks hold changes by `res` (added or taken away):
    /// the regular total for utilization.csv, or the revocable one.
    fn track_task_alloc(&mut self, t: TaskId, res: &Res, add: bool) {
        let total = if self.tasks[t as usize].revocable {
            &mut self.revocable_task_alloc
        } else {
            &mut self.total_task_alloc
        };
        if add {
            total.add(res);
        } else {
            total.sub(res);
        }
    }

    /// Takes an agent out of the allocator (Mesos's `removeSlave`, run
    /// before anything else so that nothing on it is offered again): its
    /// offers are rescinded, its charges leave the sorters, its totals
    /// leave the pool and its filters go. The host's own state (tasks) is
    /// untouched.
    fn remove_from_allocator(&mut self, id: AgentIdx) {
        let a = id as usize;
        if !self.agents[a].active {
            return;
        }
        self.rescind_offers_on(id);
        let usage = std::mem::take(&mut self.agents[a].usage);
        let slot_usage = std::mem::take(&mut self.agents[a].slot_usage);
        self.agents[a].slots_used = 0;
        for (fw, part) in &usage {
            if self.frameworks[*fw as usize].registered {
                let held = slots::held_by(&slot_usage, *fw);
                self.uncharge(*fw, part, -(held as i64));
            }
        }
        // The tasks the master believed ran here leave the allocated total.
        let believed: Vec<TaskId> = self.believed_tasks(id);
        for t in believed {
            if self.tasks[t as usize].state == TaskState::Running {
                let res = self.jobs[self.tasks[t as usize].job as usize].resources;
                self.track_task_alloc(t, &res, false);
            }
        }
        let agent = &mut self.agents[a];
        agent.active = false;
        agent.filters.clear();
        agent.blocked_cache = None;
        agent.idle = None;
        let total = agent.total.clone();
        self.refresh_free(id);
        let all = total.total();
        for (role, r) in &total.resv {
            let r = *r;
            self.for_role_and_ancestors(*role, |x| x.reserved_subtree.sub(&r));
            self.total_reserved.sub(&r);
        }
        self.total.sub(&all);
        self.total_revocable.sub(&total.revoc);
        self.role_sorter.remove_total(&all);
        for role in self.roles.iter_mut() {
            if let Some(s) = role.sorter.as_mut() {
                s.remove_total(&all);
            }
        }
        self.totals_changed = true;
    }

    /// Rescinds every live offer on agent `a` (no filter; counted as a
    /// fault's rescind): its resources go back to the agent.
    fn rescind_offers_on(&mut self, a: AgentIdx) {
        let on_agent: Vec<u64> = self
            .live
            .iter()
            .filter(|(_, o)| o.agent == a)
            .map(|(&id, _)| id)
            .collect();
        for id in on_agent {
            let (fw, part) = {
                let o = &self.live[&id];
                (o.framework, o.resources.clone())
            };
            self.frameworks[fw as usize]
                .outstanding
                .retain(|&x| x != id);
            self.finish_offer(id, Outcome::Rescinded);
            self.fault_counts.offers_rescinded += 1;
            self.recover(fw, a, &part);
        }
    }

    /// Takes a task off its host's list (it no longer runs there), keeping
    /// the other tasks' slots right.
    fn detach_from_host(&mut self, t: TaskId) {
        let task = &self.tasks[t as usize];
        let (a, slot) = (task.agent, task.slot as usize);
        let agent = &mut self.agents[a as usize];
        agent.tasks.swap_remove(slot);
        if slot < agent.tasks.len() {
            let moved = agent.tasks[slot];
            self.tasks[moved as usize].slot = slot as u32;
        }
    }

    /// The tasks the master believes run on the agent: running on the
    /// host, ended there unreported, or dead with a crashed host.
    fn believed_tasks(&self, id: AgentIdx) -> Vec<TaskId> {
        let agent = &self.agents[id as usize];
        let mut v: Vec<TaskId> = agent.tasks.clone();
        v.extend(agent.deferred.iter().map(|&(t, _, _)| t));
        v.extend(agent.dead.iter().copied());
        v.sort_unstable();
        v
    }

    /// Adds an agent on which frameworks already hold resources (Mesos's
    /// `addSlave` with `used`, as after a master failover or in Mesos's
    /// allocator benchmarks). The usage is unreserved and charged to the
    /// frameworks as allocated.
    pub fn add_agent_with_usage(
        &mut self,
        now: Micros,
        spec: &AgentSpec,
        used: &[(FwIdx, Res)],
    ) -> AgentIdx {
        let a = self.add_agent(now, spec);
        for (fw, r) in used {
            let part = Split {
                unres: *r,
                ..Split::default()
            };
            self.charge(*fw, a, &part);
        }
        a
    }

    /// Mesos's `removeSlave` plus the master's handling: running tasks are
    /// lost, outstanding offers rescinded, the agent's resources leave the
    /// pool and its filters go.
    pub fn remove_agent(&mut self, now: Micros, name: &str) {
        let Some(&a) = self.agent_by_name.get(name) else {
            return;
        };
        // An agent the master lost track of (unreachable, or not back
        // after a failover) can be removed too.
        if self.agents[a as usize].view == MasterView::Removed {
            return;
        }
        let rescinded = self.fault_counts.offers_rescinded;
        self.remove_from_allocator(a);
        self.fault_counts.offers_rescinded = rescinded;
        // Running tasks become lost (no framework is partition aware here:
        // removal is an operator's act, and Mesos reports TASK_LOST to
        // non-partition-aware frameworks). The host is decommissioned, so
        // they stop.
        let tasks = std::mem::take(&mut self.agents[a as usize].tasks);
        for t in tasks {
            self.stop_on_host(now, t);
            self.write_off(now, t, TaskState::Lost);
        }
        for t in self.take_unreported(a) {
            self.write_off(now, t, TaskState::Lost);
        }
        self.registry.remove(a);
        self.agents[a as usize].view = MasterView::Removed;
        self.agents[a as usize].epoch += 1;
        self.agent_by_name.remove(name);
        self.last_progress_us = now;
    }

    /// The task stops running on its host (the caller takes it out of the
    /// host's list).
    fn stop_on_host(&mut self, now: Micros, t: TaskId) {
        if let Some(iso) = self.iso.as_deref_mut() {
            iso.task_removed(now, t);
        }
        let task = &mut self.tasks[t as usize];
        task.slot = DEAD_SLOT;
        let job = &self.jobs[task.job as usize];
        if job.duration_us.is_some() {
            self.running_finite -= 1;
        }
    }

    /// Tasks of the agent that ended or died unreported (their list is
    /// emptied).
    fn take_unreported(&mut self, a: AgentIdx) -> Vec<TaskId> {
        let agent = &mut self.agents[a as usize];
        let mut v: Vec<TaskId> = agent.deferred.drain(..).map(|(t, _, _)| t).collect();
        v.append(&mut agent.dead);
        v.sort_unstable();
        v
    }

    /// The master writes a task off with `state` (lost, unreachable,
    /// gone, killed) at `now`: the framework's view. Resources are not
    /// touched here.
    fn write_off(&mut self, now: Micros, t: TaskId, state: TaskState) {
        let task = &mut self.tasks[t as usize];
        let was_running = task.state == TaskState::Running;
        if !(was_running || matches!(task.state, TaskState::Lost | TaskState::Unreachable)) {
            return;
        }
        task.state = state;
        task.end_us = now;
        if was_running {
            let fw = self.jobs[task.job as usize].framework;
            self.frameworks[fw as usize].running_tasks -= 1;
            self.mark_changed(fw);
        }
        let lost = matches!(
            state,
            TaskState::Lost | TaskState::Unreachable | TaskState::Gone | TaskState::GoneByOperator
        );
        if let Some(f) = self.failovers.last_mut().filter(|_| lost && was_running) {
            if f.counts_losses(now) {
                f.tasks_lost += 1;
            }
        }
        self.task_resv_keep_or_drop(t);
    }

    /// A written-off task keeps its reservation record only while it may
    /// come back (it still runs on a partitioned host).
    fn task_resv_keep_or_drop(&mut self, t: TaskId) {
        if self.tasks[t as usize].slot == DEAD_SLOT {
            self.task_resv.remove(&t);
        }
    }

    /// A framework subscribes.
    pub fn register_framework(&mut self, now: Micros, fw: FwIdx) {
        let f = &mut self.frameworks[fw as usize];
        if f.registered || f.subscribed_once {
            return;
        }
        f.subscribed_once = true;
        if !self.leader_up {
            return; // it subscribes when the next master is elected
        }
        f.registered = true;
        f.active = true;
        self.track_framework(fw);
        self.set_in_sort(fw, true);
        let f = &self.frameworks[fw as usize];
        if f.suppress_when_idle && f.pending_tasks == 0 && self.mode == Mode::Offers {
            self.suppress(fw);
        }
        self.tasks_dirty = true;
        self.last_progress_us = now;
        self.request(None);
    }

    /// Adds a job's tasks to its framework's queue. Task ids are assigned
    /// here, in submission order.
    #[allow(clippy::too_many_arguments)]
    pub fn submit_job(
        &mut self,
        now: Micros,
        fw: FwIdx,
        name: &str,
        resources: Res,
        tasks: u64,
        duration_us: Option<Micros>,
        priority: Option<i64>,
        gang: bool,
    ) {
        let job = self.jobs.len() as u32;
        let first_task = self.tasks.len() as TaskId;
        let priority = priority.unwrap_or(self.frameworks[fw as usize].priority);
        self.jobs.push(Job {
            name: name.to_string(),
            framework: fw,
            resources,
            duration_us,
            submit_us: now,
            first_task,
            tasks,
            priority,
            gang,
        });
        self.any_gang |= gang;
        self.tasks.reserve(tasks as usize);
        for _ in 0..tasks {
            self.tasks.push(Task {
                job,
                agent: NO_AGENT,
                start_us: NEVER,
                end_us: NEVER,
                slot: 0,
                state: TaskState::Pending,
                revocable: false,
            });
        }
        if tasks > 0 {
            let f = &mut self.frameworks[fw as usize];
            f.pending.push_back(PendingGroup {
                job,
                next_task: first_task,
                remaining: tasks,
            });
            f.pending_tasks += tasks;
            if let Some(m) = f.min_demand {
                f.min_demand = Some(m.min(&resources));
            }
            self.update_demand(fw);
            let f = &self.frameworks[fw as usize];
            if f.suppress_when_idle && f.suppressed && f.registered && self.mode == Mode::Offers {
                self.revive(fw);
            }
        }
        self.tasks_dirty = true;
        self.last_progress_us = now;
    }

    /// A task reaches its end time on its host: finished, resources
    /// recovered (no filter, no allocation: they wait for the next pass,
    /// MESOS-3078). If the master cannot hear the agent (partition, master
    /// failover, agent written off), the status update waits on the agent
    /// until it reconnects.
    pub fn task_ends(&mut self, now: Micros, t: TaskId) {
        // A task evicted and started again ends at its new time; the end
        // event of its first run is stale.
        let task = &self.tasks[t as usize];
        if let Some(d) = self.jobs[task.job as usize].duration_us {
            if task.start_us.saturating_add(d) != now {
                return;
            }
        }
        self.end_task(now, t, TaskState::Finished);
    }

    /// A running task ends in `state` (finished, or killed by isolator
    /// accounting): resources recovered as for a finished task.
    fn end_task(&mut self, now: Micros, t: TaskId, state: TaskState) {
        let task = &self.tasks[t as usize];
        if task.slot == DEAD_SLOT {
            return; // not running on a host any more
        }
        // A task the master killed (its framework was removed) while it
        // could not reach the host still runs there until it ends.
        let written_off = task.state == TaskState::Killed;
        if !written_off
            && !matches!(
                task.state,
                TaskState::Running | TaskState::Lost | TaskState::Unreachable
            )
        {
            return;
        }
        let a = task.agent;
        self.detach_from_host(t);
        self.tasks[t as usize].slot = DEAD_SLOT;
        if self.jobs[self.tasks[t as usize].job as usize]
            .duration_us
            .is_some()
        {
            self.running_finite -= 1;
        }
        if let Some(iso) = self.iso.as_deref_mut() {
            iso.task_removed(now, t);
        }
        if written_off {
            self.task_resv.remove(&t);
            return;
        }
        if self.hears(a) && self.tasks[t as usize].state == TaskState::Running {
            if self.network.is_zero() {
                self.task_finished(now, t, now, state);
            } else {
                // The status update is on its way: held on the agent's
                // books until it arrives.
                self.agents[a as usize].deferred.push((t, now, state));
                let at = now + self.message_delay();
                self.effects.push(Effect::Timer {
                    timer: Timer::StatusUpdate { task: t },
                    at_us: at,
                });
            }
        } else {
            self.agents[a as usize].deferred.push((t, now, state));
        }
    }

    /// The master learns that task `t` ended in `state` (finished, or
    /// failed by isolator accounting) at `end_us` (now, or earlier while
    /// it could not hear the agent).
    fn task_finished(&mut self, now: Micros, t: TaskId, end_us: Micros, state: TaskState) {
        let task = &self.tasks[t as usize];
        let a = task.agent;
        let was_running = task.state == TaskState::Running;
        let job = &self.jobs[task.job as usize];
        let fw = job.framework;
        let res = job.resources;
        let part = self.task_split(t, res);
        self.task_resv.remove(&t);
        let task = &mut self.tasks[t as usize];
        task.state = state;
        task.end_us = end_us;
        if was_running {
            self.frameworks[fw as usize].running_tasks -= 1;
            self.mark_changed(fw);
            if self.agents[a as usize].active {
                self.track_task_alloc(t, &res, false);
                self.recover(fw, a, &part);
            }
        }
        self.tasks_dirty = true;
        self.last_progress_us = now;
    }

    pub fn set_weight(&mut self, role_name: &str, weight: f64) {
        self.registry.set_weight(role_name, weight);
        let role = self.intern_role(role_name);
        self.roles[role as usize].weight = weight;
        self.role_sorter.update_weight(role_name, weight);
        // Mesos does not allocate on a weight change; shares change.
        self.totals_changed = true;
        self.tasks_dirty = true;
    }

    pub fn set_quota(&mut self, role_name: &str, guarantee: Option<Res>, limit: Option<Limits>) {
        let role = self.intern_role(role_name);
        let r = &mut self.roles[role as usize];
        r.guarantee = guarantee.filter(|g| !g.is_empty());
        r.limit = limit.filter(|l| !l.is_none());
        let (g, l) = (r.guarantee, r.limit);
        self.registry.set_quota(role_name, g, l);
        self.tasks_dirty = true;
    }

    /// SUPPRESS: the framework leaves its role's sort; filters stay.
    pub fn suppress(&mut self, fw: FwIdx) {
        if !self.frameworks[fw as usize].registered || self.gone_or_away(fw) {
            return;
        }
        self.frameworks[fw as usize].suppressed = true;
        self.set_in_sort(fw, false);
    }

    /// The framework was removed, or its scheduler is disconnected: its
    /// calls do not reach the master.
    fn gone_or_away(&self, fw: FwIdx) -> bool {
        let f = &self.frameworks[fw as usize];
        f.removed || f.disconnected
    }

    /// Puts the framework in or out of its role's sort, keeping count of
    /// how many are in (a pass with none makes no offer and is skipped).
    fn set_in_sort(&mut self, fw: FwIdx, on: bool) {
        self.sort_version += 1;
        let f = &mut self.frameworks[fw as usize];
        if f.in_sort != on {
            f.in_sort = on;
            if on {
                self.in_sort_count += 1;
            } else {
                self.in_sort_count -= 1;
            }
        }
        let idle = self.idle_out && self.frameworks[fw as usize].pending_tasks == 0;
        if on && !idle {
            self.fw_sorter(fw).activate(fw);
        } else {
            self.fw_sorter(fw).deactivate(fw);
        }
    }

    /// REVIVE: filters cleared, back in the sort, allocation on all agents.
    pub fn revive(&mut self, fw: FwIdx) {
        if !self.frameworks[fw as usize].registered || self.gone_or_away(fw) {
            return;
        }
        self.clear_filters(fw);
        let f = &mut self.frameworks[fw as usize];
        f.suppressed = false;
        self.set_in_sort(fw, true);
        self.tasks_dirty = true;
        self.request(None);
    }

    /// The framework is deactivated: out of the sort, filters cleared,
    /// outstanding offers rescinded (their resources come back unfiltered).
    pub fn deactivate(&mut self, fw: FwIdx) {
        if !self.frameworks[fw as usize].registered || self.gone_or_away(fw) {
            return;
        }
        self.set_in_sort(fw, false);
        self.clear_filters(fw);
        let f = &mut self.frameworks[fw as usize];
        f.active = false;
        f.outstanding.clear();
        // Every offer of the framework still live: the outstanding ones,
        // and with network delays those whose reply is on its way.
        let live: Vec<u64> = self
            .live
            .iter()
            .filter(|(_, o)| o.framework == fw)
            .map(|(&id, _)| id)
            .collect();
        for id in live {
            let off = &self.live[&id];
            let (a, part) = (off.agent, off.resources.clone());
            self.finish_offer(id, Outcome::Rescinded);
            self.recover(fw, a, &part);
        }
    }

    /// An offer reaches its outcome: it leaves the live set and, when the
    /// run records offers, becomes a row.
    fn finish_offer(&mut self, id: u64, outcome: Outcome) {
        let Some(mut o) = self.live.remove(&id) else {
            return;
        };
        o.outcome = outcome;
        if self.record_offers {
            self.offer_rows.push(Self::offer_row(id, &o));
        }
    }

    fn offer_row(id: u64, o: &Offer) -> OfferRow {
        OfferRow {
            time_us: o.made_us,
            offer_id: id,
            framework: o.framework,
            agent: o.agent,
            resources: o.resources.total(),
            outcome: o.outcome,
            tasks_launched: o.tasks_launched,
        }
    }

    /// The framework is activated again; allocation on all agents.
    pub fn activate(&mut self, fw: FwIdx) {
        if !self.frameworks[fw as usize].registered || self.gone_or_away(fw) {
            return;
        }
        self.frameworks[fw as usize].active = true;
        if !self.frameworks[fw as usize].suppressed {
            self.set_in_sort(fw, true);
        }
        self.tasks_dirty = true;
        self.request(None);
    }

    /// An offer's timeout fires: rescinded if still outstanding.
    pub fn offer_timeout(&mut self, offer: u64) {
        let Some(off) = self.live.get(&offer) else {
            return;
        };
        let (fw, a, part) = (off.framework, off.agent, off.resources.clone());
        self.finish_offer(offer, Outcome::Rescinded);
        self.frameworks[fw as usize]
            .outstanding
            .retain(|&x| x != offer);
        if self.agents[a as usize].active {
            self.recover(fw, a, &part);
        }
    }

    /// Asks for an allocation on one agent (None: all agents).
    pub fn request(&mut self, agent: Option<AgentIdx>) {
        match agent {
            None => self.all_candidates = true,
            Some(a) => {
                if !self.all_candidates {
                    self.candidates.push(a);
                }
            }
        }
    }

    // ----- bookkeeping -------------------------------------------------

    fn mark_changed(&mut self, fw: FwIdx) {
        if !self.changed_flag[fw as usize] {
            self.changed_flag[fw as usize] = true;
            self.changed_frameworks.push(fw);
        }
    }

    /// Frameworks whose charge changed since the last call, ascending.
    pub fn take_changed(&mut self, out: &mut Vec<FwIdx>) {
        out.clear();
        out.append(&mut self.changed_frameworks);
        out.sort_unstable();
        for &f in out.iter() {
            self.changed_flag[f as usize] = false;
        }
    }

    /// Charges `part` on agent `a` to `fw` (Mesos's
    /// `trackAllocatedResources` and `decreaseAvailable`).
    fn charge(&mut self, fw: FwIdx, a: AgentIdx, part: &Split) {
        {
            let agent = &mut self.agents[a as usize];
            agent.avail.unres.sub(&part.unres);
            agent.avail.revoc.sub(&part.revoc);
            for (rr, r) in &part.resv {
                if let Some((_, mine)) = agent.avail.resv.iter_mut().find(|(x, _)| x == rr) {
                    mine.sub(r);
                }
            }
            agent.usage_mut(fw).add(part);
        }
        self.refresh_free(a);
        let slots = self.retally(fw, a, part, true);
        self.charge_books(fw, part, slots);
    }

    /// The allocator's side of a charge: role and sorter books
    /// (`delta_slots`: the slots the charge adds, with a slot policy).
    fn charge_books(&mut self, fw: FwIdx, part: &Split, delta_slots: i64) {
        let all = part.total();
        let resv = part.resv_total();
        let role = self.frameworks[fw as usize].role;
        let unres = part.unres;
        self.for_role_and_ancestors(role, |x| x.unres_alloc_subtree.add(&unres));
        self.total_charged.add(&all);
        self.total_charged_reserved.add(&resv);
        self.total_charged_revocable.add(&part.revoc);
        if delta_slots != 0 {
            self.role_sorter.slots(role, delta_slots);
            self.fw_sorter(fw).slots(fw, delta_slots);
        }
        self.role_sorter.allocated(role, &all);
        self.fw_sorter(fw).allocated(fw, &all);
        self.frameworks[fw as usize].charge.add(&all);
        self.mark_changed(fw);
    }

    /// The reverse of [`Cluster::charge`]'s sorter and role bookkeeping,
    /// without touching the agent (used when the agent goes away);
    /// `delta_slots` (zero or negative) is the change in slots held.
    fn uncharge(&mut self, fw: FwIdx, part: &Split, delta_slots: i64) {
        let all = part.total();
        let resv = part.resv_total();
        let role = self.frameworks[fw as usize].role;
        let unres = part.unres;
        self.for_role_and_ancestors(role, |x| x.unres_alloc_subtree.sub(&unres));
        self.total_charged.sub(&all);
        self.total_charged_reserved.sub(&resv);
        self.total_charged_revocable.sub(&part.revoc);
        if delta_slots != 0 {
            self.role_sorter.slots(role, delta_slots);
            self.fw_sorter(fw).slots(fw, delta_slots);
        }
        self.role_sorter.unallocated(role, &all);
        self.fw_sorter(fw).unallocated(fw, &all);
        self.frameworks[fw as usize].charge.sub(&all);
        self.mark_changed(fw);
    }

    /// Mesos's `recoverResources` without a filter.
    fn recover(&mut self, fw: FwIdx, a: AgentIdx, part: &Split) {
        if part.is_empty() || !self.agents[a as usize].active {
            return;
        }
        {
            let agent = &mut self.agents[a as usize];
            agent.avail.unres.add(&part.unres);
            agent.avail.revoc.add(&part.revoc);
            for (rr, r) in &part.resv {
                if let Some((_, mine)) = agent.avail.resv.iter_mut().find(|(x, _)| x == rr) {
                    mine.add(r);
                }
            }
            agent.usage_sub(fw, part);
        }
        self.refresh_free(a);
        let slots = self.retally(fw, a, part, false);
        self.uncharge(fw, part, slots);
    }

    /// A decline (or the unused part of an accept): recover and install a
    /// filter of `max(interval, refuse)` unless refuse is zero.
    fn decline(&mut self, now: Micros, fw: FwIdx, a: AgentIdx, part: &Split) {
        if part.is_empty() {
            return;
        }
        self.recover(fw, a, part);
        let refuse = self.frameworks[fw as usize].refuse_us;
        if refuse == 0 {
            return;
        }
        let lifetime = refuse.max(self.interval_us);
        let filter = Filter {
            framework: fw,
            refused: Box::new(part.clone()),
            expires_us: now.saturating_add(lifetime),
            blocks_at_end: lifetime == self.interval_us && now.is_multiple_of(self.interval_us),
        };
        let until = filter
            .expires_us
            .saturating_add(filter.blocks_at_end as u64);
        let agent = &mut self.agents[a as usize];
        // Kept sorted by framework, so one framework's filters are found by
        // binary search (`blocked_by`); this framework's expired filters on
        // the agent go now (Mesos's expiry timers drop them), so a long run
        // does not pile them up.
        let lo = agent.filters.partition_point(|f| f.framework < fw);
        let hi = agent.filters.partition_point(|f| f.framework <= fw);
        let expired = agent.filters[lo..hi]
            .iter()
            .filter(|f| !f.active(now))
            .count();
        if expired > 0 {
            let mut i = lo;
            let mut end = hi;
            while i < end {
                if agent.filters[i].active(now) {
                    i += 1;
                } else {
                    agent.filters.remove(i);
                    agent.blocked_cache = None;
                    end -= 1;
                }
            }
        }
        let pos = agent.filters.partition_point(|f| f.framework <= fw);
        if let Some(cache) = agent.blocked_cache.as_mut() {
            if filter.refused.contains(&cache.offer) {
                set_bit(&mut cache.bits, fw);
            }
        }
        agent.filters.insert(pos, filter);
        agent.version += 1;
        agent.filters_valid_until = agent.filters_valid_until.min(until);
        let n_agents = self.agents.len();
        let filtered = &mut self.frameworks[fw as usize].filtered_agents;
        filtered.push(a);
        // A framework that declines for days without reviving would grow
        // this list by one entry per decline; it only needs each agent once.
        if filtered.len() > 2 * n_agents + 64 {
            filtered.sort_unstable();
            filtered.dedup();
        }
    }

    /// Drops every filter of `fw` (REVIVE, deactivation).
    fn clear_filters(&mut self, fw: FwIdx) {
        let mut agents = std::mem::take(&mut self.frameworks[fw as usize].filtered_agents);
        agents.sort_unstable();
        agents.dedup();
        for a in agents {
            let agent = &mut self.agents[a as usize];
            agent.filters.retain(|f| f.framework != fw);
            agent.blocked_cache = None;
            agent.version += 1;
        }
    }

    /// Mesos's `isFiltered` (offer filters only) for one framework.
    fn is_filtered(&self, now: Micros, fw: FwIdx, a: AgentIdx, offer: &Split) -> bool {
        Self::blocked_by(&self.agents[a as usize], fw, now, offer)
    }

    /// Marks in `self.blocked` (with `stamp`) every framework that one of
    /// agent `a`'s active filters blocks from being offered `offer`;
    /// expired filters are dropped on the way.
    fn mark_blocked(&mut self, now: Micros, a: AgentIdx, offer: &Split, stamp: u32) {
        let agent = &mut self.agents[a as usize];
        if agent.filters.is_empty() {
            return;
        }
        agent.drop_expired_filters(now);
        for f in &agent.filters {
            if f.refused.contains(offer) {
                self.blocked[f.framework as usize] = stamp;
            }
        }
    }

    /// Mesos's `allocatable`: some entry of min_allocatable is met.
    fn allocatable(&self, res: &Res) -> bool {
        if res.is_empty() {
            return false;
        }
        self.min_allocatable.is_empty() || self.min_allocatable.iter().any(|m| res.contains(m))
    }

    /// What agent `a` has available for `role`: unreserved plus the
    /// reservations of the role and its ancestors.
    fn available_for(&self, a: AgentIdx, role: RoleIdx) -> Split {
        let agent = &self.agents[a as usize];
        let mut s = Split {
            unres: agent.avail.unres,
            resv: Vec::new(),
            revoc: agent.avail.revoc.clone(),
        };
        for (rr, r) in &agent.avail.resv {
            if !r.is_empty() && self.reservation_usable_by(*rr, role) {
                s.resv.push((*rr, *r));
            }
        }
        s
    }

    /// Candidate agents of this pass, in join order, then shuffled when
    /// `agent_order = "shuffle"`.
    ///
    /// Only agents with something available are visited: Mesos visits every
    /// candidate, but stops at once on an agent with nothing available, so
    /// in join order the offers are the same; in shuffle order the visit
    /// order of the agents that matter is still a uniform permutation. On a
    /// busy cluster this makes a batch pass cost what is free, not what
    /// exists.
    fn take_candidates(&mut self) -> Vec<AgentIdx> {
        let mut ids: Vec<AgentIdx> = if self.all_candidates {
            let mut v = Vec::new();
            for (w, &word) in self.free.iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let b = bits.trailing_zeros() as usize;
                    v.push((w * 64 + b) as AgentIdx);
                    bits &= bits - 1;
                }
            }
            v
        } else {
            let mut v: Vec<AgentIdx> = self
                .candidates
                .iter()
                .copied()
                .filter(|&a| self.is_free(a))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        self.candidates.clear();
        self.all_candidates = false;
        if self.agent_order == AgentOrder::Shuffle {
            self.agent_rng.shuffle(&mut ids);
        }
        ids
    }

    fn is_free(&self, a: AgentIdx) -> bool {
        let a = a as usize;
        self.free
            .get(a / 64)
            .is_some_and(|w| w & (1u64 << (a % 64)) != 0)
    }

    /// Keeps the free-agent set in step with agent `a`'s availability.
    fn refresh_free(&mut self, a: AgentIdx) {
        let i = a as usize;
        if self.free.len() <= i / 64 {
            self.free.resize(i / 64 + 1, 0);
        }
        self.agents[i].version += 1;
        let agent = &self.agents[i];
        let bit = 1u64 << (i % 64);
        let free = agent.active && !agent.deactivated && !agent.avail.is_empty();
        if free {
            self.free[i / 64] |= bit;
        } else {
            self.free[i / 64] &= !bit;
        }
        if let Some(tree) = self.free_tree.as_mut() {
            let avail = if free { agent.avail.total() } else { Res::ZERO };
            tree.set(i, avail);
        }
    }

    pub fn has_candidates(&self) -> bool {
        self.all_candidates || !self.candidates.is_empty()
    }

    // ----- the allocation pass (offers mode) ---------------------------

    /// One allocation pass over the candidate agents, then the frameworks
    /// answer the offers it made. Returns true if a pass ran.
    pub fn allocate(&mut self, now: Micros) -> bool {
        let ran = self.allocation_pass(now);
        if self.network.is_zero() {
            self.answer_offers(now);
        } else {
            // The offer travels to the scheduler and its reply back.
            for id in self.answered_upto..self.next_offer {
                let at = now + self.message_delay() + self.message_delay();
                self.effects.push(Effect::Timer {
                    timer: Timer::OfferReply { offer: id },
                    at_us: at,
                });
            }
            self.answered_upto = self.next_offer;
        }
        ran
    }

    /// One message's delay: `[network] delay` plus jitter.
    pub(crate) fn message_delay(&mut self) -> Micros {
        let j = self.network.jitter_us;
        self.network.delay_us + if j > 0 { self.net_rng.below(j + 1) } else { 0 }
    }

    /// Frameworks answer the offers of the last pass, at the time they
    /// were made.
    pub fn answer_offers(&mut self, now: Micros) {
        let first = self.answered_upto;
        let last = self.next_offer;
        let mut pre = if self.any_gang {
            self.launch_gangs(now, first..last)
        } else {
            BTreeMap::new()
        };
        for id in first..last {
            let p = pre.remove(&id);
            self.answer_offer_with(now, id, p);
        }
        self.answered_upto = last;
    }

    /// A framework gets all its offers of a pass together (Mesos sends
    /// them in one message), so a rigid job may use several: each greedy
    /// framework's rigid pending jobs are placed first-fit over its offers
    /// of the pass, whole or not at all. Returns, per offer used, what is
    /// left of it and how many tasks it launched.
    fn launch_gangs(
        &mut self,
        now: Micros,
        ids: std::ops::Range<u64>,
    ) -> BTreeMap<u64, (Split, u64)> {
        let mut by_fw: BTreeMap<FwIdx, Vec<u64>> = BTreeMap::new();
        for id in ids {
            if let Some(o) = self.live.get(&id) {
                by_fw.entry(o.framework).or_default().push(id);
            }
        }
        let mut pre: BTreeMap<u64, (Split, u64)> = BTreeMap::new();
        for (fw, offers) in by_fw {
            if self.frameworks[fw as usize].behavior != Behavior::Greedy || offers.len() < 2 {
                continue;
            }
            let mut gi = 0;
            while gi < self.frameworks[fw as usize].pending.len() {
                let group = self.frameworks[fw as usize].pending[gi];
                let job = &self.jobs[group.job as usize];
                let res = job.resources;
                if !(job.gang && group.remaining == job.tasks && group.remaining > 1) {
                    gi += 1;
                    continue;
                }
                let mut free: Vec<(u64, Res)> = offers
                    .iter()
                    .map(|id| {
                        // Rigid jobs run on regular resources only.
                        let left = match pre.get(id) {
                            Some((l, _)) => l.regular_total(),
                            None => self.live[id].resources.regular_total(),
                        };
                        (*id, left)
                    })
                    .collect();
                let mut plan = Vec::new();
                for _ in 0..group.remaining {
                    match free.iter_mut().find(|(_, f)| f.contains(&res)) {
                        Some(slot) => {
                            slot.1.sub(&res);
                            plan.push(slot.0);
                        }
                        None => break,
                    }
                }
                if plan.len() as u64 != group.remaining {
                    if self.frameworks[fw as usize].fit == Fit::Stop {
                        break;
                    }
                    gi += 1;
                    continue;
                }
                for (k, id) in plan.into_iter().enumerate() {
                    let a = self.live[&id].agent;
                    let entry = pre
                        .entry(id)
                        .or_insert_with(|| (self.live[&id].resources.clone(), 0));
                    let mut left = entry.0.clone();
                    let t = group.next_task + k as u64;
                    self.start_task(now, t, a, res, &mut left, false);
                    let e = pre.get_mut(&id).expect("inserted");
                    e.0 = left;
                    e.1 += 1;
                }
                let f = &mut self.frameworks[fw as usize];
                f.pending_tasks -= group.remaining;
                f.pending.remove(gi);
                f.min_demand = None;
                self.update_demand(fw);
            }
        }
        pre
    }

    /// The allocation pass alone (Mesos's `__generateOffers`): offers are
    /// made and charged, not yet answered. Returns true if a pass ran.
    pub fn allocation_pass(&mut self, now: Micros) -> bool {
        if !self.has_candidates() {
            return false;
        }
        if !self.allocating() {
            // No leader, or paused for recovery: nothing is offered; the
            // batch pass after it resumes visits every agent.
            self.candidates.clear();
            self.all_candidates = false;
            return false;
        }
        if self.in_sort_count == 0 {
            // No framework can be offered anything: the pass would visit
            // every agent to make no offer (trace replays spend most ticks
            // like this once their frameworks suppress).
            self.candidates.clear();
            self.all_candidates = false;
            return false;
        }
        let mut agents = self.take_candidates();
        debug_assert_eq!(self.mode, Mode::Offers);

        // Quota bookkeeping as in __generateOffers: consumed quota of top
        // roles with quota, required and available headroom.
        let nroles = self.roles.len();
        let mut consumed: Vec<Res> = vec![Res::ZERO; nroles];
        let mut required = Res::ZERO;
        let mut any_guarantee = false;
        for (i, r) in self.roles.iter().enumerate() {
            if r.parent == NO_ROLE && r.has_quota() {
                consumed[i] = r.reserved_subtree.plus(&r.unres_alloc_subtree);
                if let Some(g) = r.guarantee {
                    required.add(&g.minus_clamped(&consumed[i]));
                    any_guarantee = true;
                }
            }
        }
        let unallocated_reservations = self
            .total_reserved
            .minus_clamped(&self.total_charged_reserved);
        // Unallocated revocable resources are no headroom either (Mesos
        // excludes revocable resources from quota headroom).
        let unallocated_revocable = self
            .total_revocable
            .minus_clamped(&self.total_charged_revocable);
        let mut available = self
            .total
            .minus_clamped(&self.total_charged)
            .minus_clamped(&unallocated_reservations)
            .minus_clamped(&unallocated_revocable);

        // Offers of this pass: (framework, agent) -> resources, merged.
        let mut made: Vec<(FwIdx, AgentIdx, Split)> = Vec::new();
        let mut made_index = std::mem::take(&mut self.scratch_made);
        made_index.reset(self.agents.len());
        let mut role_order = std::mem::take(&mut self.scratch_roles);
        let mut fw_order = std::mem::take(&mut self.scratch_fws);

        // Stage 1: roles with unsatisfied guarantees.
        if any_guarantee {
            for &a in &agents {
                if self.agents[a as usize].avail.is_empty() {
                    continue;
                }
                self.role_sorter.sort(&mut role_order);
                for &role in &role_order {
                    let Some(guarantee) = self.roles[role as usize].guarantee else {
                        continue;
                    };
                    if self.roles[role as usize].framework_count == 0 {
                        continue;
                    }
                    if self.agents[a as usize].avail.is_empty() {
                        break;
                    }
                    let mut unsatisfied = guarantee.minus_clamped(&consumed[role as usize]);
                    if unsatisfied.is_empty() {
                        continue;
                    }
                    let limit = self.roles[role as usize].limit;
                    self.roles[role as usize]
                        .sorter
                        .as_mut()
                        .expect("role with frameworks has a sorter")
                        .sort(&mut fw_order);
                    for &fw in &fw_order {
                        if unsatisfied.is_empty() {
                            break;
                        }
                        let avail = self.available_for(a, role);
                        if avail.is_empty() {
                            break;
                        }
                        if !self.allocatable(&avail.total()) {
                            continue;
                        }
                        let quota_res = avail.unres;
                        let guarantees_offering = quota_res.min(&unsatisfied);
                        if guarantees_offering.is_empty() {
                            continue;
                        }
                        // The role's own reservations (not its ancestors').
                        // Revocable resources go along to frameworks that
                        // accept them.
                        let mut to_offer = Split {
                            unres: guarantees_offering,
                            resv: avail
                                .resv
                                .iter()
                                .filter(|(rr, _)| *rr == role)
                                .cloned()
                                .collect(),
                            revoc: if self.frameworks[fw as usize].revocable {
                                avail.revoc.clone()
                            } else {
                                Revocable::default()
                            },
                        };
                        let mut additional = quota_res.minus(&guarantees_offering);
                        if let Some(l) = limit {
                            let room = l
                                .minus(&consumed[role as usize])
                                .minus(&guarantees_offering);
                            additional = additional.shrink_to(&room);
                        }
                        if !required.is_empty() && !additional.is_empty() {
                            additional = additional.min(&available.minus_clamped(&required));
                        }
                        to_offer.unres.add(&additional);
                        if !self.allocatable(&to_offer.total())
                            || self.is_filtered(now, fw, a, &to_offer)
                        {
                            continue;
                        }
                        let increased = guarantees_offering.plus(&additional);
                        unsatisfied = unsatisfied.minus_clamped(&increased);
                        consumed[role as usize].add(&increased);
                        required = required.minus_clamped(&guarantees_offering);
                        available = available.minus_clamped(&increased);
                        self.charge(fw, a, &to_offer);
                        Self::merge_offer(&mut made, &mut made_index, fw, a, to_offer);
                    }
                }
            }
            if self.agent_order == AgentOrder::Shuffle {
                // Mesos shuffles again before the second stage.
                self.agent_rng.shuffle(&mut agents);
            }
        } else if self.agent_order == AgentOrder::Shuffle {
            // The second shuffle happens whether or not stage 1 offered.
            self.agent_rng.shuffle(&mut agents);
        }

        // Stage 2: every role in policy order.
        let any_quota = self.roles.iter().any(|r| r.has_quota());
        for &a in &agents {
            if self.agents[a as usize].avail.is_empty() {
                continue;
            }
            let ag = &self.agents[a as usize];
            let key = (ag.version, self.sort_version);
            if !any_quota && ag.idle == Some(key) && now < ag.filters_valid_until {
                continue;
            }
            let made_before = made.len();
            self.stage2_agent(
                now,
                a,
                &mut role_order,
                &mut fw_order,
                &mut consumed,
                &required,
                &mut available,
                &mut made,
                &mut made_index,
            );
            if !any_quota && made.len() == made_before {
                let agent = &mut self.agents[a as usize];
                if now >= agent.filters_valid_until {
                    agent.drop_expired_filters(now);
                }
                agent.idle = Some((agent.version, self.sort_version));
            }
        }
        self.scratch_roles = role_order;
        self.scratch_fws = fw_order;
        self.scratch_made = made_index;
        self.finish_pass(now, made);
        true
    }

    /// Stage 2 of one pass on one agent: every role in policy order.
    #[allow(clippy::too_many_arguments)]
    fn stage2_agent(
        &mut self,
        now: Micros,
        a: AgentIdx,
        role_order: &mut Vec<ClientId>,
        fw_order: &mut Vec<ClientId>,
        consumed: &mut [Res],
        required: &Res,
        available: &mut Res,
        made: &mut Vec<(FwIdx, AgentIdx, Split)>,
        made_index: &mut MadeIndex,
    ) {
        self.role_sorter.sort(role_order);
        for &role in role_order.iter() {
            if self.agents[a as usize].avail.is_empty() {
                break;
            }
            // What the role may be offered here is the same for each of its
            // frameworks until one of them takes it (Mesos recomputes it per
            // framework; with one global min_allocatable the result is the
            // same), so it is computed once, and again after an offer.
            let Some(cand) = self.stage2_candidate(a, role, consumed, required, available) else {
                continue;
            };
            // Sorters that keep their order between calls are walked only up
            // to the first framework no filter blocks: a few steps per agent
            // instead of listing every framework of the role.
            let mut sorter = self.roles[role as usize]
                .sorter
                .take()
                .expect("role in the role sorter has a sorter");
            let cached = cand.0.revoc.is_empty() && self.prepare_blocked_cache(a, now, &cand.0);
            let walked = {
                let this = &*self;
                let agent = &this.agents[a as usize];
                sorter.first_where(&mut |fw| {
                    let blocked = if cached {
                        let cache = agent.blocked_cache.as_ref().expect("prepared");
                        let bit = test_bit(&cache.bits, fw);
                        // Test builds check every bit consulted against the
                        // filters themselves.
                        debug_assert_eq!(bit, Self::blocked_by(agent, fw, now, &cand.0));
                        bit
                    } else if cand.0.revoc.is_empty() {
                        Self::blocked_by(agent, fw, now, &cand.0)
                    } else {
                        this.offer_view(fw, &cand)
                            .is_none_or(|v| Self::blocked_by(agent, fw, now, &v.0))
                    };
                    !blocked
                })
            };
            self.roles[role as usize].sorter = Some(sorter);
            match walked {
                Some(None) => {}
                Some(Some(fw)) => {
                    let cand = if cand.0.revoc.is_empty() {
                        cand
                    } else {
                        self.offer_view(fw, &cand).expect("checked in the walk")
                    };
                    // Rarely the offer leaves something for the role (it
                    // was chopped by a limit or the headroom, or left the
                    // revocable part out). Mesos then goes on down the
                    // order it sorted before this offer, so that order is
                    // taken now, before the charge can move anyone. When
                    // the offer is all the role can have here, nothing is
                    // left and no order is needed.
                    let partial = cand.0 != self.available_for(a, role);
                    if partial {
                        self.roles[role as usize]
                            .sorter
                            .as_mut()
                            .expect("sorter")
                            .sort(fw_order);
                    }
                    self.stage2_offer(fw, a, role, cand, consumed, available, made, made_index);
                    if partial
                        && self
                            .stage2_candidate(a, role, consumed, required, available)
                            .is_some()
                    {
                        // The walk stopped at `fw`: every framework before
                        // it was filtered.
                        let at = fw_order.iter().position(|&x| x == fw).map_or(0, |p| p + 1);
                        fw_order.drain(..at);
                        self.stage2_frameworks(
                            now, a, role, fw_order, consumed, required, available, made, made_index,
                        );
                    }
                }
                None => {
                    self.roles[role as usize]
                        .sorter
                        .as_mut()
                        .expect("sorter")
                        .sort(fw_order);
                    self.stage2_frameworks(
                        now, a, role, fw_order, consumed, required, available, made, made_index,
                    );
                }
            }
        }
    }

    /// What `fw` may take of a role's candidate offer: all of it, or,
    /// for a framework without Mesos's REVOCABLE_RESOURCES capability,
    /// the candidate without its revocable part (None when that is not
    /// allocatable).
    fn offer_view(&self, fw: FwIdx, cand: &(Split, Res)) -> Option<(Split, Res)> {
        if self.frameworks[fw as usize].revocable || cand.0.revoc.is_empty() {
            return Some(cand.clone());
        }
        let view = cand.0.without_revocable();
        let ok = self.allocatable(&view.total());
        ok.then_some((view, cand.1))
    }

    /// Makes agent `a`'s `BlockedCache` answer for `offer` at `now`, when
    /// the agent has enough filters for it to pay; false when it does not
    /// (the caller searches the filters instead).
    fn prepare_blocked_cache(&mut self, a: AgentIdx, now: Micros, offer: &Split) -> bool {
        let frameworks = self.frameworks.len();
        let agent = &mut self.agents[a as usize];
        if agent.filters.len() < blocked_cache_threshold(a) {
            agent.blocked_cache = None;
            return false;
        }
        if now >= agent.filters_valid_until {
            agent.drop_expired_filters(now);
            if agent.filters.len() < blocked_cache_threshold(a) {
                return false;
            }
        }
        if let Some(cache) = agent.blocked_cache.as_ref() {
            if cache.offer == *offer {
                return true;
            }
        }
        let mut bits = vec![0u64; frameworks.div_ceil(64)];
        for f in &agent.filters {
            if f.active(now) && f.refused.contains(offer) {
                set_bit(&mut bits, f.framework);
            }
        }
        agent.blocked_cache = Some(Box::new(BlockedCache {
            offer: offer.clone(),
            bits,
        }));
        true
    }

    /// Is `fw` kept from being offered `offer` on this agent by a filter?
    fn blocked_by(agent: &Agent, fw: FwIdx, now: Micros, offer: &Split) -> bool {
        let lo = agent.filters.partition_point(|f| f.framework < fw);
        agent.filters[lo..]
            .iter()
            .take_while(|f| f.framework == fw)
            .any(|f| f.active(now) && f.refused.contains(offer))
    }

    /// The candidate offer for `role` on agent `a` in stage 2 (what it may
    /// get, chopped by its limit and the headroom), with its unreserved
    /// part; None when nothing allocatable is there for the role.
    fn stage2_candidate(
        &self,
        a: AgentIdx,
        role: RoleIdx,
        consumed: &[Res],
        required: &Res,
        available: &Res,
    ) -> Option<(Split, Res)> {
        let avail = self.available_for(a, role);
        if avail.is_empty() || !self.allocatable(&avail.total()) {
            return None;
        }
        let mut to_offer = Split {
            unres: Res::ZERO,
            resv: avail.resv.clone(),
            revoc: avail.revoc.clone(),
        };
        let mut additional = avail.unres;
        if let Some(l) = self.roles[role as usize].limit {
            additional = additional.shrink_to(&l.minus(&consumed[role as usize]));
        }
        if !required.is_empty() && !additional.is_empty() {
            additional = additional.min(&available.minus_clamped(required));
        }
        to_offer.unres = additional;
        if !self.allocatable(&to_offer.total()) {
            return None;
        }
        Some((to_offer, additional))
    }

    /// Makes the stage-2 offer `cand` to `fw` and books it.
    #[allow(clippy::too_many_arguments)]
    fn stage2_offer(
        &mut self,
        fw: FwIdx,
        a: AgentIdx,
        role: RoleIdx,
        cand: (Split, Res),
        consumed: &mut [Res],
        available: &mut Res,
        made: &mut Vec<(FwIdx, AgentIdx, Split)>,
        made_index: &mut MadeIndex,
    ) {
        let (to_offer, additional) = cand;
        if self.roles[role as usize].has_quota() {
            let top = self.roles[role as usize].top;
            consumed[role as usize].add(&additional);
            if top != role {
                consumed[top as usize].add(&additional);
            }
        }
        *available = available.minus_clamped(&additional);
        self.charge(fw, a, &to_offer);
        Self::merge_offer(made, made_index, fw, a, to_offer);
    }

    /// Stage 2 over a listed order of one role's frameworks (Mesos's loop).
    #[allow(clippy::too_many_arguments)]
    fn stage2_frameworks(
        &mut self,
        now: Micros,
        a: AgentIdx,
        role: RoleIdx,
        order: &[ClientId],
        consumed: &mut [Res],
        required: &Res,
        available: &mut Res,
        made: &mut Vec<(FwIdx, AgentIdx, Split)>,
        made_index: &mut MadeIndex,
    ) {
        let mut candidate: Option<(Split, Res)> = None;
        for &fw in order {
            if candidate.is_none() {
                let Some(c) = self.stage2_candidate(a, role, consumed, required, available) else {
                    break;
                };
                self.stamp = self.stamp.wrapping_add(1);
                if self.stamp == 0 {
                    self.blocked.iter_mut().for_each(|b| *b = 0);
                    self.stamp = 1;
                }
                let stamp = self.stamp;
                self.mark_blocked(now, a, &c.0, stamp);
                candidate = Some(c);
            }
            let c = candidate.as_ref().expect("computed above");
            if c.0.revoc.is_empty() {
                if self.blocked[fw as usize] == self.stamp {
                    continue;
                }
                let c = candidate.take().expect("computed above");
                self.stage2_offer(fw, a, role, c, consumed, available, made, made_index);
            } else {
                // Revocable resources on the agent: what each framework
                // may take depends on its capability.
                let Some(view) = self.offer_view(fw, c) else {
                    continue;
                };
                if Self::blocked_by(&self.agents[a as usize], fw, now, &view.0) {
                    continue;
                }
                candidate = None;
                self.stage2_offer(fw, a, role, view, consumed, available, made, made_index);
            }
        }
    }

    /// Orders a pass's offers and makes them live (not yet answered).
    fn finish_pass(&mut self, now: Micros, mut made: Vec<(FwIdx, AgentIdx, Split)>) {
        // Frameworks answer at the time of the offer. The replay peer makes
        // and answers a pass's offers by agent (join order), then by
        // framework name; so does mesosim, so that a framework offered two
        // agents in one pass fills them in the same order as Mesos.
        // An index is sorted, not the offers themselves: moving a Split
        // entry per comparison was a visible memmove in the profile.
        // Keys are unique (one entry per (framework, agent), framework
        // names are unique), so an unstable sort gives the one order.
        let mut order: Vec<(u64, u32)> = made
            .iter()
            .enumerate()
            .map(|(i, (fw, a, _))| {
                let key = (u64::from(*a) << 32) | u64::from(self.name_rank[*fw as usize]);
                (key, i as u32)
            })
            .collect();
        order.sort_unstable();
        for (_, i) in order {
            let (fw, a) = (made[i as usize].0, made[i as usize].1);
            let part = std::mem::take(&mut made[i as usize].2);
            if !part.revoc.is_empty() {
                self.revocable_offers += 1;
            }
            self.live.insert(
                self.next_offer,
                Box::new(Offer {
                    framework: fw,
                    agent: a,
                    made_us: now,
                    resources: part,
                    outcome: Outcome::Outstanding,
                    tasks_launched: 0,
                }),
            );
            self.next_offer += 1;
        }
    }

    fn merge_offer(
        made: &mut Vec<(FwIdx, AgentIdx, Split)>,
        index: &mut MadeIndex,
        fw: FwIdx,
        a: AgentIdx,
        part: Split,
    ) {
        match index.get(made, fw, a) {
            Some(i) => made[i].2.add(&part),
            None => {
                index.insert(a, made.len());
                made.push((fw, a, part));
            }
        }
    }

    /// The framework model answers an offer.
    fn answer_offer(&mut self, now: Micros, id: u64) {
        self.answer_offer_with(now, id, None);
    }

    /// Answers an offer, part of which may already have launched a rigid
    /// job (`pre`: what is left of it and how many tasks it launched).
    fn answer_offer_with(&mut self, now: Micros, id: u64, pre: Option<(Split, u64)>) {
        let fw = self.live[&id].framework;
        match self.frameworks[fw as usize].behavior {
            Behavior::Hold => {
                self.frameworks[fw as usize].outstanding.push(id);
                if let Some(t) = self.offer_timeout_us {
                    self.effects.push(Effect::OfferTimeout {
                        offer: id,
                        at_us: now.saturating_add(t),
                    });
                }
            }
            Behavior::Decline => {
                let o = &self.live[&id];
                let (a, part) = (o.agent, o.resources.clone());
                self.finish_offer(id, Outcome::Declined);
                self.decline(now, fw, a, &part);
            }
            Behavior::Greedy => {
                let a = self.live[&id].agent;
                let (mut left, before) =
                    pre.unwrap_or_else(|| (self.live[&id].resources.clone(), 0));
                let launched = before + self.launch_fitting(now, fw, a, &mut left);
                let f = &self.frameworks[fw as usize];
                if f.suppress_when_idle && f.pending_tasks == 0 && !f.suppressed {
                    self.suppress(fw);
                }
                if let Some(o) = self.live.get_mut(&id) {
                    o.tasks_launched = launched as u32;
                }
                let outcome = if launched > 0 {
                    Outcome::Accepted
                } else {
                    Outcome::Declined
                };
                self.finish_offer(id, outcome);
                self.decline(now, fw, a, &left);
            }
        }
    }

    /// Launches the framework's pending tasks that fit in `left`, in
    /// submission order, as its `fit` says; `left` keeps what is unused.
    fn launch_fitting(&mut self, now: Micros, fw: FwIdx, a: AgentIdx, left: &mut Split) -> u64 {
        let fit = self.frameworks[fw as usize].fit;
        let mut launched = 0u64;
        let mut gi = 0usize;
        // No pending task fits in less than the componentwise minimum of
        // the pending tasks: a quick way out for the leftovers of a busy
        // cluster, where scanning every pending job would dominate a
        // trace replay.
        let floor = self.min_demand(fw);
        let revocable = self.frameworks[fw as usize].revocable;
        while gi < self.frameworks[fw as usize].pending.len() {
            let left_total = left.total();
            if !left_total.contains(&floor) {
                break;
            }
            let group = self.frameworks[fw as usize].pending[gi];
            let res = self.jobs[group.job as usize].resources;
            // Regular resources first; a framework with `revocable = true`
            // puts the tasks that do not fit there on the offer's
            // revocable resources, whole tasks only (docs/isolation.md).
            let regular = left.regular_total();
            let mut n = if regular.contains(&res) {
                regular.fits_times(&res).min(group.remaining)
            } else {
                0
            };
            // A rigid job starts whole or not at all: in offers mode, all
            // of it in this one offer.
            let job = &self.jobs[group.job as usize];
            if job.gang && group.remaining == job.tasks && n < group.remaining {
                n = 0;
            }
            for k in 0..n {
                let t = group.next_task + k;
                self.start_task(now, t, a, res, left, false);
            }
            if revocable && n < group.remaining && left.revoc.contains(&res) {
                let m = left.revoc.fits_times(&res).min(group.remaining - n);
                for k in 0..m {
                    let t = group.next_task + n + k;
                    self.start_task(now, t, a, res, left, true);
                }
                n += m;
            }
            launched += n;
            let f = &mut self.frameworks[fw as usize];
            f.pending_tasks -= n;
            if n == group.remaining {
                f.pending.remove(gi);
                // The floor only rises when a job leaves; recompute later.
                f.min_demand = None;
            } else {
                let g = &mut f.pending[gi];
                g.next_task += n;
                g.remaining -= n;
                if fit == Fit::Stop {
                    break;
                }
                gi += 1;
            }
        }
        if launched > 0 {
            self.update_demand(fw);
        }
        launched
    }

    /// The componentwise minimum of the framework's pending task shapes
    /// (all zero when nothing is pending), cached until a job leaves.
    fn min_demand(&mut self, fw: FwIdx) -> Res {
        if let Some(m) = self.frameworks[fw as usize].min_demand {
            return m;
        }
        let f = &self.frameworks[fw as usize];
        let mut m: Option<Res> = None;
        for g in &f.pending {
            let r = self.jobs[g.job as usize].resources;
            m = Some(match m {
                None => r,
                Some(x) => x.min(&r),
            });
        }
        let m = m.unwrap_or(Res::ZERO);
        self.frameworks[fw as usize].min_demand = Some(m);
        m
    }

    /// Starts task `t` on agent `a`, drawing its resources from `from`
    /// (reservations first, as Mesos's frameworks in `replay` do; from
    /// its revocable part alone when `revocable`).
    fn start_task(
        &mut self,
        now: Micros,
        t: TaskId,
        a: AgentIdx,
        res: Res,
        from: &mut Split,
        revocable: bool,
    ) {
        let mut resv_taken: Vec<(RoleIdx, Res)> = Vec::new();
        if revocable {
            from.revoc.sub(&res);
            debug_assert!(from.revoc.non_negative());
            self.revocable_launches += 1;
        } else {
            let mut need = res;
            for (rr, r) in from.resv.iter_mut() {
                let take = need.min(r);
                if !take.is_empty() {
                    r.sub(&take);
                    need.sub(&take);
                    resv_taken.push((*rr, take));
                }
            }
            from.resv.retain(|(_, r)| !r.is_empty());
            from.unres.sub(&need);
            debug_assert!(from.unres.non_negative());
        }
        let job = self.tasks[t as usize].job;
        let fw = self.jobs[job as usize].framework;
        let duration = self.jobs[job as usize].duration_us;
        let slot = self.agents[a as usize].tasks.len() as u32;
        self.agents[a as usize].tasks.push(t);
        let task = &mut self.tasks[t as usize];
        task.agent = a;
        task.start_us = now;
        task.state = TaskState::Running;
        task.slot = slot;
        task.revocable = revocable;
        if !resv_taken.is_empty() {
            self.task_resv.insert(t, resv_taken);
        }
        self.frameworks[fw as usize].running_tasks += 1;
        self.track_task_alloc(t, &res, true);
        self.mark_changed(fw);
        self.last_progress_us = now;
        if let Some(iso) = self.iso.as_deref_mut() {
            // Accounting decides when the task ends (its agent's timer).
            // The machine's capacity: its regular resources.
            let capacity = self.agents[a as usize].total.regular_total();
            iso.task_started(now, t, a, &capacity, job, &res, duration, revocable);
            if duration.is_some() {
                self.running_finite += 1;
            }
        } else if let Some(d) = duration {
            self.running_finite += 1;
            self.effects.push(Effect::TaskEnds {
                task: t,
                at_us: now.saturating_add(d),
            });
        }
    }

    // ----- tasks mode ----------------------------------------------------

    /// Centralised scheduling (DRF's progressive filling): repeatedly give
    /// one task to the first framework in policy order that has a pending
    /// task fitting on some agent, until none does. With `when_blocked =
    /// "stop"` the round ends at the first framework in order whose next
    /// task fits nowhere (the paper's Algorithm 1). Returns tasks placed.
    pub fn schedule_tasks(&mut self, now: Micros) -> u64 {
        if !self.tasks_dirty || !self.allocating() {
            return 0;
        }
        self.tasks_dirty = false;
        // Placement rules break ties by the lowest agent index (join
        // order); `agent_order` is an offers-mode setting.
        let order: Vec<AgentIdx> = (0..self.agents.len() as AgentIdx)
            .filter(|&a| self.is_free(a))
            .collect();
        if self.preemption.is_some() {
            return self.schedule_listed(now, &order);
        }
        self.sched_epoch = self.sched_epoch.wrapping_add(1);
        if self.sched_epoch == 0 {
            self.sched_skip.iter_mut().for_each(|e| *e = 0);
            self.group_hint.iter_mut().for_each(|h| *h = (0, 0));
            self.sched_epoch = 1;
        }
        let epoch = self.sched_epoch;
        if self.idle_out {
            let mut changed = std::mem::take(&mut self.pending_changed);
            changed.sort_unstable();
            changed.dedup();
            for &fw in &changed {
                let f = &self.frameworks[fw as usize];
                if f.in_sort {
                    if f.pending_tasks > 0 {
                        self.fw_sorter(fw).activate(fw);
                    } else {
                        self.fw_sorter(fw).deactivate(fw);
                    }
                }
            }
            changed.clear();
            self.pending_changed = changed;
        }
        if self.sched_skip.len() < self.frameworks.len() {
            self.sched_skip.resize(self.frameworks.len(), 0);
            self.group_hint.resize(self.frameworks.len(), (0, 0));
        }
        let mut role_order = std::mem::take(&mut self.scratch_roles);
        let mut fw_order = std::mem::take(&mut self.scratch_fws);
        let mut placed = 0u64;
        // The same picks as `schedule_listed`, without listing every
        // framework per pick: the walk passes only frameworks not yet
        // found unable to place in this call (without preemption nothing
        // frees resources within a call, so such a framework would be
        // passed over again at every later pick).
        'pick: loop {
            self.role_sorter.sort(&mut role_order);
            for &role in &role_order {
                loop {
                    let mut sorter = self.roles[role as usize]
                        .sorter
                        .take()
                        .expect("role in the role sorter has a sorter");
                    let (skip, frameworks) = (&self.sched_skip, &self.frameworks);
                    // Frameworks with nothing to place are passed in the
                    // walk itself (what `place_one` would find first).
                    let walked = sorter.first_where(&mut |fw| {
                        let f = &frameworks[fw as usize];
                        skip[fw as usize] != epoch
                            && f.registered
                            && f.active
                            && f.pending_tasks > 0
                    });
                    self.roles[role as usize].sorter = Some(sorter);
                    let fw = match walked {
                        Some(Some(fw)) => fw,
                        Some(None) => break,
                        None => {
                            // A sorter without a walk: Mesos-style listing.
                            self.roles[role as usize]
                                .sorter
                                .as_mut()
                                .expect("sorter")
                                .sort(&mut fw_order);
                            for &fw in &fw_order {
                                match self.place_one(now, fw, &order) {
                                    Placed::Yes => {
                                        placed += 1;
                                        continue 'pick;
                                    }
                                    Placed::NothingPending => {}
                                    Placed::Blocked => {
                                        if self.when_blocked == WhenBlocked::Stop {
                                            break 'pick;
                                        }
                                    }
                                }
                            }
                            break;
                        }
                    };
                    match self.place_one(now, fw, &order) {
                        Placed::Yes => {
                            placed += 1;
                            continue 'pick;
                        }
                        Placed::NothingPending => self.sched_skip[fw as usize] = epoch,
                        Placed::Blocked => {
                            if self.when_blocked == WhenBlocked::Stop {
                                break 'pick;
                            }
                            self.sched_skip[fw as usize] = epoch;
                        }
                    }
                }
            }
            break;
        }
        self.scratch_roles = role_order;
        self.scratch_fws = fw_order;
        placed
    }

    /// `schedule_tasks` as written in the papers: at every pick, list the
    /// frameworks in policy order and try each. Used with preemption,
    /// which frees resources within a call (a framework blocked at one
    /// pick may place, or preempt, at the next).
    fn schedule_listed(&mut self, now: Micros, order: &[AgentIdx]) -> u64 {
        let mut role_order = std::mem::take(&mut self.scratch_roles);
        let mut fw_order = std::mem::take(&mut self.scratch_fws);
        let mut placed = 0u64;
        'pick: loop {
            self.role_sorter.sort(&mut role_order);
            for &role in &role_order {
                self.roles[role as usize]
                    .sorter
                    .as_mut()
                    .expect("role in the role sorter has a sorter")
                    .sort(&mut fw_order);
                for &fw in &fw_order {
                    match self.place_one(now, fw, order) {
                        Placed::Yes => {
                            placed += 1;
                            continue 'pick;
                        }
                        Placed::NothingPending => {}
                        Placed::Blocked => {
                            if self.preemption.is_some() && self.preempt_for(now, fw) {
                                placed += 1;
                                continue 'pick;
                            }
                            if self.when_blocked == WhenBlocked::Stop {
                                break 'pick;
                            }
                        }
                    }
                }
            }
            break;
        }
        self.scratch_roles = role_order;
        self.scratch_fws = fw_order;
        placed
    }

    /// Places the framework's next task (by its `fit`) on an agent chosen
    /// by the placement rule, within its top role's quota limit.
    fn place_one(&mut self, now: Micros, fw: FwIdx, order: &[AgentIdx]) -> Placed {
        let f = &self.frameworks[fw as usize];
        if !f.registered || !f.active || f.pending_tasks == 0 {
            return Placed::NothingPending;
        }
        let role = f.role;
        let fit = f.fit;
        let top = self.roles[role as usize].top;
        let limit_room = self.roles[top as usize].limit.map(|l| {
            let r = &self.roles[top as usize];
            l.minus(&r.reserved_subtree.plus(&r.unres_alloc_subtree))
        });
        // Nothing fits anywhere if no agent has, in some resource, what
        // the framework's smallest pending shape asks: one comparison
        // instead of a pass over its pending jobs (the Alibaba replay
        // keeps thousands queued per framework). Without preemption
        // only, where `min_demand` never runs stale-high.
        if self.preemption.is_none() {
            if let Some(max_free) = self.free_tree.as_ref().map(|t| t.max_free()) {
                if !max_free.contains(&self.min_demand(fw)) {
                    return Placed::Blocked;
                }
            }
        }
        // Groups before the hint did not fit earlier in this call (only
        // without preemption, see `sched_skip`).
        let hinted = self.preemption.is_none()
            && self
                .group_hint
                .get(fw as usize)
                .is_some_and(|h| h.0 == self.sched_epoch);
        let first = if hinted {
            self.group_hint[fw as usize].1 as usize
        } else {
            0
        };
        for gi in first..self.frameworks[fw as usize].pending.len() {
            let group = self.frameworks[fw as usize].pending[gi];
            let res = self.jobs[group.job as usize].resources;
            let job = &self.jobs[group.job as usize];
            let gang = job.gang && group.remaining == job.tasks && group.remaining > 1;
            let placed_at = if gang {
                self.place_gang(now, fw, gi, role, limit_room.as_ref(), order)
            } else if let Some(a) = self.choose_agent(role, &res, limit_room.as_ref(), order) {
                self.place_on(now, fw, gi, a);
                true
            } else {
                false
            };
            if placed_at {
                if self.preemption.is_none() {
                    if let Some(h) = self.group_hint.get_mut(fw as usize) {
                        *h = (self.sched_epoch, gi as u32);
                    }
                }
                return Placed::Yes;
            }
            if fit == Fit::Stop {
                return Placed::Blocked;
            }
        }
        Placed::Blocked
    }

    /// Tasks mode, a rigid job: places all of pending group `gi`'s tasks
    /// at once (each on the first agent in `order` with room left, after
    /// the ones before it), or none. Returns true if it placed them.
    fn place_gang(
        &mut self,
        now: Micros,
        fw: FwIdx,
        gi: usize,
        role: RoleIdx,
        limit_room: Option<&Limits>,
        order: &[AgentIdx],
    ) -> bool {
        let group = self.frameworks[fw as usize].pending[gi];
        let res = self.jobs[group.job as usize].resources;
        let n = group.remaining;
        if let Some(room) = limit_room {
            let mut all = Res::ZERO;
            for _ in 0..n {
                all.add(&res);
            }
            if all.shrink_to(room) != all {
                return false;
            }
        }
        // Per agent: resources free and, with a slot policy, slots free
        // and the slots one task takes there.
        let mut free: Vec<(AgentIdx, Res, u64, u64)> = order
            .iter()
            .map(|&a| {
                let slots_free = match self.slots_per_agent {
                    Some(k) => (k as u64).saturating_sub(self.agents[a as usize].slots_used),
                    None => u64::MAX,
                };
                let need = self.slots_on(a, &res);
                (a, self.available_for(a, role).total(), slots_free, need)
            })
            .collect();
        let mut plan: Vec<AgentIdx> = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let Some(slot) = free
                .iter_mut()
                .find(|(_, f, sf, need)| f.contains(&res) && need <= sf)
            else {
                return false;
            };
            slot.1.sub(&res);
            slot.2 -= slot.3;
            plan.push(slot.0);
        }
        for a in plan {
            let gi_now = self.frameworks[fw as usize]
                .pending
                .iter()
                .position(|g| g.job == group.job)
                .expect("the gang's group is pending");
            self.place_on(now, fw, gi_now, a);
        }
        true
    }

    /// Starts the next task of pending group `gi` on agent `a` and charges
    /// what it drew.
    fn place_on(&mut self, now: Micros, fw: FwIdx, gi: usize, a: AgentIdx) {
        let role = self.frameworks[fw as usize].role;
        let group = self.frameworks[fw as usize].pending[gi];
        let res = self.jobs[group.job as usize].resources;
        let mut offer = self.available_for(a, role);
        let before = offer.clone();
        self.start_task(now, group.next_task, a, res, &mut offer, false);
        let mut used = before;
        used.unres.sub(&offer.unres);
        for (rr, r) in used.resv.iter_mut() {
            let rest = offer
                .resv
                .iter()
                .find(|(x, _)| x == rr)
                .map(|(_, v)| *v)
                .unwrap_or(Res::ZERO);
            r.sub(&rest);
        }
        used.resv.retain(|(_, r)| !r.is_empty());
        self.charge(fw, a, &used);
        let f = &mut self.frameworks[fw as usize];
        f.pending_tasks -= 1;
        let g = &mut f.pending[gi];
        g.next_task += 1;
        g.remaining -= 1;
        if g.remaining == 0 {
            f.pending.remove(gi);
            f.min_demand = None;
        }
        self.update_demand(fw);
    }

    /// The agent a task of `res` for `role` goes to, or None if it fits
    /// nowhere. Candidates are visited in `order`; ties go to the earlier.
    /// Can a task of `res` of `role` go on agent `a`: it fits in what the
    /// role may use there, a slot policy has its slots free, and the
    /// unreserved part it would draw stays within the quota room.
    fn fits_on(&self, a: AgentIdx, role: RoleIdx, res: &Res, limit_room: Option<&Limits>) -> bool {
        let avail = self.available_for(a, role);
        if !avail.total().contains(res) || !self.admits(a, res) {
            return false;
        }
        let Some(room) = limit_room else {
            return true;
        };
        let mut unres_need = *res;
        for (_, r) in &avail.resv {
            unres_need = unres_need.minus_clamped(r);
        }
        unres_need.shrink_to(room) == unres_need
    }

    fn choose_agent(
        &mut self,
        role: RoleIdx,
        res: &Res,
        limit_room: Option<&Limits>,
        order: &[AgentIdx],
    ) -> Option<AgentIdx> {
        if self.placement_rule.is_none() && self.placement == Placement::FirstFit {
            if let Some(tree) = self.free_tree.as_ref() {
                // The lowest index in `order` (ascending) that fits: the
                // index gives the candidates in index order, skipping
                // subtrees where nothing can fit.
                let found = tree.first_fit(res, &mut |a| {
                    let a = a as AgentIdx;
                    order.binary_search(&a).is_ok() && self.fits_on(a, role, res, limit_room)
                });
                return found.map(|a| a as AgentIdx);
            }
        }
        let total = self.total;
        let norm = |v: i64, t: i64| if t > 0 { v as f64 / t as f64 } else { 0.0 };
        let mut best: Option<(f64, AgentIdx)> = None;
        let mut fitting: Vec<AgentIdx> = Vec::new();
        for &a in order {
            if !self.fits_on(a, role, res, limit_room) {
                continue;
            }
            let free = self.available_for(a, role).total();
            let score = match (self.placement_rule, self.placement) {
                (Some(PlacementRule::ShapeBestFit), _) => {
                    // L1 distance between the shapes (each normalised by
                    // the cluster totals, then scaled to sum 1).
                    let f: Vec<f64> = (0..MAX_RES).map(|i| norm(free.0[i], total.0[i])).collect();
                    let d: Vec<f64> = (0..MAX_RES).map(|i| norm(res.0[i], total.0[i])).collect();
                    let fs: f64 = f.iter().sum();
                    let ds: f64 = d.iter().sum();
                    let mut dist = 0.0;
                    for i in 0..MAX_RES {
                        let x = if fs > 0.0 { f[i] / fs } else { 0.0 };
                        let y = if ds > 0.0 { d[i] / ds } else { 0.0 };
                        dist += (x - y).abs();
                    }
                    dist
                }
                (Some(PlacementRule::Alignment), _) => {
                    let cap = self.agents[a as usize].total.total();
                    let mut dot = 0.0;
                    for i in 0..MAX_RES {
                        dot += norm(free.0[i], cap.0[i]) * norm(res.0[i], cap.0[i]);
                    }
                    -dot
                }
                (None, Placement::FirstFit) => return Some(a),
                (None, Placement::BestFit) => {
                    let mut left = 0.0;
                    for i in 0..MAX_RES {
                        left += norm(free.0[i] - res.0[i], total.0[i]);
                    }
                    left
                }
                (None, Placement::WorstFit) => {
                    let mut left = 0.0;
                    for i in 0..MAX_RES {
                        left += norm(free.0[i], total.0[i]);
                    }
                    -left
                }
                (None, Placement::Random) => {
                    fitting.push(a);
                    continue;
                }
            };
            if best.is_none_or(|(b, _)| score < b) {
                best = Some((score, a));
            }
        }
        if !fitting.is_empty() {
            let k = self.place_rng.below(fitting.len() as u64) as usize;
            return Some(fitting[k]);
        }
        best.map(|(_, a)| a)
    }

    // ----- views for the engine and reports -----------------------------

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn total(&self) -> Res {
        self.total
    }

    /// The pool without revocable resources (the machines' capacity).
    pub fn regular_total(&self) -> Res {
        self.total.minus(&self.total_revocable)
    }

    pub fn task_alloc(&self) -> Res {
        self.total_task_alloc
    }

    pub fn framework_count(&self) -> usize {
        self.frameworks.len()
    }

    pub fn framework_charge(&self, fw: FwIdx) -> Res {
        self.frameworks[fw as usize].charge
    }

    pub fn framework_running(&self, fw: FwIdx) -> u64 {
        self.frameworks[fw as usize].running_tasks
    }

    pub fn framework_weight(&self, fw: FwIdx) -> f64 {
        self.roles[self.frameworks[fw as usize].role as usize].weight
    }

    pub fn pending_tasks(&self) -> u64 {
        self.frameworks.iter().map(|f| f.pending_tasks).sum()
    }

    /// True while some running task will end by itself.
    pub fn running_finite_tasks(&self) -> bool {
        self.running_finite > 0
    }

    pub fn max_filter_lifetime_us(&self) -> Micros {
        self.frameworks
            .iter()
            .map(|f| f.refuse_us)
            .max()
            .unwrap_or(0)
            .max(self.interval_us)
    }

    pub fn agent_names(&self) -> Vec<String> {
        self.agents.iter().map(|a| a.name.clone()).collect()
    }

    /// Every recorded offer (outstanding ones included), by id; the rows
    /// move out (a long run holds millions, no copy is made).
    pub fn take_offer_rows(&mut self) -> Vec<OfferRow> {
        let mut rows = std::mem::take(&mut self.offer_rows);
        if self.record_offers {
            rows.extend(self.live.iter().map(|(&id, o)| Self::offer_row(id, o)));
        }
        rows.sort_by_key(|r| r.offer_id);
        rows
    }

    pub fn task_rows(&self) -> Vec<TaskRow> {
        self.tasks
            .iter()
            .map(|t| TaskRow {
                job: t.job,
                agent: t.agent,
                submit_us: self.jobs[t.job as usize].submit_us,
                start_us: t.start_us(),
                end_us: t.end_us(),
                state: t.state,
            })
            .collect()
    }

    /// Checks the books: on every agent, available plus what is charged to
    /// frameworks equals its total, and nothing is negative. Err describes
    /// the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.check_slots()?;
        let mut charged_sum = Res::ZERO;
        for (i, agent) in self.agents.iter().enumerate() {
            if !agent.active {
                continue;
            }
            if !agent.avail.unres.non_negative()
                || !agent.avail.revoc.non_negative()
                || agent.avail.resv.iter().any(|(_, r)| !r.non_negative())
            {
                return Err(format!(
                    "agent {} ({}) is offered or allocated more than it has: available {:?}",
                    i, agent.name, agent.avail
                ));
            }
            let mut sum = agent.avail.clone();
            for (fw, u) in &agent.usage {
                if !u.unres.non_negative() {
                    return Err(format!("agent {}: negative usage {:?}", agent.name, u));
                }
                sum.add(u);
                if self.frameworks[*fw as usize].registered {
                    charged_sum.add(&u.total());
                }
            }
            if sum.total() != agent.total.total()
                || sum.unres != agent.total.unres
                || sum.revoc != agent.total.revoc
            {
                return Err(format!(
                    "agent {}: available + charged {:?} != total {:?}",
                    agent.name, sum, agent.total
                ));
            }
        }
        let revocable_sum = self
            .agents
            .iter()
            .filter(|a| a.active)
            .fold(Res::ZERO, |acc, a| acc.plus(&a.total.revoc));
        if revocable_sum != self.total_revocable {
            return Err(format!(
                "revocable on agents {:?} != allocator total {:?}",
                revocable_sum, self.total_revocable
            ));
        }
        if charged_sum != self.total_charged {
            return Err(format!(
                "charged on agents {:?} != allocator total {:?}",
                charged_sum, self.total_charged
            ));
        }
        let fw_sum = self
            .frameworks
            .iter()
            .fold(Res::ZERO, |acc, f| acc.plus(&f.charge));
        if fw_sum != self.total_charged {
            return Err(format!(
                "framework charges {:?} != allocator total {:?}",
                fw_sum, self.total_charged
            ));
        }
        self.check_accounting()
    }

    /// Offers made so far.
    pub fn offer_count(&self) -> usize {
        self.next_offer as usize
    }

    /// Outstanding offers' count (for tests).
    pub fn outstanding_offers(&self) -> usize {
        self.frameworks.iter().map(|f| f.outstanding.len()).sum()
    }
}
