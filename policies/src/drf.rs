//! `drf`: Dominant Resource Fairness, exactly as Mesos's DRF sorter.
//!
//! Source: Ghodsi et al., NSDI 2011, as implemented by Apache Mesos 1.11
//! in `src/master/allocator/mesos/sorter/drf/sorter.{hpp,cpp}`:
//!
//! - a client's share is the largest `allocation / total` over the scalar
//!   resources of the whole cluster (resources with a zero total skipped),
//!   divided by the node's weight, in doubles computed in that order;
//! - clients sort by share, then by how many times they were allocated to
//!   (a count that never decreases), then by path (byte order);
//! - roles form a tree on "/": an internal node's share is its subtree's
//!   allocation; a role that has both frameworks and subroles gets an
//!   implicit leaf "role/." with weight 1; `sort` lists active leaves in
//!   pre-order with siblings in DRF order;
//! - inactive clients keep their allocation but are never listed.
//!
//! The tree is kept sorted between allocations and repaired locally when
//! one client is charged (Mesos 1.7.1's optimisation); anything else marks
//! it dirty and the next `sort` re-sorts it whole. Both give the same order
//! because the sort key is a total order.

use std::collections::BTreeMap;

use sim::resources::{dominant_share, Res};
use sim::sorter::{ClientId, Level, Sorter, SorterConfig};
use sim::spec::TieBreak;

const NONE: usize = usize::MAX;

/// A share function: `(allocation, cluster total) -> share` (unweighted).
pub type ShareFn = fn(&Res, &Res) -> f64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Internal,
    ActiveLeaf,
    InactiveLeaf,
}

struct Node {
    name: String,
    /// Full path ("a/b", or "a/." for an implicit leaf).
    path: String,
    kind: Kind,
    parent: usize,
    /// Active leaves and internal nodes first (sorted), inactive leaves last.
    children: Vec<usize>,
    allocation: Res,
    /// Times `allocated` was called on this node's subtree; never decreases.
    count: u64,
    share: f64,
    /// Place of `path` among all nodes' paths (equal paths, equal ranks):
    /// ties between equal shares and counts compare these integers
    /// instead of the strings (a third of the DeclineOffers pass, where
    /// every share is equal, went to comparing names).
    rank: u32,
    /// The client this leaf stands for.
    client: Option<ClientId>,
    /// The weight, looked up on first use and then cached, as Mesos does
    /// (see `update_weight`).
    weight: std::cell::Cell<Option<f64>>,
}

/// Mesos's DRF sorter.
pub struct DrfSorter {
    /// The share of an allocation in the totals (before the weight):
    /// [`dominant_share`] for DRF; other policies reuse the tree with
    /// their own (asset fairness sums the shares).
    share_fn: ShareFn,
    hierarchical: bool,
    /// Break equal shares by allocation count first (Mesos) or by name.
    by_count: bool,
    nodes: Vec<Node>,
    /// Client id -> node index.
    clients: Vec<usize>,
    weights: BTreeMap<String, f64>,
    total: Res,
    dirty: bool,
    /// False after a node was created, until `ensure_ranks`.
    ranks_valid: bool,
}

impl DrfSorter {
    /// A sorter with Mesos's tie-break.
    pub fn new(level: Level) -> DrfSorter {
        Self::with_config(&SorterConfig {
            level,
            tie_break: TieBreak::Allocations,
            params: BTreeMap::new(),
            role: None,
        })
    }

    pub fn with_config(config: &SorterConfig) -> DrfSorter {
        Self::with_share(config, dominant_share)
    }

    /// The same tree, order and incremental repair with another share
    /// function (the weight still divides it).
    pub fn with_share(config: &SorterConfig, share_fn: ShareFn) -> DrfSorter {
        let level = config.level;
        let root = Node {
            name: String::new(),
            path: String::new(),
            kind: Kind::Internal,
            parent: NONE,
            children: Vec::new(),
            allocation: Res::ZERO,
            count: 0,
            share: 0.0,
            rank: 0,
            client: None,
            weight: std::cell::Cell::new(None),
        };
        DrfSorter {
            share_fn,
            hierarchical: level == Level::Roles,
            by_count: config.tie_break == TieBreak::Allocations,
            nodes: vec![root],
            clients: Vec::new(),
            weights: BTreeMap::new(),
            total: Res::ZERO,
            dirty: false,
            ranks_valid: true,
        }
    }

