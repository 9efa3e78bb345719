//! Per-agent slots, for policies that count them
//! (`Policy::slots_per_agent`, the `slots` policy: Hadoop Fair Scheduler,
//! reference 4.1).
//!
//! Each agent is cut into N equal slots: a slot is the agent's own
//! (regular) total / N, per resource, so slots differ between agents of
//! different sizes. A task of demand `d` takes
//! `ceil(max_r d_r / slot_r) = max_r ceil(d_r · N / total_r)` slots on the
//! agent it runs on, computed in integers (thousandths), so there is no
//! rounding to guard against. A task asking for a resource the agent has
//! none of takes more than N slots: it fits nowhere there.
//!
//! What is counted, per agent and framework (`Agent::slot_usage`):
//! - tasks mode: the sum of the slots of the charges, and every charge is
//!   one task (placed, or ended, evicted, killed), so this is the sum over
//!   the framework's tasks there, exact. A task is admitted on an agent
//!   only if its slots are free there (`admits`), on top of its resources
//!   fitting;
//! - offers mode: the slots that the framework's whole charge on the agent
//!   (offered or in use) covers, `ceil(max_r charge_r / slot_r)`,
//!   recomputed whenever it changes. Frameworks choose what to launch in
//!   an offer, so there is no admission: the policy only orders, by slots
//!   held.
//!
//! Each change is handed to the role sorter and the framework sorter
//! (`Sorter::slots`), which order clients by slots held.

use super::{AgentIdx, Cluster, FwIdx, Split};
use crate::resources::{Res, MAX_RES};
use crate::spec::Mode;

/// Slots a task of `d` takes on an agent of regular total `agent_total`
/// cut into `per_agent` slots: `max_r ceil(d_r · N / total_r)`; more
/// than N (`u64::MAX`) when the agent lacks a resource the task asks for.
pub fn slots_of(agent_total: &Res, per_agent: u32, d: &Res) -> u64 {
    let n = per_agent as i128;
    let mut k: u64 = 0;
    for r in 0..MAX_RES {
        let need = d.0[r] as i128;
        if need <= 0 {
            continue;
        }
        let total = agent_total.0[r] as i128;
        if total <= 0 {
            return u64::MAX;
        }
        // ceil(need · N / total) in integers.
        let kr = (need * n + total - 1) / total;
        k = k.max(u64::try_from(kr).unwrap_or(u64::MAX));
    }
    k
}

/// The slots `fw` holds in a per-agent tally (0 if none).
pub(super) fn held_by(tally: &[(FwIdx, u64)], fw: FwIdx) -> u64 {
    tally
        .iter()
        .find(|(f, _)| *f == fw)
        .map(|(_, k)| *k)
        .unwrap_or(0)
}

/// Adds `k` slots to `fw` in a tally.
pub(super) fn add_held(tally: &mut Vec<(FwIdx, u64)>, fw: FwIdx, k: u64) {
    match tally.iter_mut().find(|(f, _)| *f == fw) {
        Some((_, h)) => *h = h.saturating_add(k),
        None => tally.push((fw, k)),
    }
}

impl Cluster {
    /// Slots `res` takes on agent `a` (0 without a slot policy).
    pub(super) fn slots_on(&self, a: AgentIdx, res: &Res) -> u64 {
        match self.slots_per_agent {
            Some(n) => slots_of(&self.agents[a as usize].total.regular_total(), n, res),
            None => 0,
        }
    }

    /// Tasks mode: whether agent `a` has the slots a task of `res` takes
    /// (always true without a slot policy).
    pub(super) fn admits(&self, a: AgentIdx, res: &Res) -> bool {
        match self.slots_per_agent {
            Some(n) if self.mode == Mode::Tasks => {
                let k = self.slots_on(a, res);
                self.agents[a as usize].slots_used.saturating_add(k) <= n as u64
            }
            _ => true,
        }
    }

    /// `part` was just charged to (`add`) or recovered from `fw` on agent
    /// `a` (its usage there already changed): moves the agent's slot tally
    /// and returns the change in the slots `fw` holds.
    pub(super) fn retally(&mut self, fw: FwIdx, a: AgentIdx, part: &Split, add: bool) -> i64 {
        if self.slots_per_agent.is_none() {
            return 0;
        }
        let agent = &self.agents[a as usize];
        let old = held_by(&agent.slot_usage, fw);
        let new = match self.mode {
            // One charge is one task.
            Mode::Tasks => {
                let k = self.slots_on(a, &part.total());
                if add {
                    old.saturating_add(k)
                } else {
                    old.saturating_sub(k)
                }
            }
            Mode::Offers => {
                let now = agent
                    .usage
                    .iter()
                    .find(|(f, _)| *f == fw)
                    .map(|(_, u)| u.total())
                    .unwrap_or(Res::ZERO);
                self.slots_on(a, &now)
            }
        };
        let agent = &mut self.agents[a as usize];
        match agent.slot_usage.iter().position(|(f, _)| *f == fw) {
            Some(p) if new == 0 => {
                agent.slot_usage.swap_remove(p);
            }
            Some(p) => agent.slot_usage[p].1 = new,
            None if new > 0 => agent.slot_usage.push((fw, new)),
            None => {}
        }
        agent.slots_used = agent.slots_used - old + new;
        new as i64 - old as i64
    }

