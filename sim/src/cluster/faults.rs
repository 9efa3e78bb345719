//! Faults, health checking and master failover, as Mesos 1.11 behaves
//! (`../shared/reference/mesos-behaviour.md` §3; docs/faults.md).
//!
//! The cluster keeps two views apart: what is true of a host (its link:
//! up, partitioned or crashed; the tasks running on it) and what the
//! leading master knows (`MasterView`, the allocator's books). Faults change
//! the first; the master learns through missed pings, re-registrations and
//! status updates that wait on the agent while it cannot reach a master.
//!
//! Timing rules (all from Mesos's source, cited in docs/faults.md):
//! - the master pings an agent at its registration and every
//!   `agent_ping_timeout` after; `max_agent_ping_timeouts` missed pongs in
//!   a row mark it unreachable (at the 5th timeout: 75 to 90 s after the
//!   fault with the defaults);
//! - the agent, missing pings for `agent_ping_timeout × max` since the last
//!   one it got, looks for a master again and re-registers after a uniform
//!   delay in [0, backoff], retrying with the bound doubled up to 1 min;
//! - a dead leader's ZooKeeper session expires after `zk_session_timeout`,
//!   when the next contender leads; schedulers re-subscribe as soon as they
//!   see it, agents after their backoff;
//! - the new leader knows only the registry: admitted, unreachable agents,
//!   weights, quota. Offers, filters, suppression (re-sent by schedulers)
//!   and sorter allocation counts are gone.

use std::collections::{BTreeMap, BTreeSet};

use super::{AgentIdx, Cluster, Effect, FwIdx, TaskId, DEAD_SLOT};
use crate::record::{Outcome, TaskState};
use crate::resources::{Limits, Res};
use crate::rng::{Rng, Stream};
use crate::sorter::Level;
use crate::spec::{Action, AgentSpec, FaultsSpec, Micros, Mode};

/// What the leading master knows of an agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MasterView {
    /// Never registered with a master (a new agent, or a rebooted host).
    Unknown,
    /// Registered with the leader (possibly draining or drained).
    Registered,
    /// In the registry, awaiting re-registration after a failover.
    Recovered,
    /// Marked unreachable (in the registry's unreachable list, or pruned
    /// from it by the registry GC: it may still come back).
    Unreachable,
    /// Removed for good (operator removal, or replaced by a rebooted
    /// host's new registration).
    Removed,
}

/// What is true of a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AgentLink {
    Up,
    /// Cut off from the masters; the host and its tasks run on.
    Partitioned,
    /// The host is down; its tasks died with it.
    Crashed,
}

/// The replicated registry: the only state a new leader starts from
/// (Mesos's `registry.proto`).
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Registry {
    pub admitted: BTreeSet<AgentIdx>,
    /// Unreachable agents and since when.
    pub unreachable: BTreeMap<AgentIdx, Micros>,
    /// Agents being drained or drained (deactivated).
    pub drained: BTreeSet<AgentIdx>,
    pub weights: BTreeMap<String, f64>,
    pub quotas: BTreeMap<String, (Option<Res>, Option<Limits>)>,
}

impl Registry {
    pub fn admit(&mut self, a: AgentIdx) {
        self.unreachable.remove(&a);
        self.admitted.insert(a);
    }

    pub fn remove(&mut self, a: AgentIdx) {
        self.admitted.remove(&a);
        self.unreachable.remove(&a);
        self.drained.remove(&a);
    }

    pub fn set_weight(&mut self, role: &str, weight: f64) {
        if weight == 1.0 {
            self.weights.remove(role);
        } else {
            self.weights.insert(role.to_string(), weight);
        }
    }

    pub fn set_quota(&mut self, role: &str, guarantee: Option<Res>, limit: Option<Limits>) {
        if guarantee.is_none() && limit.is_none() {
            self.quotas.remove(role);
        } else {
            self.quotas.insert(role.to_string(), (guarantee, limit));
        }
    }
}

/// A timer the cluster asks the engine to fire later (closed set). Stale
/// timers (their epoch or term has moved on) do nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The master's health check gives up on the agent.
    PingDeadline { agent: AgentIdx, epoch: u32 },
    /// The agent tries to (re-)register with the leading master.
    AgentRegister { agent: AgentIdx, epoch: u32 },
    /// A crashed host is back up.
    AgentRestart { agent: AgentIdx },
    /// A partition heals.
    PartitionHeal { agent: AgentIdx, epoch: u32 },
    /// The next master is elected.
    Elected { term: u32 },
    /// `agent_reregister_timeout` after an election.
    ReregisterDeadline { term: u32 },
    /// `allocator_recovery_timeout` after an election with quota.
    RecoveryDeadline { term: u32 },
    /// A disconnected framework's `failover_timeout` passes.
    FrameworkFailover { framework: FwIdx, epoch: u32 },
    /// A disconnected scheduler reconnects.
    FrameworkReconnect { framework: FwIdx, epoch: u32 },
    /// The registry GC prunes an unreachable agent.
    RegistryPrune { agent: AgentIdx, epoch: u32 },
    /// With `[network]` delays: a scheduler's reply to an offer reaches the
    /// master.
    OfferReply { offer: u64 },
    /// With `[network]` delays: a task's status update reaches the master.
    StatusUpdate { task: TaskId },
    /// `[faults]`: the next random crash of a host (by spec index).
    RandomCrash { host: u32 },
    /// `[faults]`: the next random partition of a host.
    RandomPartition { host: u32 },
    /// `[faults]`: the next random failure of the leading master.
    RandomMasterFailure,
}