    /// Recomputes every node's `rank` after nodes were added (paths never
    /// change, and a detached node keeps its place, so adding is the only
    /// thing that moves ranks).
    fn ensure_ranks(&mut self) {
        if self.ranks_valid {
            return;
        }
        let mut order: Vec<usize> = (0..self.nodes.len()).collect();
        order.sort_by(|&a, &b| self.nodes[a].path.cmp(&self.nodes[b].path));
        let mut rank = 0u32;
        for i in 0..order.len() {
            if i > 0 && self.nodes[order[i]].path != self.nodes[order[i - 1]].path {
                rank += 1;
            }
            self.nodes[order[i]].rank = rank;
        }
        self.ranks_valid = true;
    }

    /// Mesos's `getWeight`: the weight of the node's path, cached on the
    /// node the first time it is needed.
    fn weight(&self, node: usize) -> f64 {
        let n = &self.nodes[node];
        if let Some(w) = n.weight.get() {
            return w;
        }
        let w = self.weights.get(&n.path).copied().unwrap_or(1.0);
        n.weight.set(Some(w));
        w
    }

    fn calculate_share(&self, node: usize) -> f64 {
        (self.share_fn)(&self.nodes[node].allocation, &self.total) / self.weight(node)
    }

    /// Mesos's `compareDRF`: true if `a` sorts before `b`.
    fn before(&self, a: usize, b: usize) -> bool {
        let (x, y) = (&self.nodes[a], &self.nodes[b]);
        if x.share != y.share {
            return x.share < y.share;
        }
        if self.by_count && x.count != y.count {
            return x.count < y.count;
        }
        debug_assert!(
            self.ranks_valid,
            "ranks are brought up to date before sorting"
        );
        x.rank < y.rank
    }

    fn add_child(&mut self, parent: usize, child: usize) {
        if self.nodes[child].kind == Kind::InactiveLeaf {
            self.nodes[parent].children.push(child);
        } else {
            self.nodes[parent].children.insert(0, child);
        }
    }

    fn remove_child(&mut self, parent: usize, child: usize) {
        let c = &mut self.nodes[parent].children;
        if let Some(p) = c.iter().position(|&x| x == child) {
            c.remove(p);
        }
    }

    fn new_node(&mut self, name: &str, kind: Kind, parent: usize) -> usize {
        let path = if parent == 0 {
            name.to_string()
        } else {
            format!("{}/{}", self.nodes[parent].path, name)
        };
        self.nodes.push(Node {
            name: name.to_string(),
            path,
            kind,
            parent,
            children: Vec::new(),
            allocation: Res::ZERO,
            count: 0,
            share: 0.0,
            rank: 0,
            client: None,
            weight: std::cell::Cell::new(None),
        });
        self.ranks_valid = false;
        self.nodes.len() - 1
    }

    /// Mesos's `clientPath`: an implicit leaf stands for its parent.
    fn client_path(&self, node: usize) -> &str {
        let n = &self.nodes[node];
        if n.name == "." {
            &self.nodes[n.parent].path
        } else {
            &n.path
        }
    }

    fn node_of(&self, client: ClientId) -> usize {
        let n = self.clients.get(client as usize).copied().unwrap_or(NONE);
        assert!(n != NONE, "client {client} not in sorter");
        n
    }

    fn set_client(&mut self, client: ClientId, node: usize) {
        let i = client as usize;
        if self.clients.len() <= i {
            self.clients.resize(i + 1, NONE);
        }
        self.clients[i] = node;
        self.nodes[node].client = Some(client);
    }

    fn sort_tree(&mut self, node: usize) {
        let children = std::mem::take(&mut self.nodes[node].children);
        let active_end = children
            .iter()
            .position(|&c| self.nodes[c].kind == Kind::InactiveLeaf)
            .unwrap_or(children.len());
        for &c in &children[..active_end] {
            self.nodes[c].share = self.calculate_share(c);
        }
        let mut children = children;
        children[..active_end].sort_by(|&a, &b| {
            if self.before(a, b) {
                std::cmp::Ordering::Less
            } else if self.before(b, a) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        });
        for &c in &children[..active_end] {
            if self.nodes[c].kind == Kind::Internal {
                self.sort_tree(c);
            }
        }
        self.nodes[node].children = children;
    }

    /// Pre-order walk of the active leaves, stopping at the first that
    /// `pred` accepts. Returns Err(()) to stop the walk.
    fn find(&self, node: usize, pred: &mut dyn FnMut(ClientId) -> bool) -> Result<(), ClientId> {
        for &c in &self.nodes[node].children {
            match self.nodes[c].kind {
                Kind::ActiveLeaf => {
                    let id = self.nodes[c].client.expect("leaf has a client");
                    if pred(id) {
                        return Err(id);
                    }
                }
                Kind::InactiveLeaf => return Ok(()),
                Kind::Internal => self.find(c, pred)?,
            }
        }
        Ok(())
    }

