//! What a record reads from a secret store: the secrets, SecureString parameters
//! or Windows passwords it names, or the query it selects them by.
//!
//! Names are normalised so that one secret read by name, by partial ARN and by
//! full ARN counts once: Secrets Manager secrets become
//! `arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME` (the six-character
//! suffix AWS appends to full ARNs dropped), SSM parameters
//! `arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME` (version and label
//! selectors dropped), EC2 passwords the instance id.

use crate::record::Event;
use crate::rules::json::{field, items, text, texts};
use serde_json::Value;

/// What one record reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Read {
    /// Named secrets, parameters or instance passwords (normalised, see the module docs).
    Items(Vec<String>),
    /// A query whose matches the record does not name: a filtered
    /// `BatchGetSecretValue`, or `GetParametersByPath` on the root.
    Query {
        /// The filter or path, as text.
        selector: String,
        /// It selects everything (negation-only filters, the whole parameter tree).
        everything: bool,
        /// A wildcard ARN standing for what it selected.
        resource: String,
    },
}

/// Where the record lives: partition, region, account.
struct Place<'e> {
    partition: &'e str,
    region: &'e str,
    account: &'e str,
}

fn place<'e>(ev: &'e Event) -> Place<'e> {
    let arn = ev.actor().arn.as_deref().unwrap_or("");
    let partition = arn
        .strip_prefix("arn:")
        .and_then(|r| r.split(':').next())
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    Place {
        partition,
        region: ev.record.region(),
        account: ev.record.account(),
    }
}

/// What `ev` reads, if it is a secret-reading call.
pub(super) fn reads(ev: &Event) -> Option<Read> {
    let r = ev.record;
    let req: Value = r.request().unwrap_or(Value::Null);
    let at = place(ev);
    match (r.source(), r.name()) {
        ("secretsmanager.amazonaws.com", "GetSecretValue") => {
            let id = text(field(&req, "secretId"))?;
            Some(Read::Items(vec![secret_key(&id, &at)]))
        }
        ("secretsmanager.amazonaws.com", "BatchGetSecretValue") => batch(&req, &at),
        ("ssm.amazonaws.com", "GetParameter") if decrypts(&req) => {
            let name = text(field(&req, "name"))?;
            Some(Read::Items(vec![parameter_key(&name, &at)]))
        }
        ("ssm.amazonaws.com", "GetParameters") if decrypts(&req) => {
            let names = texts(field(&req, "names"));
            let keys: Vec<String> = names.iter().map(|n| parameter_key(n, &at)).collect();
            (!keys.is_empty()).then_some(Read::Items(keys))
        }
        ("ssm.amazonaws.com", "GetParametersByPath") if decrypts(&req) => by_path(&req, &at),
        ("ec2.amazonaws.com", "GetPasswordData") => {
            let id = text(field(&req, "instanceId"))?;
            Some(Read::Items(vec![id]))
        }
        _ => None,
    }
}

/// `withDecryption: true` (boolean or text).
fn decrypts(req: &Value) -> bool {
    text(field(req, "withDecryption")).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn batch(req: &Value, at: &Place) -> Option<Read> {
    let ids = texts(field(req, "secretIdList"));
    if !ids.is_empty() {
        return Some(Read::Items(ids.iter().map(|i| secret_key(i, at)).collect()));
    }
    let filters = items(field(req, "filters"));
    if filters.is_empty() {
        return None;
    }
    let mut everything = true;
    let mut parts = Vec::new();
    for f in filters {
        let key = text(field(f, "key")).unwrap_or_default();
        let values = texts(field(f, "values"));
        everything &= !values.is_empty() && values.iter().all(|v| v.starts_with('!'));
        parts.push(format!("{key}={}", values.join(",")));
    }
    Some(Read::Query {
        selector: parts.join(";"),
        everything,
        resource: format!(
            "arn:{}:secretsmanager:{}:{}:secret:*",
            at.partition, at.region, at.account
        ),
    })
}

fn by_path(req: &Value, at: &Place) -> Option<Read> {
    let path = text(field(req, "path"))?;
    let recursive = text(field(req, "recursive")).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() && recursive {
        return Some(Read::Query {
            selector: "/ (recursive)".to_owned(),
            everything: true,
            resource: format!(
                "arn:{}:ssm:{}:{}:parameter/*",
                at.partition, at.region, at.account
            ),
        });
    }
    let key = parameter_key(trimmed, at);
    let key = if trimmed.is_empty() {
        format!("{key}*")
    } else {
        format!("{key}/*")
    };
    Some(Read::Items(vec![key]))
}

/// A secret's normalised ARN (see the module docs).
fn secret_key(id: &str, at: &Place) -> String {
    if let Some((prefix, name)) = id.split_once(":secret:") {
        if prefix.starts_with("arn:") {
            return format!("{prefix}:secret:{}", without_suffix(name));
        }
    }
    format!(
        "arn:{}:secretsmanager:{}:{}:secret:{id}",
        at.partition, at.region, at.account
    )
}

/// `db-creds-AbC123` to `db-creds`: full secret ARNs end in `-` and six random characters.
fn without_suffix(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((base, tail))
            if !base.is_empty()
                && tail.len() == 6
                && tail.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            base
        }
        _ => name,
    }
}

