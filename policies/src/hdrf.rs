//! `hdrf`: hierarchical DRF (Bhattacharya, Culler, Friedman, Ghodsi,
//! Shenker, Stoica, SoCC 2013), the paper's dynamic algorithm as the
//! reference restates it (section 3):
//!
//! 1. Blocked nodes. A leaf is blocked if it has nothing pending, is
//!    inactive, or its next task fits nowhere. A sorter sees no agents, so
//!    "fits nowhere" is decided conservatively: some resource the task
//!    needs has less free *cluster-wide* than the task asks (then it fits
//!    on no agent; a task that fails only for fragmentation is not marked
//!    blocked). An internal node is blocked when all its children are.
//! 2. Saturated resources: those that no leaf with pending work can get
//!    any more of (free cluster-wide below what each such leaf's next task
//!    needs; a resource nobody waits for counts as saturated).
//! 3. For each internal node, M = the least weighted dominant share among
//!    its non-blocked children; each non-blocked child's consumption vector
//!    is rescaled so that its dominant share is `M × its weight`; blocked
//!    children are added unscaled; the sum is the node's vector, and its
//!    dominant share ignores saturated resources.
//! 4. Order: at each level non-blocked children first, by dominant share /
//!    weight, then allocation count, then path; leaves listed pre-order.
//!
//! The role tree ("/" in role names) is the hierarchy; frameworks inside a
//! role are one more level, ordered by the same rule. Cluster-wide usage
//! comes from the role sorter, which sees every charge, through state
//! shared by the policy's sorters.
//!
//! Incremental (the "a sorter update per change"): the tree's
//! shape is kept until a client comes or goes or a weight changes, and
//! its numbers between sorts. A sort recomputes only what changed since
//! the last one, deepest first: the leaves charged, activated or given a
//! new demand, the leaves whose "fits nowhere" flipped because free
//! resources moved past their next task's size (found by range queries
//! on per-resource indexes of the waiting leaves' demands), and the
//! ancestors of those; each recomputed node moves to its place among its
//! siblings by binary search. Only a change of the saturated resources
//! (which changes every dominant share) or of the cluster total
//! recomputes the whole tree. An internal node's numbers are always
//! recomputed from all its children in the same order, so the results
//! are bit for bit those of a from-scratch computation
//! (`HdrfSorter::from_scratch`, compared in `policies/tests/incremental.rs`).

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet};

use sim::resources::{Res, MAX_RES};
use sim::rng::Rng;
use sim::sorter::{ClientId, Demand, Level, Policy, Sorter, SorterConfig};
use sim::spec::TieBreak;

use crate::keyed::{frac, read, Shared};

/// Cluster-wide usage, kept by the role sorter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    pub used: Res,
}

struct Leaf {
    path: String,
    active: bool,
    alloc: Res,
    count: u64,
    demand: Option<Demand>,
}

/// A node of the tree, kept between sorts.
struct Node {
    name: String,
    path: String,
    /// Children in the order they were added (the order sums run in).
    children: Vec<usize>,
    /// Children in sort order, by the numbers they had when last placed.
    sorted: Vec<usize>,
    /// Parent (`usize::MAX` for the root) and depth (root 0).
    parent: usize,
    depth: u32,
    client: Option<ClientId>,
    vec: [f64; MAX_RES],
    share: f64,
    weight: f64,
    blocked: bool,
    count: u64,
}

pub struct HdrfSorter {
    hierarchical: bool,
    by_count: bool,
    clients: Vec<Option<Leaf>>,
    weights: BTreeMap<String, f64>,
    total: Res,
    /// Cluster-wide usage: written by the role sorter, read by the others.
    usage: Shared<Usage>,
    writer: bool,
    /// The tree's shape and numbers, kept between sorts: rebuilt only
    /// when a client comes or goes or a weight changes.
    tree: Option<Vec<Node>>,
    /// Node of each client in `tree`.
    leaf_node: Vec<usize>,
    /// Recompute every node at the next sort (the total changed).
    all_stale: bool,
    /// Clients changed since the last sort (and a flag per client id).
    dirty: Vec<ClientId>,
    is_dirty: Vec<bool>,
    /// Free resources and saturated resources at the last sort.
    last_free: Res,
    saturated: [bool; MAX_RES],
    /// Per resource: (next task's amount, client) of the active clients
    /// with pending work asking for a positive amount of it.
    waiting: Vec<BTreeSet<(i64, ClientId)>>,
    /// Recompute everything at every sort (the reference, for tests).
    from_scratch: bool,
}

