//! What a valid scenario becomes: defaults, name expansion, conversions,
//! cross references.

use sim::resources::{Limits, Res, CPUS, DISK, GPUS, MEM};
use sim::spec::{Action, AgentOrder, Behavior, Fit, Mode};
use workloads::{parse_str, LoadOptions};

fn load(text: &str) -> sim::spec::Spec {
    let opts = LoadOptions {
        policies: &["drf", "random"],
    };
    parse_str(text, "dir/my-scenario.toml", &opts).unwrap_or_else(|e| panic!("{e}"))
}

fn res(pairs: &[(usize, i64)]) -> Res {
    let mut r = Res::ZERO;
    for &(i, v) in pairs {
        r.0[i] = v;
    }
    r
}

#[test]
fn empty_file_gets_every_default() {
    let s = load("");
    assert_eq!(s.name, "my-scenario");
    assert_eq!(s.seed, 0);
    assert_eq!(s.end_us, None);
    let a = &s.allocator;
    assert_eq!(a.policy, "drf");
    assert_eq!(a.mode, Mode::Offers);
    assert_eq!(a.interval_us, 1_000_000);
    assert_eq!(a.refuse_us, 5_000_000);
    assert_eq!(
        a.min_allocatable,
        vec![res(&[(CPUS, 10)]), res(&[(MEM, 32_000)])]
    );
    assert_eq!(a.offer_timeout_us, None);
    assert_eq!(a.agent_order, AgentOrder::Shuffle);
    assert_eq!(s.resource_names.names(), ["cpus", "mem", "disk", "gpus"]);
    assert!(s.roles.is_empty() && s.agents.is_empty());
    assert!(s.frameworks.is_empty() && s.events.is_empty());
    assert_eq!(s, sim::spec::Spec::new("my-scenario"));
}

#[test]
fn framework_and_job_defaults() {
    let s = load(
        "[allocator]\nrefuse = \"2s\"\n\
         [[frameworks]]\nname = \"f\"\n\
         [[frameworks.jobs]]\nresources = { cpus = 1 }\nduration = \"1m\"\n\
         [[frameworks.jobs]]\nname = \"named\"\nresources = { cpus = 1 }\nduration = \"1m\"\n\
         [[frameworks.jobs]]\nresources = { cpus = 1 }\nduration = \"1m\"\n\
         [[frameworks]]\nname = \"g\"\n\
         [[frameworks.jobs]]\nresources = { cpus = 1 }\nduration = \"1m\"\n",
    );
    let f = &s.frameworks[0];
    assert_eq!(f.role, "*");
    assert_eq!(f.at_us, 0);
    assert_eq!(f.behavior, Behavior::Greedy);
    assert_eq!(f.refuse_us, 2_000_000, "defaults to the allocator's refuse");
    assert_eq!(f.fit, Fit::Skip);
    assert!(!f.partition_aware);
    let names: Vec<_> = f.jobs.iter().map(|j| j.name.as_str()).collect();
    // j counts every job of the framework, named or not.
    assert_eq!(names, ["f-job0", "named", "f-job2"]);
    assert_eq!(s.frameworks[1].jobs[0].name, "g-job0");
    let j = &f.jobs[0];
    assert_eq!((j.at_us, j.tasks, j.duration_us), (0, 1, Some(60_000_000)));
}

