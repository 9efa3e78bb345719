//! The cluster's side of isolator accounting (`crate::isolation`): the
//! calls the engine makes when accounting is on. Every function here is a
//! no-op (or answers None) when it is off.

use super::{AgentIdx, Cluster, Effect, FwIdx};
use crate::isolation::IsolationStats;
use crate::resources::{Res, CPUS, MEM};
use crate::spec::Micros;

impl Cluster {
    /// True when the scenario turned isolator accounting on.
    pub fn accounting(&self) -> bool {
        self.iso.is_some()
    }

    /// The job just submitted (the last one) is job `job` of framework
    /// `fw` in the scenario: its usage profile and limits apply.
    pub fn accounting_job_submitted(&mut self, fw: FwIdx, job: usize) {
        if let Some(iso) = self.iso.as_deref_mut() {
            iso.job_submitted(fw as usize, job);
        }
    }

    /// Agent `a`'s accounting timer fires: OOM kills and finished work
    /// end their tasks now (resources recovered as for any task end).
    pub fn agent_timer(&mut self, now: Micros, a: AgentIdx, version: u64) {
        let Some(iso) = self.iso.as_deref_mut() else {
            return;
        };
        let ends = iso.timer(now, a, version);
        for (t, state) in ends {
            self.end_task(now, t, state);
        }
    }

    /// After everything at `now` happened: re-divides the cpus of the
    /// agents where something changed and schedules their timers.
    pub fn accounting_flush(&mut self, now: Micros) {
        if self.iso.is_none() {
            return;
        }
        // The QoS controller acts on what changed, before cpus are
        // divided again.
        self.qos_corrections(now);
        let Some(iso) = self.iso.as_deref_mut() else {
            return;
        };
        let mut timers = Vec::new();
        iso.flush(now, &mut timers);
        for (agent, version, at_us) in timers {
            self.effects.push(Effect::AgentTimer {
                agent,
                version,
                at_us,
            });
        }
    }

    /// What running tasks use now, in the `Res` of utilization.csv: cpus
    /// they get, memory they use (executor overhead included); resources
    /// without a usage model (disk, gpus, custom) count as allocated.
    /// None when accounting is off.
    pub fn accounting_used(&self) -> Option<Res> {
        let iso = self.iso.as_deref()?;
        let (cpus, mem) = iso.used();
        let mut used = self.total_task_alloc;
        used.0[CPUS] = cpus;
        used.0[MEM] = mem;
        Some(used)
    }

    /// Accounting's books agree with the agents': the same running tasks
    /// on every agent.
    pub(super) fn check_accounting(&self) -> Result<(), String> {
        let Some(iso) = self.iso.as_deref() else {
            return Ok(());
        };
        for (i, agent) in self.agents.iter().enumerate() {
            let mut mine: Vec<u64> = iso.agent_tasks(i as AgentIdx).to_vec();
            let mut theirs = agent.tasks.clone();
            mine.sort_unstable();
            theirs.sort_unstable();
            if mine != theirs {
                return Err(format!(
                    "agent {}: accounting tracks tasks {mine:?} but {theirs:?} run there",
                    agent.name
                ));
            }
        }
        Ok(())
    }

    /// Closes accounting at the run's end; its counts.
    pub fn accounting_finish(&mut self, end: Micros) -> Option<IsolationStats> {
        let counts = self.revocable_counts();
        let mut stats = self.iso.as_deref_mut().map(|iso| iso.finish(end))?;
        if let Some((offered, tasks)) = counts {
            stats.oversubscription = true;
            stats.revocable_offered = offered;
            stats.revocable_tasks = tasks;
        }
        Some(stats)
    }
}
