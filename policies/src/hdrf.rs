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
//! shared by the policy's sorters. Each sort recomputes the tree's numbers
//! bottom-up (linear in the number of clients, plus sorting siblings); its
//! shape is kept until a client comes or goes or a weight changes.

use std::collections::BTreeMap;

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

/// A node of the tree built at sort time.
struct Node {
    name: String,
    path: String,
    children: Vec<usize>,
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
    /// The tree's shape, kept between sorts: rebuilt only when a client
    /// comes or goes or a weight changes (its numbers are recomputed at
    /// every sort).
    tree: Option<Vec<Node>>,
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
        }
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
                        nodes.push(Node {
                            name: t.to_string(),
                            path,
                            children: Vec::new(),
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

    fn compute(&self, nodes: &mut [Node], n: usize, free: &Res, saturated: &[bool; MAX_RES]) {
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
        let children = nodes[n].children.clone();
        for &c in &children {
            self.compute(nodes, c, free, saturated);
        }
        let m = children
            .iter()
            .filter(|&&c| !nodes[c].blocked)
            .map(|&c| nodes[c].share / nodes[c].weight)
            .fold(f64::INFINITY, f64::min);
        let mut v = [0.0; MAX_RES];
        let mut count = 0;
        for &c in &children {
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

    fn list(&self, nodes: &[Node], n: usize, out: &mut Vec<ClientId>) {
        let mut children = nodes[n].children.clone();
        children.sort_by(|&a, &b| {
            let (x, y) = (&nodes[a], &nodes[b]);
            x.blocked
                .cmp(&y.blocked)
                .then((x.share / x.weight).total_cmp(&(y.share / y.weight)))
                .then(if self.by_count {
                    x.count.cmp(&y.count)
                } else {
                    std::cmp::Ordering::Equal
                })
                .then(x.path.cmp(&y.path))
        });
        for c in children {
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
        self.leaf(client).active = true;
    }

    fn deactivate(&mut self, client: ClientId) {
        self.leaf(client).active = false;
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
    }

    fn remove_total(&mut self, res: &Res) {
        self.total.sub(res);
    }

    fn sort(&mut self, out: &mut Vec<ClientId>) {
        let used = read(&self.usage).used;
        let free = self.total.minus(&used);
        // Saturated: no leaf waiting for r can get its next task's r.
        let mut saturated = [false; MAX_RES];
        for (r, s) in saturated.iter_mut().enumerate() {
            *s = self.total.0[r] > 0
                && self.clients.iter().flatten().all(|l| match &l.demand {
                    Some(d) if l.active && d.task.0[r] > 0 => d.task.0[r] > free.0[r],
                    _ => true,
                });
        }
        let mut nodes = self.tree.take().unwrap_or_else(|| self.build());
        self.compute(&mut nodes, 0, &free, &saturated);
        out.clear();
        self.list(&nodes, 0, out);
        self.tree = Some(nodes);
    }

    fn demand(&mut self, client: ClientId, demand: Option<&Demand>) {
        self.leaf(client).demand = demand.copied();
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
