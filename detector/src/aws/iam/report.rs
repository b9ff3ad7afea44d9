//! The IAM credential report: one CSV row per user (and one for the root
//! user) with password, MFA, access key and signing certificate facts. It
//! tells which users have keys, certificates or MFA at all, so the per-user
//! calls are made only where there is something to list.
//!
//! [`parse`] is pure (tested here); [`fetch`] generates the report and reads it.

use crate::aws::{Aws, AwsError};
use crate::record::{parse_time, Timestamp};
use std::collections::BTreeMap;
use std::time::Duration;

/// One access key or certificate slot of a row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slot {
    pub active: bool,
    /// Creation (or last rotation) time; `None` when the slot is empty.
    pub last_rotated: Option<Timestamp>,
    pub last_used: Option<Timestamp>,
    pub last_used_region: Option<String>,
    pub last_used_service: Option<String>,
}

impl Slot {
    /// A key or certificate is in the slot.
    pub fn present(&self) -> bool {
        self.active || self.last_rotated.is_some()
    }
}

/// One user's row (`user` is `<root_account>` for the root user).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub user: String,
    pub arn: String,
    pub user_creation_time: Option<Timestamp>,
    pub password_enabled: bool,
    pub password_last_used: Option<Timestamp>,
    pub password_last_changed: Option<Timestamp>,
    pub mfa_active: bool,
    pub keys: [Slot; 2],
    pub certs: [Slot; 2],
}

impl Row {
    pub fn is_root(&self) -> bool {
        self.user == "<root_account>"
    }
}

/// The report's rows by user name.
pub type Report = BTreeMap<String, Row>;

fn time(v: &str) -> Option<Timestamp> {
    match v {
        "" | "N/A" | "no_information" | "not_supported" => None,
        _ => parse_time(v),
    }
}

fn text(v: &str) -> Option<String> {
    match v {
        "" | "N/A" | "no_information" | "not_supported" => None,
        _ => Some(v.to_owned()),
    }
}

/// Parses the report's CSV by column name (columns may be added or
/// reordered); rows without a user name are skipped.
pub fn parse(csv: &str) -> Report {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let idx: BTreeMap<&str, Option<usize>> = COLUMNS.iter().map(|c| (*c, col(c))).collect();
    let mut out = Report::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let get = |name: &str| {
            idx.get(name)
                .copied()
                .flatten()
                .and_then(|i| f.get(i))
                .map_or("", |s| s.trim())
        };
        let user = get("user");
        if user.is_empty() {
            continue;
        }
        let slot = |p: &str| Slot {
            active: get(&format!("{p}_active")) == "true",
            last_rotated: time(get(&format!("{p}_last_rotated"))),
            last_used: time(get(&format!("{p}_last_used_date"))),
            last_used_region: text(get(&format!("{p}_last_used_region"))),
            last_used_service: text(get(&format!("{p}_last_used_service"))),
        };
        let row = Row {
            user: user.to_owned(),
            arn: get("arn").to_owned(),
            user_creation_time: time(get("user_creation_time")),
            password_enabled: get("password_enabled") == "true",
            password_last_used: time(get("password_last_used")),
            password_last_changed: time(get("password_last_changed")),
            mfa_active: get("mfa_active") == "true",
            keys: [slot("access_key_1"), slot("access_key_2")],
            certs: [slot("cert_1"), slot("cert_2")],
        };
        out.insert(row.user.clone(), row);
    }
    out
}

const COLUMNS: &[&str] = &[
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

/// Attempts at `GenerateCredentialReport` before giving up (one second apart).
const GENERATE_ATTEMPTS: u32 = 30;

/// Generates the report (AWS reuses one younger than four hours) and reads it.
pub async fn fetch(aws: &Aws) -> Result<Report, AwsError> {
    let iam = aws.iam();
    for attempt in 0..GENERATE_ATTEMPTS {
        let out = iam
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| AwsError::call("iam:GenerateCredentialReport", "", &e))?;
        let done = out
            .state()
            .is_some_and(|s| s.as_str().eq_ignore_ascii_case("COMPLETE"));
        if done {
            break;
        }
        if attempt + 1 < GENERATE_ATTEMPTS {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    let out = iam
        .get_credential_report()
        .send()
        .await
        .map_err(|e| AwsError::call("iam:GetCredentialReport", "", &e))?;
    let bytes = out.content().map(|b| b.as_ref()).unwrap_or_default();
    Ok(parse(&String::from_utf8_lossy(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
alice,arn:aws:iam::111122223333:user/alice,2025-03-01T09:00:00+00:00,true,2026-11-20T08:00:00+00:00,2025-03-01T09:05:00+00:00,N/A,true,true,2025-03-01T09:10:00+00:00,2026-11-21T07:00:00+00:00,us-east-1,s3,false,2026-11-21T01:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A
svc,arn:aws:iam::111122223333:user/svc,2025-03-01T09:00:00+00:00,false,not_supported,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,true,2025-04-01T00:00:00+00:00,false,N/A
";

    #[test]
    fn parses_rows_by_column_name() {
        let r = parse(CSV);
        assert_eq!(r.len(), 3);
        let root = &r["<root_account>"];
        assert!(root.is_root() && root.mfa_active && !root.keys[0].present());
        let alice = &r["alice"];
        assert!(alice.password_enabled && alice.mfa_active);
        assert!(alice.keys[0].active && alice.keys[0].last_used.is_some());
        assert_eq!(alice.keys[0].last_used_service.as_deref(), Some("s3"));
        assert!(!alice.keys[1].active && alice.keys[1].present());
        assert_eq!(alice.keys[1].last_used, None);
        let svc = &r["svc"];
        assert!(!svc.password_enabled && svc.password_last_used.is_none());
        assert!(svc.certs[0].present() && !svc.certs[1].present());
    }

    #[test]
    fn tolerates_reordered_missing_and_short_columns() {
        let r = parse("arn,user,mfa_active\narn:aws:iam::1:user/x,x,true\n,\n\nz\n,y\n");
        assert!(r["x"].mfa_active && r["x"].arn.ends_with("user/x"));
        assert!(r.contains_key("y") && !r.contains_key("z") && r.len() == 2);
        assert!(parse("").is_empty());
        assert!(parse("garbage without commas").is_empty());
    }
}
