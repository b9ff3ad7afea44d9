//! A deterministic generator of realistic CloudTrail S3 log files, shared by the
//! `gencorpus` example and the `throughput` bench.
//!
//! Layout: `AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_YYYYMMDDTHHMMZ_<16 alnum>.json.gz`,
//! each a gzip `{"Records":[...]}` of 100-2000 records from one 5-minute slot,
//! over a few days, two accounts, four regions. Background traffic is mostly
//! reads (KMS, SSM, STS, EC2/S3/IAM describes) by application roles, people,
//! CI, AWS services and service-linked roles, ~2% failed calls, ~1-2% writes,
//! a little root. Planted: a compromised CI user creates a user, attaches
//! AdministratorAccess to it, creates it a key and stops CloudTrail, then
//! terminates 12 instances in one call. Same seed, same bytes.

pub mod actors;
pub mod calls;
pub mod rng;
pub mod writes;

use calls::{Call, Ctx};
use flate2::write::GzEncoder;
use flate2::Compression;
use rng::Rng;
use serde::Serialize;
use serde_json::{json, Value};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use trailguard::record::format_time;

/// What to generate.
pub struct Options {
    pub out: PathBuf,
    pub records: u64,
    pub seed: u64,
    pub days: u64,
}

/// What was generated.
#[derive(Debug, Default)]
pub struct Summary {
    pub files: u64,
    pub records: u64,
    pub json_bytes: u64,
    pub gz_bytes: u64,
    pub writes: u64,
    pub failed: u64,
    pub root: u64,
    pub planted: Vec<String>,
}

/// The manifest written beside the corpus (a dot file: `hunt` skips it).
pub const MANIFEST: &str = ".gencorpus";
/// 2026-11-09T00:00:00Z, a Monday.
pub const START: i64 = 1_794_182_400;
const MAIN_ACCT: &str = "111122223333";
const ACCOUNTS: &[(u32, &str)] = &[(80, MAIN_ACCT), (20, "111122224444")];
const REGIONS: &[(u32, &str)] = &[
    (50, "us-east-1"),
    (25, "us-west-2"),
    (15, "eu-west-1"),
    (10, "ap-southeast-2"),
];
const ATTACKER_IP: &str = "203.0.113.77";
const ATTACKER_UA: &str =
    "aws-cli/2.13.0 Python/3.11.4 Darwin/22.5.0 exe/x86_64 prompt/off command/iam.create-user";

struct FilePlan {
    records: u64,
    acct: &'static str,
    region: &'static str,
    /// Delivery time (end of the file's 5-minute slot).
    end: i64,
}

fn plan(rng: &mut Rng, opts: &Options) -> Vec<FilePlan> {
    let mut sizes = Vec::new();
    let mut left = opts.records;
    while left > 0 {
        let u = rng.unit();
        let n = 100 + (1900.0 * u * u) as u64;
        let n = if left <= 2000 || left - n.min(left) < 100 {
            left
        } else {
            n
        };
        sizes.push(n);
        left -= n;
    }
    let span = (opts.days.max(1) * 86_400) as i64;
    let count = sizes.len() as i64;
    sizes
        .into_iter()
        .enumerate()
        .map(|(i, records)| {
            let end = START + span * (i as i64 + 1) / count;
            FilePlan {
                records,
                acct: rng.weighted(ACCOUNTS),
                region: rng.weighted(REGIONS),
                end: end - end % 300 + 300,
            }
        })
        .collect()
}

/// One CloudTrail record, fields in CloudTrail's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    event_version: &'static str,
    user_identity: &'a Value,
    event_time: &'a str,
    event_source: &'static str,
    event_name: &'static str,
    aws_region: &'a str,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: &'a str,
    user_agent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
    request_parameters: &'a Value,
    response_elements: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_event_data: Option<&'a Value>,
    #[serde(rename = "requestID")]
    request_id: String,
    #[serde(rename = "eventID")]
    event_id: String,
    read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<&'a Value>,
    event_type: &'static str,
    management_event: bool,
    recipient_account_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    vpc_endpoint_id: Option<String>,
    event_category: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_credential_from_console: Option<&'static str>,
}

