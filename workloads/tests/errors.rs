//! Every class of scenario error, with its exact message and position.
//!
//! Messages are part of the user interface (DESIGN.md: bad input names the
//! file, the line and what was expected), so they are pinned here verbatim.

use workloads::{parse_str, LoadOptions};

const POLICIES: &[&str] = &["drf", "random"];

fn err(text: &str) -> String {
    let opts = LoadOptions { policies: POLICIES };
    match parse_str(text, "sc.toml", &opts) {
        Ok(spec) => panic!("expected an error, got {spec:?}"),
        Err(e) => e.to_string(),
    }
}

/// A minimal valid scenario to which a case appends its own lines.
const BASE: &str = "\
name = \"t\"
[[agents]]
name = \"m\"
count = 2
resources = { cpus = 4, mem = 8192 }
[[frameworks]]
name = \"f\"
role = \"r\"
at = \"5s\"
";

fn with_base(extra: &str) -> String {
    format!("{BASE}{extra}")
}

#[test]
fn toml_syntax_errors_have_line_and_column() {
    assert_eq!(err("a = "), "sc.toml:1:5: invalid TOML: expected a value");
    assert_eq!(
        err("name = \"x\"\n[a\n"),
        "sc.toml:2:3: invalid TOML: invalid table header; expected `.`, `]`"
    );
    assert_eq!(
        err("name = \"x\"\nname = \"y\"\n"),
        "sc.toml:2:1: invalid TOML: duplicate key `name` in document root"
    );
}

#[test]
fn error_accessors() {
    let opts = LoadOptions { policies: POLICIES };
    let e = parse_str("seed = -1\n", "dir/sc.toml", &opts).unwrap_err();
    assert_eq!(e.file(), "dir/sc.toml");
    assert_eq!(e.line(), Some(1));
    assert_eq!(e.column(), Some(1));
    assert_eq!(e.key(), Some("seed"));
    assert_eq!(e.message(), "must be at least 0 (got -1)");
    assert_eq!(
        e.to_string(),
        "dir/sc.toml:1:1: seed: must be at least 0 (got -1)"
    );
}

#[test]
fn io_error_has_no_line() {
    let opts = LoadOptions { policies: POLICIES };
    let e = workloads::load_file(std::path::Path::new("/nonexistent/x.toml"), &opts).unwrap_err();
    assert_eq!(e.line(), None);
    assert_eq!(e.key(), None);
    assert!(e.to_string().starts_with("/nonexistent/x.toml: "), "{e}");
}

#[test]
fn unknown_keys_everywhere() {
    assert_eq!(
        err("nmae = \"x\"\n"),
        "sc.toml:1:1: nmae: unknown key `nmae`; allowed here: name, seed, end, allocator, roles, agents, frameworks, events, expect, workload, reports, master, faults, network, whatif, isolation, oversubscription"
    );
    assert_eq!(
        err("[allocator]\npolicy = \"drf\"\nintervall = \"1s\"\n"),
        "sc.toml:3:1: allocator.intervall: unknown key `intervall`; allowed here: policy, mode, interval, refuse, min_allocatable, offer_timeout, agent_order, placement, when_blocked, tie_break, drf, random"
    );
    assert_eq!(
        err("[[roles]]\nname = \"r\"\nweigth = 2\n"),
        "sc.toml:3:1: roles[0].weigth: unknown key `weigth`; allowed here: name, weight, guarantee, limit, capacity, max_capacity, minimum_user_limit_percent"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\ncpu = 3\n"),
        "sc.toml:3:1: agents[0].cpu: unknown key `cpu`; allowed here: name, count, resources, reserved, attributes, at"
    );
    assert_eq!(
        err(&with_base("prio = 1\n")),
        "sc.toml:10:1: frameworks[0].prio: unknown key `prio`; allowed here: name, role, at, behavior, refuse, fit, partition_aware, priority, suppress_when_idle, failover_timeout, revocable, jobs"
    );
    assert_eq!(
        err(&with_base("[[frameworks.jobs]]\nresources = { cpus = 1 }\nduration = \"1s\"\ncount = 3\n")),
        "sc.toml:13:1: frameworks[0].jobs[0].count: unknown key `count`; allowed here: name, at, tasks, resources, duration, priority, gang, usage, limit"
    );
    assert_eq!(
        err(&with_base("[[events]]\nat = \"6s\"\naction = \"suppress\"\nframework = \"f\"\nrole = \"r\"\n")),
        "sc.toml:14:1: events[0].role: key `role` does not belong to action \"suppress\"; allowed with it: at, action, framework"
    );
}

