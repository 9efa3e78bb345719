//! Deep checks for the fault explorer (`mesosim explore`): every book the
//! allocator keeps incrementally is recomputed from scratch, from the
//! agents and the registry, and compared. After a master failover this is
//! the check that the rebuilt allocator equals one built from nothing.
//! O(agents + tasks) per call: for small scenarios, not for trace replays.

use super::faults::MasterView;
use super::{AgentIdx, Cluster, DEAD_SLOT};
use crate::record::TaskState;
use crate::resources::Res;

/// A fault planted on purpose, so that tests can show the explorer
/// catches a broken invariant (never set outside tests and `explore
/// --inject-bug`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectedBug {
    /// An agent re-registering after a master failover forgets to charge
    /// its running tasks to their frameworks' sorters.
    ForgetChargeOnReregister,
    /// A master failover keeps outstanding offers alive in the new
    /// leader's books instead of rescinding them.
    KeepOffersAcrossFailover,
}

impl InjectedBug {
    pub const ALL: [(&'static str, InjectedBug); 2] = [
        (
            "forget-charge-on-reregister",
            InjectedBug::ForgetChargeOnReregister,
        ),
        (
            "keep-offers-across-failover",
            InjectedBug::KeepOffersAcrossFailover,
        ),
    ];
}

impl Cluster {
    /// Plants a bug (tests only).
    pub fn inject_bug(&mut self, bug: InjectedBug) {
        self.bug = Some(bug);
    }

