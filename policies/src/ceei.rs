//! `ceei`: competitive equilibrium from equal incomes (Ghodsi et al., NSDI
//! 2011, section 5.2), as the Eisenberg–Gale program.
//!
//! For the clients with pending work, with demand vectors `D_i` (their
//! next task, normalised by the cluster totals) and budgets `w_i` (role
//! weights; 1 for frameworks), the fluid equilibrium solves
//! `max Σ w_i log x_i  s.t.  Σ_i x_i D_i ≤ 1` (x_i in tasks). [`solve`]
//! finds it through the dual: prices `p_r ≥ 0` with `x_i = w_i / (p·D_i)`,
//! iterated by the proportional (multiplicative) update
//! `p_r ← p_r · Σ_i x_i D_ir`, a fixed number of times from equal prices:
//! deterministic, and at the fixed point every priced resource is exactly
//! used. Whole tasks are then handed out toward these targets: clients are
//! ordered by how far below their target they are (`target − tasks held`,
//! largest first), then allocation count, then name. The targets are
//! recomputed when a client's task shape changes or it gains or loses all
//! its pending work.

use sim::resources::{Res, MAX_RES};
use sim::rng::Rng;
use sim::sorter::{ClientId, Policy, Sorter, SorterConfig};

use crate::keyed::{frac, tasks_held, Client, Key, KeyRule, KeyedSorter};

/// Most iterations of the price update (it stops earlier once prices
/// no longer move).
pub const ITERATIONS: usize = 20_000;

/// The fluid Eisenberg–Gale allocation: tasks for each of `demands`
/// (already normalised by the totals), with budgets `budgets`.
pub fn solve(demands: &[[f64; MAX_RES]], budgets: &[f64]) -> Vec<f64> {
    let n = demands.len();
    if n == 0 {
        return Vec::new();
    }
    let used: Vec<usize> = (0..MAX_RES)
        .filter(|&r| demands.iter().any(|d| d[r] > 0.0))
        .collect();
    let budget: f64 = budgets.iter().sum();
    let mut p = [0.0f64; MAX_RES];
    for &r in &used {
        p[r] = budget / used.len() as f64;
    }
    let mut x = vec![0.0; n];
    for _ in 0..ITERATIONS {
        for i in 0..n {
            let cost: f64 = used.iter().map(|&r| p[r] * demands[i][r]).sum();
            x[i] = if cost > 0.0 { budgets[i] / cost } else { 0.0 };
        }
        let mut z = [0.0f64; MAX_RES];
        for i in 0..n {
            for &r in &used {
                z[r] += x[i] * demands[i][r];
            }
        }
        let mut change = 0.0f64;
        for &r in &used {
            let next = p[r] * z[r];
            change = change.max((next - p[r]).abs());
            p[r] = next;
        }
        if change <= 1e-15 * budget {
            break;
        }
    }
    // Scale down onto the feasible set (the iteration approaches it from
    // either side): the largest use of any resource becomes at most 1.
    let mut worst = 0.0f64;
    for &r in &used {
        let z: f64 = (0..n).map(|i| x[i] * demands[i][r]).sum();
        worst = worst.max(z);
    }
    if worst > 1.0 {
        for v in x.iter_mut() {
            *v /= worst;
        }
    }
    x
}

#[derive(Default)]
pub struct CeeiRule {
    /// Target tasks per client id (NaN: no target).
    pub targets: Vec<f64>,
}

impl KeyRule for CeeiRule {
    fn key(&self, id: ClientId, c: &Client, _total: &Res) -> Key {
        let target = self.targets.get(id as usize).copied().unwrap_or(f64::NAN);
        match &c.demand {
            Some(d) if !target.is_nan() => [-(target - tasks_held(&c.alloc, &d.task)), 0.0, 0.0],
            _ => [f64::INFINITY, 0.0, 0.0],
        }
    }
    fn prepare(&mut self, clients: &[Option<Client>], total: &Res) {
        let mut ids = Vec::new();
        let mut demands = Vec::new();
        let mut budgets = Vec::new();
        for (i, c) in clients.iter().enumerate() {
            let Some(c) = c else { continue };
            let Some(d) = &c.demand else { continue };
            if !c.active {
                continue;
            }
            let mut v = [0.0; MAX_RES];
            for (r, x) in v.iter_mut().enumerate() {
                *x = frac(d.task.0[r], total.0[r]);
            }
            ids.push(i);
            demands.push(v);
            budgets.push(c.weight);
        }
        let x = solve(&demands, &budgets);
        self.targets = vec![f64::NAN; clients.len()];
        for (k, &i) in ids.iter().enumerate() {
            self.targets[i] = x[k];
        }
    }
    fn global_demand(&self) -> bool {
        true
    }
}

pub struct Ceei;

impl Policy for Ceei {
    fn name(&self) -> &'static str {
        "ceei"
    }
    fn sorter(&self, config: &SorterConfig, _rng: Rng) -> Box<dyn Sorter> {
        Box::new(KeyedSorter::new(config, CeeiRule::default()))
    }
    fn wants_demand(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tv3_fluid_equilibrium() {
        // Reference 2.6 (TV3): <9 CPUs, 18 GB>, A <1, 4>, B <3, 1>: the
        // vertex x = 45/11, y = 18/11.
        let mut a = [0.0; MAX_RES];
        a[0] = 1.0 / 9.0;
        a[1] = 4.0 / 18.0;
        let mut b = [0.0; MAX_RES];
        b[0] = 3.0 / 9.0;
        b[1] = 1.0 / 18.0;
        let x = solve(&[a, b], &[1.0, 1.0]);
        assert!((x[0] - 45.0 / 11.0).abs() < 1e-6, "{x:?}");
        assert!((x[1] - 18.0 / 11.0).abs() < 1e-6, "{x:?}");
    }

    #[test]
    fn tv5_lying_pays_under_ceei() {
        // Reference 2.6 (TV5): R = <12, 12>, U2 <1, 2>. U1 truthful <3, 1>
        // gets 2.4 tasks (U2 4.8); claiming <3, 2> it gets 3 tasks of
        // <3, 2>, i.e. <9, 6>: 3 true tasks (U2 falls to 3).
        let v = |c: f64, m: f64| {
            let mut d = [0.0; MAX_RES];
            d[0] = c / 12.0;
            d[1] = m / 12.0;
            d
        };
        let x = solve(&[v(3.0, 1.0), v(1.0, 2.0)], &[1.0, 1.0]);
        assert!(
            (x[0] - 2.4).abs() < 1e-6 && (x[1] - 4.8).abs() < 1e-6,
            "{x:?}"
        );
        // This optimum is degenerate (the best point on the memory line is
        // exactly the vertex, so the CPU price tends to 0): the price
        // iteration converges sublinearly there, to within 1e-3.
        let x = solve(&[v(3.0, 2.0), v(1.0, 2.0)], &[1.0, 1.0]);
        assert!(
            (x[0] - 3.0).abs() < 1e-3 && (x[1] - 3.0).abs() < 1e-3,
            "{x:?}"
        );
    }
}