#[test]
fn reserved_tables_and_actions_are_not_supported_yet() {
    // [oversubscription] is supported now (tests/oversubscription.rs);
    // its keys are checked like every other table's.
    assert_eq!(
        err("name = \"x\"\n\n[oversubscription]\nx = 1\n"),
        "sc.toml:4:1: oversubscription.x: unknown key `x`; allowed here: enabled, safety_margin, estimator_interval"
    );
    // [workload] is accepted now: a trace (see the traces crate) or a
    // synthetic workload (tests/synthetic.rs), whose keys are checked.
    assert_eq!(
        err("[workload]\nsynthetic = { x = 1 }\n"),
        "sc.toml:2:15: workload.synthetic.x: unknown key `x`; allowed here: model, arrivals, rate, rates, amplitude, peak, duration, jobs, tasks, task_duration, cpus, mem, shapes, priorities, machines, frameworks, assign, scale"
    );
    assert_eq!(
        err("[workload]\ntrace = { format = \"alibaba-2017\" }\n"),
        "sc.toml:2:1: workload.trace: missing key `path`"
    );
    assert_eq!(
        err(&with_base(
            "[[events]]\nat = \"6s\"\naction = \"heal-agent\"\nagent = \"m-0\"\n"
        )),
        "sc.toml:12:1: events[0].action: action \"heal-agent\" is not supported yet"
    );
    assert_eq!(
        err(&with_base("[[events]]\nat = \"6s\"\naction = \"set-wieght\"\n")),
        "sc.toml:12:1: events[0].action: unknown action \"set-wieght\"; expected one of set-weight, set-quota, suppress, revive, deactivate, activate, remove-agent, add-agent, fail-agent, partition-agent, drain-agent, fail-master, disconnect-framework"
    );
}

#[test]
fn fault_tables_and_actions() {
    // [master] and [faults] keys are checked like every other table.
    assert_eq!(
        err("[master]\nreplica = 3\n"),
        "sc.toml:2:1: master.replica: unknown key `replica`; allowed here: replicas, agent_ping_timeout, max_agent_ping_timeouts, agent_reregister_timeout, zk_session_timeout, registration_backoff_factor, framework_backoff_factor, registry_max_agent_age, registry_gc_interval, allocator_agent_recovery_factor, allocator_recovery_timeout"
    );
    // Mesos refuses --agent_reregister_timeout below 10 minutes.
    assert_eq!(
        err("[master]\nagent_reregister_timeout = \"5m\"\n"),
        "sc.toml:2:1: master.agent_reregister_timeout: must be at least \"10m\" (Mesos's minimum)"
    );
    assert_eq!(
        err("[faults]\nagent_mttr = \"5m\"\n"),
        "sc.toml:2:1: faults.agent_mttr: agent_mttr needs agent_mtbf (crashes to repair)"
    );
    assert_eq!(
        err("[faults]\npartition_rate = \"2 per day\"\npartition_duration = \"1m\"\n"),
        "sc.toml:2:1: faults.partition_rate: a rate is a number of partitions per agent per hour, or \"N/UNIT\" like \"2/d\" or \"1/30m\" (got \"2 per day\")"
    );
    // A fault names an agent that exists and has joined.
    assert_eq!(
        err(&with_base("[[events]]\nat = \"6s\"\naction = \"fail-agent\"\nagent = \"m-9\"\n")),
        "sc.toml:13:1: events[0].agent: unknown agent \"m-9\": name an agent of [[agents]] (NAME-i when count > 1) or of an add-agent event"
    );
    assert_eq!(
        err(&with_base("[[events]]\nat = \"6s\"\naction = \"partition-agent\"\nagent = \"m-0\"\nheal_after = \"0s\"\n")),
        "sc.toml:14:1: events[0].heal_after: must be greater than 0"
    );
    assert_eq!(
        err(&with_base("[[events]]\nat = \"6s\"\naction = \"fail-master\"\nagent = \"m-0\"\n")),
        "sc.toml:13:1: events[0].agent: key `agent` does not belong to action \"fail-master\"; allowed with it: at, action"
    );
}

