//! The normalised records every reader yields.
//!
//! Times are integer microseconds on the trace's own clock (Google: µs
//! since the trace's start, 0 = before the window; Alibaba and SWF: their
//! seconds times 10⁶). Resources stay in the trace's units after a fixed,
//! documented per-format conversion (see each module and docs/traces.md);
//! scaling to the scenario's cores and MiB happens at load time.

/// A machine capacity change.
#[derive(Clone, Debug, PartialEq)]
pub struct MachineRecord {
    pub time_us: i64,
    pub machine: String,
    pub kind: MachineEventKind,
    pub cpus: Option<f64>,
    pub mem: Option<f64>,
    pub gpus: Option<f64>,
    /// Extra facts (`platform`, `gpu_type`, `status`), in column order.
    pub attributes: Vec<(String, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MachineEventKind {
    Add,
    Remove,
    Update,
    /// Alibaba 2017 softerror / harderror.
    Error,
}

/// Final state of a task in the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaskStatus {
    Finished,
    Failed,
    Killed,
    Evicted,
    Lost,
    Running,
    Waiting,
    Cancelled,
    Unknown,
}

impl TaskStatus {
    pub fn name(self) -> &'static str {
        match self {
            TaskStatus::Finished => "finished",
            TaskStatus::Failed => "failed",
            TaskStatus::Killed => "killed",
            TaskStatus::Evicted => "evicted",
            TaskStatus::Lost => "lost",
            TaskStatus::Running => "running",
            TaskStatus::Waiting => "waiting",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::Unknown => "unknown",
        }
    }

    /// Alibaba's status words.
    pub(crate) fn from_alibaba(s: &str) -> TaskStatus {
        match s {
            "Terminated" => TaskStatus::Finished,
            "Failed" => TaskStatus::Failed,
            "Running" => TaskStatus::Running,
            "Waiting" | "Ready" => TaskStatus::Waiting,
            "Cancelled" => TaskStatus::Cancelled,
            "Interrupted" => TaskStatus::Killed,
            _ => TaskStatus::Unknown,
        }
    }
}

/// `count` identical tasks of one job (an Alibaba task row with its
/// instances, an SWF job's processors, one Google task attempt).
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRecord {
    pub submit_us: i64,
    /// When it started running in the trace, if known.
    pub start_us: Option<i64>,
    /// When it ended in the trace; None: still running at the trace's end.
    pub end_us: Option<i64>,
    pub job: String,
    pub task: String,
    pub user: Option<String>,
    pub count: u64,
    /// Per task, in the format's units.
    pub cpus: Option<f64>,
    pub mem: Option<f64>,
    pub gpus: Option<f64>,
    pub status: TaskStatus,
    pub priority: Option<i64>,
}

/// Google lifecycle event codes, one enum for both versions (each version
/// maps its own numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskEventKind {
    Submit,
    Queue,
    Enable,
    Schedule,
    Evict,
    Fail,
    Finish,
    Kill,
    Lost,
    UpdatePending,
    UpdateRunning,
}

impl TaskEventKind {
    /// 2011: 0 SUBMIT .. 8 UPDATE_RUNNING.
    pub fn from_2011(code: i64) -> Option<TaskEventKind> {
        use TaskEventKind::*;
        Some(match code {
            0 => Submit,
            1 => Schedule,
            2 => Evict,
            3 => Fail,
            4 => Finish,
            5 => Kill,
            6 => Lost,
            7 => UpdatePending,
            8 => UpdateRunning,
            _ => return None,
        })
    }

    /// 2019: QUEUE = 1 and ENABLE = 2 were inserted.
    pub fn from_2019(code: i64) -> Option<TaskEventKind> {
        use TaskEventKind::*;
        Some(match code {
            0 => Submit,
            1 => Queue,
            2 => Enable,
            3 => Schedule,
            4 => Evict,
            5 => Fail,
            6 => Finish,
            7 => Kill,
            8 => Lost,
            9 => UpdatePending,
            10 => UpdateRunning,
            _ => return None,
        })
    }

    /// The trace status a terminal event gives; None if not terminal.
    pub fn terminal(self) -> Option<TaskStatus> {
        Some(match self {
            TaskEventKind::Evict => TaskStatus::Evicted,
            TaskEventKind::Fail => TaskStatus::Failed,
            TaskEventKind::Finish => TaskStatus::Finished,
            TaskEventKind::Kill => TaskStatus::Killed,
            TaskEventKind::Lost => TaskStatus::Lost,
            _ => return None,
        })
    }
}

/// One Google task (2011) or instance (2019) event.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskEvent {
    pub time_us: i64,
    pub job: String,
    pub index: u64,
    pub machine: Option<String>,
    pub kind: TaskEventKind,
    pub user: Option<String>,
    pub priority: Option<i64>,
    pub cpus: Option<f64>,
    pub mem: Option<f64>,
}

/// One Google job (2011) or collection (2019) event.
#[derive(Clone, Debug, PartialEq)]
pub struct JobEvent {
    pub time_us: i64,
    pub job: String,
    pub kind: TaskEventKind,
    pub user: Option<String>,
    pub priority: Option<i64>,
}

/// One usage sample (kept for isolator accounting later).
#[derive(Clone, Debug, PartialEq)]
pub struct UsageRecord {
    pub start_us: i64,
    pub end_us: Option<i64>,
    pub job: Option<String>,
    pub task: Option<String>,
    pub machine: Option<String>,
    pub cpus: Option<f64>,
    pub mem: Option<f64>,
}

/// Job-level facts that come in a table of their own (GPU 2020 job table).
#[derive(Clone, Debug, PartialEq)]
pub struct JobRecord {
    pub time_us: Option<i64>,
    pub end_us: Option<i64>,
    pub job: String,
    pub user: Option<String>,
    pub status: TaskStatus,
}

/// Any normalised record.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Machine(MachineRecord),
    Tasks(TaskRecord),
    TaskEvent(TaskEvent),
    JobEvent(JobEvent),
    Usage(UsageRecord),
    Job(JobRecord),
}