/// A parameter's normalised ARN (see the module docs).
fn parameter_key(name: &str, at: &Place) -> String {
    if let Some((prefix, rest)) = name.split_once(":parameter/") {
        if prefix.starts_with("arn:") {
            let bare = rest.split(':').next().unwrap_or(rest);
            return format!("{prefix}:parameter/{bare}");
        }
    }
    let bare = name
        .split(':')
        .next()
        .unwrap_or(name)
        .trim_start_matches('/');
    format!(
        "arn:{}:ssm:{}:{}:parameter/{bare}",
        at.partition, at.region, at.account
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;
    use serde_json::json;

    fn read(source: &str, name: &str, req: Value) -> Option<Read> {
        let text = json!({
            "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
            "recipientAccountId": "111122223333", "eventTime": "2026-11-12T03:12:44Z",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice"},
            "requestParameters": req,
        })
        .to_string();
        let r: Record = serde_json::from_str(&text).unwrap();
        reads(&Event::new(&r, 0))
    }

    fn items(v: &[&str]) -> Option<Read> {
        Some(Read::Items(v.iter().map(|s| s.to_string()).collect()))
    }

    const SM: &str = "secretsmanager.amazonaws.com";

    #[test]
    fn a_secret_by_name_partial_and_full_arn_is_one_key() {
        let want = items(&["arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-creds"]);
        for id in [
            "prod/db-creds",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-creds",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-creds-AbC123",
        ] {
            assert_eq!(
                read(SM, "GetSecretValue", json!({"secretId": id})),
                want,
                "{id}"
            );
        }
        let batch = read(
            SM,
            "BatchGetSecretValue",
            json!({"secretIdList": ["a", "b-x"]}),
        );
        let Some(Read::Items(keys)) = batch else {
            panic!("{batch:?}")
        };
        assert!(keys[1].ends_with(":secret:b-x"));
    }

    #[test]
    fn parameters_need_decryption_and_lose_selectors() {
        let ssm = "ssm.amazonaws.com";
        let p = "arn:aws:ssm:us-east-1:111122223333:parameter/app/key";
        assert_eq!(
            read(
                ssm,
                "GetParameter",
                json!({"name": "/app/key:3", "withDecryption": true})
            ),
            items(&[p])
        );
        assert_eq!(
            read(
                ssm,
                "GetParameter",
                json!({"name": format!("{p}:live"), "withDecryption": "true"})
            ),
            items(&[p])
        );
        assert_eq!(read(ssm, "GetParameter", json!({"name": "/app/key"})), None);
        assert_eq!(
            read(
                ssm,
                "GetParameters",
                json!({"names": ["/app/key"], "withDecryption": false})
            ),
            None
        );
        assert_eq!(
            read(
                ssm,
                "GetParametersByPath",
                json!({"path": "/app", "withDecryption": true})
            ),
            items(&["arn:aws:ssm:us-east-1:111122223333:parameter/app/*"])
        );
        let root = read(
            ssm,
            "GetParametersByPath",
            json!({"path": "/", "recursive": true, "withDecryption": true}),
        );
        assert!(
            matches!(
                root,
                Some(Read::Query {
                    everything: true,
                    ..
                })
            ),
            "{root:?}"
        );
    }

    #[test]
    fn filters_are_queries_and_negations_only_select_everything() {
        let q = |filters: Value| read(SM, "BatchGetSecretValue", json!({ "filters": filters }));
        let all = q(json!([{"key": "tag-key", "values": ["!tagKeyThatWillNeverExist"]}]));
        assert!(
            matches!(
                all,
                Some(Read::Query {
                    everything: true,
                    ..
                })
            ),
            "{all:?}"
        );
        let mixed =
            q(json!([{"key": "tag-key", "values": ["!x"]}, {"key": "tag-key", "values": ["app"]}]));
        let Some(Read::Query {
            selector,
            everything,
            ..
        }) = mixed
        else {
            panic!("{mixed:?}")
        };
        assert!(!everything);
        assert_eq!(selector, "tag-key=!x;tag-key=app");
        assert_eq!(q(json!([])), None);
        assert_eq!(read(SM, "BatchGetSecretValue", json!({})), None);
    }

    #[test]
    fn odd_shapes_read_nothing() {
        for shape in [
            json!(null),
            json!("x"),
            json!([1]),
            json!({"secretId": {}}),
            json!({"names": 7}),
        ] {
            assert_eq!(read(SM, "GetSecretValue", shape.clone()), None);
            assert_eq!(
                read("ssm.amazonaws.com", "GetParameters", shape.clone()),
                None
            );
            assert_eq!(read("ec2.amazonaws.com", "GetPasswordData", shape), None);
        }
        assert_eq!(
            read(
                "ec2.amazonaws.com",
                "GetSecretValue",
                json!({"secretId": "a"})
            ),
            None
        );
        assert_eq!(without_suffix("-AbC123"), "-AbC123");
        assert_eq!(without_suffix("a-AbC12"), "a-AbC12");
    }
}