#[test]
fn top_level_values() {
    assert_eq!(
        err("name = 3\n"),
        "sc.toml:1:1: name: expected a string, got the integer 3"
    );
    assert_eq!(
        err("name = \"a/b\"\n"),
        "sc.toml:1:1: name: \"a/b\" cannot be a scenario name (it names the output directory): use no \"/\", \"\\\" or control characters"
    );
    assert_eq!(
        err("seed = 1.5\n"),
        "sc.toml:1:1: seed: expected a whole number, got the number 1.5"
    );
    assert_eq!(
        err("seed = 1979-05-27\n"),
        "sc.toml:1:1: seed: expected a whole number, got the date-time 1979-05-27"
    );
    assert_eq!(
        err("end = 10\n"),
        "sc.toml:1:1: end: a duration is a string with a unit, like \"250ms\", \"5s\" or \"2h\" (got the integer 10)"
    );
    assert_eq!(
        err("end = \"forever\"\n"),
        "sc.toml:1:1: end: \"forever\" is not allowed here"
    );
    assert_eq!(
        err("roles = 3\n"),
        "sc.toml:1:1: roles: expected an array of tables ([[roles]]), got the integer 3"
    );
    assert_eq!(
        err("agents = [1]\n"),
        "sc.toml:1:11: agents[0]: expected a table, got the integer 1"
    );
}

#[test]
fn durations() {
    assert_eq!(
        err("end = \"5 s\"\n"),
        "sc.toml:1:1: end: bad duration \"5 s\": expected a number and a unit (us, ms, s, m, h or d), e.g. \"250ms\", \"5s\", \"10m\""
    );
    assert_eq!(
        err("end = \"0.5us\"\n"),
        "sc.toml:1:1: end: \"0.5us\" is not a whole number of microseconds"
    );
    assert_eq!(
        err("[allocator]\ninterval = \"0s\"\n"),
        "sc.toml:2:1: allocator.interval: must be greater than 0"
    );
    assert_eq!(
        err("[allocator]\noffer_timeout = \"0ms\"\n"),
        "sc.toml:2:1: allocator.offer_timeout: must be greater than 0 (or \"forever\")"
    );
    assert_eq!(
        err("[allocator]\nrefuse = \"forever\"\n"),
        "sc.toml:2:1: allocator.refuse: \"forever\" is not allowed here"
    );
}

#[test]
fn allocator_choices() {
    assert_eq!(
        err("[allocator]\npolicy = \"fifo\"\n"),
        "sc.toml:2:1: allocator.policy: unknown policy \"fifo\"; known policies: drf, random"
    );
    assert_eq!(
        err("[allocator]\nmode = \"task\"\n"),
        "sc.toml:2:1: allocator.mode: expected one of \"offers\", \"tasks\" (got \"task\")"
    );
    assert_eq!(
        err("[allocator]\nagent_order = \"random\"\n"),
        "sc.toml:2:1: allocator.agent_order: expected one of \"shuffle\", \"joined\" (got \"random\")"
    );
    assert_eq!(
        err("[allocator]\nmin_allocatable = [{}]\n"),
        "sc.toml:2:20: allocator.min_allocatable[0]: must name at least one resource, like { cpus = 1, mem = 4096 }"
    );
    assert_eq!(
        err("[allocator]\nmin_allocatable = [{ cpus = -1 }]\n"),
        "sc.toml:2:22: allocator.min_allocatable[0].cpus: must not be negative (got -1)"
    );
}

