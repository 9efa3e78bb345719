//! The validated scenario model the engine runs.
//!
//! `workloads` turns a scenario file into a [`Spec`] (checking every key and
//! value); the engine trusts it. Times are integer microseconds, resources
//! are [`Res`] in thousandths, and every cross reference (an event's
//! framework or agent) is already resolved to an index.

use std::collections::BTreeMap;

use crate::resources::{Limits, Res, ResourceNames};

/// Microseconds of virtual time.
pub type Micros = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Mesos two-level scheduling: coarse offers of whole agents per pass.
    Offers,
    /// Centralised: one task at a time to the framework the policy picks.
    Tasks,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Offers => "offers",
            Mode::Tasks => "tasks",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentOrder {
    /// A seeded random order per pass (twice: quota stage, then the rest).
    Shuffle,
    /// Join order; no randomness.
    Joined,
}

impl AgentOrder {
    pub fn name(self) -> &'static str {
        match self {
            AgentOrder::Shuffle => "shuffle",
            AgentOrder::Joined => "joined",
        }
    }
}

/// Tasks mode: which agent a picked task goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// The lowest agent index where the task fits.
    FirstFit,
    /// The least normalised free resource left after placing.
    BestFit,
    /// The largest sum of normalised free resources.
    WorstFit,
    /// A uniformly random agent among those where it fits (policy stream).
    Random,
}

impl Placement {
    pub fn name(self) -> &'static str {
        match self {
            Placement::FirstFit => "first-fit",
            Placement::BestFit => "best-fit",
            Placement::WorstFit => "worst-fit",
            Placement::Random => "random",
        }
    }
}

/// Tasks mode: what happens when the picked framework's next task fits
/// nowhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenBlocked {
    /// Leave that framework out of this round and go on with the others.
    Skip,
    /// End the round (the DRF paper's Algorithm 1).
    Stop,
}

/// How equal shares are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TieBreak {
    /// Fewer allocations first, then name (Mesos).
    Allocations,
    /// Name alone (a fixed order, as the papers assume).
    Name,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behavior {
    /// Launch the pending tasks that fit, decline the rest.
    Greedy,
    /// Never answer offers.
    Hold,
    /// Decline every offer.
    Decline,
}