impl HdrfSorter {
    pub fn new(config: &SorterConfig, usage: Shared<Usage>) -> Self {
        HdrfSorter {
            hierarchical: config.level == Level::Roles,
            by_count: config.tie_break == TieBreak::Allocations,
            clients: Vec::new(),
            weights: BTreeMap::new(),
            total: Res::ZERO,
            usage,
            writer: config.level == Level::Roles,
            tree: None,
            leaf_node: Vec::new(),
            all_stale: true,
            dirty: Vec::new(),
            is_dirty: Vec::new(),
            last_free: Res::ZERO,
            saturated: [false; MAX_RES],
            waiting: vec![BTreeSet::new(); MAX_RES],
            from_scratch: false,
        }
    }

    /// The same sorter recomputing every node at every sort, as before it
    /// was incremental: the reference the incremental one is checked
    /// against.
    pub fn from_scratch(config: &SorterConfig, usage: Shared<Usage>) -> Self {
        HdrfSorter {
            from_scratch: true,
            ..Self::new(config, usage)
        }
    }

    /// Notes that client `c` changed (its numbers are recomputed at the
    /// next sort).
    fn touch(&mut self, c: ClientId) {
        let i = c as usize;
        if self.is_dirty.len() <= i {
            self.is_dirty.resize(i + 1, false);
        }
        if !self.is_dirty[i] {
            self.is_dirty[i] = true;
            self.dirty.push(c);
        }
    }

    /// Takes client `c` out of the waiting indexes (before a change).
    fn unindex(&mut self, c: ClientId) {
        let Some(l) = self.clients.get(c as usize).and_then(|l| l.as_ref()) else {
            return;
        };
        if let (true, Some(d)) = (l.active, l.demand) {
            for r in 0..MAX_RES {
                if d.task.0[r] > 0 {
                    self.waiting[r].remove(&(d.task.0[r], c));
                }
            }
        }
    }

    /// Puts client `c` into the waiting indexes (after a change).
    fn index(&mut self, c: ClientId) {
        let Some(l) = self.clients.get(c as usize).and_then(|l| l.as_ref()) else {
            return;
        };
        if let (true, Some(d)) = (l.active, l.demand) {
            for r in 0..MAX_RES {
                if d.task.0[r] > 0 {
                    self.waiting[r].insert((d.task.0[r], c));
                }
            }
        }
    }

    /// Saturated resources: no active client waiting for r can get its
    /// next task's r (the least such amount is above what is free).
    fn saturated_now(&self, free: &Res) -> [bool; MAX_RES] {
        let mut sat = [false; MAX_RES];
        for (r, s) in sat.iter_mut().enumerate() {
            *s = self.total.0[r] > 0
                && self.waiting[r]
                    .first()
                    .is_none_or(|&(need, _)| need > free.0[r]);
        }
        sat
    }

    fn leaf(&mut self, c: ClientId) -> &mut Leaf {
        self.clients[c as usize]
            .as_mut()
            .unwrap_or_else(|| panic!("client {c} not in sorter"))
    }