#[test]
fn full_scenario_converts_exactly() {
    let s = load(
        r#"
name = "example"
seed = 42
end = "2h"

[allocator]
policy = "random"
mode = "tasks"
interval = "250ms"
refuse = "0s"
min_allocatable = []
offer_timeout = "1.5s"
agent_order = "joined"

[[roles]]
name = "eng"
weight = 2
guarantee = { cpus = 4, mem = 8192 }
limit = { cpus = 16 }

[[roles]]
name = "eng/ml"
weight = 0.5

[[agents]]
name = "m"
count = 3
resources = { cpus = 8, mem = 16384, disk = 100000, fpgas = 2 }
reserved = { "eng/ml" = { cpus = 2, mem = 4096 }, eng = { cpus = 1 } }
attributes = { zone = "b", rack = "r1" }
at = "10s"

[[agents]]
name = "gpu"
resources = { cpus = 0.5, gpus = 4 }

[[frameworks]]
name = "f1"
role = "eng/ml"
at = "1s"
behavior = "decline"
refuse = "3s"
fit = "stop"
partition_aware = true

[[frameworks.jobs]]
name = "j1"
at = "2s"
tasks = 100
resources = { cpus = 1, mem = 4096 }
duration = "forever"

[[events]]
at = "30s"
action = "set-weight"
role = "eng/ml"
weight = 3.0

[[events]]
at = "31s"
action = "set-quota"
role = "eng"
limit = { mem = 1024, cpus = 3 }

[[events]]
at = "1s"
action = "suppress"
framework = "f1"

[[events]]
at = "40s"
action = "add-agent"
agent = "late"
resources = { cpus = 2, fpgas = 1 }
reserved = { eng = { cpus = 1 } }
attributes = { rack = "r9" }

[[events]]
at = "40s"
action = "remove-agent"
agent = "late"

[[events]]
at = "10s"
action = "remove-agent"
agent = "m-2"

[[events]]
at = "32s"
action = "set-quota"
role = "eng"
"#,
    );
    assert_eq!(s.name, "example");
    assert_eq!(s.seed, 42);
    assert_eq!(s.end_us, Some(7_200_000_000));
    let a = &s.allocator;
    assert_eq!(a.policy, "random");
    assert_eq!(a.mode, Mode::Tasks);
    assert_eq!(a.interval_us, 250_000);
    assert_eq!(a.refuse_us, 0);
    assert!(a.min_allocatable.is_empty());
    assert_eq!(a.offer_timeout_us, Some(1_500_000));
    assert_eq!(a.agent_order, AgentOrder::Joined);
    assert_eq!(
        s.resource_names.names(),
        ["cpus", "mem", "disk", "gpus", "fpgas"]
    );

    assert_eq!(s.roles[0].name, "eng");
    assert_eq!(s.roles[0].weight, 2.0);
    assert_eq!(
        s.roles[0].guarantee,
        Some(res(&[(CPUS, 4000), (MEM, 8_192_000)]))
    );
    let mut lim = Limits::NONE;
    lim.0[CPUS] = Some(16_000);
    assert_eq!(s.roles[0].limit, Some(lim));
    assert_eq!(s.roles[1].weight, 0.5);
    assert_eq!((s.roles[1].guarantee, s.roles[1].limit), (None, None));

    let names: Vec<_> = s.agents.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["m-0", "m-1", "m-2", "gpu"]);
    let m = &s.agents[1];
    assert_eq!(
        m.resources,
        res(&[
            (CPUS, 8000),
            (MEM, 16_384_000),
            (DISK, 100_000_000),
            (4, 2000)
        ])
    );
    assert_eq!(
        m.reserved,
        vec![
            ("eng/ml".to_string(), res(&[(CPUS, 2000), (MEM, 4_096_000)])),
            ("eng".to_string(), res(&[(CPUS, 1000)])),
        ]
    );
    assert_eq!(
        m.attributes,
        vec![
            ("zone".to_string(), "b".to_string()),
            ("rack".to_string(), "r1".to_string())
        ]
    );
    assert_eq!(m.at_us, 10_000_000);
    assert_eq!(s.agents[3].resources, res(&[(CPUS, 500), (GPUS, 4000)]));
    assert_eq!(s.agents[3].at_us, 0);

    let f = &s.frameworks[0];
    assert_eq!(f.role, "eng/ml");
    assert_eq!(f.at_us, 1_000_000);
    assert_eq!(f.behavior, Behavior::Decline);
    assert_eq!(f.refuse_us, 3_000_000);
    assert_eq!(f.fit, Fit::Stop);
    assert!(f.partition_aware);
    let j = &f.jobs[0];
    assert_eq!(j.name, "j1");
    assert_eq!(j.at_us, 2_000_000);
    assert_eq!(j.tasks, 100);
    assert_eq!(j.duration_us, None);

    // Events stay in file order, times untouched.
    let times: Vec<_> = s.events.iter().map(|e| e.at_us / 1_000_000).collect();
    assert_eq!(times, [30, 31, 1, 40, 40, 10, 32]);
    assert_eq!(
        s.events[0].action,
        Action::SetWeight {
            role: "eng/ml".into(),
            weight: 3.0
        }
    );
    let mut lim = Limits::NONE;
    lim.0[CPUS] = Some(3000);
    lim.0[MEM] = Some(1_024_000);
    assert_eq!(
        s.events[1].action,
        Action::SetQuota {
            role: "eng".into(),
            guarantee: None,
            limit: Some(lim)
        }
    );
    assert_eq!(s.events[2].action, Action::Suppress { framework: 0 });
    match &s.events[3].action {
        Action::AddAgent { agent } => {
            assert_eq!(agent.name, "late");
            assert_eq!(agent.at_us, 40_000_000);
            assert_eq!(agent.resources, res(&[(CPUS, 2000), (4, 1000)]));
            assert_eq!(
                agent.reserved,
                vec![("eng".to_string(), res(&[(CPUS, 1000)]))]
            );
            assert_eq!(
                agent.attributes,
                vec![("rack".to_string(), "r9".to_string())]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        s.events[4].action,
        Action::RemoveAgent {
            agent: "late".into()
        }
    );
    assert_eq!(
        s.events[6].action,
        Action::SetQuota {
            role: "eng".into(),
            guarantee: None,
            limit: None
        }
    );
}

#[test]
fn count_one_keeps_the_name() {
    let s = load("[[agents]]\nname = \"solo\"\ncount = 1\nresources = { cpus = 1 }\n");
    assert_eq!(s.agents[0].name, "solo");
    let s = load("[[agents]]\nname = \"w\"\ncount = 12\nresources = { cpus = 1 }\n");
    assert_eq!(s.agents.len(), 12);
    assert_eq!(s.agents[11].name, "w-11");
}

#[test]
fn decimal_resources_round_like_mesos() {
    let s = load("[[agents]]\nname = \"a\"\nresources = { cpus = 0.1, mem = 0.0005, disk = 1 }\n");
    assert_eq!(
        s.agents[0].resources,
        res(&[(CPUS, 100), (MEM, 1), (DISK, 1000)])
    );
}

#[test]
fn roles_known_through_ancestors_and_reservations() {
    // set-weight may name an ancestor of a framework's role, or a role
    // that only holds a reservation.
    let s = load(
        "[[agents]]\nname = \"a\"\nresources = { cpus = 4 }\nreserved = { res = { cpus = 1 } }\n\
         [[frameworks]]\nname = \"f\"\nrole = \"x/y/z\"\n\
         [[events]]\nat = \"1s\"\naction = \"set-weight\"\nrole = \"x/y\"\nweight = 2\n\
         [[events]]\nat = \"1s\"\naction = \"set-weight\"\nrole = \"res\"\nweight = 2\n\
         [[events]]\nat = \"1s\"\naction = \"set-weight\"\nrole = \"*\"\nweight = 2\n\
         [[frameworks]]\nname = \"g\"\n",
    );
    assert_eq!(s.events.len(), 3);
}

#[test]
fn no_policy_list_skips_the_check() {
    let opts = LoadOptions::default();
    let s = parse_str("[allocator]\npolicy = \"anything\"\n", "x.toml", &opts).unwrap();
    assert_eq!(s.allocator.policy, "anything");
}