fn error_for(rng: &mut Rng, call: &Call, arn: &str) -> (&'static str, String) {
    let svc = call.source.split('.').next().unwrap_or("");
    match (call.name, rng.below(4)) {
        ("GetBucketPolicy", _) => ("NoSuchBucketPolicy", "The bucket policy does not exist".into()),
        ("GetParameter", _) => ("ParameterNotFound", String::new()),
        (_, 0) => ("ThrottlingException", "Rate exceeded".into()),
        _ if svc == "ec2" => ("Client.UnauthorizedOperation", "You are not authorized to perform this operation.".into()),
        _ => ("AccessDenied", format!(
            "User: {arn} is not authorized to perform: {svc}:{} because no identity-based policy allows the {svc}:{} action",
            call.name, call.name
        )),
    }
}

/// Serialises one record onto `out`.
fn write_record(
    rng: &mut Rng,
    out: &mut Vec<u8>,
    ctx: &Ctx,
    actor: &actors::Actor,
    call: &Call,
    fail: bool,
) -> io::Result<()> {
    let arn = actor.identity["arn"].as_str().unwrap_or("");
    let (code, msg) = if fail {
        error_for(rng, call, arn)
    } else {
        ("", String::new())
    };
    let internal = actor.source_ip == "AWS Internal" || actor.user_agent == "AWS Internal";
    let service = matches!(actor.kind, actors::Kind::Service | actors::Kind::Linked);
    let host = match call.source {
        "iam.amazonaws.com" | "signin.amazonaws.com" => call.source.to_string(),
        s => format!(
            "{}.{}.amazonaws.com",
            s.split('.').next().unwrap_or(s),
            ctx.region
        ),
    };
    let env = Envelope {
        event_version: if call.source == "s3.amazonaws.com" { "1.09" } else { "1.08" },
        user_identity: &actor.identity,
        event_time: ctx.time,
        event_source: call.source,
        event_name: call.name,
        aws_region: ctx.region,
        source_ip_address: if internal { "AWS Internal" } else { &actor.source_ip },
        user_agent: &actor.user_agent,
        error_code: fail.then_some(code),
        error_message: (fail && !msg.is_empty()).then_some(msg),
        request_parameters: &call.req,
        response_elements: if fail { &Value::Null } else { &call.resp },
        additional_event_data: call.additional.as_ref(),
        request_id: if call.source == "s3.amazonaws.com" { rng.upper(16) } else { rng.uuid() },
        event_id: rng.uuid(),
        read_only: call.read_only,
        resources: call.resources.as_ref(),
        event_type: call.event_type,
        management_event: true,
        recipient_account_id: ctx.acct,
        vpc_endpoint_id: actor.source_ip.starts_with("10.").then(|| format!("vpce-0{}", rng.hex(16))),
        event_category: "Management",
        tls_details: (!service && !internal).then(|| {
            json!({"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": host})
        }),
        session_credential_from_console: actor.console.then_some("true"),
    };
    serde_json::to_writer(out, &env).map_err(io::Error::other)
}

/// The compromised CI user, calling from outside.
fn attacker(acct: &str) -> actors::Actor {
    actors::Actor {
        kind: actors::Kind::Ci,
        identity: actors::iam_user(acct, "ci-legacy", ""),
        source_ip: ATTACKER_IP.into(),
        user_agent: ATTACKER_UA.into(),
        console: false,
    }
}

/// Planted calls for file `idx`: `(seconds after the slot start, call)`.
fn planted_calls(rng: &mut Rng, idx: usize, attack_file: usize, ctx: &Ctx) -> Vec<(i64, Call)> {
    if idx == attack_file {
        let steps = [
            (5, "Recon"),
            (40, "CreateUser"),
            (58, "AttachUserPolicy"),
            (76, "CreateAccessKey"),
            (130, "StopLogging"),
        ];
        steps
            .iter()
            .map(|&(at, s)| (at, writes::attack(rng, ctx, s)))
            .collect()
    } else if idx == attack_file + 1 {
        let ids: Vec<String> = (0..12).map(|_| calls::instance_id(rng)).collect();
        vec![(20, writes::terminate(rng, &ids))]
    } else {
        Vec::new()
    }
}