    fn build(&self) -> Vec<Node> {
        let mut nodes = vec![Node {
            name: String::new(),
            path: String::new(),
            children: Vec::new(),
            sorted: Vec::new(),
            parent: usize::MAX,
            depth: 0,
            client: None,
            vec: [0.0; MAX_RES],
            share: 0.0,
            weight: 1.0,
            blocked: false,
            count: 0,
        }];
        // Paths that name a client and also have children get an implicit
        // leaf "." (as in the DRF sorter).
        let mut internal: std::collections::BTreeSet<String> = Default::default();
        if self.hierarchical {
            for l in self.clients.iter().flatten() {
                let mut p = l.path.as_str();
                while let Some(i) = p.rfind('/') {
                    p = &p[..i];
                    internal.insert(p.to_string());
                }
            }
        }
        for (i, l) in self.clients.iter().enumerate() {
            let Some(l) = l else { continue };
            let mut tokens: Vec<&str> = if self.hierarchical {
                l.path.split('/').collect()
            } else {
                vec![l.path.as_str()]
            };
            if internal.contains(&l.path) {
                tokens.push(".");
            }
            let mut cur = 0usize;
            for (k, t) in tokens.iter().enumerate() {
                let found = nodes[cur]
                    .children
                    .iter()
                    .copied()
                    .find(|&c| nodes[c].name == *t);
                cur = match found {
                    Some(c) => c,
                    None => {
                        let path = tokens[..=k].join("/");
                        let weight_path = if *t == "." {
                            String::new()
                        } else {
                            path.clone()
                        };
                        let weight = self.weights.get(&weight_path).copied().unwrap_or(1.0);
                        let depth = nodes[cur].depth + 1;
                        nodes.push(Node {
                            name: t.to_string(),
                            path,
                            children: Vec::new(),
                            sorted: Vec::new(),
                            parent: cur,
                            depth,
                            client: None,
                            vec: [0.0; MAX_RES],
                            share: 0.0,
                            weight,
                            blocked: false,
                            count: 0,
                        });
                        let n = nodes.len() - 1;
                        nodes[cur].children.push(n);
                        n
                    }
                };
            }
            nodes[cur].client = Some(i as ClientId);
        }
        nodes
    }

    /// Recomputes node `n`'s numbers from its client (a leaf) or from its
    /// children's current numbers (an internal node), children summed in
    /// the order they were added.
    fn numbers(&self, nodes: &mut [Node], n: usize, free: &Res, saturated: &[bool; MAX_RES]) {
        let dom = |v: &[f64; MAX_RES]| {
            let mut s = 0.0f64;
            for r in 0..MAX_RES {
                if !saturated[r] {
                    s = s.max(v[r]);
                }
            }
            s
        };
        if let Some(c) = nodes[n].client {
            let l = self.clients[c as usize].as_ref().expect("client");
            let mut v = [0.0; MAX_RES];
            for (r, x) in v.iter_mut().enumerate() {
                *x = frac(l.alloc.0[r], self.total.0[r]);
            }
            let blocked = !l.active
                || match &l.demand {
                    None => true,
                    Some(d) => (0..MAX_RES).any(|r| d.task.0[r] > 0 && d.task.0[r] > free.0[r]),
                };
            nodes[n].vec = v;
            nodes[n].share = dom(&v);
            nodes[n].blocked = blocked;
            nodes[n].count = l.count;
            return;
        }
        let children = &nodes[n].children;
        let m = children
            .iter()
            .filter(|&&c| !nodes[c].blocked)
            .map(|&c| nodes[c].share / nodes[c].weight)
            .fold(f64::INFINITY, f64::min);
        let mut v = [0.0; MAX_RES];
        let mut count = 0;
        for &c in children {
            let scale = if !nodes[c].blocked && nodes[c].share > 0.0 {
                m * nodes[c].weight / nodes[c].share
            } else {
                1.0
            };
            for (r, x) in v.iter_mut().enumerate() {
                *x += nodes[c].vec[r] * scale;
            }
            count += nodes[c].count;
        }
        nodes[n].vec = v;
        nodes[n].share = dom(&v);
        nodes[n].blocked = m == f64::INFINITY;
        nodes[n].count = count;
    }

    /// Recomputes the subtree of `n` bottom-up and sorts every sibling
    /// list in it.
    fn compute(&self, nodes: &mut [Node], n: usize, free: &Res, saturated: &[bool; MAX_RES]) {
        if nodes[n].client.is_none() {
            let children = nodes[n].children.clone();
            for &c in &children {
                self.compute(nodes, c, free, saturated);
            }
            let mut sorted = children;
            sorted.sort_by(|&a, &b| self.cmp_nodes(nodes, a, b));
            nodes[n].sorted = sorted;
        }
        self.numbers(nodes, n, free, saturated);
    }

