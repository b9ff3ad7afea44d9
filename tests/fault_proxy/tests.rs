//! The fault proxy against a fake upstream that echoes what it received,
//! driven by a plain TCP client.

use super::*;
use std::net::TcpListener;

/// An upstream answering every request with 200 and, as body, the request it
/// got (head lines joined by `\n`, a blank line, the body). Returns its `host:port`.
fn echo_upstream() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        for conn in l.incoming().flatten() {
            std::thread::spawn(move || echo(conn));
        }
    });
    addr
}

fn echo(conn: TcpStream) {
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    let mut head = Vec::new();
    let mut len = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            len = n.parse().unwrap_or(0);
        }
        head.push(line);
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).expect("body");
    let mut got = head.join("\n").into_bytes();
    got.extend_from_slice(b"\n\n");
    got.extend_from_slice(&body);
    let mut out = conn;
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
        got.len()
    );
    let _ = out.write_all(answer.as_bytes());
    let _ = out.write_all(&got);
}

fn auth(region: &str, service: &str) -> String {
    format!(
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/{region}/{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
    )
}

/// Sends a raw request to the proxy; returns (status, whole answer as text).
fn send(proxy: &FaultProxy, raw: &str) -> (u16, String) {
    let addr = proxy.endpoint.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).expect("connect to the proxy");
    s.write_all(raw.as_bytes()).expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("read the answer");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

fn query_post(region: &str, service: &str, body: &str) -> String {
    format!(
        "POST / HTTP/1.1\r\nHost: {service}.amazonaws.com\r\n{}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        auth(region, service),
        body.len()
    )
}

#[test]
fn unmatched_requests_are_forwarded_unchanged_with_connection_close() {
    let p = FaultProxy::start(
        &echo_upstream(),
        vec![Rule::op("GetAccountPasswordPolicy", Fault::AccessDenied)],
    );
    let body = "Action=ListUsers&Version=2010-05-08";
    let (status, answer) = send(&p, &query_post("us-east-1", "iam", body));
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\r\nConnection: close\r\n"), "{answer}");
    assert!(!answer.contains("keep-alive"), "{answer}");
    assert!(
        answer.contains("POST / HTTP/1.1\nHost: iam.amazonaws.com\n"),
        "{answer}"
    );
    assert!(
        answer.contains("\nConnection: close\n"),
        "upstream saw: {answer}"
    );
    assert!(answer.ends_with(&format!("\n\n{body}")), "{answer}");
    assert_eq!((p.forwarded(), p.served(0)), (1, 0));
    assert_eq!(p.seen(), vec!["iam:ListUsers@us-east-1".to_owned()]);
}

#[test]
fn access_denied_answers_an_iam_error_and_is_not_forwarded() {
    let p = FaultProxy::start(
        &echo_upstream(),
        vec![Rule::op("GetAccountPasswordPolicy", Fault::AccessDenied)],
    );
    let body = "Action=GetAccountPasswordPolicy&Version=2010-05-08";
    let (status, answer) = send(&p, &query_post("us-east-1", "iam", body));
    assert_eq!(status, 403, "{answer}");
    assert!(answer.contains("<ErrorResponse"), "{answer}");
    assert!(answer.contains("<Code>AccessDenied</Code>"), "{answer}");
    assert!(answer.contains("iam:GetAccountPasswordPolicy"), "{answer}");
    assert_eq!((p.forwarded(), p.served(0)), (0, 1));
}

#[test]
fn throttling_serves_the_first_n_then_forwards() {
    let p = FaultProxy::start(
        &echo_upstream(),
        vec![Rule::op("GetAccountSummary", Fault::Throttling(2))],
    );
    let body = "Action=GetAccountSummary&Version=2010-05-08";
    let answers: Vec<(u16, String)> = (0..4)
        .map(|_| send(&p, &query_post("us-east-1", "iam", body)))
        .collect();
    let codes: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert_eq!(codes, vec![400, 400, 200, 200]);
    assert!(
        answers[0].1.contains("<Code>Throttling</Code>"),
        "{}",
        answers[0].1
    );
    assert_eq!((p.forwarded(), p.served(0)), (2, 2));
}

#[test]
fn a_region_rule_faults_only_that_region_of_that_service() {
    let p = FaultProxy::start(
        &echo_upstream(),
        vec![Rule::region("ec2", "eu-west-1", Fault::OptInRequired)],
    );
    let body = "Action=DescribeInstances&Version=2016-11-15";
    let (status, answer) = send(&p, &query_post("eu-west-1", "ec2", body));
    assert_eq!(status, 401, "{answer}");
    assert!(
        answer.contains("<Response><Errors><Error><Code>OptInRequired</Code>"),
        "{answer}"
    );
    assert_eq!(send(&p, &query_post("us-east-1", "ec2", body)).0, 200);
    let iam = "Action=ListUsers&Version=2010-05-08";
    assert_eq!(send(&p, &query_post("eu-west-1", "iam", iam)).0, 200);
    assert_eq!((p.forwarded(), p.served(0)), (2, 1));
}

#[test]
fn json_protocol_calls_match_on_their_target_header() {
    let p = FaultProxy::start(
        &echo_upstream(),
        vec![Rule::op("LookupEvents", Fault::AccessDenied)],
    );
    let body = r#"{"MaxResults":50}"#;
    let raw = format!(
        "POST / HTTP/1.1\r\nHost: cloudtrail.us-east-1.amazonaws.com\r\n{}\r\nX-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
        auth("us-east-1", "cloudtrail"),
        body.len()
    );
    let (status, answer) = send(&p, &raw);
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer.contains(r#""__type":"AccessDeniedException""#),
        "{answer}"
    );
    assert_eq!(p.served(0), 1);
}

#[test]
fn chunked_bodies_and_query_string_actions_are_understood() {
    let p = FaultProxy::start(
        &echo_upstream(),
        vec![Rule::op("GetUser", Fault::AccessDenied)],
    );
    let raw = format!(
        "POST /?Action=ListRoles HTTP/1.1\r\nHost: iam.amazonaws.com\r\n{}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        auth("us-east-1", "iam")
    );
    let (status, answer) = send(&p, &raw);
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\nContent-Length: 11\n"), "{answer}");
    assert!(answer.ends_with("\n\nhello world"), "{answer}");
    let get = "GET /?Action=GetUser&Version=2010-05-08 HTTP/1.1\r\nHost: iam.amazonaws.com\r\n\r\n";
    assert_eq!(send(&p, get).0, 403);
}

#[test]
fn credential_scope_and_form_values_are_parsed() {
    let a = "AWS4-HMAC-SHA256 Credential=testing/20260101/ap-south-2/ec2/aws4_request, SignedHeaders=host, Signature=ab";
    assert_eq!(credential_scope(a), ("ap-south-2".into(), "ec2".into()));
    assert_eq!(credential_scope(""), (String::new(), String::new()));
    assert_eq!(
        form_value("Version=1&Action=ListUsers", "Action").as_deref(),
        Some("ListUsers")
    );
    assert_eq!(form_value("Actions=x", "Action"), None);
}