#[test]
fn resources() {
    assert_eq!(
        err("[[agents]]\nname = \"m\"\nresources = { cpus = 1 }\n[[agents]]\nname = \"n\"\n[agents.resources]\ncpus = -2\n"),
        "sc.toml:7:1: agents[1].resources.cpus: must not be negative (got -2)"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\nresources = { cpus = nan }\n"),
        "sc.toml:3:15: agents[0].resources.cpus: must be a finite number (got NaN)"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\nresources = { cpus = inf }\n"),
        "sc.toml:3:15: agents[0].resources.cpus: must be a finite number (got inf)"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\nresources = { mem = \"4GB\" }\n"),
        "sc.toml:3:15: agents[0].resources.mem: expected a number, got the string \"4GB\""
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\nresources = { gpus = 1.5 }\n"),
        "sc.toml:3:15: agents[0].resources.gpus: must be a whole number (got 1.5)"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\nresources = { cpus = 1e300 }\n"),
        "sc.toml:3:15: agents[0].resources.cpus: is too large (got 1e300)"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\nresources = {}\n"),
        "sc.toml:3:1: agents[0].resources: must name at least one resource, like { cpus = 1, mem = 4096 }"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\n"),
        "sc.toml:1:1: agents[0].resources: missing required key `resources`"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\nresources = { \"a-b\" = 1 }\n"),
        "sc.toml:3:15: agents[0].resources.a-b: bad resource name \"a-b\": use letters, digits and _, not starting with a digit"
    );
}

#[test]
fn more_than_eight_resource_names() {
    let text = "\
[[agents]]
name = \"m\"
resources = { cpus = 1, mem = 2, disk = 3, gpus = 4, a = 1, b = 1, c = 1, d = 1 }
[[agents]]
name = \"n\"
resources = { cpus = 1, e = 1 }
";
    assert_eq!(
        err(text),
        "sc.toml:6:25: agents[1].resources.e: too many resource names: \"e\" would be number 9; a scenario may use at most 8 (cpus, mem, disk, gpus and 4 custom ones)"
    );
}

#[test]
fn agents() {
    assert_eq!(
        err("[[agents]]\ncount = 2\nresources = { cpus = 1 }\n"),
        "sc.toml:1:1: agents[0].name: missing required key `name`"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\ncount = 0\nresources = { cpus = 1 }\n"),
        "sc.toml:3:1: agents[0].count: must be at least 1 (got 0)"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m x\"\nresources = { cpus = 1 }\n"),
        "sc.toml:2:1: agents[0].name: name \"m x\" contains ' '; names use letters, digits and _ . - / *"
    );
    // m with count 2 gives m-0, m-1; a later agent named m-1 clashes.
    assert_eq!(
        err(&with_base(
            "[[agents]]\nname = \"m-1\"\nresources = { cpus = 1 }\n"
        )),
        "sc.toml:11:1: agents[1].name: agent name \"m-1\" is used twice (first by agents[0])"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\nresources = { cpus = 4 }\nreserved = { a = { cpus = 3 }, b = { cpus = 2 } }\n"),
        "sc.toml:4:1: agents[0].reserved: reservations add up to 5 cpus but the agent has 4"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\nresources = { cpus = 4 }\nreserved = { \"*\" = { cpus = 3 } }\n"),
        "sc.toml:4:14: agents[0].reserved.\"*\": cannot reserve resources for the default role \"*\" (unreserved resources are its already)"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\nresources = { cpus = 4 }\nreserved = { \"a//b\" = { cpus = 3 } }\n"),
        "sc.toml:4:14: agents[0].reserved.\"a//b\": role \"a//b\" is invalid: it must not contain \"//\""
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\nresources = { cpus = 4 }\nattributes = { rack = 1 }\n"),
        "sc.toml:4:16: agents[0].attributes.rack: expected a string, got the integer 1"
    );
    assert_eq!(
        err("[[agents]]\nname = \"m\"\nresources = { cpus = 4 }\nat = \"-1s\"\n"),
        "sc.toml:4:1: agents[0].at: bad duration \"-1s\": expected a number and a unit (us, ms, s, m, h or d), e.g. \"250ms\", \"5s\", \"10m\""
    );
}

