//! The function as a process under the Lambda runtime emulator, against
//! moto: `cargo lambda watch --only-lambda-apis` serves the Lambda runtime
//! API on loopback, this package's `trailguard-lambda` binary (the one cargo
//! built for these tests: no second build inside the test) polls it with the
//! environment the Terraform module sets, and `cargo lambda invoke` sends
//! each EventBridge event of the backdoor story as its own invocation (then
//! another actor's out of order, then a redelivery). Needs `cargo-lambda`
//! (requirements-test.txt: `.venv/bin/cargo-lambda`, else on PATH, or
//! `TRAILGUARD_CARGO_LAMBDA`).

mod common;

use aws_sdk_iam::Client as Iam;
use common::*;
use serde_json::Value;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use trailguard_e2e::moto::free_port;

/// How long one step (emulator start, function start, one invocation) may take.
const STEP: Duration = Duration::from_secs(120);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cargo_lambda() -> PathBuf {
    if let Some(p) = std::env::var_os("TRAILGUARD_CARGO_LAMBDA") {
        return PathBuf::from(p);
    }
    let venv = root().join(".venv/bin/cargo-lambda");
    if venv.is_file() {
        return venv;
    }
    PathBuf::from("cargo-lambda")
}

/// A child in its own process group, killed with the group on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        // The whole group (the emulator's own children too), but only while
        // the child is unreaped: its id then still names its own group.
        if let (Ok(None), Ok(pgid)) = (self.0.try_wait(), libc::pid_t::try_from(self.0.id())) {
            if pgid > 1 {
                // SAFETY: killpg only sends a signal; the group is our child's.
                unsafe {
                    libc::killpg(pgid, libc::SIGKILL);
                }
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(cmd: &mut Command, log: &Path) -> Proc {
    let f = std::fs::File::create(log).unwrap();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::from(f.try_clone().unwrap()))
        .stderr(Stdio::from(f))
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {:?}: {e} (install the test prerequisites: scripts/test.sh)",
                cmd.get_program()
            )
        });
    Proc(child)
}

/// The runtime emulator and the function polling it.
struct Emulator {
    // Dropped in order: the function first, then the emulator.
    _function: Proc,
    _api: Proc,
    port: u16,
    function_log: PathBuf,
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

/// Starts the emulator and the function in `mode` with its own table.
async fn emulator(w: &World, mode: &str, table_name: &str) -> Emulator {
    table(w, table_name).await;
    let port = free_port();
    let dir = std::env::temp_dir();
    let api_log = dir.join(format!("trailguard-watch-{port}.log"));
    let function_log = dir.join(format!("trailguard-function-{port}.log"));
    let api = spawn(
        Command::new(cargo_lambda())
            .args(["lambda", "watch", "--only-lambda-apis"])
            .args([
                "--invoke-address",
                "127.0.0.1",
                "--invoke-port",
                &port.to_string(),
            ])
            .current_dir(root()),
        &api_log,
    );
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < STEP,
            "cargo lambda watch did not listen on {port}: {}",
            read(&api_log)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The environment of terraform/lambda.tf, pointed at moto.
    let function = spawn(
        Command::new(env!("CARGO_BIN_EXE_trailguard-lambda"))
            .envs(trailguard_e2e::moto::aws_env(&w.moto.endpoint))
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("http://127.0.0.1:{port}/.rt"),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", "_")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("TRAILGUARD_MODE", mode)
            .env("TRAILGUARD_TABLE", table_name)
            .env("TRAILGUARD_TOPIC_ARN", &w.topic)
            .env("TRAILGUARD_SELF", r#"["trailguard", "trailguard-state"]"#)
            .env("RUST_LOG", "info"),
        &function_log,
    );
    let start = Instant::now();
    while !read(&function_log).contains("trailguard-lambda ready") {
        assert!(
            start.elapsed() < STEP,
            "the function did not start: {}",
            read(&function_log)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Emulator {
        _function: function,
        _api: api,
        port,
        function_log,
    }
}

/// One invocation through `cargo lambda invoke`: the function's response.
fn invoke(em: &Emulator, event: &Value) -> Value {
    let id = event["id"].as_str().unwrap_or("x");
    let file = std::env::temp_dir().join(format!("trailguard-invoke-{}-{id}.json", em.port));
    std::fs::write(&file, event.to_string()).unwrap();
    let out_file = file.with_extension("out");
    let mut child = spawn(
        Command::new(cargo_lambda())
            .args(["lambda", "invoke", "--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &em.port.to_string()])
            .args(["--output-format", "json", "_"])
            .arg("--data-file")
            .arg(&file),
        &out_file,
    );
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < STEP,
            "cargo lambda invoke hung; function log: {}",
            read(&em.function_log)
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = read(&out_file);
    assert!(
        status.success(),
        "invoke failed: {out}\nfunction log: {}",
        read(&em.function_log)
    );
    // The response: the (pretty-printed) JSON object in the output.
    let start = out.find('{').unwrap_or(out.len());
    serde_json::Deserializer::from_str(&out[start..])
        .into_iter::<Value>()
        .next()
        .unwrap_or(Ok(Value::Null))
        .unwrap_or_else(|e| panic!("{e}: {out}\nfunction log: {}", read(&em.function_log)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guard_mode_backdoor_story_through_cargo_lambda() {
    let w = world().await;
    let iam = Iam::new(&w.sdk);
    seed_users(&iam, "mallory", "backup1").await;
    seed_users(&iam, "eve", "support2").await;
    let em = emulator(&w, "guard", "tg-watch").await;

    let story1 = story("mallory", "backup1", "eeee0001-");
    let replies: Vec<Value> = story1.iter().map(|ev| invoke(&em, ev)).collect();
    assert_eq!(replies[0]["records"], 1, "{replies:?}");
    let msgs = drain(&w).await;
    assert_eq!(backdoor_messages(&msgs, "mallory"), 1, "{msgs:#?}");
    for user in ["mallory", "backup1"] {
        let (policies, active) = user_state(&iam, user).await;
        assert!(
            !policies.is_empty() && active == 0,
            "{user} not quarantined: {policies:?}, {active} active key(s)"
        );
    }

    // Out of order, another actor.
    let story2 = story("eve", "support2", "ffff0002-");
    for i in [1, 2, 0] {
        invoke(&em, &story2[i]);
    }
    assert_eq!(backdoor_messages(&drain(&w).await, "eve"), 1);
    assert_eq!(user_state(&iam, "eve").await.1, 0);

    // Redelivery: no alert, no second quarantine.
    for ev in &story1 {
        let r = invoke(&em, ev);
        assert_eq!(
            (&r["alerts"], &r["quarantines"]),
            (&0.into(), &0.into()),
            "{r}"
        );
    }
    assert!(drain(&w).await.is_empty());
    let log = read(&em.function_log);
    assert!(
        log.lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok()),
        "the function's logs are not JSON lines: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detect_mode_alerts_and_quarantines_nothing_through_cargo_lambda() {
    let w = world().await;
    let iam = Iam::new(&w.sdk);
    seed_users(&iam, "trent", "backup3").await;
    let em = emulator(&w, "detect", "tg-watch-detect").await;
    for ev in story("trent", "backup3", "cccc0003-") {
        let r = invoke(&em, &ev);
        assert_eq!(r["quarantines"], 0, "{r}");
    }
    assert_eq!(backdoor_messages(&drain(&w).await, "trent"), 1);
    for user in ["trent", "backup3"] {
        let (policies, active) = user_state(&iam, user).await;
        assert!(
            policies.is_empty() && active == 1,
            "detect mode changed {user}: {policies:?}, {active}"
        );
    }
}