    fn list(&self, node: usize, out: &mut Vec<ClientId>) {
        for &c in &self.nodes[node].children {
            match self.nodes[c].kind {
                Kind::ActiveLeaf => out.push(self.nodes[c].client.expect("leaf has a client")),
                Kind::InactiveLeaf => return,
                Kind::Internal => self.list(c, out),
            }
        }
    }
}

impl Sorter for DrfSorter {
    fn add(&mut self, client: ClientId, path: &str) {
        let tokens: Vec<&str> = if self.hierarchical {
            path.split('/').collect()
        } else {
            vec![path]
        };
        let mut ti = 0usize;
        let mut current = 0usize;
        // Phase 1: walk down as far as the tree goes.
        loop {
            if ti == tokens.len() {
                // The path names an internal node: add its implicit leaf.
                let virt = self.new_node(".", Kind::InactiveLeaf, current);
                self.add_child(current, virt);
                current = virt;
                break;
            }
            if current != 0 && self.nodes[current].kind != Kind::Internal {
                // A leaf gains a child: it becomes internal and its client
                // moves to a new implicit leaf ".".
                let old_kind = self.nodes[current].kind;
                let parent = self.nodes[current].parent;
                self.remove_child(parent, current);
                self.nodes[current].kind = Kind::Internal;
                self.add_child(parent, current);
                let virt = self.new_node(".", old_kind, current);
                self.nodes[virt].allocation = self.nodes[current].allocation;
                self.nodes[virt].count = self.nodes[current].count;
                self.add_child(current, virt);
                if let Some(c) = self.nodes[current].client.take() {
                    self.set_client(c, virt);
                }
                break;
            }
            let next = self.nodes[current]
                .children
                .iter()
                .copied()
                .find(|&c| self.nodes[c].name == tokens[ti]);
            match next {
                Some(c) => {
                    current = c;
                    ti += 1;
                }
                None => break,
            }
        }
        // Phase 2: create what is missing.
        while ti < tokens.len() {
            let kind = if ti == tokens.len() - 1 {
                Kind::InactiveLeaf
            } else {
                Kind::Internal
            };
            let child = self.new_node(tokens[ti], kind, current);
            self.add_child(current, child);
            current = child;
            ti += 1;
        }
        self.set_client(client, current);
        self.dirty = true;
    }

    fn remove(&mut self, client: ClientId) {
        let mut current = self.node_of(client);
        self.clients[client as usize] = NONE;
        self.nodes[current].client = None;
        let leaf_alloc = self.nodes[current].allocation;
        while current != 0 {
            let parent = self.nodes[current].parent;
            self.nodes[parent].allocation.sub(&leaf_alloc);
            if self.nodes[current].children.is_empty() {
                self.remove_child(parent, current);
                // The node stays in the arena, detached.
            } else if self.nodes[current].children.len() == 1 {
                let only = self.nodes[current].children[0];
                if self.nodes[only].name == "." {
                    // Collapse the implicit leaf back into its parent.
                    let kind = self.nodes[only].kind;
                    let c = self.nodes[only].client.take();
                    self.nodes[current].children.clear();
                    self.nodes[current].kind = kind;
                    self.remove_child(parent, current);
                    self.add_child(parent, current);
                    if let Some(c) = c {
                        self.set_client(c, current);
                    }
                }
            }
            current = parent;
        }
        self.dirty = true;
    }

    fn activate(&mut self, client: ClientId) {
        let n = self.node_of(client);
        if self.nodes[n].kind == Kind::InactiveLeaf {
            let parent = self.nodes[n].parent;
            self.remove_child(parent, n);
            self.nodes[n].kind = Kind::ActiveLeaf;
            if self.dirty {
                self.add_child(parent, n);
                return;
            }
            // The siblings' active prefix is sorted and their shares are
            // current (the tree is not dirty), so the activated leaf goes
            // to its place by binary search: the order a full sort would
            // give (no two siblings compare equal), without re-sorting
            // every client at each revive or new piece of work.
            self.ensure_ranks();
            self.nodes[n].share = self.calculate_share(n);
            let mut children = std::mem::take(&mut self.nodes[parent].children);
            let active_end =
                children.partition_point(|&c| self.nodes[c].kind != Kind::InactiveLeaf);
            let at = children[..active_end].partition_point(|&c| self.before(c, n));
            children.insert(at, n);
            self.nodes[parent].children = children;
        }
    }

