//! Resource conservation on many generated scenarios, in both modes and
//! under both policies: the engine checks the books after every virtual
//! time (`RunOptions::check_invariants`) and fails the run on the first
//! agent offered or allocated more than it has.

mod common;

use std::process::Command;

use common::{bin, run, spec};

#[test]
fn generated_scenarios_keep_the_books_balanced() {
    for seed in 0..120u64 {
        let o = Command::new(bin())
            .args(["fidelity", "--print", "--seeds", &seed.to_string()])
            .output()
            .expect("mesosim runs");
        assert!(o.status.success());
        let text = String::from_utf8(o.stdout).expect("utf-8");
        let base = spec(&text);
        for (policy, mode) in [
            ("drf", sim::spec::Mode::Offers),
            ("random", sim::spec::Mode::Offers),
            ("drf", sim::spec::Mode::Tasks),
        ] {
            let mut s = base.clone();
            s.allocator.policy = policy.to_string();
            s.allocator.mode = mode;
            s.allocator.agent_order = sim::spec::AgentOrder::Shuffle;
            let rec = run(&s);
            // Every task is accounted for exactly once.
            assert_eq!(rec.tasks.len() as u64, s.task_count(), "seed {seed}");
        }
    }
}
