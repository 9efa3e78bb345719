//! `tetris`: multi-resource packing (Grandl et al., SIGCOMM 2014;
//! reference 4.5).
//!
//! Placement is the paper's alignment score
//! ([`PlacementRule::Alignment`]: the agent maximising the dot product of
//! its free vector and the task's demand, both normalised by the agent's
//! capacity). Which framework goes next blends shortest remaining work
//! with the fairness knob `[allocator.tetris] fairness = f` (0 ≤ f < 1,
//! default 0): of the N clients with pending work, only the ⌈(1−f)·N⌉
//! furthest below their DRF fair share (lowest dominant share / weight)
//! are eligible; they are ordered by remaining work, shortest first
//! (`pending × duration × Σ_r demand_r / total_r`; a task that runs
//! forever counts as infinite work), the others after them in the same
//! order. f = 0 is pure packing + SRTF; f → 1 serves the single most
//! deprived framework (DRF).
//!
//! Differences from the paper: the score is not one blended `a + ε·p`
//! per (task, machine) pair: the allocator picks the framework first
//! (SRTF within the fairness set) and then the machine by alignment.
//! Tasks mode only.

use sim::resources::{dominant_share, Res, MAX_RES};
use sim::rng::Rng;
use sim::sorter::{ClientId, PlacementRule, Policy, Sorter, SorterConfig};
use sim::spec::Mode;

use crate::keyed::{frac, Client, Key, KeyRule, KeyedSorter};

pub struct TetrisRule {
    fairness: f64,
    /// Eligible per client id, set at `prepare`.
    eligible: Vec<bool>,
}

impl KeyRule for TetrisRule {
    fn key(&self, id: ClientId, c: &Client, total: &Res) -> Key {
        let Some(d) = &c.demand else {
            return [2.0, 0.0, 0.0];
        };
        let size: f64 = (0..MAX_RES).map(|r| frac(d.task.0[r], total.0[r])).sum();
        let work = match d.duration_us {
            Some(us) => d.pending as f64 * us as f64 * size,
            None => f64::INFINITY,
        };
        let e = self.eligible.get(id as usize).copied().unwrap_or(false);
        [if e { 0.0 } else { 1.0 }, work, 0.0]
    }
    fn prepare(&mut self, clients: &[Option<Client>], total: &Res) {
        let mut with: Vec<(f64, &str, usize)> = clients
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let c = c.as_ref()?;
                (c.active && c.demand.is_some()).then(|| {
                    (
                        dominant_share(&c.alloc, total) / c.weight,
                        c.path.as_str(),
                        i,
                    )
                })
            })
            .collect();
        with.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
        let n = with.len();
        let k = ((1.0 - self.fairness) * n as f64).ceil() as usize;
        self.eligible = vec![false; clients.len()];
        for &(_, _, i) in with.iter().take(k.max(1)) {
            self.eligible[i] = true;
        }
    }
    fn global_alloc(&self) -> bool {
        true
    }
    fn global_demand(&self) -> bool {
        true
    }
    fn volatile(&self) -> bool {
        true
    }
}

pub struct Tetris;

impl Policy for Tetris {
    fn name(&self) -> &'static str {
        "tetris"
    }
    fn sorter(&self, config: &SorterConfig, _rng: Rng) -> Box<dyn Sorter> {
        let fairness = config
            .params
            .get("fairness")
            .copied()
            .unwrap_or(0.0)
            .clamp(0.0, 0.999_999);
        Box::new(KeyedSorter::new(
            config,
            TetrisRule {
                fairness,
                eligible: Vec::new(),
            },
        ))
    }
    fn modes(&self) -> &'static [Mode] {
        &[Mode::Tasks]
    }
    fn wants_demand(&self) -> bool {
        true
    }
    fn placement(&self) -> Option<PlacementRule> {
        Some(PlacementRule::Alignment)
    }
}