impl Timer {
    /// Random fault arrivals go on for ever, and a registry GC two weeks
    /// out changes no task: neither keeps a run alive that has no work
    /// left.
    pub fn is_background(&self) -> bool {
        matches!(
            self,
            Timer::RandomCrash { .. }
                | Timer::RandomPartition { .. }
                | Timer::RandomMasterFailure
                | Timer::RegistryPrune { .. }
        )
    }
}

/// One failure of the leading master and how the cluster came back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FailoverRecord {
    pub failed_us: Micros,
    pub elected_us: Option<Micros>,
    /// Agents in the registry when the leader failed.
    pub expected_agents: u32,
    pub reregistered_agents: u32,
    pub agents_80_us: Option<Micros>,
    pub agents_100_us: Option<Micros>,
    /// Frameworks subscribed when the leader failed.
    pub expected_frameworks: u32,
    pub frameworks_resubscribed_us: Option<Micros>,
    /// Tasks written off (lost, unreachable, gone) from the failure until
    /// the re-registration deadline.
    pub tasks_lost: u64,
    /// Outstanding offers that died with the leader.
    pub offers_rescinded: u64,
    pub allocator_paused: bool,
    pub allocator_resumed_us: Option<Micros>,
    /// End of the window in which written-off tasks count against this
    /// failover (the re-registration deadline).
    pub window_end_us: Micros,
}

impl FailoverRecord {
    pub(super) fn counts_losses(&self, now: Micros) -> bool {
        now >= self.failed_us && now <= self.window_end_us
    }
}

/// Fault and recovery counts of a run (summary.json `faults`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts {
    pub agent_crashes: u64,
    pub agent_restarts: u64,
    pub partitions: u64,
    pub heals: u64,
    pub agents_unreachable: u64,
    pub agents_reregistered: u64,
    pub agents_pruned: u64,
    pub agents_drained: u64,
    pub master_failures: u64,
    pub frameworks_removed: u64,
    /// Offers rescinded because of a fault (agent loss, drain, framework
    /// disconnection, master failure).
    pub offers_rescinded: u64,
}

/// The cap of Mesos's registration backoff (agents and schedulers).
const MAX_BACKOFF_US: Micros = 60_000_000;

impl Cluster {
    // ----- scripted actions -----------------------------------------

    /// Applies a scripted `[[events]]` action. Operator and framework calls
    /// made while no master leads wait for the next election; physical
    /// faults happen at once.
    pub fn apply(&mut self, now: Micros, action: &Action) {
        match action {
            Action::FailAgent {
                agent,
                restart_after_us,
            } => {
                if let Some(&a) = self.agent_by_name.get(agent) {
                    self.fail_agent(now, a, *restart_after_us);
                }
                return;
            }
            Action::PartitionAgent {
                agent,
                heal_after_us,
            } => {
                if let Some(&a) = self.agent_by_name.get(agent) {
                    self.partition_agent(now, a, *heal_after_us);
                }
                return;
            }
            Action::AddAgent { agent } => {
                let mut a = agent.clone();
                a.at_us = now;
                self.add_agent(now, &a);
                return;
            }
            Action::FailMaster => {
                self.fail_master(now);
                return;
            }
            _ => {}
        }
        if !self.leader_up {
            self.waiting_actions.push(action.clone());
            return;
        }
        match action {
            Action::SetWeight { role, weight } => self.set_weight(role, *weight),
            Action::SetQuota {
                role,
                guarantee,
                limit,
            } => self.set_quota(role, *guarantee, *limit),
            Action::Suppress { framework } => self.suppress(*framework as FwIdx),
            Action::Revive { framework } => self.revive(*framework as FwIdx),
            Action::Deactivate { framework } => self.deactivate(*framework as FwIdx),
            Action::Activate { framework } => self.activate(*framework as FwIdx),
            Action::RemoveAgent { agent } => self.remove_agent(now, agent),
            Action::DrainAgent { agent } => {
                if let Some(&a) = self.agent_by_name.get(agent) {
                    self.drain_agent(now, a);
                }
            }
            Action::DisconnectFramework {
                framework,
                reconnect_after_us,
            } => self.disconnect_framework(now, *framework as FwIdx, *reconnect_after_us),
            Action::FailAgent { .. }
            | Action::PartitionAgent { .. }
            | Action::AddAgent { .. }
            | Action::FailMaster => unreachable!("handled above"),
        }
    }

    /// Whether a leading master exists now.
    pub fn leader_up(&self) -> bool {
        self.leader_up
    }

    /// Whether allocation may run (a leader, not paused for recovery).
    pub(super) fn allocating(&self) -> bool {
        self.leader_up && !self.paused
    }

    /// The leading master hears the agent: it is registered with it and
    /// reachable.
    pub(super) fn hears(&self, a: AgentIdx) -> bool {
        let agent = &self.agents[a as usize];
        self.leader_up && agent.link == AgentLink::Up && agent.view == MasterView::Registered
    }

    fn timer(&mut self, at_us: Micros, timer: Timer) {
        self.effects.push(Effect::Timer { timer, at_us });
    }

    /// A uniform delay in [0, bound] (µs).
    fn backoff_draw(&mut self, bound_us: Micros) -> Micros {
        if bound_us == 0 {
            0
        } else {
            self.fault_rng.below(bound_us + 1)
        }
    }

    /// The first (re-)registration attempt at or after `from`, for an agent
    /// that started trying at `detect`: the first after a uniform delay in
    /// [0, backoff], each retry after [0, 2 × the previous bound], capped
    /// at 1 min (`Slave::detected`, `doReliableRegistration`).
    fn attempt_at_or_after(&mut self, detect: Micros, from: Micros) -> Micros {
        let mut bound = self.master.agent_backoff_us;
        let mut at = detect + self.backoff_draw(bound);
        while at < from {
            bound = (bound * 2).clamp(1, MAX_BACKOFF_US);
            at += self.backoff_draw(bound);
            if bound == 0 {
                return from;
            }
        }
        at
    }