    /// Every incremental book against a recomputation; Err names the
    /// first difference.
    pub fn check_deep(&self) -> Result<(), String> {
        self.check_slots_deep()?;
        // Pool totals: the agents in the allocator.
        let mut total = Res::ZERO;
        let mut reserved = Res::ZERO;
        let mut charge = vec![Res::ZERO; self.frameworks.len()];
        let mut task_alloc = Res::ZERO;
        let mut revocable_alloc = Res::ZERO;
        for (i, agent) in self.agents.iter().enumerate() {
            let a = i as AgentIdx;
            if agent.active {
                if agent.view != MasterView::Registered || !self.leader_up {
                    return Err(format!(
                        "agent {} is in the allocator but not registered with a leader",
                        agent.name
                    ));
                }
                total.add(&agent.total.total());
                reserved.add(&agent.total.resv_total());
                for (fw, u) in &agent.usage {
                    if self.frameworks[*fw as usize].registered {
                        charge[*fw as usize].add(&u.total());
                    }
                }
            }
            // Every task on the host's list points back at it.
            for (slot, &t) in agent.tasks.iter().enumerate() {
                let task = &self.tasks[t as usize];
                if task.agent != a || task.slot as usize != slot {
                    return Err(format!(
                        "task {t} is listed on agent {} at slot {slot} but records agent {} slot {}",
                        agent.name, task.agent, task.slot
                    ));
                }
                if !matches!(
                    task.state,
                    TaskState::Running
                        | TaskState::Lost
                        | TaskState::Unreachable
                        | TaskState::Killed
                ) {
                    return Err(format!(
                        "task {t} runs on agent {} but is {}",
                        agent.name,
                        task.state.name()
                    ));
                }
                if agent.active && task.state == TaskState::Running {
                    let r = &self.jobs[task.job as usize].resources;
                    if task.revocable {
                        revocable_alloc.add(r);
                    } else {
                        task_alloc.add(r);
                    }
                }
            }
            if agent.active {
                let unreported = agent
                    .deferred
                    .iter()
                    .map(|&(t, _, _)| t)
                    .chain(agent.dead.iter().copied());
                for t in unreported {
                    let task = &self.tasks[t as usize];
                    if task.state == TaskState::Running {
                        let r = &self.jobs[task.job as usize].resources;
                        if task.revocable {
                            revocable_alloc.add(r);
                        } else {
                            task_alloc.add(r);
                        }
                    }
                }
            }
            let in_registry = self.registry.admitted.contains(&a);
            let admitted_view =
                matches!(agent.view, MasterView::Registered | MasterView::Recovered);
            if in_registry != admitted_view {
                return Err(format!(
                    "agent {}: registry admitted = {in_registry} but the master sees it {:?}",
                    agent.name, agent.view
                ));
            }
        }
        if total != self.total {
            return Err(format!(
                "pool total {:?} != sum of registered agents {:?}",
                self.total, total
            ));
        }
        if reserved != self.total_reserved {
            return Err(format!(
                "reserved total {:?} != sum of agents' reservations {:?}",
                self.total_reserved, reserved
            ));
        }
        if task_alloc != self.total_task_alloc {
            return Err(format!(
                "allocated to tasks {:?} != running tasks on registered agents {:?}",
                self.total_task_alloc, task_alloc
            ));
        }
        if revocable_alloc != self.revocable_task_alloc {
            return Err(format!(
                "allocated to revocable tasks {:?} != revocable tasks on registered agents {:?}",
                self.revocable_task_alloc, revocable_alloc
            ));
        }
        // Frameworks: charges, sorter allocations, running counts.
        let mut running = vec![0u64; self.frameworks.len()];
        for (t, task) in self.tasks.iter().enumerate() {
            if task.state == TaskState::Running {
                running[self.jobs[task.job as usize].framework as usize] += 1;
                // A task the master believes runs is on its agent's books:
                // on the host, or ended or dead there unreported.
                if task.slot == DEAD_SLOT {
                    let t = t as u64;
                    let agent = &self.agents[task.agent as usize];
                    let known =
                        agent.deferred.iter().any(|&(x, _, _)| x == t) || agent.dead.contains(&t);
                    if !known {
                        return Err(format!(
                            "task {t} is running in the master's eyes but on no agent"
                        ));
                    }
                }
            }
        }
        let mut role_alloc = vec![Res::ZERO; self.roles.len()];
        for (i, f) in self.frameworks.iter().enumerate() {
            if f.charge != charge[i] {
                return Err(format!(
                    "framework {}: charged {:?} but its usage on registered agents is {:?}",
                    f.name, f.charge, charge[i]
                ));
            }
            if f.running_tasks != running[i] {
                return Err(format!(
                    "framework {}: {} running tasks counted, {} found",
                    f.name, f.running_tasks, running[i]
                ));
            }
            if f.registered {
                let role = &self.roles[f.role as usize];
                let sorter = role.sorter.as_deref().ok_or_else(|| {
                    format!(
                        "framework {} is registered but its role has no sorter",
                        f.name
                    )
                })?;
                let a = sorter.allocation(i as u32);
                if a != f.charge {
                    return Err(format!(
                        "framework {}: its sorter holds {:?}, its charge is {:?}",
                        f.name, a, f.charge
                    ));
                }
                role_alloc[f.role as usize].add(&f.charge);
                // (A scripted REVIVE of a deactivated framework puts it back
                // in the sort, as the replayed Mesos allocator does.)
                if f.in_sort && (f.suppressed || f.removed || f.disconnected) {
                    return Err(format!(
                        "framework {}: in the sort = {}, active = {}, suppressed = {}",
                        f.name, f.in_sort, f.active, f.suppressed
                    ));
                }
            } else if !f.charge.is_empty() || f.in_sort {
                return Err(format!(
                    "framework {} is not in the allocator but is charged or sorted",
                    f.name
                ));
            }
        }
        for (r, role) in self.roles.iter().enumerate() {
            if role.sorter.is_some() {
                let a = self.role_sorter.allocation(r as u32);
                if a != role_alloc[r] {
                    return Err(format!(
                        "role {}: the role sorter holds {:?}, its frameworks {:?}",
                        role.name, a, role_alloc[r]
                    ));
                }
            }
        }
        // Offers: on registered agents, to frameworks in the allocator.
        for (id, o) in &self.live {
            let agent = &self.agents[o.agent as usize];
            let f = &self.frameworks[o.framework as usize];
            if !agent.active || !f.registered || !f.active {
                return Err(format!(
                    "offer {id} to {} on {} is live but the agent or framework left the allocator",
                    f.name, agent.name
                ));
            }
        }
        Ok(())
    }
}
