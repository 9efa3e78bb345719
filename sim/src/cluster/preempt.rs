//! Tasks mode: Borg-style preemption (Verma et al., EuroSys 2015, §2.5).
//! When the framework the policy picked has a next task that fits
//! nowhere, running tasks of strictly lower priority may be evicted to
//! make room: on each agent the lowest-priority tasks go first (the most
//! recently started first among equals, then the highest task id); the
//! agent chosen is the one whose eviction set has the lowest highest
//! priority, then the fewest tasks, then the lowest index. Evicted tasks go
//! back to the front of their job's place in their framework's queue
//! (Borg reschedules them); `tasks.csv` keeps their last run.

use super::{AgentIdx, Cluster, FwIdx, PendingGroup, TaskId, DEAD_SLOT, NEVER};
use crate::record::{TaskState, NO_AGENT};
use crate::spec::Micros;

impl Cluster {
    /// Evicts lower-priority tasks so that `fw`'s next task fits, and
    /// places it. Returns true if it was placed.
    pub(super) fn preempt_for(&mut self, now: Micros, fw: FwIdx) -> bool {
        let f = &self.frameworks[fw as usize];
        let Some(group) = f.pending.front().copied() else {
            return false;
        };
        let role = f.role;
        let job = &self.jobs[group.job as usize];
        if job.gang && group.remaining == job.tasks && job.tasks > 1 {
            return false; // rigid jobs do not preempt (documented)
        }
        let (need, prio) = (job.resources, job.priority);
        let mut best: Option<((i64, usize), AgentIdx, Vec<TaskId>)> = None;
        for a in 0..self.agents.len() as AgentIdx {
            let agent = &self.agents[a as usize];
            if !agent.active || agent.deactivated || !self.hears(a) {
                continue;
            }
            let mut cands: Vec<(i64, Micros, TaskId)> = agent
                .tasks
                .iter()
                .filter(|&&t| self.tasks[t as usize].state == TaskState::Running)
                .map(|&t| {
                    let task = &self.tasks[t as usize];
                    (self.jobs[task.job as usize].priority, task.start_us, t)
                })
                .filter(|&(p, _, _)| p < prio)
                .collect();
            // Lowest priority first; among equals the latest started, then
            // the highest id.
            cands.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)).then(y.2.cmp(&x.2)));
            let mut free = self.available_for(a, role).total();
            let mut victims = Vec::new();
            let mut top = i64::MIN;
            for (p, _, t) in cands {
                if free.contains(&need) {
                    break;
                }
                let res = self.jobs[self.tasks[t as usize].job as usize].resources;
                let part = self.task_split(t, res);
                free.add(&part.unres);
                for (rr, r) in &part.resv {
                    if self.reservation_usable_by(*rr, role) {
                        free.add(r);
                    }
                }
                victims.push(t);
                top = top.max(p);
            }
            if victims.is_empty() || !free.contains(&need) {
                continue;
            }
            let key = (top, victims.len());
            if best.as_ref().is_none_or(|(k, _, _)| key < *k) {
                best = Some((key, a, victims));
            }
        }
        let Some((_, a, victims)) = best else {
            return false;
        };
        for t in victims {
            self.evict(now, t);
        }
        let placed = self.place_one(now, fw, &[a]);
        placed == super::Placed::Yes
    }

    /// Evicts a running task: its resources come back at once and it goes
    /// back to its framework's queue, in submission order.
    fn evict(&mut self, now: Micros, t: TaskId) {
        let task = &self.tasks[t as usize];
        let a = task.agent;
        let slot = task.slot as usize;
        {
            let agent = &mut self.agents[a as usize];
            agent.tasks.swap_remove(slot);
            if slot < agent.tasks.len() {
                let moved = agent.tasks[slot];
                self.tasks[moved as usize].slot = slot as u32;
            }
        }
        self.stop_on_host(now, t);
        let job = self.tasks[t as usize].job;
        let (fw, res) = (
            self.jobs[job as usize].framework,
            self.jobs[job as usize].resources,
        );
        let part = self.task_split(t, res);
        self.task_resv.remove(&t);
        self.track_task_alloc(t, &res, false);
        self.recover(fw, a, &part);
        let task = &mut self.tasks[t as usize];
        task.state = TaskState::Pending;
        task.start_us = NEVER;
        task.end_us = NEVER;
        task.agent = NO_AGENT;
        task.slot = DEAD_SLOT;
        let f = &mut self.frameworks[fw as usize];
        f.running_tasks -= 1;
        f.pending_tasks += 1;
        let pos = f
            .pending
            .iter()
            .position(|g| (g.job, g.next_task) > (job, t))
            .unwrap_or(f.pending.len());
        f.pending.insert(
            pos,
            PendingGroup {
                job,
                next_task: t,
                remaining: 1,
            },
        );
        f.min_demand = f.min_demand.map(|m| m.min(&res));
        self.mark_changed(fw);
        self.update_demand(fw);
        self.preemptions += 1;
        self.tasks_dirty = true;
    }
}