    /// Schedules the agent's next registration attempt, it having started
    /// to look for a master at `detect`.
    fn schedule_registration(&mut self, now: Micros, a: AgentIdx, detect: Micros) {
        self.agents[a as usize].detect_us = Some(detect);
        let at = self.attempt_at_or_after(detect, now);
        let epoch = self.agents[a as usize].epoch;
        self.timer(at, Timer::AgentRegister { agent: a, epoch });
    }

    // ----- agent faults ----------------------------------------------

    /// When the master's health check gives up on an agent that stopped
    /// answering at `now`, the last moment a heal still reaches a ping in
    /// time, and when the agent itself gives up on the master.
    fn health_deadlines(&self, now: Micros, a: AgentIdx) -> (Micros, Micros, Micros) {
        let agent = &self.agents[a as usize];
        let t = self.master.agent_ping_timeout_us;
        let max = self.master.max_agent_ping_timeouts as u64;
        let reg = agent.registered_us.min(now);
        // Pings go out at registration and every `t` after; the first one
        // at or after the fault goes unanswered (the fault comes first).
        let k = (now - reg).div_ceil(t);
        let first_missed = reg + k * t;
        let deadline = first_missed + max * t;
        let last_ping_in_time = first_missed + (max - 1) * t;
        let last_received = if k == 0 { reg } else { first_missed - t };
        (deadline, last_ping_in_time, last_received + max * t)
    }

    /// The host crashes: its tasks die; the master notices through missed
    /// pings. With `restart_after` it comes back as a new agent.
    pub fn fail_agent(&mut self, now: Micros, a: AgentIdx, restart_after: Option<Micros>) {
        if self.agents[a as usize].link == AgentLink::Crashed
            || self.agents[a as usize].view == MasterView::Removed
        {
            return;
        }
        self.fault_counts.agent_crashes += 1;
        let was_reachable = self.agents[a as usize].link == AgentLink::Up;
        self.agents[a as usize].link = AgentLink::Crashed;
        let tasks = std::mem::take(&mut self.agents[a as usize].tasks);
        for t in tasks {
            self.stop_on_host(now, t);
            self.agents[a as usize].dead.push(t);
        }
        if was_reachable && self.leader_up && self.agents[a as usize].view == MasterView::Registered
        {
            self.agents[a as usize].epoch += 1;
            let (deadline, _, _) = self.health_deadlines(now, a);
            let epoch = self.agents[a as usize].epoch;
            self.timer(deadline, Timer::PingDeadline { agent: a, epoch });
        }
        if let Some(d) = restart_after {
            self.timer(now.saturating_add(d), Timer::AgentRestart { agent: a });
        }
        self.last_progress_us = now;
    }

    /// The network between the masters and the agent breaks.
    pub fn partition_agent(&mut self, now: Micros, a: AgentIdx, heal_after: Option<Micros>) {
        if self.agents[a as usize].link != AgentLink::Up
            || self.agents[a as usize].view == MasterView::Removed
        {
            return;
        }
        self.fault_counts.partitions += 1;
        self.agents[a as usize].link = AgentLink::Partitioned;
        self.agents[a as usize].epoch += 1;
        let epoch = self.agents[a as usize].epoch;
        if self.leader_up && self.agents[a as usize].view == MasterView::Registered {
            let (deadline, last_ping_in_time, agent_gives_up) = self.health_deadlines(now, a);
            self.agents[a as usize].detect_us = Some(agent_gives_up);
            self.agents[a as usize].last_ping_in_time_us = last_ping_in_time;
            self.timer(deadline, Timer::PingDeadline { agent: a, epoch });
        }
        if let Some(d) = heal_after {
            self.timer(
                now.saturating_add(d),
                Timer::PartitionHeal { agent: a, epoch },
            );
        }
        self.last_progress_us = now;
    }

    /// The partition heals.
    fn heal(&mut self, now: Micros, a: AgentIdx) {
        if self.agents[a as usize].link != AgentLink::Partitioned {
            return;
        }
        self.fault_counts.heals += 1;
        self.agents[a as usize].link = AgentLink::Up;
        if !self.leader_up {
            return; // it registers after the election
        }
        match self.agents[a as usize].view {
            MasterView::Registered => {
                // Is a ping still due before the health check gives up?
                let last_ping_in_time = self.agents[a as usize].last_ping_in_time_us;
                let agent_gives_up = self.agents[a as usize].detect_us.unwrap_or(now);
                if now <= last_ping_in_time {
                    // The next ping is answered: the check starts over and
                    // the updates the agent kept get through.
                    self.agents[a as usize].epoch += 1;
                    self.agents[a as usize].detect_us = None;
                    self.deliver_deferred(now, a);
                    self.stop_removed_frameworks_tasks(now, a);
                    self.drain_kill(now, a);
                } else {
                    self.schedule_registration(now, a, agent_gives_up);
                }
            }
            MasterView::Recovered | MasterView::Unreachable | MasterView::Unknown => {
                let detect = self.agents[a as usize].detect_us.unwrap_or(now);
                self.schedule_registration(now, a, detect);
            }
            MasterView::Removed => {}
        }
    }

    /// A crashed host boots again: a new agent (new id, same name, no
    /// tasks) registers after its backoff.
    fn restart_agent(&mut self, now: Micros, old: AgentIdx) {
        if self.agents[old as usize].link != AgentLink::Crashed
            || self.agents[old as usize].view == MasterView::Removed
        {
            return;
        }
        self.fault_counts.agent_restarts += 1;
        let mut spec: AgentSpec = self.agent_specs[old as usize].clone();
        spec.at_us = now;
        let a = self.new_agent_entry(&spec);
        self.agents[old as usize].epoch += 1; // the old host is gone for good
        if self.leader_up {
            self.schedule_registration(now, a, now);
        }
    }

