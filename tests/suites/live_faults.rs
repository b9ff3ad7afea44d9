//! API errors during `scan` and `snapshot`, injected by the fault proxy
//! (`tests/fault_proxy.rs`) between trailguard and moto: AccessDenied on one
//! call, throttling, a disabled EC2 region, a dead endpoint. Each gives a
//! partial result with a clear `trailguard: partial result:` line naming
//! what failed (never a crash, never a silent gap), except a dead endpoint,
//! which is fatal (exit 2) with a message.

use serde_json::Value;
use trailguard_e2e::fault_proxy::{Fault, FaultProxy, Rule};
use trailguard_e2e::live::{account, backdoor_misses, finding_keys, scan};
use trailguard_e2e::moto::{free_port, trailguard_at, Moto};
use trailguard_e2e::seed::{Clean, Planted};
use trailguard_e2e::{exit_code, of_rule, partial_lines, s, stderr_lines};

/// The seeded, backdoored account behind a proxy with `rules`.
fn behind_proxy(rules: Vec<Rule>) -> (Moto, Clean, Planted, FaultProxy) {
    let (moto, clean, planted) = account(true);
    let proxy = FaultProxy::start(&format!("127.0.0.1:{}", moto.port), rules);
    (moto, clean, planted.expect("planted"), proxy)
}

/// Problems with a scan that should be a partial result naming each of `names`.
fn partial_problems(
    out: &std::process::Output,
    findings: &[Value],
    p: &Planted,
    names: &[&str],
) -> Vec<String> {
    let mut problems = Vec::new();
    let code = exit_code(out);
    if code != 0 && code != 1 {
        problems.push(format!(
            "exit {code}, want 0 or 1 (a partial result is not fatal)"
        ));
    }
    let partial = partial_lines(out);
    for n in names {
        if !partial.iter().any(|l| l.contains(n)) {
            problems.push(format!(
                "no `trailguard: partial result:` line naming {n}; partial lines: {partial:?}"
            ));
        }
    }
    problems.extend(
        backdoor_misses(findings, p)
            .into_iter()
            .map(|m| format!("lost finding: {m}")),
    );
    problems
}

/// Asserts rule `i` of the proxy served at least one fault (the call under
/// test was made), showing the calls seen, the exit status and stderr if not.
fn assert_called(proxy: &FaultProxy, i: usize, what: &str, out: &std::process::Output) {
    assert!(
        proxy.served(i) > 0,
        "trailguard never called {what}; calls through the proxy: {:?}\nexit {:?}, stderr:\n{}",
        proxy.seen(),
        out.status.code(),
        stderr_lines(out).join("\n")
    );
}

fn assert_no_problems(problems: &[String], out: &std::process::Output) {
    assert!(
        problems.is_empty(),
        "{}\nstderr:\n{}",
        problems.join("\n"),
        stderr_lines(out).join("\n")
    );
}

#[test]
fn access_denied_on_the_password_policy_is_a_partial_result_not_a_finding() {
    let (_moto, _clean, planted, proxy) = behind_proxy(vec![Rule::op(
        "GetAccountPasswordPolicy",
        Fault::AccessDenied,
    )]);
    let (out, findings) = scan(&proxy.endpoint, &[]);
    assert_called(&proxy, 0, "GetAccountPasswordPolicy", &out);
    let mut problems = partial_problems(&out, &findings, &planted, &["GetAccountPasswordPolicy"]);
    // The policy exists and is strong; not knowing it is a gap, not "no password policy".
    for f in of_rule(&findings, "posture-password-policy-weak") {
        problems.push(format!(
            "a denied read was reported as a weak/missing policy: {}",
            s(f, "summary")
        ));
    }
    assert_no_problems(&problems, &out);
}

#[test]
fn access_denied_on_ssh_keys_is_a_partial_result() {
    let (_moto, _clean, planted, proxy) =
        behind_proxy(vec![Rule::op("ListSSHPublicKeys", Fault::AccessDenied)]);
    // SSH public keys are listed per user, so only `scan --deep` asks for them.
    let (out, findings) = scan(&proxy.endpoint, &["--deep"]);
    assert_called(&proxy, 0, "ListSSHPublicKeys", &out);
    assert_no_problems(
        &partial_problems(&out, &findings, &planted, &["ListSSHPublicKeys"]),
        &out,
    );
}

#[test]
fn throttling_on_the_first_three_attempts_still_gives_the_complete_result() {
    const OP: &str = "GetAccountAuthorizationDetails";
    let (moto, _clean, _planted, proxy) = behind_proxy(vec![Rule::op(OP, Fault::Throttling(3))]);
    let (direct, direct_findings) = scan(&moto.endpoint, &[]);
    let (out, findings) = scan(&proxy.endpoint, &[]);
    assert_eq!(
        proxy.served(0),
        3,
        "three throttled attempts of {OP}; calls: {:?}",
        proxy.seen()
    );
    assert_eq!(
        exit_code(&out),
        exit_code(&direct),
        "stderr:\n{}",
        stderr_lines(&out).join("\n")
    );
    assert_eq!(
        partial_lines(&out),
        partial_lines(&direct),
        "throttling left a gap"
    );
    assert_eq!(
        finding_keys(&findings),
        finding_keys(&direct_findings),
        "throttling changed the findings"
    );
}

