//! IAM policy documents as they appear in CloudTrail: is a document (or a
//! managed policy) admin, and whom does a trust policy let in?
//!
//! Documents arrive as JSON strings in `requestParameters` and URL-encoded in
//! `responseElements`; both are accepted. Analysis is deliberately simple and
//! errs towards "admin": `Allow` of `*`, `*:*` or `iam:*` on any resource, or an
//! `Allow` with `NotAction` that leaves IAM allowed.

use serde_json::Value;

/// AWS managed policies that amount to administrator access.
pub const ADMIN_MANAGED_POLICIES: &[&str] = &[
    "AdministratorAccess",
    "IAMFullAccess",
    "AdministratorAccess-Amplify",
    "AdministratorAccess-AWSElasticBeanstalk",
    "AWSOrganizationsFullAccess",
];

/// True for an AWS managed admin policy ARN (any partition, any path).
pub fn is_admin_managed_policy(arn: &str) -> bool {
    let Some(rest) = arn.split_once(":iam::aws:policy/").map(|x| x.1) else {
        return false;
    };
    let name = rest.rsplit('/').next().unwrap_or(rest);
    ADMIN_MANAGED_POLICIES.contains(&name)
}

/// Parses a policy document: JSON text, or URL-encoded JSON text.
pub fn parse_document(text: &str) -> Option<Value> {
    let t = text.trim();
    if t.starts_with('{') {
        return serde_json::from_str(t).ok();
    }
    serde_json::from_str(&percent_decode(t)).ok()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The statements of a document (a single object or an array).
pub fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => vec![],
    }
}

/// A string-or-list field as strings.
pub fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

fn is_allow(st: &Value) -> bool {
    st.get("Effect")
        .and_then(Value::as_str)
        .is_some_and(|e| e.eq_ignore_ascii_case("allow"))
}

fn is_admin_action(a: &str) -> bool {
    let a = a.trim().to_ascii_lowercase();
    a == "*" || a == "*:*" || a == "iam:*"
}

fn any_resource(st: &Value) -> bool {
    let res = strings(st.get("Resource"));
    res.iter().any(|r| r.trim() == "*") || (res.is_empty() && st.get("NotResource").is_some())
}

/// True when the document grants administrator-equivalent rights.
pub fn is_admin_document(doc: &Value) -> bool {
    statements(doc)
        .into_iter()
        .filter(|st| is_allow(st))
        .any(|st| {
            if !any_resource(st) {
                return false;
            }
            if strings(st.get("Action")).iter().any(|a| is_admin_action(a)) {
                return true;
            }
            // Allow + NotAction: everything except the listed actions. Admin unless IAM is excluded.
            match st.get("NotAction") {
                Some(na) => !strings(Some(na)).iter().any(|a| {
                    let a = a.to_ascii_lowercase();
                    a == "*" || a == "iam:*" || a == "iam:*policy*"
                }),
                None => false,
            }
        })
}

/// True when the text is a document granting admin rights.
pub fn is_admin_text(text: &str) -> bool {
    parse_document(text).is_some_and(|d| is_admin_document(&d))
}

/// Who a trust policy lets assume the role.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Trust {
    /// Account ids named (from ARNs or bare ids), sorted, unique.
    pub accounts: Vec<String>,
    /// `"*"` as principal (anyone), and whether a Condition narrows it.
    pub wildcard: bool,
    pub wildcard_conditioned: bool,
    /// Federated principals (identity provider ARNs or names).
    pub federated: Vec<String>,
    /// Service principals.
    pub services: Vec<String>,
}

fn account_of(principal: &str) -> Option<String> {
    let p = principal.trim();
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Some(p.to_owned());
    }
    let acct = p.strip_prefix("arn:")?.split(':').nth(3)?;
    (acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit())).then(|| acct.to_owned())
}

fn lets_assume(st: &Value) -> bool {
    let actions = strings(st.get("Action"));
    actions.is_empty()
        || actions.iter().any(|a| {
            let a = a.to_ascii_lowercase();
            a == "*"
                || a.starts_with("sts:assumerole")
                || a == "sts:*"
                || a == "sts:tagsession"
                || a == "sts:setsourceidentity"
        })
}

/// Principals allowed to assume a role by a trust policy document.
pub fn trust_of(doc: &Value) -> Trust {
    let mut t = Trust::default();
    for st in statements(doc)
        .into_iter()
        .filter(|st| is_allow(st) && lets_assume(st))
    {
        let conditioned = st
            .get("Condition")
            .is_some_and(|c| c.as_object().is_some_and(|o| !o.is_empty()));
        // "Conditioned" holds only while every `*` statement seen has a Condition.
        let star = |t: &mut Trust| {
            t.wildcard_conditioned = conditioned && (!t.wildcard || t.wildcard_conditioned);
            t.wildcard = true;
        };
        match st.get("Principal") {
            Some(Value::String(s)) if s == "*" => star(&mut t),
            Some(Value::Object(m)) => {
                for p in strings(m.get("AWS")) {
                    if p.trim() == "*" {
                        star(&mut t);
                    } else if let Some(a) = account_of(p) {
                        t.accounts.push(a);
                    }
                }
                t.federated
                    .extend(strings(m.get("Federated")).into_iter().map(str::to_owned));
                t.services
                    .extend(strings(m.get("Service")).into_iter().map(str::to_owned));
            }
            _ => {}
        }
    }
    t.accounts.sort();
    t.accounts.dedup();
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_admin_policies() {
        assert!(is_admin_managed_policy(
            "arn:aws:iam::aws:policy/AdministratorAccess"
        ));
        assert!(is_admin_managed_policy(
            "arn:aws-us-gov:iam::aws:policy/IAMFullAccess"
        ));
        assert!(!is_admin_managed_policy(
            "arn:aws:iam::aws:policy/ReadOnlyAccess"
        ));
        assert!(!is_admin_managed_policy(
            "arn:aws:iam::111122223333:policy/AdministratorAccess"
        ));
    }

    #[test]
    fn admin_documents() {
        assert!(is_admin_text(
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#
        ));
        assert!(is_admin_text(
            r#"{"Statement":[{"Effect":"Allow","Action":["s3:Get*","iam:*"],"Resource":["*"]}]}"#
        ));
        assert!(is_admin_text(
            r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]}"#
        ));
        assert!(!is_admin_text(
            r#"{"Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#
        ));
        assert!(!is_admin_text(
            r#"{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#
        ));
        assert!(!is_admin_text(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
        ));
        assert!(!is_admin_text(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/*"}]}"#
        ));
        assert!(is_admin_text("%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%7D"));
        assert!(!is_admin_text("not json"));
    }

    #[test]
    fn trust_principals() {
        let d = parse_document(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::193672423079:root","444455556666"]},"Action":"sts:AssumeRole"},
            {"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#,
        )
        .unwrap();
        let t = trust_of(&d);
        assert_eq!(t.accounts, vec!["193672423079", "444455556666"]);
        assert!(!t.wildcard);
        assert_eq!(t.services, vec!["ec2.amazonaws.com"]);
        assert_eq!(t.federated.len(), 1);
        let star = trust_of(
            &parse_document(
                r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}"#,
            )
            .unwrap(),
        );
        assert!(star.wildcard && !star.wildcard_conditioned);
        let star = trust_of(&parse_document(r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}}"#).unwrap());
        assert!(star.wildcard && star.wildcard_conditioned);
        let mixed = trust_of(&parse_document(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},
            {"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}]}"#,
        ).unwrap());
        assert!(
            mixed.wildcard && !mixed.wildcard_conditioned,
            "a conditioned * must not hide an open one"
        );
    }
}