    /// The master's health check gave up: the agent is unreachable.
    fn mark_unreachable(&mut self, now: Micros, a: AgentIdx) {
        self.fault_counts.agents_unreachable += 1;
        self.remove_from_allocator(a);
        self.registry.admitted.remove(&a);
        self.registry.unreachable.insert(a, now);
        self.agents[a as usize].view = MasterView::Unreachable;
        self.agents[a as usize].epoch += 1;
        let partition_aware = |c: &Cluster, t: TaskId| {
            let fw = c.jobs[c.tasks[t as usize].job as usize].framework;
            c.frameworks[fw as usize].partition_aware
        };
        for t in self.believed_tasks(a) {
            let state = if partition_aware(self, t) {
                TaskState::Unreachable
            } else {
                TaskState::Lost
            };
            if self.tasks[t as usize].state == TaskState::Running {
                self.write_off(now, t, state);
            }
        }
        // Dead tasks stay dead; forget them (the host registers anew).
        let dead = std::mem::take(&mut self.agents[a as usize].dead);
        for t in dead {
            self.task_resv.remove(&t);
        }
        // The registry GC prunes it at the first GC run past the max age.
        let gc = self.master.registry_gc_interval_us;
        let due = now.saturating_add(self.master.registry_max_agent_age_us);
        let at = due.div_ceil(gc).saturating_mul(gc);
        let epoch = self.agents[a as usize].epoch;
        self.timer(at, Timer::RegistryPrune { agent: a, epoch });
        // If it is partitioned, the agent is already looking for a master
        // and comes back when the partition heals.
        self.last_progress_us = now;
    }

    /// Status updates the agent kept while the master could not hear it
    /// reach the master now.
    fn deliver_deferred(&mut self, now: Micros, a: AgentIdx) {
        let mut deferred = std::mem::take(&mut self.agents[a as usize].deferred);
        deferred.sort_unstable_by_key(|&(t, end, _)| (end, t));
        for (t, end, state) in deferred {
            if matches!(
                self.tasks[t as usize].state,
                TaskState::Running | TaskState::Lost | TaskState::Unreachable
            ) {
                self.task_finished(now, t, end, state);
            }
        }
    }

    /// An agent's (re-)registration attempt reaches the leading master.
    fn agent_register(&mut self, now: Micros, a: AgentIdx) {
        if !self.leader_up || self.agents[a as usize].link != AgentLink::Up {
            return; // it tries again after the election or the heal
        }
        match self.agents[a as usize].view {
            MasterView::Unknown => {
                // A rebooted host: the master still holding its old agent
                // removes it (TASK_LOST, REASON_SLAVE_REMOVED, whatever the
                // framework's partition awareness: `_registerSlave`).
                let name = self.agents[a as usize].name.clone();
                for old in 0..a {
                    let o = &self.agents[old as usize];
                    if o.name == name
                        && matches!(o.view, MasterView::Registered | MasterView::Recovered)
                    {
                        self.remove_replaced(now, old);
                    }
                }
                self.admit_agent(now, a);
            }
            MasterView::Registered => {
                // Back before the health check gave up: pings resume.
                self.agents[a as usize].epoch += 1;
                self.agents[a as usize].detect_us = None;
                self.deliver_deferred(now, a);
                self.stop_removed_frameworks_tasks(now, a);
                self.drain_kill(now, a);
            }
            MasterView::Recovered => {
                self.deliver_deferred(now, a);
                self.stop_removed_frameworks_tasks(now, a);
                let agent = &mut self.agents[a as usize];
                agent.view = MasterView::Registered;
                agent.registered_us = now;
                agent.detect_us = None;
                agent.epoch += 1;
                agent.deactivated = self.registry.drained.contains(&a);
                self.add_to_allocator(now, a);
                if let Some(rec) = self.failovers.last_mut() {
                    rec.reregistered_agents += 1;
                    let n = rec.reregistered_agents as u64;
                    let expected = rec.expected_agents as u64;
                    if n == (expected * 4).div_ceil(5) && rec.agents_80_us.is_none() {
                        rec.agents_80_us = Some(now);
                    }
                    if n == expected {
                        rec.agents_100_us = Some(now);
                    }
                }
                self.drain_kill(now, a);
                self.maybe_resume(now);
            }
            MasterView::Unreachable => {
                // MarkSlaveReachable (or an unknown agent after the GC
                // pruned it): its tasks come back as they are.
                self.fault_counts.agents_reregistered += 1;
                self.deliver_deferred(now, a);
                self.stop_removed_frameworks_tasks(now, a);
                self.registry.admit(a);
                let agent = &mut self.agents[a as usize];
                agent.view = MasterView::Registered;
                agent.registered_us = now;
                agent.detect_us = None;
                agent.epoch += 1;
                agent.deactivated = self.registry.drained.contains(&a);
                self.add_to_allocator(now, a);
                self.drain_kill(now, a);
                self.maybe_resume(now);
            }
            MasterView::Removed => {}
        }
    }

    /// Tasks of frameworks the master tore down are shut down when their
    /// agent comes back (`ShutdownFrameworkMessage`).
    fn stop_removed_frameworks_tasks(&mut self, now: Micros, a: AgentIdx) {
        let tasks = self.agents[a as usize].tasks.clone();
        let mut keep = Vec::with_capacity(tasks.len());
        for t in tasks {
            let fw = self.jobs[self.tasks[t as usize].job as usize].framework;
            if self.frameworks[fw as usize].removed {
                self.stop_on_host(now, t);
                self.task_resv.remove(&t);
            } else {
                keep.push(t);
            }
        }
        for (i, &t) in keep.iter().enumerate() {
            self.tasks[t as usize].slot = i as u32;
        }
        self.agents[a as usize].tasks = keep;
    }

