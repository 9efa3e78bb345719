//! `[whatif]` in a scenario and `--whatif KEY=VALUE`: values, defaults and
//! every error with its exact message (file:line:col for the file, the
//! flag and key for the command line).

use std::path::Path;

use workloads::{parse_scenario, parse_whatif_args, LoadOptions, Whatif};

fn load(text: &str) -> Result<Whatif, String> {
    parse_scenario(text, "sc.toml", Path::new(""), &LoadOptions::default())
        .map(|l| l.whatif)
        .map_err(|e| e.to_string())
}

fn cli(args: &[&str]) -> Result<Whatif, String> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    parse_whatif_args(&args)
}

#[test]
fn every_key_is_read() {
    let w = load(
        "name = \"t\"\n[whatif]\nload = 1.5\nmachines = 0.8\nmachine_scale = { cpus = 2.0, mem = 0.5 }\nduration = 0.5\nwindow = [\"1h\", \"3h\"]\nsample = 0.1\n",
    )
    .unwrap();
    assert_eq!(w.load, Some(1.5));
    assert_eq!(w.machines, Some(0.8));
    assert_eq!(w.machine_scale.get("cpus"), Some(&2.0));
    assert_eq!(w.machine_scale.get("mem"), Some(&0.5));
    assert_eq!(w.duration, Some(0.5));
    // 1 h and 3 h in µs.
    assert_eq!(w.window, Some((3_600_000_000, 10_800_000_000)));
    assert_eq!(w.sample, Some(0.1));
    assert_eq!(
        w.to_json().unwrap(),
        serde_json::json!({
            "load": 1.5, "machines": 0.8, "machine_scale": {"cpus": 2.0, "mem": 0.5},
            "duration": 0.5, "window": {"start_us": 3_600_000_000u64, "end_us": 10_800_000_000u64},
            "sample": 0.1
        })
    );
    // No [whatif]: nothing, and no summary record.
    let none = load("name = \"t\"\n").unwrap();
    assert!(none.is_empty());
    assert_eq!(none.to_json(), None);
    // Integers are numbers too.
    assert_eq!(load("[whatif]\nload = 2\n").unwrap().load, Some(2.0));
}

#[test]
fn file_errors_name_the_line_column_and_key() {
    let cases = [
        (
            "[whatif]\nload = 0\n",
            "sc.toml:2:1: whatif.load: must be greater than 0 and at most 1000 (1 = the workload as it is) (got 0)",
        ),
        (
            "[whatif]\nload = -1.5\n",
            "sc.toml:2:1: whatif.load: must be greater than 0 and at most 1000 (1 = the workload as it is) (got -1.5)",
        ),
        (
            "[whatif]\nmachines = 1.2\n",
            "sc.toml:2:1: whatif.machines: a fraction of the agents: greater than 0 and at most 1 (got 1.2)",
        ),
        (
            "[whatif]\nmachines = 0\n",
            "sc.toml:2:1: whatif.machines: a fraction of the agents: greater than 0 and at most 1 (got 0)",
        ),
        (
            "[whatif]\nsample = 0\n",
            "sc.toml:2:1: whatif.sample: a fraction of the jobs: greater than 0 and at most 1 (got 0)",
        ),
        (
            "[whatif]\nduration = 0\n",
            "sc.toml:2:1: whatif.duration: must be greater than 0 (1 = as they are) (got 0)",
        ),
        (
            "[whatif]\nload = \"lots\"\n",
            "sc.toml:2:1: whatif.load: expected a number, got the string \"lots\"",
        ),
        (
            "[whatif]\nwindow = [\"3h\", \"1h\"]\n",
            "sc.toml:2:1: whatif.window: the window's start (3h) must come before its end (1h)",
        ),
        (
            "[whatif]\nwindow = [\"1h\", \"1h\"]\n",
            "sc.toml:2:1: whatif.window: the window's start (1h) must come before its end (1h)",
        ),
        (
            "[whatif]\nwindow = [\"1h\"]\n",
            "sc.toml:2:1: whatif.window: expected two durations [start, end], like [\"1h\", \"3h\"] (got 1)",
        ),
        (
            "[whatif]\nwindow = \"1h\"\n",
            "sc.toml:2:1: whatif.window: expected an array of two durations, like [\"1h\", \"3h\"], got the string \"1h\"",
        ),
        (
            "[whatif]\nwindow = [\"1h\", \"3 hours\"]\n",
            "sc.toml:2:17: whatif.window[1]: bad duration \"3 hours\": expected a number and a unit (us, ms, s, m, h or d), e.g. \"250ms\", \"5s\", \"10m\"",
        ),
        (
            "[whatif]\nmachine_scale = { cpus = 0 }\n",
            "sc.toml:2:19: whatif.machine_scale.cpus: a capacity factor must be greater than 0 (got 0)",
        ),
        (
            "[whatif]\nmachine_scale = {}\n",
            "sc.toml:2:1: whatif.machine_scale: must name at least one resource, like { cpus = 2.0 }",
        ),
        (
            "[whatif]\nlaod = 2\n",
            "sc.toml:2:1: whatif.laod: unknown key `laod`; allowed here: load, machines, machine_scale, duration, window, sample",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(load(text).unwrap_err(), want, "{text}");
    }
}

#[test]
fn command_line_values_and_overrides() {
    let w = cli(&[
        "load=1.5",
        "machines=0.8",
        "machine_scale.cpus=2",
        "machine_scale={ mem = 0.5 }",
        "duration=0.5",
        "window=[\"1h\", \"3h\"]",
        "sample=0.1",
        "load=2", // a later one wins
    ])
    .unwrap();
    assert_eq!(w.load, Some(2.0));
    assert_eq!(w.machines, Some(0.8));
    assert_eq!(w.machine_scale.len(), 2);
    assert_eq!(w.machine_scale["cpus"], 2.0);
    assert_eq!(w.duration, Some(0.5));
    assert_eq!(w.window, Some((3_600_000_000, 10_800_000_000)));
    assert_eq!(w.sample, Some(0.1));

    // The command line over the file, key by key.
    let mut file =
        load("[whatif]\nload = 3\nsample = 0.5\nmachine_scale = { cpus = 4, mem = 2 }\n").unwrap();
    file.merge(&cli(&["load=1.25", "machine_scale.cpus=0.5"]).unwrap());
    assert_eq!(file.load, Some(1.25));
    assert_eq!(file.sample, Some(0.5));
    assert_eq!(file.machine_scale["cpus"], 0.5);
    assert_eq!(file.machine_scale["mem"], 2.0);
}

#[test]
fn command_line_errors_name_the_flag_and_key() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["load"],
            "--whatif load: expected KEY=VALUE, like load=1.5 (keys: load, machines, machine_scale, duration, window, sample)",
        ),
        (
            &["lod=2"],
            "--whatif lod: unknown key; allowed: load, machines, machine_scale, duration, window, sample",
        ),
        (
            &["load=-1"],
            "--whatif load: must be greater than 0 and at most 1000 (1 = the workload as it is) (got -1)",
        ),
        (&["load=abc"], "--whatif load: expected a number, got the string \"abc\""),
        (
            &["machines=2"],
            "--whatif machines: a fraction of the agents: greater than 0 and at most 1 (got 2)",
        ),
        (
            &["window=[\"2h\",\"1h\"]"],
            "--whatif window: the window's start (2h) must come before its end (1h)",
        ),
        (
            &["machine_scale.cpus=-2"],
            "--whatif machine_scale.cpus: a capacity factor must be greater than 0 (got -2)",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(cli(args).unwrap_err(), want, "{args:?}");
    }
}
