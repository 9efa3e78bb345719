//! `agent_order = "shuffle"` against Mesos's own shuffle, statistically.
//!
//! Mesos shuffles agents with an unseeded `std::random_shuffle`, so its
//! order cannot be matched row by row; its distribution can. The scenario
//! tests/shuffle/shuffle-check.toml ran once through the real Mesos 1.11
//! allocator (`replay ... --out DIR`, 2026-11-25), giving per framework
//! (offers made, offers accepted): f1 (160, 101), f2 (229, 132), f3 (269,
//! 0). Each total aggregates the 121 passes of the run, each with its own
//! shuffle, so it is one draw from the distribution that mesosim's seeded
//! shuffle must also produce: over 100 seeds, Mesos's draw must lie within
//! four standard deviations of mesosim's mean (a false alarm has
//! probability below 1e-4 per figure under a normal approximation).

mod common;

use common::{root, run, spec};
use sim::record::Outcome;

const MESOS: [(&str, f64, f64); 3] = [
    ("f1", 160.0, 101.0),
    ("f2", 229.0, 132.0),
    ("f3", 269.0, 0.0),
];

#[test]
fn seeded_shuffle_matches_mesos_shuffle_within_sampling_error() {
    let text =
        std::fs::read_to_string(root().join("tests/shuffle/shuffle-check.toml")).expect("scenario");
    let base = spec(&text);
    let seeds = 100u64;
    let mut offers = vec![Vec::new(); 3];
    let mut accepted = vec![Vec::new(); 3];
    for seed in 0..seeds {
        let mut s = base.clone();
        s.seed = seed;
        let rec = run(&s);
        for fw in 0..3u32 {
            let mine = rec.offers.iter().filter(|o| o.framework == fw);
            offers[fw as usize].push(mine.clone().count() as f64);
            accepted[fw as usize]
                .push(mine.filter(|o| o.outcome == Outcome::Accepted).count() as f64);
        }
    }
    let stats = |xs: &[f64]| {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        (mean, var.sqrt())
    };
    for (fw, (name, mesos_offers, mesos_accepted)) in MESOS.iter().enumerate() {
        for (what, xs, mesos) in [
            ("offers", &offers[fw], *mesos_offers),
            ("accepted", &accepted[fw], *mesos_accepted),
        ] {
            let (mean, sd) = stats(xs);
            // A figure that never varies (f3 accepts nothing) must match.
            let tolerance = (4.0 * sd).max(0.5);
            assert!(
                (mesos - mean).abs() <= tolerance,
                "{name} {what}: Mesos {mesos}, mesosim mean {mean:.1} sd {sd:.2}"
            );
        }
    }
    // The shuffle matters here: seeds give different totals.
    let (_, sd) = stats(&offers[0]);
    assert!(sd > 1.0, "agent order should change f1's offers (sd {sd})");
}