#[test]
fn roles() {
    assert_eq!(
        err("[[roles]]\nweight = 2\n"),
        "sc.toml:1:1: roles[0].name: missing required key `name`"
    );
    assert_eq!(
        err("[[roles]]\nname = \"a\"\n[[roles]]\nname = \"a\"\n"),
        "sc.toml:4:1: roles[1].name: role \"a\" is listed twice (first as roles[0])"
    );
    assert_eq!(
        err("[[roles]]\nname = \"a\"\nweight = 0\n"),
        "sc.toml:3:1: roles[0].weight: a weight must be greater than 0 (got 0)"
    );
    assert_eq!(
        err("[[roles]]\nname = \"a\"\nweight = -1.5\n"),
        "sc.toml:3:1: roles[0].weight: a weight must be greater than 0 (got -1.5)"
    );
    assert_eq!(
        err("[[roles]]\nname = \"a\"\nguarantee = { cpus = 8 }\nlimit = { cpus = 4 }\n"),
        "sc.toml:3:15: roles[0].guarantee.cpus: the guarantee (8) is above the limit (4)"
    );
    assert_eq!(
        err("[[roles]]\nname = \"a/b\"\nlimit = { cpus = 4 }\n"),
        "sc.toml:3:1: roles[0].limit: quota is supported on top-level roles only, as in Mesos; \"a/b\" is nested"
    );
    assert_eq!(
        err("[[roles]]\nname = \"*\"\nguarantee = { cpus = 4 }\n"),
        "sc.toml:3:1: roles[0].guarantee: quota cannot be set on the default role \"*\""
    );
    assert_eq!(
        err("[[roles]]\nname = \"-a\"\n"),
        "sc.toml:2:1: roles[0].name: role \"-a\" is invalid: a path component must not start with \"-\""
    );
}

#[test]
fn role_names_like_mesos() {
    let cases = [
        ("", "a role name must not be empty"),
        ("/a", "role \"/a\" is invalid: it must not start or end with \"/\""),
        ("a/", "role \"a/\" is invalid: it must not start or end with \"/\""),
        ("a//b", "role \"a//b\" is invalid: it must not contain \"//\""),
        ("a/./b", "role \"a/./b\" is invalid: a path component must not be \".\" or \"..\""),
        ("..", "role \"..\" is invalid: a path component must not be \".\" or \"..\""),
        ("a b", "role \"a b\" is invalid: it must not contain whitespace or control characters (found ' ')"),
        ("a*", "role \"a*\" is invalid: \"*\" is only valid alone, as the default role"),
        ("-x", "role \"-x\" is invalid: a path component must not start with \"-\""),
    ];
    for (role, msg) in cases {
        assert_eq!(
            err(&format!("[[frameworks]]\nname = \"f\"\nrole = {role:?}\n")),
            format!("sc.toml:3:1: frameworks[0].role: {msg}")
        );
    }
}