fn generate_file(
    rng: &mut Rng,
    fp: &FilePlan,
    idx: usize,
    attack_file: usize,
    sum: &mut Summary,
) -> io::Result<Vec<u8>> {
    let start = fp.end - 300;
    let mut times: Vec<i64> = (0..fp.records)
        .map(|_| start + rng.below(300) as i64)
        .collect();
    times.sort_unstable();
    let mut buf = Vec::with_capacity(fp.records as usize * 1400 + 16);
    buf.extend_from_slice(b"{\"Records\":[");
    let ctx0 = Ctx {
        acct: fp.acct,
        region: fp.region,
        time: "",
    };
    let mut planted = planted_calls(rng, idx, attack_file, &ctx0);
    planted.truncate(fp.records as usize);
    for (i, &t) in times.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        let time = format_time(t);
        let ctx = Ctx {
            acct: fp.acct,
            region: fp.region,
            time: &time,
        };
        if i < planted.len() {
            let (at, call) = &planted[i];
            let time = format_time(start + at);
            let ctx = Ctx { time: &time, ..ctx };
            write_record(rng, &mut buf, &ctx, &attacker(fp.acct), call, false)?;
            sum.planted
                .push(format!("{time} {} {} {}", fp.region, call.name, fp.acct));
            continue;
        }
        let created = format_time(t - rng.range(30, 3000) as i64);
        let actor = actors::pick(rng, fp.acct, &created);
        let mut name = calls::choose(rng, actor.kind);
        for _ in 0..4 {
            if fp.region == "us-east-1" || !calls::is_global(name) {
                break;
            }
            name = calls::choose(rng, actor.kind);
        }
        if fp.region != "us-east-1" && calls::is_global(name) {
            name = "DescribeRegions";
        }
        let service = actor.kind == actors::Kind::Service;
        let call = calls::build(rng, name, &ctx, service);
        let fail = !service && call.name != "ConsoleLogin" && rng.chance(0.02);
        sum.writes += u64::from(!call.read_only);
        sum.failed += u64::from(fail);
        sum.root += u64::from(actor.kind == actors::Kind::Root);
        write_record(rng, &mut buf, &ctx, &actor, &call, fail)?;
    }
    buf.extend_from_slice(b"]}");
    Ok(buf)
}

/// The object key of a file delivered at `end`.
fn key(rng: &mut Rng, fp: &FilePlan) -> String {
    let t = format_time(fp.end); // 2026-11-09T00:05:00Z
    let (y, m, d, hh, mm) = (&t[0..4], &t[5..7], &t[8..10], &t[11..13], &t[14..16]);
    format!(
        "AWSLogs/{a}/CloudTrail/{r}/{y}/{m}/{d}/{a}_CloudTrail_{r}_{y}{m}{d}T{hh}{mm}Z_{}.json.gz",
        rng.alnum(16),
        a = fp.acct,
        r = fp.region
    )
}

/// Generates the corpus under `opts.out` (created if needed) and writes its manifest.
pub fn generate(opts: &Options) -> io::Result<Summary> {
    let mut rng = Rng::new(opts.seed);
    let mut files = plan(&mut rng, opts);
    let attack_file = files.len() * 45 / 100;
    for (i, region) in [(attack_file, "us-east-1"), (attack_file + 1, "us-west-2")] {
        if let Some(f) = files.get_mut(i) {
            f.acct = MAIN_ACCT;
            f.region = region;
        }
    }
    let mut sum = Summary::default();
    for (i, fp) in files.iter().enumerate() {
        let body = generate_file(&mut rng, fp, i, attack_file, &mut sum)?;
        let path = opts.out.join(key(&mut rng, fp));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut gz = GzEncoder::new(Vec::with_capacity(body.len() / 8), Compression::default());
        gz.write_all(&body)?;
        let gz = gz.finish()?;
        std::fs::write(&path, &gz)?;
        sum.files += 1;
        sum.records += fp.records;
        sum.json_bytes += body.len() as u64;
        sum.gz_bytes += gz.len() as u64;
    }
    write_manifest(&opts.out, opts, &sum)?;
    Ok(sum)
}

fn write_manifest(dir: &Path, opts: &Options, s: &Summary) -> io::Result<()> {
    let text = format!(
        "seed={}\ndays={}\nrecords={}\nfiles={}\njson_bytes={}\ngz_bytes={}\n",
        opts.seed, opts.days, s.records, s.files, s.json_bytes, s.gz_bytes
    );
    std::fs::write(dir.join(MANIFEST), text)
}

/// Reads `key=value` from a corpus manifest, if the corpus is complete.
pub fn manifest_value(dir: &Path, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}
