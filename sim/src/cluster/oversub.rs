//! Oversubscription (`[oversubscription]`, docs/isolation.md): the
//! agents' resource estimator feeding revocable resources to the
//! allocator (Mesos's `updateSlave` with oversubscribed resources), and
//! the QoS controller's kills. Every function here is a no-op when
//! oversubscription is off, so runs without it are unchanged.

use super::{AgentIdx, Cluster, Revocable};
use crate::record::TaskState;
use crate::resources::{Res, CPUS, MEM};
use crate::spec::Micros;

impl Cluster {
    /// When the resource estimators run next (None: oversubscription is
    /// off).
    pub fn next_estimate(&self) -> Option<Micros> {
        self.oversub.as_ref().map(|_| self.next_estimate_us)
    }

    /// At every multiple of the estimator's interval, each agent the
    /// master hears re-estimates its revocable resources: the slack of
    /// its regular tasks (requested minus used) times `1 - safety_margin`,
    /// for cpus and mem. The allocator takes the new revocable total
    /// (Mesos's `updateSlave`): it is part of the agent's total and of the
    /// sorters' totals, and a change asks for an allocation on that agent.
    /// The total never drops below what revocable offers and tasks hold
    /// there (Mesos's agents add the revocable resources in use to the
    /// estimator's free amount).
    pub fn run_estimator(&mut self, now: Micros) {
        let Some(o) = self.oversub.as_ref() else {
            return;
        };
        if now < self.next_estimate_us {
            return;
        }
        let (margin, interval) = (o.safety_margin_ppm, o.interval_us);
        self.next_estimate_us = now.saturating_add(interval);
        if !self.leader_up {
            return;
        }
        for a in 0..self.agents.len() as AgentIdx {
            if !self.agents[a as usize].active || !self.hears(a) {
                continue;
            }
            let (cpus, mem) = match self.iso.as_deref() {
                Some(iso) => iso.estimate(a, margin),
                None => (0, 0),
            };
            let mut est = Res::ZERO;
            est.0[CPUS] = cpus;
            est.0[MEM] = mem;
            self.update_revocable(now, a, est);
        }
    }

    /// The allocator's side of a new estimate on agent `a`.
    fn update_revocable(&mut self, now: Micros, a: AgentIdx, est: Res) {
        let agent = &self.agents[a as usize];
        let old = *agent.total.revoc;
        let held = old.minus(&agent.avail.revoc);
        let mut new = est;
        for (n, h) in new.0.iter_mut().zip(held.0.iter()) {
            *n = (*n).max(*h);
        }
        if new == old {
            return;
        }
        let grew = !old.contains(&new);
        let agent = &mut self.agents[a as usize];
        agent.total.revoc = Revocable::new(new);
        agent.avail.revoc = Revocable::new(new.minus(&held));
        self.total.sub(&old);
        self.total.add(&new);
        self.total_revocable.sub(&old);
        self.total_revocable.add(&new);
        self.role_sorter.remove_total(&old);
        self.role_sorter.add_total(&new);
        for role in self.roles.iter_mut() {
            if let Some(s) = role.sorter.as_mut() {
                s.remove_total(&old);
                s.add_total(&new);
            }
        }
        self.refresh_free(a);
        self.totals_changed = true;
        if grew {
            self.last_progress_us = now;
        }
        self.request(Some(a));
    }

    /// The QoS controller's kills on the agents that changed at `now`:
    /// TASK_GONE for partition-aware frameworks, TASK_LOST otherwise
    /// (REASON_EXECUTOR_PREEMPTED); resources recovered as for any task
    /// end (they wait for the next pass).
    pub(super) fn qos_corrections(&mut self, now: Micros) {
        if self.oversub.is_none() {
            return;
        }
        let Some(iso) = self.iso.as_deref_mut() else {
            return;
        };
        for t in iso.qos_kills() {
            let fw = self.jobs[self.tasks[t as usize].job as usize].framework;
            let state = if self.frameworks[fw as usize].partition_aware {
                TaskState::Gone
            } else {
                TaskState::Lost
            };
            self.end_task(now, t, state);
        }
    }

    /// The revocable counts for summary.json (None when off).
    pub(super) fn revocable_counts(&self) -> Option<(u64, u64)> {
        self.oversub
            .as_ref()
            .map(|_| (self.revocable_offers, self.revocable_launches))
    }
}