/// Retrying a throttled call costs that call's backoff (the SDK's: base 1 s,
/// exponential, jittered; under 8 s for three retries), not a slowdown of
/// every later call: 15 s over the unthrottled scan of this small account.
#[test]
fn three_throttles_cost_their_backoff_not_the_whole_scan() {
    const OP: &str = "GetAccountSummary";
    let (moto, _clean, _planted, proxy) = behind_proxy(vec![Rule::op(OP, Fault::Throttling(3))]);
    let timed = |endpoint: &str| {
        let t = std::time::Instant::now();
        let (out, _) = scan(endpoint, &[]);
        (t.elapsed(), out)
    };
    let (direct, _) = timed(&moto.endpoint);
    let (throttled, out) = timed(&proxy.endpoint);
    assert_eq!(proxy.served(0), 3, "calls: {:?}", proxy.seen());
    assert!(
        throttled < direct + std::time::Duration::from_secs(15),
        "3 throttled attempts of {OP} made the scan take {throttled:?} instead of {direct:?}; stderr:\n{}",
        stderr_lines(&out).join("\n")
    );
}

#[test]
fn a_disabled_ec2_region_is_a_partial_result_naming_the_region() {
    let rules = vec![
        Rule::region("ec2", "eu-west-1", Fault::OptInRequired),
        Rule::region("ec2", "ap-southeast-2", Fault::AuthFailure),
    ];
    let (_moto, _clean, planted, proxy) = behind_proxy(rules);
    let regions = ["--regions", "us-east-1,eu-west-1,ap-southeast-2"];
    let (out, findings) = scan(&proxy.endpoint, &regions);
    for (i, r) in ["eu-west-1", "ap-southeast-2"].iter().enumerate() {
        assert_called(&proxy, i, &format!("EC2 in {r}"), &out);
    }
    let names = ["eu-west-1", "ap-southeast-2"];
    assert_no_problems(&partial_problems(&out, &findings, &planted, &names), &out);
}

/// `snapshot -o` through the proxy; asserts it is not fatal and returns the
/// output, the inventory and its gaps as text.
fn snapshot_through(proxy: &FaultProxy, extra: &[&str]) -> (std::process::Output, Value, String) {
    let dir = trailguard_e2e::tempdir();
    let path = dir.path().join("inv.json");
    let p = path.display().to_string();
    let mut args = vec!["snapshot", "-o", &p];
    args.extend_from_slice(extra);
    let out = trailguard_at(&proxy.endpoint, &args);
    let code = exit_code(&out);
    let stderr = stderr_lines(&out).join("\n");
    assert!(code != 2, "a gap is not fatal; stderr:\n{stderr}");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{p}: {e}; stderr:\n{stderr}"));
    let inv: Value = serde_json::from_str(&text).expect("the snapshot is JSON");
    let gaps = inv["gaps"].to_string();
    (out, inv, gaps)
}

#[test]
fn a_snapshot_with_an_iam_gap_records_it() {
    let rules = vec![Rule::op("GetAccountPasswordPolicy", Fault::AccessDenied)];
    let (_moto, _clean, _planted, proxy) = behind_proxy(rules);
    let (out, inv, gaps) = snapshot_through(&proxy, &[]);
    assert!(
        gaps.contains("GetAccountPasswordPolicy"),
        "no gap names GetAccountPasswordPolicy: {gaps}"
    );
    let partial = partial_lines(&out);
    assert!(
        partial
            .iter()
            .any(|l| l.contains("GetAccountPasswordPolicy")),
        "the gap is reported on stderr too: {partial:?}"
    );
    let users = inv["users"].as_array().map_or(0, Vec::len);
    assert!(
        users >= 5,
        "the rest of the inventory is there: {users} users"
    );
}

#[test]
fn a_snapshot_with_a_disabled_region_records_it_and_keeps_the_others() {
    let rules = vec![Rule::region("ec2", "eu-west-1", Fault::OptInRequired)];
    let (_moto, clean, _planted, proxy) = behind_proxy(rules);
    let (out, inv, gaps) = snapshot_through(&proxy, &["--regions", "us-east-1,eu-west-1"]);
    assert_called(&proxy, 0, "EC2 in eu-west-1", &out);
    assert!(gaps.contains("eu-west-1"), "no gap names eu-west-1: {gaps}");
    let instances = inv["instances"].to_string();
    assert!(
        instances.contains(&clean.instance_id),
        "the us-east-1 instance is still there: {instances}"
    );
}

#[test]
fn a_dead_endpoint_is_fatal_with_a_message() {
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    let out = trailguard_at(&endpoint, &["scan", "--format", "json", "--lookback", "0"]);
    let code = exit_code(&out); // panics on a panic or a signal
    let stderr = stderr_lines(&out);
    assert_eq!(code, 2, "stderr:\n{}", stderr.join("\n"));
    assert!(
        out.stdout.is_empty(),
        "no findings from nowhere: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let said = stderr.iter().any(|l| {
        l.starts_with("trailguard: ")
            && (l.contains(&port.to_string()) || l.to_lowercase().contains("connect"))
    });
    assert!(
        said,
        "stderr should say the endpoint cannot be reached:\n{}",
        stderr.join("\n")
    );
    assert!(
        started.elapsed().as_secs() < 120,
        "took {:?}",
        started.elapsed()
    );
}