    /// The master removes an agent replaced by its rebooted host.
    fn remove_replaced(&mut self, now: Micros, old: AgentIdx) {
        self.remove_from_allocator(old);
        for t in self.believed_tasks(old) {
            if self.tasks[t as usize].state == TaskState::Running {
                self.write_off(now, t, TaskState::Lost);
            }
        }
        let _ = self.take_unreported(old);
        self.registry.remove(old);
        self.agents[old as usize].view = MasterView::Removed;
        self.agents[old as usize].epoch += 1;
    }

    /// DRAIN_AGENT: the agent is deactivated (no offers; its offers are
    /// rescinded) and its tasks are killed; it stays drained.
    pub fn drain_agent(&mut self, now: Micros, a: AgentIdx) {
        if self.agents[a as usize].view != MasterView::Registered
            || self.agents[a as usize].deactivated
        {
            return;
        }
        self.fault_counts.agents_drained += 1;
        self.registry.drained.insert(a);
        self.rescind_offers_on(a);
        self.agents[a as usize].deactivated = true;
        self.refresh_free(a);
        self.drain_kill(now, a);
        self.last_progress_us = now;
    }

    /// The agent of a drained (or draining) agent kills its tasks when
    /// the drain message reaches it: now if the master hears it, else when
    /// it reconnects (the master sends `DrainSlaveMessage` again).
    fn drain_kill(&mut self, now: Micros, a: AgentIdx) {
        if !self.registry.drained.contains(&a) || !self.hears(a) {
            return;
        }
        let tasks = self.agents[a as usize].tasks.clone();
        for t in tasks {
            self.kill_task(now, t);
        }
    }

    /// Kills a task that runs on its host: TASK_KILLED, resources back.
    fn kill_task(&mut self, now: Micros, t: TaskId) {
        let task = &self.tasks[t as usize];
        if task.slot == DEAD_SLOT {
            return;
        }
        let a = task.agent;
        self.detach_from_host(t);
        self.stop_on_host(now, t);
        let hears = self.hears(a);
        let task = &self.tasks[t as usize];
        let was_running = task.state == TaskState::Running;
        let job = &self.jobs[task.job as usize];
        let (fw, res) = (job.framework, job.resources);
        let part = self.task_split(t, res);
        self.task_resv.remove(&t);
        let task = &mut self.tasks[t as usize];
        task.state = TaskState::Killed;
        task.end_us = now;
        if was_running {
            self.frameworks[fw as usize].running_tasks -= 1;
            self.mark_changed(fw);
            if hears && self.agents[a as usize].active {
                self.track_task_alloc(t, &res, false);
                self.recover(fw, a, &part);
            }
        }
        self.tasks_dirty = true;
    }

    // ----- frameworks ------------------------------------------------

    /// The scheduler's connection drops: the framework is deactivated (out
    /// of the sort, filters cleared, offers rescinded) and removed after
    /// its `failover_timeout` unless it reconnects first.
    fn disconnect_framework(&mut self, now: Micros, fw: FwIdx, reconnect_after: Option<Micros>) {
        let f = &self.frameworks[fw as usize];
        if !f.registered || f.removed || f.disconnected {
            return;
        }
        let outstanding = f.outstanding.len() as u64;
        self.fault_counts.offers_rescinded += outstanding;
        self.deactivate(fw);
        let f = &mut self.frameworks[fw as usize];
        f.disconnected = true;
        f.epoch += 1;
        let epoch = f.epoch;
        let timeout = f.failover_timeout_us;
        if timeout == 0 {
            self.remove_framework(now, fw);
            return;
        }
        if timeout != Micros::MAX {
            self.timer(
                now.saturating_add(timeout),
                Timer::FrameworkFailover {
                    framework: fw,
                    epoch,
                },
            );
        }
        if let Some(d) = reconnect_after {
            self.timer(
                now.saturating_add(d),
                Timer::FrameworkReconnect {
                    framework: fw,
                    epoch,
                },
            );
        }
    }

