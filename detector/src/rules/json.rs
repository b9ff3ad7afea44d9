//! Lenient readers for the request shapes EC2 and friends write into CloudTrail.
//!
//! EC2 records mirror its XML API: lists arrive as `{"items":[...]}`, as bare
//! arrays or as a single object; some requests keep the XML wrapper
//! (`{"DeleteFlowLogsRequest":{"FlowLogId":{"content":"fl-1","tag":1}}}`);
//! numbers sometimes arrive as strings and keys sometimes in PascalCase. These
//! helpers accept all of those and never fail. Shared by the EC2, logging,
//! secrets and correlation rules.

use serde_json::Value;

/// `v[key]`, also trying the key with its first letter's case flipped
/// (`userId` / `UserId`). Null counts as absent.
pub(crate) fn field<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let obj = v.as_object()?;
    if let Some(x) = obj.get(key).filter(|x| !x.is_null()) {
        return Some(x);
    }
    let mut chars = key.chars();
    let first = chars.next()?;
    let flipped: String = if first.is_ascii_uppercase() {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    } else {
        first.to_ascii_uppercase().to_string() + chars.as_str()
    };
    obj.get(&flipped).filter(|x| !x.is_null())
}

/// A path of [`field`] lookups.
pub(crate) fn path<'v>(v: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().try_fold(v, |cur, k| field(cur, k))
}

/// A scalar as text: strings as they are, numbers and booleans printed; an
/// XML-style `{"content": x}` as its content. Empty text counts as absent.
pub(crate) fn text(v: Option<&Value>) -> Option<String> {
    let s = match v? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        o @ Value::Object(_) => return text(field(o, "content")),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// An integer from a number or a numeric string.
pub(crate) fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The elements of a list: `{"items":[...]}`, a bare array, or one value.
pub(crate) fn items(v: Option<&Value>) -> Vec<&Value> {
    match v {
        None => vec![],
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => match field(o, "items") {
            Some(inner) => items(Some(inner)),
            None if o.as_object().is_some_and(|m| m.is_empty()) => vec![],
            None => vec![o],
        },
        Some(other) => vec![other],
    }
}

/// Every scalar in a list-ish value, as text (see [`items`] and [`text`]).
pub(crate) fn texts(v: Option<&Value>) -> Vec<String> {
    items(v).into_iter().filter_map(|x| text(Some(x))).collect()
}

/// `name` when it already is an ARN, else the ARN `build` makes of it.
pub(crate) fn arn_or(name: &str, build: impl FnOnce(&str) -> String) -> String {
    if name.starts_with("arn:") {
        name.to_owned()
    } else {
        build(name)
    }
}

/// True for a 12-digit AWS account id.
pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Up to `n` entries joined with ", ", then "and K more".
pub(crate) fn list_some(v: &[String], n: usize) -> String {
    let shown: Vec<&str> = v.iter().take(n).map(String::as_str).collect();
    match v.len().saturating_sub(n) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_shapes() {
        let v = json!({"DeleteFlowLogsRequest":{"FlowLogId":[{"content":"fl-1","tag":1},{"content":"fl-2","tag":2}]}});
        assert_eq!(
            texts(path(&v, &["DeleteFlowLogsRequest", "FlowLogId"])),
            vec!["fl-1", "fl-2"]
        );
        let v = json!({"deleteFlowLogsRequest":{"flowLogId":"fl-3"}});
        assert_eq!(
            texts(path(&v, &["DeleteFlowLogsRequest", "FlowLogId"])),
            vec!["fl-3"]
        );
        let v = json!({"a":{"items":[{"x":1},{"x":"2"}]},"b":{},"c":null});
        let xs: Vec<i64> = items(field(&v, "a"))
            .into_iter()
            .filter_map(|i| int(field(i, "x")))
            .collect();
        assert_eq!(xs, vec![1, 2]);
        assert!(items(field(&v, "b")).is_empty());
        assert!(field(&v, "c").is_none());
        assert_eq!(text(Some(&json!("  "))), None);
        assert_eq!(
            list_some(&["a".into(), "b".into(), "c".into()], 2),
            "a, b and 1 more"
        );
        assert!(is_account_id("999988887777") && !is_account_id("bob"));
        assert_eq!(arn_or("f", |n| format!("arn:x:{n}")), "arn:x:f");
        assert_eq!(arn_or("arn:y", |n| format!("arn:x:{n}")), "arn:y");
    }
}