    fn deactivate(&mut self, client: ClientId) {
        let n = self.node_of(client);
        if self.nodes[n].kind == Kind::ActiveLeaf {
            let parent = self.nodes[n].parent;
            self.remove_child(parent, n);
            self.nodes[n].kind = Kind::InactiveLeaf;
            self.add_child(parent, n);
        }
    }

    fn contains(&self, client: ClientId) -> bool {
        self.clients
            .get(client as usize)
            .is_some_and(|&n| n != NONE)
    }

    /// Mesos's `updateWeight`: the new weight is stored by path, and the
    /// cached weight of the node is updated only if `path` names a client
    /// (for an implicit leaf, its parent). A role that is only an inner
    /// node of the tree ("eng" above "eng/ml") keeps the weight it cached
    /// when its share was first computed: Mesos 1.11 behaves so (its
    /// `find` looks up clients only), and the real allocator confirms it
    /// (fidelity seed 1846). See docs/fidelity.md.
    fn update_weight(&mut self, path: &str, weight: f64) {
        self.weights.insert(path.to_string(), weight);
        self.dirty = true;
        let Some(id) = self
            .clients
            .iter()
            .position(|&n| n != NONE && self.client_path(n) == path)
        else {
            return;
        };
        let mut n = self.clients[id];
        if self.nodes[n].name == "." {
            n = self.nodes[n].parent;
        }
        self.nodes[n].weight.set(Some(weight));
    }

    fn allocated(&mut self, client: ClientId, res: &Res) {
        self.ensure_ranks();
        let mut current = self.node_of(client);
        while current != NONE {
            self.nodes[current].allocation.add(res);
            self.nodes[current].count += 1;
            if current != 0 && !self.dirty && self.nodes[current].kind != Kind::InactiveLeaf {
                self.nodes[current].share = self.calculate_share(current);
                let parent = self.nodes[current].parent;
                // The siblings' active prefix is sorted (anything that could
                // unsort it marks the tree dirty), so moving the charged
                // node to its place is one binary search: the same place
                // Mesos's shift left then right reaches, in O(log F)
                // comparisons instead of O(F).
                let mut children = std::mem::take(&mut self.nodes[parent].children);
                let pos = children
                    .iter()
                    .position(|&c| c == current)
                    .expect("child listed under its parent");
                children.remove(pos);
                let active_end =
                    children.partition_point(|&c| self.nodes[c].kind != Kind::InactiveLeaf);
                let at = children[..active_end].partition_point(|&c| self.before(c, current));
                children.insert(at, current);
                self.nodes[parent].children = children;
            }
            current = self.nodes[current].parent;
        }
    }

    fn unallocated(&mut self, client: ClientId, res: &Res) {
        let mut current = self.node_of(client);
        while current != NONE {
            self.nodes[current].allocation.sub(res);
            current = self.nodes[current].parent;
        }
        self.dirty = true;
    }

    fn allocation(&self, client: ClientId) -> Res {
        self.nodes[self.node_of(client)].allocation
    }

    fn add_total(&mut self, res: &Res) {
        self.total.add(res);
        self.dirty = true;
    }

    fn remove_total(&mut self, res: &Res) {
        self.total.sub(res);
        self.dirty = true;
    }

    fn sort(&mut self, out: &mut Vec<ClientId>) {
        self.ensure_ranks();
        if self.dirty {
            self.sort_tree(0);
            self.dirty = false;
        }
        out.clear();
        self.list(0, out);
    }