    /// Sets agent `a`'s slot tally as it (re-)joins the allocator: the
    /// per-task sums `task_slots` in tasks mode, or in offers mode what
    /// each framework's usage there covers.
    pub(super) fn tally_agent(&mut self, a: AgentIdx, task_slots: Vec<(FwIdx, u64)>) {
        if self.slots_per_agent.is_none() {
            return;
        }
        let tally = match self.mode {
            Mode::Tasks => task_slots,
            Mode::Offers => {
                let usage: Vec<(FwIdx, Res)> = self.agents[a as usize]
                    .usage
                    .iter()
                    .map(|(f, u)| (*f, u.total()))
                    .collect();
                usage
                    .into_iter()
                    .map(|(f, u)| (f, self.slots_on(a, &u)))
                    .filter(|(_, k)| *k > 0)
                    .collect()
            }
        };
        let agent = &mut self.agents[a as usize];
        agent.slots_used = tally.iter().map(|(_, k)| *k).sum();
        agent.slot_usage = tally;
    }

    /// Invariant: every active agent's slot sum is its tally's, and in
    /// tasks mode at most N.
    pub(super) fn check_slots(&self) -> Result<(), String> {
        let Some(n) = self.slots_per_agent else {
            return Ok(());
        };
        for (i, agent) in self.agents.iter().enumerate() {
            if !agent.active {
                continue;
            }
            let sum: u64 = agent.slot_usage.iter().map(|(_, k)| *k).sum();
            if sum != agent.slots_used {
                return Err(format!(
                    "agent {i}: slots used {} but its tally sums to {sum}",
                    agent.slots_used
                ));
            }
            if self.mode == Mode::Tasks && sum > n as u64 {
                return Err(format!("agent {i}: {sum} slots used of {n}"));
            }
        }
        Ok(())
    }
}

impl Cluster {
    /// Deep check (`check_deep`): every active agent's slot tally
    /// recomputed from scratch. Tasks mode: per framework, the sum of the
    /// slots of the tasks the allocator counts there (running on the
    /// host, or ended or dead there unreported, as `task_alloc`); offers
    /// mode: the slots each framework's usage there covers.
    pub(super) fn check_slots_deep(&self) -> Result<(), String> {
        if self.slots_per_agent.is_none() {
            return Ok(());
        }
        for (i, agent) in self.agents.iter().enumerate() {
            if !agent.active {
                continue;
            }
            let a = i as AgentIdx;
            let mut want: Vec<(FwIdx, u64)> = Vec::new();
            match self.mode {
                Mode::Tasks => {
                    let believed = agent
                        .tasks
                        .iter()
                        .copied()
                        .chain(agent.deferred.iter().map(|&(t, _, _)| t))
                        .chain(agent.dead.iter().copied());
                    for t in believed {
                        let task = &self.tasks[t as usize];
                        if task.state == crate::record::TaskState::Running {
                            let job = &self.jobs[task.job as usize];
                            add_held(&mut want, job.framework, self.slots_on(a, &job.resources));
                        }
                    }
                }
                Mode::Offers => {
                    for (f, u) in &agent.usage {
                        add_held(&mut want, *f, self.slots_on(a, &u.total()));
                    }
                }
            }
            want.retain(|(_, k)| *k > 0);
            want.sort_unstable();
            let mut got = agent.slot_usage.clone();
            got.sort_unstable();
            if got != want {
                return Err(format!(
                    "agent {}: slots held per framework {got:?}, recomputed {want:?}",
                    agent.name
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{CPUS, MEM};

    fn res(cpus_milli: i64, mem_mib: i64) -> Res {
        let mut r = Res::ZERO;
        r.0[CPUS] = cpus_milli;
        r.0[MEM] = mem_mib * 1000;
        r
    }

    #[test]
    fn slots_of_is_the_ceiling_of_the_largest_demand_over_slot_ratio() {
        // Reference 4.1 (TV16): <9 CPUs, 18 GB> in 9 slots of <1, 2 GB>:
        // A <1, 4 GB> takes max(1/1, 4/2) = 2 slots, B <3, 1 GB> 3.
        let agent = res(9000, 18432);
        assert_eq!(slots_of(&agent, 9, &res(1000, 4096)), 2);
        assert_eq!(slots_of(&agent, 9, &res(3000, 1024)), 3);
        // Hand computation: <4, 8 GB> in 4 slots of <1, 2 GB> and <8, 4 GB>
        // in 4 of <2, 1 GB>: <1, 2 GB> takes 1 and 2; <2, 1 GB> 2 and 1.
        let (a1, a2) = (res(4000, 8192), res(8000, 4096));
        assert_eq!(slots_of(&a1, 4, &res(1000, 2048)), 1);
        assert_eq!(slots_of(&a2, 4, &res(1000, 2048)), 2);
        assert_eq!(slots_of(&a1, 4, &res(2000, 1024)), 2);
        assert_eq!(slots_of(&a2, 4, &res(2000, 1024)), 1);
        // Just over one slot is two: 1.001 CPUs on 1-CPU slots.
        assert_eq!(slots_of(&a1, 4, &res(1001, 1)), 2);
        // Nothing asked: no slot; a resource the agent lacks: never fits.
        assert_eq!(slots_of(&a1, 4, &Res::ZERO), 0);
        let mut gpu = Res::ZERO;
        gpu.0[MAX_RES - 1] = 1000;
        assert_eq!(slots_of(&a1, 4, &gpu), u64::MAX);
    }
}
