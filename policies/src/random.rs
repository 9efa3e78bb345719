//! `random`: Mesos's random sorter.
//!
//! Source: Apache Mesos 1.11 `src/master/allocator/mesos/sorter/random/`.
//! Shares are ignored; every `sort` is a weighted random shuffle of the
//! active clients (Efraimidis-Spirakis: key `-u^(1/w)`, ascending). In the
//! role hierarchy a client's weight is the product, down its path, of each
//! node's weight over the summed weights of its siblings that have active
//! clients, so subtrees get their share of the draws.
//!
//! Differences from Mesos: the draws come from the run's seeded ChaCha
//! stream instead of a default-seeded `std::mt19937`, and `pow` is the
//! pure-Rust `libm` one so results are the same on every platform.

use std::collections::BTreeMap;

use sim::resources::Res;
use sim::rng::Rng;
use sim::sorter::{ClientId, Level, Sorter};

struct Client {
    path: String,
    active: bool,
    allocation: Res,
}

/// Mesos's random sorter.
pub struct RandomSorter {
    hierarchical: bool,
    clients: BTreeMap<ClientId, Client>,
    weights: BTreeMap<String, f64>,
    rng: Rng,
    keys: Vec<(f64, ClientId)>,
}

impl RandomSorter {
    pub fn new(level: Level, rng: Rng) -> RandomSorter {
        RandomSorter {
            hierarchical: level == Level::Roles,
            clients: BTreeMap::new(),
            weights: BTreeMap::new(),
            rng,
            keys: Vec::new(),
        }
    }

    fn weight_of(&self, path: &str) -> f64 {
        self.weights.get(path).copied().unwrap_or(1.0)
    }

    /// The relative weight of an active client, down its path.
    fn relative_weight(&self, path: &str) -> f64 {
        if !self.hierarchical {
            return self.weight_of(path);
        }
        let mut w = 1.0;
        let parts: Vec<&str> = path.split('/').collect();
        for depth in 0..parts.len() {
            let node: String = parts[..=depth].join("/");
            let parent: String = parts[..depth].join("/");
            // Active siblings: distinct children of `parent` on the path of
            // some active client.
            let mut siblings: Vec<String> = Vec::new();
            for c in self.clients.values().filter(|c| c.active) {
                let cp: Vec<&str> = c.path.split('/').collect();
                if cp.len() > depth && cp[..depth].join("/") == parent {
                    let s = cp[..=depth].join("/");
                    if !siblings.contains(&s) {
                        siblings.push(s);
                    }
                }
            }
            let sum: f64 = siblings.iter().map(|s| self.weight_of(s)).sum();
            w *= self.weight_of(&node) / sum;
        }
        w
    }
}

impl Sorter for RandomSorter {
    fn add(&mut self, client: ClientId, path: &str) {
        self.clients.insert(
            client,
            Client {
                path: path.to_string(),
                active: false,
                allocation: Res::ZERO,
            },
        );
    }

    fn remove(&mut self, client: ClientId) {
        self.clients.remove(&client);
    }

    fn activate(&mut self, client: ClientId) {
        if let Some(c) = self.clients.get_mut(&client) {
            c.active = true;
        }
    }

    fn deactivate(&mut self, client: ClientId) {
        if let Some(c) = self.clients.get_mut(&client) {
            c.active = false;
        }
    }

    fn contains(&self, client: ClientId) -> bool {
        self.clients.contains_key(&client)
    }

    fn update_weight(&mut self, path: &str, weight: f64) {
        self.weights.insert(path.to_string(), weight);
    }

    fn allocated(&mut self, client: ClientId, res: &Res) {
        if let Some(c) = self.clients.get_mut(&client) {
            c.allocation.add(res);
        }
    }

    fn unallocated(&mut self, client: ClientId, res: &Res) {
        if let Some(c) = self.clients.get_mut(&client) {
            c.allocation.sub(res);
        }
    }

    fn allocation(&self, client: ClientId) -> Res {
        self.clients
            .get(&client)
            .map(|c| c.allocation)
            .unwrap_or(Res::ZERO)
    }

    fn add_total(&mut self, _res: &Res) {}

    fn remove_total(&mut self, _res: &Res) {}

    fn sort(&mut self, out: &mut Vec<ClientId>) {
        let mut keys = std::mem::take(&mut self.keys);
        keys.clear();
        let active: Vec<(ClientId, f64)> = self
            .clients
            .iter()
            .filter(|(_, c)| c.active)
            .map(|(&id, c)| (id, self.relative_weight(&c.path)))
            .collect();
        for (id, w) in active {
            let u = self.rng.unit_f64();
            keys.push((-libm::pow(u, 1.0 / w), id));
        }
        // Ties (u = 0 twice) fall back to the client id.
        keys.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        out.clear();
        out.extend(keys.iter().map(|&(_, id)| id));
        self.keys = keys;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::rng::Stream;

    #[test]
    fn weights_bias_the_first_pick() {
        // Two clients, weights 3 and 1: the heavier one is first with
        // probability 3/4 (Efraimidis-Spirakis). Over 4000 seeded sorts we
        // expect 3000 with standard deviation sqrt(4000*3/16) = 27.4, so
        // 2850..3150 is more than five deviations wide.
        let mut s = RandomSorter::new(Level::Roles, Rng::new(11, Stream::Policy));
        s.add(0, "heavy");
        s.add(1, "light");
        s.activate(0);
        s.activate(1);
        s.update_weight("heavy", 3.0);
        let mut out = Vec::new();
        let mut heavy_first = 0;
        for _ in 0..4000 {
            s.sort(&mut out);
            if out[0] == 0 {
                heavy_first += 1;
            }
        }
        assert!((2850..=3150).contains(&heavy_first), "{heavy_first}");
    }
}
