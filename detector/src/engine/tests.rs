use super::*;
use crate::finding::Severity;
use crate::record::input::read_bytes;

fn eval_all(engine: &Engine, text: &str) -> Vec<Finding> {
    let mut store = MemoryStore::new();
    let mut out = Vec::new();
    read_bytes("test", text.as_bytes(), &mut |rec, t, _| {
        out.extend(engine.evaluate(rec, t, &mut store).unwrap());
    });
    out
}

const CREATE_USER: &str = r#"{"eventVersion":"1.09","eventTime":"2026-11-10T22:30:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","recipientAccountId":"111122223333","eventID":"e1","requestParameters":{"userName":"backup1"},"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/terraform-deploy/ci","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::111122223333:role/terraform-deploy"}}}}"#;

#[test]
fn trusted_automation_inside_window_is_quiet_outside_is_not() {
    let cfg = Config::parse(
        "[[change_window]]\ndays=[\"Tue\"]\nstart=\"22:00\"\nend=\"02:00\"\n[principals]\ntrusted_automation=[\"arn:aws:iam::111122223333:role/terraform-deploy\"]",
    )
    .unwrap();
    let e = Engine::new(cfg);
    assert!(eval_all(&e, CREATE_USER).is_empty());
    let outside = CREATE_USER.replace("2026-11-10T22:30:00Z", "2026-11-10T12:00:00Z");
    let f = eval_all(&e, &outside);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule_id, "iam-user-created-outside-window");
    assert_eq!(
        f[0].actor.arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/terraform-deploy")
    );
    assert_eq!(
        f[0].resources,
        vec!["arn:aws:iam::111122223333:user/backup1"]
    );
}

#[test]
fn failed_calls_and_services_raise_nothing() {
    let e = Engine::new(Config::default());
    let failed = CREATE_USER.replace(
        r#""eventID":"e1","#,
        r#""eventID":"e1","errorCode":"AccessDenied","#,
    );
    assert!(eval_all(&e, &failed).is_empty());
    let svc = CREATE_USER.replace(r#""type":"AssumedRole""#, r#""type":"AWSService""#);
    assert!(eval_all(&e, &svc).is_empty());
    assert_eq!(eval_all(&e, CREATE_USER).len(), 1);
}

#[test]
fn overrides_and_untouchable_actors() {
    let cfg = Config::parse(
        "[rules]\nseverity={\"iam-user-created-outside-window\"=\"high\"}\nresponse={\"iam-user-created-outside-window\"=\"quarantine\"}\n[principals]\nbreak_glass=[\"arn:aws:iam::111122223333:user/bg\"]",
    )
    .unwrap();
    let e = Engine::new(cfg);
    let f = eval_all(&e, CREATE_USER);
    assert_eq!(
        (f[0].severity, f[0].response),
        (Severity::High, Response::Quarantine)
    );
    let bg = CREATE_USER.replace(
        r#""type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/terraform-deploy/ci""#,
        r#""type":"IAMUser","arn":"arn:aws:iam::111122223333:user/bg""#,
    );
    let bg = bg.replace(r#","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::111122223333:role/terraform-deploy"}}"#, "");
    let all = eval_all(&e, &bg);
    assert!(all.iter().all(|f| f.response == Response::Alert), "{bg}");
    let f: Vec<_> = all
        .into_iter()
        .filter(|f| f.rule_id == "iam-user-created-outside-window")
        .collect();
    assert_eq!(f.len(), 1, "{bg}");
    assert_eq!(f[0].response, Response::Alert);
}

#[test]
fn disabled_rules_do_not_run() {
    let e = Engine::new(
        Config::parse("[rules]\ndisable=[\"iam-user-created-outside-window\"]").unwrap(),
    );
    assert!(eval_all(&e, CREATE_USER).is_empty());
}

#[test]
fn finalise_sorts_and_dedups() {
    let e = Engine::new(Config::default());
    let mut f = eval_all(&e, &format!("{CREATE_USER}\n{CREATE_USER}"));
    assert_eq!(f.len(), 2);
    finalise(&mut f);
    assert_eq!(f.len(), 1);
}