    /// Sibling order: non-blocked first, then share / weight, allocation
    /// count (with that tie-break), path (unique among siblings).
    fn cmp_nodes(&self, nodes: &[Node], a: usize, b: usize) -> Ordering {
        let (x, y) = (&nodes[a], &nodes[b]);
        x.blocked
            .cmp(&y.blocked)
            .then((x.share / x.weight).total_cmp(&(y.share / y.weight)))
            .then(if self.by_count {
                x.count.cmp(&y.count)
            } else {
                Ordering::Equal
            })
            .then(x.path.cmp(&y.path))
    }

    /// Where `n` sits in its parent's sorted children (by the numbers it
    /// was placed with).
    fn place_of(&self, nodes: &[Node], n: usize) -> usize {
        let sib = &nodes[nodes[n].parent].sorted;
        let at = sib.partition_point(|&c| self.cmp_nodes(nodes, c, n) == Ordering::Less);
        if sib.get(at) == Some(&n) {
            at
        } else {
            // Cannot happen while every change goes through `refresh`;
            // a linear search keeps the order right if it ever did.
            sib.iter()
                .position(|&c| c == n)
                .expect("node among its siblings")
        }
    }

    /// Brings the tree's numbers and sibling orders up to date.
    fn refresh(&mut self) {
        let used = read(&self.usage).used;
        let free = self.total.minus(&used);
        let saturated = self.saturated_now(&free);
        let mut nodes = match self.tree.take() {
            Some(n) => n,
            None => {
                self.all_stale = true;
                let nodes = self.build();
                self.leaf_node = vec![usize::MAX; self.clients.len()];
                for (i, n) in nodes.iter().enumerate() {
                    if let Some(c) = n.client {
                        self.leaf_node[c as usize] = i;
                    }
                }
                nodes
            }
        };
        if self.from_scratch || self.all_stale || saturated != self.saturated {
            self.compute(&mut nodes, 0, &free, &saturated);
        } else {
            // Leaves whose "fits nowhere" flipped: their next task's r lies
            // between the old and the new free r.
            let mut flipped: Vec<ClientId> = Vec::new();
            for r in 0..MAX_RES {
                let (f0, f1) = (self.last_free.0[r], free.0[r]);
                if f0 != f1 {
                    let (lo, hi) = (f0.min(f1), f0.max(f1));
                    flipped.extend(
                        self.waiting[r]
                            .range((lo.saturating_add(1), 0)..=(hi, ClientId::MAX))
                            .map(|&(_, c)| c),
                    );
                }
            }
            for c in flipped {
                self.touch(c);
            }
            // Deepest first, so that a node's children are current.
            let mut todo: BTreeSet<(Reverse<u32>, usize)> = BTreeSet::new();
            for &c in &self.dirty {
                if let Some(&n) = self.leaf_node.get(c as usize) {
                    if n != usize::MAX {
                        todo.insert((Reverse(nodes[n].depth), n));
                    }
                }
            }
            while let Some((_, n)) = todo.pop_first() {
                let p = nodes[n].parent;
                let at = self.place_of(&nodes, n);
                nodes[p].sorted.remove(at);
                self.numbers(&mut nodes, n, &free, &saturated);
                let at = nodes[p]
                    .sorted
                    .partition_point(|&c| self.cmp_nodes(&nodes, c, n) == Ordering::Less);
                nodes[p].sorted.insert(at, n);
                // The root's own numbers order nothing.
                if p != 0 {
                    todo.insert((Reverse(nodes[p].depth), p));
                }
            }
        }
        for c in self.dirty.drain(..) {
            if let Some(d) = self.is_dirty.get_mut(c as usize) {
                *d = false;
            }
        }
        self.all_stale = false;
        self.last_free = free;
        self.saturated = saturated;
        self.tree = Some(nodes);
    }

    /// The first active client in sort order under `n` for which `pred`
    /// holds.
    fn walk(
        &self,
        nodes: &[Node],
        n: usize,
        pred: &mut dyn FnMut(ClientId) -> bool,
    ) -> Option<ClientId> {
        for &c in &nodes[n].sorted {
            match nodes[c].client {
                Some(id) => {
                    if self.clients[id as usize].as_ref().is_some_and(|l| l.active) && pred(id) {
                        return Some(id);
                    }
                }
                None => {
                    if let Some(id) = self.walk(nodes, c, pred) {
                        return Some(id);
                    }
                }
            }
        }
        None
    }

