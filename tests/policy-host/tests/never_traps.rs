//! A request generator: random and mutated requests, settings and cluster
//! answers fed to the wasm. The policy must never trap or fail the call —
//! every answer is a well-formed verdict, rejections carry a message — and
//! the wasm must answer exactly what the native build answers.
//!
//! `POLICY_FUZZ_SEED` and `POLICY_FUZZ_CASES` (default 1500) steer it; a
//! failure prints the seed and case to reproduce.

use llsd_policy_host::*;
use serde_json::{Map, Value, json};

const FIXTURES: &[&str] = &[
    "llsd-create-valid",
    "llsd-create-invalid",
    "llsd-update-pinned",
    "llsd-delete",
    "deployment-create-providers",
    "deployment-create-no-providers",
    "deployment-create-owner-missing",
    "deployment-create-lookup-error",
    "deployment-update-injected",
    "deployment-update-wired-owner-missing",
    "deployment-update-wired-no-providers",
    "deployment-create-unowned",
    "deployment-create-owner-invalid",
    "deployment-create-pinned",
    "configmap-create",
];

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn random_string(rng: &mut Rng) -> String {
    let pieces = [
        "",
        "a",
        "Custom_VLLM",
        "registry.example.com/llama-providers/x:1",
        "docker.io/x",
        "@sha256:",
        "ä漢🙂",
        "\u{0}",
        "\\",
        "\"",
        "../..",
        " ",
        "inference",
        "vectorIo",
        "LlamaStackDistribution",
        "Deployment",
        "apps",
        "llamastack.io",
        "CREATE",
        "UPDATE",
        "DELETE",
        "${env.X:+y}",
        "-",
        ":",
        "/",
    ];
    let mut s = String::new();
    for _ in 0..rng.below(4) {
        s.push_str(rng.pick(&pieces));
    }
    if rng.chance(3) {
        s.push_str(&"x".repeat(rng.below(70_000)));
    }
    s
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 4 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => json!(rng.next_u64() as i64),
        3 => rng.pick(&[
            json!(-1),
            json!(0),
            json!(1),
            json!(1e300),
            json!(-0.5),
            json!(u64::MAX),
        ]),
        4 => Value::String(random_string(rng)),
        5 | 6 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "kind",
                "apiVersion",
                "metadata",
                "spec",
                "server",
                "externalProviders",
                "inference",
                "providerId",
                "image",
                "config",
                "name",
                "namespace",
                "ownerReferences",
                "controller",
                "template",
                "containers",
                "initContainers",
                "volumes",
                "env",
                "userConfig",
                "x",
            ];
            let mut map = Map::new();
            for _ in 0..rng.below(5) {
                map.insert(rng.pick(&keys).to_string(), random_value(rng, depth + 1));
            }
            Value::Object(map)
        }
    }
}

/// Every path (as pointer tokens) of a value.
fn paths(value: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                prefix.push(k.clone());
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                prefix.push(i.to_string());
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(value: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, token| match v {
        Value::Object(map) => map.get_mut(token),
        Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    })
}

/// A few random edits: replace, delete, duplicate, retype a node.
fn mutate(rng: &mut Rng, value: &mut Value) {
    for _ in 0..1 + rng.below(4) {
        let mut all = Vec::new();
        paths(value, &mut Vec::new(), &mut all);
        let path = rng.pick(&all);
        let replacement = random_value(rng, 0);
        let choice = rng.below(5);
        if choice == 0 && !path.is_empty() {
            let (last, parent) = path.split_last().unwrap();
            match at(value, parent) {
                Some(Value::Object(map)) => {
                    map.shift_remove(last);
                }
                Some(Value::Array(items)) => {
                    if let Ok(i) = last.parse::<usize>()
                        && i < items.len()
                    {
                        items.remove(i);
                    }
                }
                _ => {}
            }
        } else if let Some(node) = at(value, &path) {
            match choice {
                1 => {
                    if let Value::Array(items) = node
                        && items.len() < 32
                    {
                        let copies: Vec<Value> = items.to_vec();
                        for _ in 0..rng.below(20) {
                            items.extend(copies.iter().cloned());
                        }
                    } else {
                        *node = replacement;
                    }
                }
                2 => *node = Value::String(random_string(rng)),
                _ => *node = replacement,
            }
        }
    }
}

fn random_settings(rng: &mut Rng) -> Value {
    match rng.below(20) {
        0..=9 => json!({}),
        10..=12 => read_json(data_dir().join("settings/strict.json")),
        13 | 14 => read_json(data_dir().join("settings/invalid.json")),
        15 | 16 => random_value(rng, 0),
        _ => {
            let mut s = read_json(data_dir().join("settings/strict.json"));
            mutate(rng, &mut s);
            s
        }
    }
}

fn random_cluster(rng: &mut Rng) -> Cluster {
    // sometimes after an operator upgrade dropped the CRD patch
    let mut cluster = if rng.chance(20) {
        Cluster::fixture_with("cluster-crd-unpatched.json")
    } else {
        Cluster::fixture()
    };
    if rng.chance(40) {
        let keys: Vec<String> = cluster.resources.keys().cloned().collect();
        let key = rng.pick(&keys);
        let mut object = cluster.resources[&key].clone();
        mutate(rng, &mut object);
        cluster.resources.insert(key, object);
    }
    cluster
}