#[test]
fn frameworks_and_jobs() {
    assert_eq!(
        err("[[frameworks]]\nrole = \"r\"\n"),
        "sc.toml:1:1: frameworks[0].name: missing required key `name`"
    );
    assert_eq!(
        err("[[frameworks]]\nname = \"a/b\"\n"),
        "sc.toml:2:1: frameworks[0].name: a framework name must not contain \"/\""
    );
    assert_eq!(
        err("[[frameworks]]\nname = \"f\"\n[[frameworks]]\nname = \"f\"\n"),
        "sc.toml:4:1: frameworks[1].name: framework \"f\" is listed twice"
    );
    assert_eq!(
        err("[[frameworks]]\nname = \"f\"\nbehavior = \"lazy\"\n"),
        "sc.toml:3:1: frameworks[0].behavior: expected one of \"greedy\", \"hold\", \"decline\" (got \"lazy\")"
    );
    assert_eq!(
        err("[[frameworks]]\nname = \"f\"\nfit = \"first\"\n"),
        "sc.toml:3:1: frameworks[0].fit: expected one of \"skip\", \"stop\" (got \"first\")"
    );
    assert_eq!(
        err("[[frameworks]]\nname = \"f\"\npartition_aware = \"yes\"\n"),
        "sc.toml:3:1: frameworks[0].partition_aware: expected true or false, got the string \"yes\""
    );
    assert_eq!(
        err(&with_base("[[frameworks.jobs]]\nresources = { cpus = 1 }\n")),
        "sc.toml:10:1: frameworks[0].jobs[0].duration: missing required key `duration` (a duration, or \"forever\")"
    );
    assert_eq!(
        err(&with_base("[[frameworks.jobs]]\nduration = \"1s\"\n")),
        "sc.toml:10:1: frameworks[0].jobs[0].resources: missing required key `resources`"
    );
    assert_eq!(
        err(&with_base(
            "[[frameworks.jobs]]\ntasks = -1\nresources = { cpus = 1 }\nduration = \"1s\"\n"
        )),
        "sc.toml:11:1: frameworks[0].jobs[0].tasks: must be at least 0 (got -1)"
    );
    assert_eq!(
        err(&with_base(
            "[[frameworks.jobs]]\ntasks = 2.5\nresources = { cpus = 1 }\nduration = \"1s\"\n"
        )),
        "sc.toml:11:1: frameworks[0].jobs[0].tasks: expected a whole number, got the number 2.5"
    );
}

#[test]
fn forever_needs_end() {
    let text = with_base(
        "[[frameworks.jobs]]\nresources = { cpus = 1 }\nduration = \"1h\"\n\
         [[frameworks.jobs]]\nresources = { cpus = 1 }\nduration = \"forever\"\n",
    );
    assert_eq!(
        err(&text),
        "sc.toml:15:1: frameworks[0].jobs[1].duration: a job runs \"forever\", so the run would never end on its own: set `end` at the top level (e.g. end = \"1h\")"
    );
    let opts = LoadOptions { policies: POLICIES };
    let ok = format!("end = \"1h\"\n{text}");
    let spec = parse_str(&ok, "sc.toml", &opts).unwrap();
    assert_eq!(spec.frameworks[0].jobs[1].duration_us, None);
}