impl Behavior {
    pub fn name(self) -> &'static str {
        match self {
            Behavior::Greedy => "greedy",
            Behavior::Hold => "hold",
            Behavior::Decline => "decline",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Skip a pending task that does not fit and try the next.
    Skip,
    /// Stop at the first pending task that does not fit (head of line).
    Stop,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AllocatorSpec {
    pub policy: String,
    pub mode: Mode,
    pub interval_us: Micros,
    pub refuse_us: Micros,
    /// Any one entry met makes an offer allocatable (Mesos's `|`); inside an
    /// entry every named quantity must be met (`;`). Empty list: anything.
    pub min_allocatable: Vec<Res>,
    /// None: offers never time out.
    pub offer_timeout_us: Option<Micros>,
    pub agent_order: AgentOrder,
    /// Tasks mode: where a picked task goes.
    pub placement: Placement,
    /// Tasks mode: skip a blocked framework or end the round.
    pub when_blocked: WhenBlocked,
    pub tie_break: TieBreak,
    /// Per-policy parameters: `[allocator.NAME] key = number`.
    pub params: BTreeMap<String, BTreeMap<String, f64>>,
}

impl AllocatorSpec {
    /// A parameter of policy `policy`, if the scenario set it.
    pub fn param(&self, policy: &str, key: &str) -> Option<f64> {
        self.params.get(policy).and_then(|t| t.get(key)).copied()
    }
}

impl Default for AllocatorSpec {
    fn default() -> Self {
        let mut cpus = Res::ZERO;
        cpus.0[crate::resources::CPUS] = 10;
        let mut mem = Res::ZERO;
        mem.0[crate::resources::MEM] = 32_000;
        AllocatorSpec {
            policy: "drf".into(),
            mode: Mode::Offers,
            interval_us: 1_000_000,
            refuse_us: 5_000_000,
            min_allocatable: vec![cpus, mem],
            offer_timeout_us: None,
            agent_order: AgentOrder::Shuffle,
            placement: Placement::FirstFit,
            when_blocked: WhenBlocked::Skip,
            tie_break: TieBreak::Allocations,
            params: BTreeMap::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RoleSpec {
    pub name: String,
    pub weight: f64,
    pub guarantee: Option<Res>,
    pub limit: Option<Limits>,
    /// Capacity Scheduler queue settings (percent), for policies that use
    /// them.
    pub capacity: Option<f64>,
    pub max_capacity: Option<f64>,
    pub minimum_user_limit_percent: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AgentSpec {
    /// The expanded name (`m-3` for count > 1).
    pub name: String,
    /// Total resources, reservations included.
    pub resources: Res,
    /// Static reservations: role name -> resources (part of `resources`).
    pub reserved: Vec<(String, Res)>,
    pub attributes: Vec<(String, String)>,
    pub at_us: Micros,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JobSpec {
    pub name: String,
    pub at_us: Micros,
    pub tasks: u64,
    pub resources: Res,
    /// None: runs forever.
    pub duration_us: Option<Micros>,
    /// Overrides the framework's priority.
    pub priority: Option<i64>,
    /// Rigid (gang): all its tasks start together or none does.
    pub gang: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FrameworkSpec {
    pub name: String,
    pub role: String,
    pub at_us: Micros,
    pub behavior: Behavior,
    pub refuse_us: Micros,
    pub fit: Fit,
    pub partition_aware: bool,
    /// Priority band (higher is more important), for priority policies.
    pub priority: i64,
    /// Mesos's `FrameworkInfo.failover_timeout`: how long the master keeps
    /// a disconnected framework's tasks before removing it (default 0).
    pub failover_timeout_us: Micros,
    /// Greedy only: SUPPRESS when nothing is pending, REVIVE when work
    /// arrives (what well-behaved Mesos frameworks do; trace replays turn
    /// it on so that idle frameworks do not decline offers for hours).
    pub suppress_when_idle: bool,
    pub jobs: Vec<JobSpec>,
}

impl FrameworkSpec {
    /// A framework a trace or a synthetic model generates: role `*`, there
    /// from the start, greedy, suppressing offers when idle and reviving
    /// when work comes, declining with `refuse_us`.
    pub fn generated(name: String, refuse_us: Micros, jobs: Vec<JobSpec>) -> FrameworkSpec {
        FrameworkSpec {
            name,
            role: "*".into(),
            at_us: 0,
            behavior: Behavior::Greedy,
            refuse_us,
            fit: Fit::Skip,
            partition_aware: false,
            priority: 0,
            failover_timeout_us: 0,
            suppress_when_idle: true,
            jobs,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    SetWeight {
        role: String,
        weight: f64,
    },
    /// A missing guarantee or limit is cleared.
    SetQuota {
        role: String,
        guarantee: Option<Res>,
        limit: Option<Limits>,
    },
    Suppress {
        framework: usize,
    },
    Revive {
        framework: usize,
    },
    Deactivate {
        framework: usize,
    },
    Activate {
        framework: usize,
    },
    /// By expanded agent name: one of `Spec::agents` or an agent added by
    /// an earlier `AddAgent` event.
    RemoveAgent {
        agent: String,
    },
    /// A new agent (not in `Spec::agents`), joining at the event's time.
    AddAgent {
        agent: AgentSpec,
    },
    /// The agent's host crashes: its tasks die with it; the master notices
    /// through missed pings. With `restart_after` the host comes back and
    /// registers as a new agent.
    FailAgent {
        agent: String,
        restart_after_us: Option<Micros>,
    },
    /// The network between master and agent breaks; the agent and its
    /// tasks keep running. With `heal_after` the link comes back.
    PartitionAgent {
        agent: String,
        heal_after_us: Option<Micros>,
    },
    /// Mesos's DRAIN_AGENT: no more offers, running tasks killed, the agent
    /// stays deactivated (drained).
    DrainAgent {
        agent: String,
    },
    /// The scheduler's connection drops; after the framework's
    /// `failover_timeout` the master removes it unless it reconnected.
    DisconnectFramework {
        framework: usize,
        reconnect_after_us: Option<Micros>,
    },
    /// The leading master dies: its in-memory state is lost; a new leader
    /// is elected and rebuilt from the registry and re-registrations.
    FailMaster,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventSpec {
    pub at_us: Micros,
    pub action: Action,
}

/// `[master]`: the master's replicas and Mesos's timing flags (defaults
/// are Mesos 1.11's).
#[derive(Clone, Debug, PartialEq)]
pub struct MasterSpec {
    /// Masters in the ZooKeeper group (the leader and standbys).
    pub replicas: u32,
    /// `--agent_ping_timeout`: one ping every this long.
    pub agent_ping_timeout_us: Micros,
    /// `--max_agent_ping_timeouts`: missed pongs before unreachable.
    pub max_agent_ping_timeouts: u32,
    /// `--agent_reregister_timeout`: after a failover, agents that have not
    /// re-registered by then are marked unreachable.
    pub agent_reregister_timeout_us: Micros,
    /// `--zk_session_timeout`: a dead leader's session expires after this,
    /// and the next contender is elected.
    pub zk_session_timeout_us: Micros,
    /// Agents' `--registration_backoff_factor`: first (re-)registration
    /// attempt after a uniform delay in [0, this], doubling up to 1 min.
    pub agent_backoff_us: Micros,
    /// The scheduler driver's registration backoff factor (2 s in Mesos).
    pub framework_backoff_us: Micros,
    /// `--registry_max_agent_age`: unreachable agents older than this are
    /// pruned from the registry (and gone).
    pub registry_max_agent_age_us: Micros,
    /// `--registry_gc_interval`.
    pub registry_gc_interval_us: Micros,
    /// `--allocator_agent_recovery_factor` (with quota only).
    pub recovery_agent_factor: f64,
    /// `--allocator_recovery_timeout` (with quota only).
    pub allocator_recovery_timeout_us: Micros,
}

impl Default for MasterSpec {
    fn default() -> Self {
        MasterSpec {
            replicas: 1,
            agent_ping_timeout_us: 15_000_000,
            max_agent_ping_timeouts: 5,
            agent_reregister_timeout_us: 600_000_000,
            zk_session_timeout_us: 10_000_000,
            agent_backoff_us: 1_000_000,
            framework_backoff_us: 2_000_000,
            registry_max_agent_age_us: 14 * 86_400_000_000,
            registry_gc_interval_us: 900_000_000,
            recovery_agent_factor: 0.8,
            allocator_recovery_timeout_us: 600_000_000,
        }
    }
}

/// `[network]`: message delays between the master and the frameworks and
/// agents. Zero by default (DESIGN.md): frameworks answer offers at the
/// time they are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct NetworkSpec {
    /// One-way delay of every message.
    pub delay_us: Micros,
    /// Plus a uniform extra delay in [0, jitter] per message (drawn from
    /// the network stream), so messages may overtake each other.
    pub jitter_us: Micros,
}

impl NetworkSpec {
    pub fn is_zero(&self) -> bool {
        self.delay_us == 0 && self.jitter_us == 0
    }
}

/// `[faults]`: seeded random faults, drawn from the faults stream only.
/// Every interval is exponential with the given mean.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FaultsSpec {
    /// Mean time between crashes of one agent.
    pub agent_mtbf_us: Option<Micros>,
    /// Mean time to restart a crashed agent (None: it stays down).
    pub agent_mttr_us: Option<Micros>,
    /// Mean time between partitions of one agent (`partition_rate` is its
    /// inverse).
    pub partition_mtbf_us: Option<Micros>,
    /// Mean partition duration.
    pub partition_duration_us: Option<Micros>,
    /// Mean time between leading-master failures.
    pub master_mtbf_us: Option<Micros>,
}

impl FaultsSpec {
    pub fn any(&self) -> bool {
        self.agent_mtbf_us.is_some()
            || self.partition_mtbf_us.is_some()
            || self.master_mtbf_us.is_some()
    }
}

/// One validated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub name: String,
    pub seed: u64,
    /// None: run until all work is done.
    pub end_us: Option<Micros>,
    pub allocator: AllocatorSpec,
    pub resource_names: ResourceNames,
    pub roles: Vec<RoleSpec>,
    pub agents: Vec<AgentSpec>,
    pub frameworks: Vec<FrameworkSpec>,
    pub events: Vec<EventSpec>,
    /// `[reports] sample`: at most one shares.csv row per framework and one
    /// utilization.csv row set per this many µs (the last state of each
    /// period); None: a row at every change.
    pub sample_us: Option<Micros>,
    /// `[reports] offers`: keep a row per offer for offers.csv (a long
    /// trace replay makes hundreds of millions; false keeps the header).
    pub record_offers: bool,
    pub master: MasterSpec,
    pub faults: FaultsSpec,
    pub network: NetworkSpec,
    /// `[isolation]` (with per-job `usage`/`limit` and
    /// `[oversubscription]`): isolator accounting; None leaves it off.
    pub isolation: Option<crate::isolation::IsolationSpec>,
}

impl Spec {
    /// An empty scenario with the contract's defaults.
    pub fn new(name: &str) -> Spec {
        Spec {
            name: name.to_string(),
            seed: 0,
            end_us: None,
            allocator: AllocatorSpec::default(),
            resource_names: ResourceNames::default(),
            roles: Vec::new(),
            agents: Vec::new(),
            frameworks: Vec::new(),
            events: Vec::new(),
            sample_us: None,
            record_offers: true,
            master: MasterSpec::default(),
            faults: FaultsSpec::default(),
            network: NetworkSpec::default(),
            isolation: None,
        }
    }

    /// Total number of tasks over all jobs.
    pub fn task_count(&self) -> u64 {
        self.frameworks
            .iter()
            .flat_map(|f| f.jobs.iter())
            .map(|j| j.tasks)
            .sum()
    }
}
