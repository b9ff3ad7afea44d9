use super::*;

fn parse(s: &str) -> Target {
    Target::parse(s, Some("eu-west-1")).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn users_and_roles_keep_their_paths() {
    let u = parse("arn:aws:iam::111122223333:user/ops/alice");
    assert_eq!(
        u,
        Target::User {
            partition: "aws".into(),
            account: "111122223333".into(),
            path: "/ops/".into(),
            name: "alice".into()
        }
    );
    assert_eq!(u.arn(), "arn:aws:iam::111122223333:user/ops/alice");
    let r = parse("arn:aws:iam::111122223333:role/deploy");
    assert_eq!(r.arn(), "arn:aws:iam::111122223333:role/deploy");
    assert_eq!(r.label(), "role deploy");
    let g = parse("arn:aws-us-gov:iam::111122223333:role/a/b/c");
    assert_eq!(g.arn(), "arn:aws-us-gov:iam::111122223333:role/a/b/c");
}

#[test]
fn an_assumed_role_session_means_its_role() {
    let t = parse("arn:aws:sts::111122223333:assumed-role/admin/mallory@example.com");
    match &t {
        Target::Role { name, session, .. } => {
            assert_eq!(name, "admin");
            assert_eq!(session.as_deref(), Some("mallory@example.com"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(t.arn(), "arn:aws:iam::111122223333:role/admin");
}

#[test]
fn keys_instances_root_and_service_principals() {
    assert_eq!(
        parse("AKIAIOSFODNN7EXAMPLE"),
        Target::AccessKey {
            id: "AKIAIOSFODNN7EXAMPLE".into()
        }
    );
    let i = parse("i-0123456789abcdef0");
    assert_eq!(
        i.arn(),
        "arn:aws:ec2:eu-west-1::instance/i-0123456789abcdef0"
    );
    let i = parse("arn:aws:ec2:us-east-2:111122223333:instance/i-0123456789abcdef0");
    assert_eq!(
        i,
        Target::Instance {
            partition: "aws".into(),
            region: "us-east-2".into(),
            account: "111122223333".into(),
            id: "i-0123456789abcdef0".into()
        }
    );
    assert!(matches!(
        parse("arn:aws:iam::111122223333:root"),
        Target::Root { .. }
    ));
    assert!(matches!(parse("111122223333"), Target::Root { .. }));
    assert!(matches!(
        parse("ec2.amazonaws.com"),
        Target::ServicePrincipal { .. }
    ));
}

#[test]
fn what_is_not_a_target_says_why() {
    assert_eq!(
        Target::parse("i-0123456789abcdef0", None),
        Err(TargetError::NoRegion("i-0123456789abcdef0".into()))
    );
    for bad in [
        "",
        "alice",
        "arn:aws:iam::111122223333:user/",
        "arn:aws:iam::111122223333:user",
        "arn:aws:s3:::bucket",
        "akiaiosfodnn7example",
        "i-xyz",
        "arn:aws:sts::111122223333:assumed-role/admin",
    ] {
        assert!(Target::parse(bad, Some("us-east-1")).is_err(), "{bad}");
    }
    let group = Target::parse("arn:aws:iam::111122223333:group/admins", None);
    assert!(matches!(group, Err(TargetError::Unsupported { .. })));
    let fed = Target::parse("arn:aws:sts::111122223333:federated-user/bob", None);
    assert!(format!("{}", fed.unwrap_err()).contains("GetFederationToken"));
    let managed = Target::parse("arn:aws:iam::aws:policy/AdministratorAccess", None);
    assert!(matches!(managed, Err(TargetError::Unsupported { .. })));
    let vol = Target::parse("arn:aws:ec2:us-east-1:111122223333:volume/vol-1", None);
    assert!(matches!(vol, Err(TargetError::Unsupported { .. })));
}

#[test]
fn principal_keys_ignore_paths_and_sessions() {
    let a = principal_key("arn:aws:iam::111122223333:role/team/deploy");
    let b = principal_key("arn:aws:sts::111122223333:assumed-role/deploy/s1");
    assert_eq!(a, b);
    assert_eq!(
        principal_key("arn:aws:sts::123456789012:user/moto"),
        Some(("123456789012".into(), "user", "moto".into()))
    );
    assert_eq!(principal_key("ec2.amazonaws.com"), None);
}
