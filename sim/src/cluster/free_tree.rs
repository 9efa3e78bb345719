//! An index of agents by free capacity for tasks mode: a max-tree over
//! the agents (in index order) whose every node holds the componentwise
//! maximum of what its agents have available. A task can fit on an agent
//! only if it fits under every ancestor's maximum, so first-fit placement
//! descends only into subtrees that might hold a fit and finds the lowest
//! agent index that fits in about log(agents) steps, instead of scanning
//! every agent for every task (a cell of 12,500 machines made that
//! tasks x agents).

use crate::resources::Res;

pub(super) struct FreeTree {
    /// Leaves (a power of two, at least the number of agents).
    leaves: usize,
    /// Node 1 is the root; node i's children are 2i and 2i+1; leaf j is
    /// node `leaves + j`. Node 0 is unused.
    node: Vec<Res>,
}

impl FreeTree {
    pub(super) fn new() -> FreeTree {
        FreeTree {
            leaves: 0,
            node: Vec::new(),
        }
    }

    /// The componentwise maximum of every agent's free resources: a task
    /// that this does not contain fits nowhere.
    pub(super) fn max_free(&self) -> Res {
        self.node.get(1).copied().unwrap_or(Res::ZERO)
    }

    /// Sets agent `a`'s free resources (zero when it takes nothing).
    pub(super) fn set(&mut self, a: usize, free: Res) {
        if a >= self.leaves {
            self.grow(a + 1);
        }
        let mut i = self.leaves + a;
        self.node[i] = free;
        while i > 1 {
            i /= 2;
            let (l, r) = (self.node[2 * i], self.node[2 * i + 1]);
            let mut m = l;
            for (x, y) in m.0.iter_mut().zip(r.0.iter()) {
                *x = (*x).max(*y);
            }
            if self.node[i] == m {
                // The maximum above does not change either.
                break;
            }
            self.node[i] = m;
        }
    }

    fn grow(&mut self, at_least: usize) {
        let leaves = at_least.next_power_of_two().max(64);
        let mut node = vec![Res::ZERO; 2 * leaves];
        node[leaves..leaves + self.leaves].copy_from_slice(&self.node[self.leaves..]);
        for i in (1..leaves).rev() {
            let mut m = node[2 * i];
            for (x, y) in m.0.iter_mut().zip(node[2 * i + 1].0.iter()) {
                *x = (*x).max(*y);
            }
            node[i] = m;
        }
        self.leaves = leaves;
        self.node = node;
    }

    /// The lowest agent index whose free resources contain `need` and for
    /// which `ok` holds (`ok` makes the exact checks: reservations usable
    /// by the role, slots, quota room).
    pub(super) fn first_fit(&self, need: &Res, ok: &mut dyn FnMut(usize) -> bool) -> Option<usize> {
        if self.leaves == 0 || !self.node[1].contains(need) {
            return None;
        }
        // Depth-first, left child first: leaves are met in index order.
        // The stack holds at most one pending right sibling per level plus
        // the node at hand, so a fixed array does (no allocation per
        // placement: it was a third of the Alibaba replay in tasks mode).
        let mut stack = [0usize; 2 * usize::BITS as usize];
        let mut len = 1;
        stack[0] = 1;
        while len > 0 {
            len -= 1;
            let i = stack[len];
            if !self.node[i].contains(need) {
                continue;
            }
            if i >= self.leaves {
                let a = i - self.leaves;
                if ok(a) {
                    return Some(a);
                }
                continue;
            }
            stack[len] = 2 * i + 1;
            stack[len + 1] = 2 * i;
            len += 2;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{CPUS, MEM};

    fn res(cpus: i64, mem: i64) -> Res {
        let mut r = Res::ZERO;
        r.0[CPUS] = cpus;
        r.0[MEM] = mem;
        r
    }

    #[test]
    fn first_fit_is_the_lowest_index_that_fits_and_passes() {
        let mut t = FreeTree::new();
        // Agents 0..100 with (i % 7) cpus and (i % 5) mem.
        for i in 0..100 {
            t.set(i, res((i % 7) as i64, (i % 5) as i64));
        }
        let scan = |need: &Res, skip: usize| {
            (0..100).find(|&i| res((i % 7) as i64, (i % 5) as i64).contains(need) && i != skip)
        };
        for cpus in 0..8 {
            for mem in 0..6 {
                let need = res(cpus, mem);
                // (6, 4) fits first at i = 34 (34 % 7 = 6, 34 % 5 = 4).
                assert_eq!(t.first_fit(&need, &mut |_| true), scan(&need, usize::MAX));
                let first = scan(&need, usize::MAX);
                if let Some(f) = first {
                    assert_eq!(t.first_fit(&need, &mut |a| a != f), scan(&need, f));
                }
            }
        }
        assert_eq!(t.first_fit(&res(6, 4), &mut |_| true), Some(34));
        // Emptying agent 34 moves the first fit of (6, 4) to 69 (69 % 7 = 6,
        // 69 % 5 = 4), the next such index.
        t.set(34, Res::ZERO);
        assert_eq!(t.first_fit(&res(6, 4), &mut |_| true), Some(69));
        // Growing past the first 64 leaves keeps every agent.
        t.set(200, res(9, 9));
        assert_eq!(t.first_fit(&res(9, 9), &mut |_| true), Some(200));
        assert_eq!(t.first_fit(&res(6, 4), &mut |_| true), Some(69));
    }
}
