//! A private `moto_server` (the local AWS emulator, PyPI `moto[server]`,
//! pinned in `requirements-test.txt`) per test, on 127.0.0.1 and a free port,
//! with AWS managed policies loaded. The `trailguard` binary and the SDK
//! clients that seed it are pointed at it with `--endpoint-url` and dummy
//! credentials; nothing here can reach a real AWS endpoint.
//!
//! `moto_server` is found through `TRAILGUARD_MOTO_SERVER`, then
//! `<workspace>/.venv/bin/moto_server` (where `scripts/test.sh` installs it),
//! then `PATH`. A missing emulator fails the test with a message saying how to
//! install it: it is never skipped silently.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The account moto answers for.
pub const MOTO_ACCOUNT: &str = "123456789012";

/// A running emulator; killed on drop.
pub struct Moto {
    child: Child,
    pub port: u16,
    pub endpoint: String,
}

fn moto_server() -> PathBuf {
    if let Some(p) = std::env::var_os("TRAILGUARD_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let venv = crate::root().join(".venv/bin/moto_server");
    if venv.is_file() {
        return venv;
    }
    PathBuf::from("moto_server")
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Moto {
    /// Starts a fresh emulator and waits until it answers.
    pub fn start() -> Moto {
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let child = Command::new(moto_server())
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot start {}: {e}. Install the test prerequisites with \
                         scripts/test.sh (moto[server] into .venv) or set TRAILGUARD_MOTO_SERVER",
                        moto_server().display()
                    )
                });
            let mut moto = Moto {
                child,
                port,
                endpoint: format!("http://127.0.0.1:{port}"),
            };
            match moto.wait_ready(Duration::from_secs(60)) {
                Ok(()) => return moto,
                Err(e) => last = e,
            }
        }
        panic!("moto_server did not come up: {last}");
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("moto_server exited early: {status}"));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("no answer on port {} after {limit:?}", self.port))
    }

    /// Environment for anything talking to this emulator: dummy credentials,
    /// a region, no shared config files, no instance metadata lookups.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        aws_env(&self.endpoint)
    }

    /// Runs `trailguard <args> --endpoint-url <moto>` in the workspace root.
    pub fn trailguard(&self, args: &[&str]) -> Output {
        trailguard_at(&self.endpoint, args)
    }

    /// SDK configuration for seeding this emulator from a test.
    pub async fn sdk(&self) -> aws_config::SdkConfig {
        use aws_config::{BehaviorVersion, Region};
        let creds = aws_sdk_iam::config::Credentials::new("testing", "testing", None, None, "moto");
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(creds)
            .endpoint_url(&self.endpoint)
            .load()
            .await
    }

    /// An S3 client with path-style addressing (what moto serves).
    pub async fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.sdk().await)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Environment for anything talking to `endpoint` (moto, a proxy in front of
/// it, a dead port): dummy credentials, a region, no shared config files, no
/// instance metadata lookups.
pub fn aws_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_SESSION_TOKEN", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ("AWS_CONFIG_FILE", "/dev/null".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_ENDPOINT_URL", endpoint.to_owned()),
    ]
}

/// How long one `trailguard` run against an endpoint may take before the
/// suite kills it and fails (a hang is a bug, not a slow test).
pub const RUN_LIMIT: Duration = Duration::from_secs(300);

/// Runs `trailguard <args> --endpoint-url <endpoint>` in the workspace root
/// with [`aws_env`]; kills it and panics after [`RUN_LIMIT`].
pub fn trailguard_at(endpoint: &str, args: &[&str]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--endpoint-url", endpoint]);
    let mut cmd = Command::new(crate::binary());
    cmd.args(&all)
        .current_dir(crate::root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in aws_env(endpoint) {
        cmd.env(k, v);
    }
    cmd.env_remove("AWS_PROFILE").env_remove("TRAILGUARD_LOG");
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", crate::binary().display()));
    wait_limited(child, RUN_LIMIT, &all.join(" "))
}

/// Waits for `child` (stdout and stderr piped), killing it after `limit`.
fn wait_limited(mut child: Child, limit: Duration, what: &str) -> Output {
    use std::io::Read;
    let pipe = |p: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = p {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = pipe(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = pipe(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for trailguard") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
            panic!("`trailguard {what}` still running after {limit:?}; killed. stderr:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// A current-thread tokio runtime for seeding from synchronous tests.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}
