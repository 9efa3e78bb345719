//! What a run produces: plain rows in memory, in a deterministic order,
//! for `reports` to write. Ids index the name tables held here.

use crate::resources::{Res, ResourceNames};
use crate::spec::Micros;

/// Mesos's task states (`enum TaskState`), plus `Pending` for a task that
/// never started. Written lower case without the `TASK_` prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaskState {
    Pending,
    Staging,
    Starting,
    Running,
    Killing,
    Finished,
    Failed,
    Killed,
    Error,
    Lost,
    Dropped,
    Unreachable,
    Gone,
    GoneByOperator,
    Unknown,
}

impl TaskState {
    pub const ALL: [TaskState; 15] = [
        TaskState::Pending,
        TaskState::Staging,
        TaskState::Starting,
        TaskState::Running,
        TaskState::Killing,
        TaskState::Finished,
        TaskState::Failed,
        TaskState::Killed,
        TaskState::Error,
        TaskState::Lost,
        TaskState::Dropped,
        TaskState::Unreachable,
        TaskState::Gone,
        TaskState::GoneByOperator,
        TaskState::Unknown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TaskState::Pending => "pending",
            TaskState::Staging => "staging",
            TaskState::Starting => "starting",
            TaskState::Running => "running",
            TaskState::Killing => "killing",
            TaskState::Finished => "finished",
            TaskState::Failed => "failed",
            TaskState::Killed => "killed",
            TaskState::Error => "error",
            TaskState::Lost => "lost",
            TaskState::Dropped => "dropped",
            TaskState::Unreachable => "unreachable",
            TaskState::Gone => "gone",
            TaskState::GoneByOperator => "gone_by_operator",
            TaskState::Unknown => "unknown",
        }
    }
}

/// What became of an offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Declined,
    Rescinded,
    Outstanding,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Declined => "declined",
            Outcome::Rescinded => "rescinded",
            Outcome::Outstanding => "outstanding",
        }
    }
}

/// Sentinel for "no agent" in compact rows.
pub const NO_AGENT: u32 = u32::MAX;

#[derive(Clone, Debug)]
pub struct FrameworkInfo {
    pub name: String,
    pub role: String,
}

#[derive(Clone, Debug)]
pub struct JobInfo {
    pub name: String,
    pub framework: u32,
    pub resources: Res,
    pub submit_us: Micros,
    pub tasks: u64,
}

/// One task, by task id (its index).
#[derive(Clone, Copy, Debug)]
pub struct TaskRow {
    pub job: u32,
    pub agent: u32,
    pub submit_us: Micros,
    pub start_us: Option<Micros>,
    pub end_us: Option<Micros>,
    pub state: TaskState,
}

#[derive(Clone, Copy, Debug)]
pub struct OfferRow {
    pub time_us: Micros,
    pub offer_id: u64,
    pub framework: u32,
    pub agent: u32,
    /// Everything offered, reserved and unreserved together.
    pub resources: Res,
    pub outcome: Outcome,
    pub tasks_launched: u32,
}

#[derive(Clone, Copy, Debug)]
pub struct ShareRow {
    pub time_us: Micros,
    pub framework: u32,
    pub dominant_share: f64,
    /// What the allocator charges the framework (running tasks and
    /// outstanding offers, as Mesos counts them).
    pub allocation: Res,
    pub running_tasks: u64,
}

#[derive(Clone, Copy, Debug)]
pub struct UtilRow {
    pub time_us: Micros,
    pub total: Res,
    /// Held by running tasks.
    pub allocated: Res,
    /// What running tasks use (isolator accounting); None when it is off.
    pub used: Option<Res>,
}

/// Per-framework figures for `summary.json`.
#[derive(Clone, Debug, Default)]
pub struct FrameworkStats {
    pub tasks_finished: u64,
    pub peak_running_tasks: u64,
    pub mean_dominant_share: f64,
    pub final_dominant_share: f64,
    /// Mean over the framework's completed jobs of (last task end - submit).
    pub mean_jct_us: Option<f64>,
    /// Mean over started tasks of (start - submit).
    pub mean_wait_us: Option<f64>,
}

/// A finished run.
#[derive(Clone, Debug)]
pub struct RunRecord {
    pub scenario: String,
    pub seed: u64,
    pub policy: String,
    pub mode: String,
    pub end_us: Micros,
    /// Queue events handled plus allocation passes run.
    pub events: u64,
    pub resource_names: ResourceNames,
    pub agents: Vec<String>,
    pub frameworks: Vec<FrameworkInfo>,
    pub jobs: Vec<JobInfo>,
    pub tasks: Vec<TaskRow>,
    pub offers: Vec<OfferRow>,
    pub shares: Vec<ShareRow>,
    pub utilization: Vec<UtilRow>,
    pub framework_stats: Vec<FrameworkStats>,
    /// Time-weighted mean of allocated / total per resource over [0, end].
    pub mean_utilization: Vec<f64>,
    /// Each failure of the leading master and the recovery after it.
    pub failovers: Vec<crate::cluster::FailoverRecord>,
    /// Fault and recovery counts; None when the scenario has no fault.
    pub faults: Option<crate::cluster::FaultCounts>,
    /// The scenario can fail the master (`fail-master` or `master_mtbf`):
    /// summary.json then has a `failover` section even with no failure.
    pub master_faults: bool,
    /// Tasks evicted by preemption (tasks mode, preempting policies).
    pub preemptions: u64,
    /// Offers made in the run (counted whether or not offer rows are kept).
    pub offers_made: u64,
    /// Time-weighted mean of used / total per resource, with isolator
    /// accounting on.
    pub mean_used: Option<Vec<f64>>,
    /// Isolator accounting's counts, when it is on.
    pub isolation: Option<crate::isolation::IsolationStats>,
}