    fn list(&self, nodes: &[Node], n: usize, out: &mut Vec<ClientId>) {
        for &c in &nodes[n].sorted {
            match nodes[c].client {
                Some(id) => {
                    if self.clients[id as usize].as_ref().is_some_and(|l| l.active) {
                        out.push(id);
                    }
                }
                None => self.list(nodes, c, out),
            }
        }
    }

    fn charge(&mut self, c: ClientId, res: &Res, sign: i64) {
        self.touch(c);
        let l = self.leaf(c);
        if sign > 0 {
            l.alloc.add(res);
            l.count += 1;
        } else {
            l.alloc.sub(res);
        }
        if self.writer {
            let mut u = self.usage.lock().expect("policy state lock");
            if sign > 0 {
                u.used.add(res);
            } else {
                u.used.sub(res);
            }
        }
    }
}

impl Sorter for HdrfSorter {
    fn add(&mut self, client: ClientId, path: &str) {
        let i = client as usize;
        if self.clients.len() <= i {
            self.clients.resize_with(i + 1, || None);
        }
        self.tree = None;
        self.unindex(client);
        self.clients[i] = Some(Leaf {
            path: path.to_string(),
            active: false,
            alloc: Res::ZERO,
            count: 0,
            demand: None,
        });
    }

    fn remove(&mut self, client: ClientId) {
        self.tree = None;
        self.unindex(client);
        if let Some(l) = self.clients[client as usize].take() {
            if self.writer {
                self.usage
                    .lock()
                    .expect("policy state lock")
                    .used
                    .sub(&l.alloc);
            }
        }
    }

    fn activate(&mut self, client: ClientId) {
        self.unindex(client);
        self.leaf(client).active = true;
        self.index(client);
        self.touch(client);
    }

    fn deactivate(&mut self, client: ClientId) {
        self.unindex(client);
        self.leaf(client).active = false;
        self.index(client);
        self.touch(client);
    }

    fn contains(&self, client: ClientId) -> bool {
        self.clients
            .get(client as usize)
            .is_some_and(|c| c.is_some())
    }

    fn update_weight(&mut self, path: &str, weight: f64) {
        self.tree = None;
        self.weights.insert(path.to_string(), weight);
    }

    fn allocated(&mut self, client: ClientId, res: &Res) {
        self.charge(client, res, 1);
    }

    fn unallocated(&mut self, client: ClientId, res: &Res) {
        self.charge(client, res, -1);
    }

    fn allocation(&self, client: ClientId) -> Res {
        self.clients[client as usize]
            .as_ref()
            .expect("client")
            .alloc
    }

    fn add_total(&mut self, res: &Res) {
        self.total.add(res);
        self.all_stale = true;
    }

    fn remove_total(&mut self, res: &Res) {
        self.total.sub(res);
        self.all_stale = true;
    }

    fn sort(&mut self, out: &mut Vec<ClientId>) {
        self.refresh();
        out.clear();
        if let Some(nodes) = &self.tree {
            self.list(nodes, 0, out);
        }
    }

    fn demand(&mut self, client: ClientId, demand: Option<&Demand>) {
        self.unindex(client);
        self.leaf(client).demand = demand.copied();
        self.index(client);
        self.touch(client);
    }

    fn first_where(&mut self, pred: &mut dyn FnMut(ClientId) -> bool) -> Option<Option<ClientId>> {
        self.refresh();
        let nodes = self.tree.as_ref()?;
        Some(self.walk(nodes, 0, pred))
    }
}

/// `hdrf`: every sorter of one run shares the cluster-wide usage.
#[derive(Default)]
pub struct Hdrf {
    usage: Shared<Usage>,
}

impl Policy for Hdrf {
    fn name(&self) -> &'static str {
        "hdrf"
    }
    fn sorter(&self, config: &SorterConfig, _rng: Rng) -> Box<dyn Sorter> {
        Box::new(HdrfSorter::new(config, self.usage.clone()))
    }
    fn wants_demand(&self) -> bool {
        true
    }
}