    fn first_where(&mut self, pred: &mut dyn FnMut(ClientId) -> bool) -> Option<Option<ClientId>> {
        self.ensure_ranks();
        if self.dirty {
            self.sort_tree(0);
            self.dirty = false;
        }
        Some(self.find(0, pred).err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::resources::{CPUS, MEM};

    fn res(cpus: i64, mem: i64) -> Res {
        let mut r = Res::ZERO;
        r.0[CPUS] = cpus * 1000;
        r.0[MEM] = mem * 1000;
        r
    }

    fn sorted(s: &mut DrfSorter) -> Vec<ClientId> {
        let mut v = Vec::new();
        s.sort(&mut v);
        v
    }

    #[test]
    fn lower_share_first_then_count_then_name() {
        // Cluster <9 cpus, 18 GB>: A holds <1, 4> (share 4/18), B holds
        // <3, 1> (share 3/9 = 1/3). A's 0.222 < B's 0.333, so A first.
        let mut s = DrfSorter::new(Level::Frameworks);
        s.add_total(&res(9, 18));
        s.add(0, "b");
        s.add(1, "a");
        s.activate(0);
        s.activate(1);
        // Both at zero share and count: names decide, "a" (client 1) first.
        assert_eq!(sorted(&mut s), vec![1, 0]);
        s.allocated(1, &res(1, 4));
        s.allocated(0, &res(3, 1));
        assert_eq!(sorted(&mut s), vec![1, 0]);
        // A gets another task: 8/18 = 0.444 > 1/3, so B leads.
        s.allocated(1, &res(1, 4));
        assert_eq!(sorted(&mut s), vec![0, 1]);
    }

    #[test]
    fn equal_shares_tie_on_allocation_count() {
        // Both at share 1/2 of <2 cpus>; "a" was allocated twice (two
        // halves of its 1 cpu), "b" once, so "b" sorts first despite its name.
        let mut s = DrfSorter::new(Level::Frameworks);
        s.add_total(&res(2, 0));
        s.add(0, "a");
        s.add(1, "b");
        s.activate(0);
        s.activate(1);
        let mut half = Res::ZERO;
        half.0[CPUS] = 500;
        s.allocated(0, &half);
        s.allocated(0, &half);
        s.allocated(1, &res(1, 0));
        assert_eq!(sorted(&mut s), vec![1, 0]);
    }

    #[test]
    fn weights_divide_shares() {
        // r1 weight 2 holding 1/2 of cpus has share 0.25 < r2's 0.4.
        let mut s = DrfSorter::new(Level::Roles);
        s.add_total(&res(10, 0));
        s.update_weight("r1", 2.0);
        s.add(0, "r1");
        s.add(1, "r2");
        s.activate(0);
        s.activate(1);
        s.allocated(0, &res(5, 0));
        s.allocated(1, &res(4, 0));
        assert_eq!(sorted(&mut s), vec![0, 1]);
    }

    #[test]
    fn hierarchy_sorts_subtrees_then_leaves() {
        // eng (internal) holds eng/a's 6 cpus -> share 0.6; ops holds 1 ->
        // 0.1. ops's subtree comes first, then eng's leaves in their order.
        let mut s = DrfSorter::new(Level::Roles);
        s.add_total(&res(10, 0));
        s.add(0, "eng/a");
        s.add(1, "eng/b");
        s.add(2, "ops");
        for c in 0..3 {
            s.activate(c);
        }
        s.allocated(0, &res(6, 0));
        s.allocated(2, &res(1, 0));
        assert_eq!(sorted(&mut s), vec![2, 1, 0]);
    }

    #[test]
    fn role_with_subroles_gets_an_implicit_leaf() {
        // "eng" has frameworks and a subrole: its client moves to "eng/.".
        let mut s = DrfSorter::new(Level::Roles);
        s.add_total(&res(10, 0));
        s.add(0, "eng");
        s.activate(0);
        s.allocated(0, &res(2, 0));
        s.add(1, "eng/x");
        s.activate(1);
        assert_eq!(s.allocation(0), res(2, 0));
        // eng/x (share 0) before eng/. (0.2).
        assert_eq!(sorted(&mut s), vec![1, 0]);
    }

    #[test]
    fn weight_change_of_an_inner_role_keeps_the_cached_weight() {
        // Mesos 1.11: "eng" is not a client (only "eng/a" is), so once its
        // share was computed with weight 1, set-weight("eng", 4) does not
        // reach the node. eng holds 5 of 10 cpus (share 0.5 with weight 1,
        // 0.125 if the new weight applied); ops holds 3 (0.3): ops first.
        let mut s = DrfSorter::new(Level::Roles);
        s.add_total(&res(10, 0));
        s.add(0, "eng/a");
        s.add(1, "ops");
        s.activate(0);
        s.activate(1);
        s.allocated(0, &res(5, 0));
        s.allocated(1, &res(3, 0));
        assert_eq!(sorted(&mut s), vec![1, 0]);
        s.update_weight("eng", 4.0);
        assert_eq!(sorted(&mut s), vec![1, 0]);
        // A weight set on a client role does apply: ops weight 0.5 makes
        // its share 0.6 > 0.5.
        s.update_weight("ops", 0.5);
        assert_eq!(sorted(&mut s), vec![0, 1]);
    }

    #[test]
    fn inactive_clients_are_not_listed() {
        let mut s = DrfSorter::new(Level::Frameworks);
        s.add_total(&res(1, 1));
        s.add(0, "a");
        s.add(1, "b");
        s.activate(0);
        s.activate(1);
        s.deactivate(0);
        assert_eq!(sorted(&mut s), vec![1]);
        s.activate(0);
        assert_eq!(sorted(&mut s), vec![0, 1]);
    }
}