/// The payload bytes: mostly a mutated request, sometimes broken JSON.
fn random_payload(rng: &mut Rng) -> Vec<u8> {
    let mut request = fixture(rng.pick(FIXTURES));
    if rng.chance(85) {
        mutate(rng, &mut request);
    }
    let settings = random_settings(rng);
    let mut payload = json!({"request": request, "settings": settings})
        .to_string()
        .into_bytes();
    match rng.below(20) {
        0 => payload.truncate(rng.below(payload.len() + 1)),
        1 => {
            let i = rng.below(payload.len());
            payload[i] = rng.next_u64() as u8;
        }
        2 => payload = (0..rng.below(64)).map(|_| rng.next_u64() as u8).collect(),
        3 => payload = format!("{}{}", "[".repeat(300), "]".repeat(300)).into_bytes(),
        _ => {}
    }
    payload
}

fn check_verdict(bytes: &[u8], context: &str) -> Value {
    let verdict: Value = serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("{context}: the answer is not JSON: {e}"));
    let accepted = verdict["accepted"]
        .as_bool()
        .unwrap_or_else(|| panic!("{context}: no `accepted` in {verdict}"));
    if !accepted {
        let message = verdict["message"].as_str().unwrap_or_default();
        assert!(
            !message.is_empty(),
            "{context}: a rejection without a message"
        );
    }
    verdict
}

#[test]
fn random_and_mutated_requests_never_trap() {
    let seed = env_u64("POLICY_FUZZ_SEED", DEFAULT_SEED);
    let cases = env_u64("POLICY_FUZZ_CASES", 1500);
    let mut rng = Rng::new(seed);
    let mut stats = [0usize; 3];
    let mut host_cluster: Option<(Cluster, PolicyHost)> = None;
    for case in 0..cases {
        let cluster = random_cluster(&mut rng);
        let payload = random_payload(&mut rng);
        let context = format!("seed {seed:#x} case {case}");
        // A host per cluster change (instantiation is cheap, compilation is shared).
        if host_cluster
            .as_ref()
            .is_none_or(|(c, _)| c.resources != cluster.resources)
            || case % 200 == 0
        {
            host_cluster = Some((cluster.clone(), PolicyHost::new(cluster.clone())));
        }
        let (cluster, host) = host_cluster.as_ref().unwrap();
        let answer = host.call("validate", &payload).unwrap_or_else(|e| {
            panic!(
                "{context}: the call failed (trap or guest error): {e}\npayload: {}",
                String::from_utf8_lossy(&payload[..payload.len().min(2000)])
            )
        });
        let verdict = check_verdict(&answer, &context);
        let native = native_validate(cluster, &payload);
        assert_eq!(
            String::from_utf8_lossy(&answer),
            String::from_utf8_lossy(&native),
            "{context}: wasm and native answers differ"
        );
        let slot = match (
            verdict["accepted"].as_bool(),
            verdict["mutated_object"].is_null(),
        ) {
            (Some(true), true) => 0,
            (Some(true), false) => 1,
            _ => 2,
        };
        stats[slot] += 1;
    }
    eprintln!(
        "{cases} generated requests: {} accepted, {} mutated, {} rejected",
        stats[0], stats[1], stats[2]
    );
    assert!(
        stats.iter().all(|&n| n > 0),
        "the generator should reach every outcome: {stats:?}"
    );
}

#[test]
fn random_settings_never_trap() {
    let seed = env_u64("POLICY_FUZZ_SEED", DEFAULT_SEED) ^ 0xA5A5;
    let mut rng = Rng::new(seed);
    let host = PolicyHost::new(Cluster::default());
    for case in 0..env_u64("POLICY_FUZZ_CASES", 1500) / 3 {
        let settings = random_settings(&mut rng);
        let mut bytes = settings.to_string().into_bytes();
        if rng.chance(10) {
            bytes.truncate(rng.below(bytes.len() + 1));
        }
        let answer = host.call("validate_settings", &bytes).unwrap_or_else(|e| {
            panic!("seed {seed:#x} case {case}: validate_settings failed: {e}")
        });
        let verdict: Value = serde_json::from_slice(&answer).unwrap();
        let valid = verdict["valid"].as_bool().expect("valid is a boolean");
        assert_eq!(
            valid,
            verdict["message"].is_null(),
            "case {case}: {verdict}"
        );
    }
}

#[test]
fn huge_and_deep_inputs_are_rejections_not_traps() {
    let host = PolicyHost::new(Cluster::fixture());
    // 3000 providers in one section, a 2 MiB config value, 10 000-deep nesting
    let mut llsd = llsd_with_providers("big", "default", 3000);
    llsd["spec"]["server"]["externalProviders"]["inference"][0]["config"]["blob"] =
        json!("x".repeat(2 << 20));
    let response = host.validate(&admission_request("CREATE", &llsd, None), &json!({}));
    assert_eq!(response["accepted"], false);
    let deep = format!(
        "{{\"request\": {}1{}, \"settings\": {{}}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    check_verdict(&host.call("validate", deep.as_bytes()).unwrap(), "deep");
    let deep_settings = format!("{}{}", "{\"a\":".repeat(5000), "}".repeat(5000));
    let answer = host
        .call("validate_settings", deep_settings.as_bytes())
        .unwrap();
    let verdict: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(verdict["valid"], false);
}

const DEFAULT_SEED: u64 = 0x5EED_0000_11D5;