    /// `removeFramework`: every task the master knows of is killed
    /// (TASK_KILLED, REASON_FRAMEWORK_REMOVED), resources come back; the
    /// framework never runs anything again.
    fn remove_framework(&mut self, now: Micros, fw: FwIdx) {
        self.fault_counts.frameworks_removed += 1;
        let f = &mut self.frameworks[fw as usize];
        f.removed = true;
        f.active = false;
        let jobs: Vec<usize> = (0..self.jobs.len())
            .filter(|&j| self.jobs[j].framework == fw)
            .collect();
        for j in jobs {
            let first = self.jobs[j].first_task;
            for t in first..first + self.jobs[j].tasks {
                match self.tasks[t as usize].state {
                    TaskState::Running | TaskState::Lost | TaskState::Unreachable => {
                        let a = self.tasks[t as usize].agent;
                        if self.tasks[t as usize].slot != DEAD_SLOT && self.hears(a) {
                            self.kill_task(now, t);
                        } else {
                            // Killed in the master's books (its resources
                            // go back to the allocator at once, as
                            // `removeTask` recovers them); the host, when
                            // it reconnects, is told to shut it down.
                            let was_running = self.tasks[t as usize].state == TaskState::Running;
                            let res = self.jobs[j].resources;
                            let part = self.task_split(t, res);
                            self.write_off(now, t, TaskState::Killed);
                            if was_running && self.agents[a as usize].active {
                                self.track_task_alloc(t, &res, false);
                                self.recover(fw, a, &part);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        self.last_progress_us = now;
    }

    fn reconnect_framework(&mut self, now: Micros, fw: FwIdx) {
        let f = &mut self.frameworks[fw as usize];
        if f.removed || !f.disconnected {
            return;
        }
        f.disconnected = false;
        if self.leader_up {
            self.subscribe(now, fw);
        }
    }

    /// A scheduler (re-)subscribes with the leading master: tracked in the
    /// allocator (with what its tasks hold on registered agents) and
    /// activated; its suppression is re-sent with the subscription.
    pub(super) fn subscribe(&mut self, now: Micros, fw: FwIdx) {
        let f = &mut self.frameworks[fw as usize];
        f.subscribed_once = true;
        if f.removed || f.disconnected {
            return;
        }
        if !f.registered {
            f.registered = true;
            self.track_framework(fw);
            self.charge_existing(fw);
        }
        self.frameworks[fw as usize].active = true;
        let suppressed = self.frameworks[fw as usize].suppressed;
        self.set_in_sort(fw, !suppressed);
        let f = &self.frameworks[fw as usize];
        if f.suppress_when_idle && f.pending_tasks == 0 && self.mode == Mode::Offers {
            self.suppress(fw);
        }
        if let Some(rec) = self.failovers.last_mut() {
            if rec.frameworks_resubscribed_us.is_none() && self.failover_frameworks_back() {
                let rec = self.failovers.last_mut().expect("checked");
                rec.frameworks_resubscribed_us = Some(now);
            }
        }
        self.tasks_dirty = true;
        self.last_progress_us = now;
        self.request(None);
    }

    fn failover_frameworks_back(&self) -> bool {
        self.frameworks
            .iter()
            .all(|f| !f.subscribed_once || f.removed || f.disconnected || f.active)
    }

    /// Charges what the framework's tasks hold on agents in the allocator
    /// (Mesos's `addFramework` with `used`).
    fn charge_existing(&mut self, fw: FwIdx) {
        for a in 0..self.agents.len() {
            if !self.agents[a].active {
                continue;
            }
            let part = self.agents[a]
                .usage
                .iter()
                .find(|(f, _)| *f == fw)
                .map(|(_, p)| p.clone());
            if let Some(p) = part {
                let held = super::slots::held_by(&self.agents[a].slot_usage, fw);
                self.charge_books(fw, &p, held as i64);
            }
        }
    }

    /// An agent re-registering with tasks of a framework that has not yet
    /// re-subscribed: the master recovers the framework, inactive, and the
    /// allocator tracks it (`recoverFramework`, `addFramework(active =
    /// false)`).
    pub(super) fn recover_framework(&mut self, fw: FwIdx) {
        let f = &mut self.frameworks[fw as usize];
        if f.registered || f.removed {
            return;
        }
        f.registered = true;
        f.active = false;
        self.track_framework(fw);
        self.charge_existing(fw);
    }

    // ----- master failover -------------------------------------------

    /// The leading master dies: everything it held in memory is lost.
    /// Outstanding offers die with it (the schedulers' offers become
    /// invalid: rescinded). The next contender leads once the dead
    /// leader's ZooKeeper session expires.
    pub fn fail_master(&mut self, now: Micros) {
        if !self.leader_up {
            return; // no leader to fail; the election goes on
        }
        self.fault_counts.master_failures += 1;
        self.term += 1;
        let mut rec = FailoverRecord {
            failed_us: now,
            expected_agents: self.registry.admitted.len() as u32,
            expected_frameworks: self
                .frameworks
                .iter()
                .filter(|f| f.registered && !f.removed && !f.disconnected)
                .count() as u32,
            window_end_us: Micros::MAX,
            ..FailoverRecord::default()
        };
        let live: Vec<u64> = if self.bug == Some(super::InjectedBug::KeepOffersAcrossFailover) {
            Vec::new()
        } else {
            self.live.keys().copied().collect()
        };
        for id in live {
            let (fw, a, part) = {
                let o = &self.live[&id];
                (o.framework, o.agent, o.resources.clone())
            };
            self.finish_offer(id, Outcome::Rescinded);
            rec.offers_rescinded += 1;
            self.fault_counts.offers_rescinded += 1;
            self.recover(fw, a, &part);
        }
        self.failovers.push(rec);
        self.reset_allocator();
        self.leader_up = false;
        self.paused = false;
        for a in 0..self.agents.len() {
            let agent = &mut self.agents[a];
            agent.epoch += 1;
            if agent.view == MasterView::Registered {
                agent.view = MasterView::Recovered;
            }
        }
        let term = self.term;
        self.timer(
            now.saturating_add(self.master.zk_session_timeout_us),
            Timer::Elected { term },
        );
        self.last_progress_us = now;
    }

    /// Drops the allocator's books (sorters, totals, filters, charges):
    /// what a master process keeps only in memory.
    fn reset_allocator(&mut self) {
        self.role_sorter = self.new_sorter(Level::Roles, None);
        for role in self.roles.iter_mut() {
            role.sorter = None;
            role.framework_count = 0;
            role.members.clear();
            role.reserved_subtree = Res::ZERO;
            role.unres_alloc_subtree = Res::ZERO;
        }
        self.in_sort_count = 0;
        self.sort_version += 1;
        self.registered_count = 0;
        self.total = Res::ZERO;
        self.total_reserved = Res::ZERO;
        self.total_charged = Res::ZERO;
        self.total_charged_reserved = Res::ZERO;
        self.total_task_alloc = Res::ZERO;
        self.revocable_task_alloc = Res::ZERO;
        self.total_revocable = Res::ZERO;
        self.total_charged_revocable = Res::ZERO;
        self.revocable_task_alloc = Res::ZERO;
        self.candidates.clear();
        self.all_candidates = false;
        for a in 0..self.agents.len() {
            let agent = &mut self.agents[a];
            agent.active = false;
            agent.filters.clear();
            agent.blocked_cache = None;
            agent.filters_valid_until = Micros::MAX;
            agent.idle = None;
            self.refresh_free(a as AgentIdx);
        }
        for fw in 0..self.frameworks.len() {
            let f = &mut self.frameworks[fw];
            f.registered = false;
            f.in_sort = false;
            f.active = false;
            f.charge = Res::ZERO;
            f.filtered_agents.clear();
            f.outstanding.clear();
            f.min_demand = None;
            self.mark_changed(fw as FwIdx);
        }
        self.totals_changed = true;
        self.tasks_dirty = true;
    }

    /// The next master leads: it reads the registry, waits for agents to
    /// re-register and schedulers to re-subscribe, and pauses the
    /// allocator while quota is set (Mesos's `recover`).
    fn elected(&mut self, now: Micros) {
        self.leader_up = true;
        // Weights and quota come from the registry.
        let weights = self.registry.weights.clone();
        for role in self.roles.iter_mut() {
            role.weight = 1.0;
            role.guarantee = None;
            role.limit = None;
        }
        for (name, w) in &weights {
            let r = self.intern_role(name);
            self.roles[r as usize].weight = *w;
            self.role_sorter.update_weight(name, *w);
        }
        let quotas = self.registry.quotas.clone();
        for (name, (g, l)) in &quotas {
            let r = self.intern_role(name);
            self.roles[r as usize].guarantee = *g;
            self.roles[r as usize].limit = *l;
        }
        let expected = self.registry.admitted.len() as u64;
        let term = self.term;
        if let Some(rec) = self.failovers.last_mut() {
            rec.elected_us = Some(now);
            rec.window_end_us = now.saturating_add(self.master.agent_reregister_timeout_us);
            if rec.expected_agents == 0 {
                rec.agents_80_us = Some(now);
                rec.agents_100_us = Some(now);
            }
        }
        // Schedulers see the new leader and subscribe at once (the driver
        // sends SUBSCRIBE without delay); frameworks whose registration
        // time came while no master led subscribe now too.
        for fw in 0..self.frameworks.len() {
            let f = &self.frameworks[fw];
            if f.subscribed_once && !f.removed && !f.disconnected {
                self.subscribe(now, fw as FwIdx);
            }
        }
        if let Some(rec) = self.failovers.last_mut() {
            if rec.frameworks_resubscribed_us.is_none() {
                rec.frameworks_resubscribed_us = Some(now);
            }
        }
        // Agents see it too and re-register after their backoff; new or
        // rebooted hosts register.
        for a in 0..self.agents.len() as AgentIdx {
            let agent = &self.agents[a as usize];
            // Unreachable agents that are up again keep trying to
            // register: they see the new leader too.
            let wants = matches!(agent.view, MasterView::Recovered | MasterView::Unknown)
                || (agent.view == MasterView::Unreachable && agent.detect_us.is_some());
            if !wants {
                continue;
            }
            match agent.link {
                AgentLink::Up => self.schedule_registration(now, a, now),
                AgentLink::Partitioned => self.agents[a as usize].detect_us = Some(now),
                AgentLink::Crashed => {}
            }
        }
        if !self.registry.quotas.is_empty() {
            let need = (expected as f64 * self.master.recovery_agent_factor) as u32;
            if need > 0 {
                self.paused = true;
                self.resume_at_agents = need;
                if let Some(rec) = self.failovers.last_mut() {
                    rec.allocator_paused = true;
                }
                self.timer(
                    now.saturating_add(self.master.allocator_recovery_timeout_us),
                    Timer::RecoveryDeadline { term },
                );
            }
        }
        self.timer(
            now.saturating_add(self.master.agent_reregister_timeout_us),
            Timer::ReregisterDeadline { term },
        );
        let waiting = std::mem::take(&mut self.waiting_actions);
        for act in &waiting {
            self.apply(now, act);
        }
        self.last_progress_us = now;
    }

    fn maybe_resume(&mut self, now: Micros) {
        if !self.paused {
            return;
        }
        let active = self.agents.iter().filter(|a| a.active).count() as u32;
        if active >= self.resume_at_agents {
            self.resume(now);
        }
    }

    fn resume(&mut self, now: Micros) {
        self.paused = false;
        self.tasks_dirty = true;
        if let Some(rec) = self.failovers.last_mut() {
            rec.allocator_resumed_us = Some(now);
        }
    }

    // ----- timers ----------------------------------------------------

    /// A timer fires.
    pub fn fire(&mut self, now: Micros, timer: Timer) {
        match timer {
            Timer::PingDeadline { agent, epoch } => {
                let x = &self.agents[agent as usize];
                if x.epoch == epoch && x.view == MasterView::Registered && self.leader_up {
                    self.mark_unreachable(now, agent);
                }
            }
            Timer::AgentRegister { agent, epoch } => {
                if self.agents[agent as usize].epoch == epoch {
                    self.agent_register(now, agent);
                }
            }
            Timer::AgentRestart { agent } => self.restart_agent(now, agent),
            Timer::PartitionHeal { agent, epoch } => {
                let _ = epoch; // a heal ends whichever partition is on
                self.heal(now, agent);
            }
            Timer::Elected { term } => {
                if term == self.term && !self.leader_up {
                    self.elected(now);
                }
            }
            Timer::ReregisterDeadline { term } => {
                if term == self.term && self.leader_up {
                    let late: Vec<AgentIdx> = (0..self.agents.len() as AgentIdx)
                        .filter(|&a| self.agents[a as usize].view == MasterView::Recovered)
                        .collect();
                    for a in late {
                        self.mark_unreachable(now, a);
                    }
                }
            }
            Timer::RecoveryDeadline { term } => {
                if term == self.term && self.paused {
                    self.resume(now);
                }
            }
            Timer::FrameworkFailover { framework, epoch } => {
                let f = &self.frameworks[framework as usize];
                if f.epoch == epoch && f.disconnected && !f.removed {
                    self.remove_framework(now, framework);
                }
            }
            Timer::FrameworkReconnect { framework, epoch } => {
                if self.frameworks[framework as usize].epoch == epoch {
                    self.reconnect_framework(now, framework);
                }
            }
            Timer::RegistryPrune { agent, epoch } => {
                let x = &self.agents[agent as usize];
                if x.epoch == epoch && x.view == MasterView::Unreachable {
                    self.registry.unreachable.remove(&agent);
                    self.fault_counts.agents_pruned += 1;
                }
            }
            Timer::OfferReply { offer } => {
                // Only if the offer is still valid: not rescinded, and the
                // master that made it still leads (offers do not survive
                // a failover).
                if self.live.contains_key(&offer) && self.leader_up {
                    self.answer_offer(now, offer);
                }
            }
            Timer::StatusUpdate { task } => {
                let a = self.tasks[task as usize].agent;
                if self.hears(a) {
                    let agent = &mut self.agents[a as usize];
                    if let Some(pos) = agent.deferred.iter().position(|&(t, _, _)| t == task) {
                        let (t, end, state) = agent.deferred.remove(pos);
                        if self.tasks[t as usize].state == TaskState::Running {
                            self.task_finished(now, t, end, state);
                        }
                    }
                }
                // Otherwise it waits on the agent until it reconnects.
            }
            Timer::RandomCrash { host } => self.random_crash(now, host),
            Timer::RandomPartition { host } => self.random_partition(now, host),
            Timer::RandomMasterFailure => {
                self.fail_master(now);
                if let Some(m) = self.random.spec.master_mtbf_us {
                    let next = now.saturating_add(self.random.rng.exp_us(m));
                    self.timer(next, Timer::RandomMasterFailure);
                }
            }
        }
    }

    // ----- seeded random faults --------------------------------------

    /// Schedules the first random faults of `[faults]` (faults stream
    /// only): per host of the scenario, a crash and a partition; one
    /// master failure.
    pub fn start_random_faults(&mut self, hosts: &[AgentSpec]) {
        let f = self.random.spec.clone();
        if !f.any() {
            return;
        }
        for (i, h) in hosts.iter().enumerate() {
            if let Some(m) = f.agent_mtbf_us {
                let at = h.at_us.saturating_add(self.random.rng.exp_us(m));
                self.random.hosts.push(h.name.clone());
                self.timer(at, Timer::RandomCrash { host: i as u32 });
            }
            if let Some(m) = f.partition_mtbf_us {
                let at = h.at_us.saturating_add(self.random.rng.exp_us(m));
                self.timer(at, Timer::RandomPartition { host: i as u32 });
            }
        }
        self.random.hosts = hosts.iter().map(|h| h.name.clone()).collect();
        if let Some(m) = f.master_mtbf_us {
            let at = self.random.rng.exp_us(m);
            self.timer(at, Timer::RandomMasterFailure);
        }
    }

    fn random_crash(&mut self, now: Micros, host: u32) {
        let Some(&a) = self.agent_by_name.get(&self.random.hosts[host as usize]) else {
            return; // removed: no more faults
        };
        let spec = self.random.spec.clone();
        let mtbf = spec
            .agent_mtbf_us
            .expect("crashes scheduled only with agent_mtbf");
        if self.agents[a as usize].link == AgentLink::Up {
            let restart = spec.agent_mttr_us.map(|m| self.random.rng.exp_us(m));
            self.fail_agent(now, a, restart);
            // Without a restart the host stays down: no more crashes.
            if let Some(r) = restart {
                let next = now
                    .saturating_add(r)
                    .saturating_add(self.random.rng.exp_us(mtbf));
                self.timer(next, Timer::RandomCrash { host });
            }
        } else {
            let next = now.saturating_add(self.random.rng.exp_us(mtbf));
            self.timer(next, Timer::RandomCrash { host });
        }
    }

    fn random_partition(&mut self, now: Micros, host: u32) {
        let Some(&a) = self.agent_by_name.get(&self.random.hosts[host as usize]) else {
            return;
        };
        let spec = self.random.spec.clone();
        let mtbf = spec
            .partition_mtbf_us
            .expect("partitions scheduled only with partition_rate");
        let mut next = now;
        if self.agents[a as usize].link == AgentLink::Up {
            let d = self
                .random
                .rng
                .exp_us(spec.partition_duration_us.expect("validated"));
            self.partition_agent(now, a, Some(d));
            next = next.saturating_add(d);
        }
        next = next.saturating_add(self.random.rng.exp_us(mtbf));
        self.timer(next, Timer::RandomPartition { host });
    }

    /// Per-term sanity: the books a fresh master would rebuild from the
    /// registry and the agents equal the live ones (for the explorer).
    pub fn registry_agents(&self) -> Vec<String> {
        self.registry
            .admitted
            .iter()
            .map(|&a| self.agents[a as usize].name.clone())
            .collect()
    }
}

/// `[faults]` state: the spec, its stream and the hosts by spec index.
#[derive(Clone, Debug)]
pub(super) struct RandomFaults {
    pub spec: FaultsSpec,
    pub rng: Rng,
    pub hosts: Vec<String>,
}

impl RandomFaults {
    pub fn new(seed: u64, spec: &FaultsSpec) -> RandomFaults {
        RandomFaults {
            spec: spec.clone(),
            rng: Rng::new(seed, Stream::Faults),
            hosts: Vec::new(),
        }
    }
}