#[test]
fn events() {
    assert_eq!(
        err(&with_base("[[events]]\naction = \"suppress\"\n")),
        "sc.toml:10:1: events[0].at: missing required key `at`"
    );
    assert_eq!(
        err(&with_base("[[events]]\nat = \"6s\"\n")),
        "sc.toml:10:1: events[0].action: missing required key `action`"
    );
    assert_eq!(
        err(&with_base(
            "[[events]]\nat = \"6s\"\naction = \"suppress\"\n"
        )),
        "sc.toml:10:1: events[0].framework: missing required key `framework` (suppress needs it)"
    );
    assert_eq!(
        err(&with_base(
            "[[events]]\nat = \"6s\"\naction = \"revive\"\nframework = \"g\"\n"
        )),
        "sc.toml:13:1: events[0].framework: unknown framework \"g\"; the scenario's frameworks: f"
    );
    assert_eq!(
        err(&with_base(
            "[[events]]\nat = \"4s\"\naction = \"deactivate\"\nframework = \"f\"\n"
        )),
        "sc.toml:11:1: events[0].at: deactivate at 4s is before framework \"f\" registers (at 5s)"
    );
    assert_eq!(
        err(&with_base(
            "[[events]]\nat = \"6s\"\naction = \"set-weight\"\nrole = \"r\"\nweight = 0\n"
        )),
        "sc.toml:14:1: events[0].weight: a weight must be greater than 0 (got 0)"
    );
    assert_eq!(
        err(&with_base("[[events]]\nat = \"6s\"\naction = \"set-quota\"\nrole = \"r\"\nguarantee = { cpus = 2 }\nlimit = { cpus = 1 }\n")),
        "sc.toml:14:15: events[0].guarantee.cpus: the guarantee (2) is above the limit (1)"
    );
    assert_eq!(
        err(&with_base("[[events]]\nat = \"6s\"\naction = \"remove-agent\"\nagent = \"m\"\n")),
        "sc.toml:13:1: events[0].agent: unknown agent \"m\": name an agent of [[agents]] (NAME-i when count > 1) or of an add-agent event"
    );
    assert_eq!(
        err(&with_base("[[events]]\nat = \"6s\"\naction = \"remove-agent\"\nagent = \"m-0\"\n[[events]]\nat = \"7s\"\naction = \"remove-agent\"\nagent = \"m-0\"\n")),
        "sc.toml:17:1: events[1].agent: agent \"m-0\" is already removed by events[0]"
    );
    assert_eq!(
        err(&with_base("[[events]]\nat = \"6s\"\naction = \"add-agent\"\nagent = \"m-0\"\nresources = { cpus = 1 }\n")),
        "sc.toml:13:1: events[0].agent: agent name \"m-0\" is used twice (first by agents[0])"
    );
    assert_eq!(
        err(&with_base(
            "[[events]]\nat = \"6s\"\naction = \"add-agent\"\nagent = \"x\"\n"
        )),
        "sc.toml:10:1: events[0].resources: missing required key `resources` (add-agent needs it)"
    );
    // Removal before the added agent joins, by time and by file order at
    // one time.
    assert_eq!(
        err(&with_base("[[events]]\nat = \"5s\"\naction = \"remove-agent\"\nagent = \"x\"\n[[events]]\nat = \"6s\"\naction = \"add-agent\"\nagent = \"x\"\nresources = { cpus = 1 }\n")),
        "sc.toml:13:1: events[0].agent: remove-agent at 5s comes before agent \"x\" joins (at 6s)"
    );
    assert_eq!(
        err(&with_base("[[events]]\nat = \"6s\"\naction = \"remove-agent\"\nagent = \"x\"\n[[events]]\nat = \"6s\"\naction = \"add-agent\"\nagent = \"x\"\nresources = { cpus = 1 }\n")),
        "sc.toml:13:1: events[0].agent: remove-agent at 6s comes before agent \"x\" joins (at 6s)"
    );
}

#[test]
fn slots_per_agent_must_be_a_whole_number_of_slots() {
    // `[allocator.slots] per_agent = N` cuts each agent into N slots
    // (docs/policies.md): 0, fractions and negatives are refused where
    // they are written.
    let opts = LoadOptions {
        policies: &["drf", "slots"],
    };
    for (v, got) in [("0", "0"), ("2.5", "2.5"), ("-3", "-3")] {
        let text =
            format!("{BASE}[allocator]\npolicy = \"slots\"\n[allocator.slots]\nper_agent = {v}\n");
        let e = parse_str(&text, "sc.toml", &opts).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "sc.toml:13:1: allocator.slots.per_agent: must be a whole number of slots per agent, from 1 to 1000000 (got {got})"
            )
        );
    }
    let ok = format!("{BASE}[allocator]\npolicy = \"slots\"\n[allocator.slots]\nper_agent = 9\n");
    assert!(parse_str(&ok, "sc.toml", &opts).is_ok());
}
