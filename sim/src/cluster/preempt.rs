//! Tasks mode: preemption. When the framework the policy picked has a next
//! task that fits nowhere, running tasks may be evicted to make room, by
//! the policy's rule:
//! - `Priority` (Borg, Verma et al., EuroSys 2015, §2.5): tasks of strictly
//!   lower priority, lowest first; the agent chosen is the one whose
//!   eviction set has the lowest highest priority, then the fewest tasks;
//! - `Capacity` (YARN's capacity preemption, simplified): only a queue
//!   that with the task stays at or under its capacity may evict, and only
//!   tasks of queues over theirs, the most over first, never taking a
//!   queue below its capacity; the agent needing the fewest evictions.
//!
//! Among equals the most recently started task goes first, then the
//! highest task id; ties between agents go to the lowest index. Evicted tasks go
//! back to the front of their job's place in their framework's queue
//! (Borg reschedules them); `tasks.csv` keeps their last run.

use super::{AgentIdx, Cluster, FwIdx, PendingGroup, RoleIdx, TaskId, DEAD_SLOT, NEVER};
use crate::resources::{dominant_share, Res};
use crate::sorter::Preemption;

/// Queue charges and capacities for capacity preemption, by role index.
struct QueueBooks {
    charge: Vec<Res>,
    cap: Vec<f64>,
}
use crate::record::{TaskState, NO_AGENT};
use crate::spec::Micros;

impl Cluster {
    /// Evicts lower-priority tasks so that `fw`'s next task fits, and
    /// places it. Returns true if it was placed.
    pub(super) fn preempt_for(&mut self, now: Micros, fw: FwIdx) -> bool {
        let Some(rule) = self.preemption else {
            return false;
        };
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
        // Capacity: queue shares and capacities, and whether the blocked
        // queue is entitled (at or under its capacity with the task).
        let queues = match rule {
            Preemption::Capacity => match self.queue_books(role, &need) {
                Some(q) => Some(q),
                None => return false,
            },
            Preemption::Priority => None,
        };
        let total = self.regular_total();
        let mut best: Option<((i64, usize), AgentIdx, Vec<TaskId>)> = None;
        for a in 0..self.agents.len() as AgentIdx {
            let agent = &self.agents[a as usize];
            if !agent.active || agent.deactivated || !self.hears(a) {
                continue;
            }
            // (rank, start, id): evicted in that order, lowest rank first.
            let mut cands: Vec<(i64, Micros, TaskId)> = Vec::new();
            for &t in &agent.tasks {
                let task = &self.tasks[t as usize];
                if task.state != TaskState::Running || task.revocable {
                    continue;
                }
                let j = &self.jobs[task.job as usize];
                match (&queues, rule) {
                    (_, Preemption::Priority) => {
                        if j.priority < prio {
                            cands.push((j.priority, task.start_us, t));
                        }
                    }
                    (Some(q), Preemption::Capacity) => {
                        let qr = self.frameworks[j.framework as usize].role;
                        let (charge, cap) = (&q.charge[qr as usize], q.cap[qr as usize]);
                        let share = dominant_share(charge, &total);
                        if qr != role && share > cap {
                            // The queue most over its capacity first.
                            let over = ((share / cap.max(1e-12)) * 1e9) as i64;
                            cands.push((-over, task.start_us, t));
                        }
                    }
                    (None, Preemption::Capacity) => {}
                }
            }
            // Among equals the latest started first, then the highest id.
            cands.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)).then(y.2.cmp(&x.2)));
            let mut free = self.available_for(a, role).total();
            let mut charges = queues.as_ref().map(|q| q.charge.clone());
            let mut victims = Vec::new();
            let mut top = i64::MIN;
            for (rank, _, t) in cands {
                if free.contains(&need) {
                    break;
                }
                let j = &self.jobs[self.tasks[t as usize].job as usize];
                let res = j.resources;
                if let (Some(ch), Some(q)) = (charges.as_mut(), queues.as_ref()) {
                    // Never below its capacity.
                    let qr = self.frameworks[j.framework as usize].role as usize;
                    let after = ch[qr].minus(&res);
                    if dominant_share(&after, &total) < q.cap[qr] {
                        continue;
                    }
                    ch[qr] = after;
                }
                let part = self.task_split(t, res);
                free.add(&part.unres);
                for (rr, r) in &part.resv {
                    if self.reservation_usable_by(*rr, role) {
                        free.add(r);
                    }
                }
                victims.push(t);
                top = top.max(if rule == Preemption::Priority {
                    rank
                } else {
                    0
                });
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

    /// Capacity preemption: each role's charge and capacity (fraction);
    /// None if `role`, with `need` more, would be over its capacity (not
    /// entitled to take anything back).
    fn queue_books(&self, role: RoleIdx, need: &Res) -> Option<QueueBooks> {
        let n = self.roles.len();
        let mut charge = vec![Res::ZERO; n];
        for f in &self.frameworks {
            if f.registered {
                charge[f.role as usize].add(&f.charge);
            }
        }
        let active = self
            .roles
            .iter()
            .filter(|r| r.framework_count > 0)
            .count()
            .max(1);
        let cap: Vec<f64> = self
            .roles
            .iter()
            .map(|r| {
                self.role_config
                    .params
                    .get(&format!("capacity.{}", r.name))
                    .map(|p| p / 100.0)
                    .unwrap_or(1.0 / active as f64)
            })
            .collect();
        let total = self.regular_total();
        let mine = charge[role as usize].plus(need);
        if dominant_share(&mine, &total) > cap[role as usize] {
            return None;
        }
        Some(QueueBooks { charge, cap })
    }

    /// Evicts a running task: its resources come back at once and it goes
    /// back to its framework's queue, in submission order.
    fn evict(&mut self, now: Micros, t: TaskId) {
        let task = &self.tasks[t as usize];
        let a = task.agent;
        self.detach_from_host(t);
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
