//! A tiny loopback HTTP/1.1 proxy in front of moto that answers chosen AWS
//! calls with canned errors, for the partial-result suites.
//!
//! A request is matched by its operation (`Action=<Op>` in the query string or
//! form body of the query protocols IAM, STS and EC2 speak, or the last part
//! of `X-Amz-Target` for JSON protocols), and optionally by the service and
//! region of its SigV4 credential scope (`Credential=<key>/<date>/<region>/<service>/aws4_request`).
//! A matching request gets the [`Fault`]'s error in the protocol's own error
//! shape; everything else is forwarded to the upstream unchanged, one upstream
//! connection per request (`Connection: close` on both sides). Bodies are
//! read by `Content-Length` (or de-chunked). Every rule counts what it served.
//!
//! Threads and a `TcpListener`, no dependencies; dropping the proxy stops it.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The canned answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 403 `AccessDenied` (`UnauthorizedOperation` for EC2, `AccessDeniedException` for JSON).
    AccessDenied,
    /// 400 `Throttling` (`RequestLimitExceeded` 503 for EC2, `ThrottlingException`
    /// for JSON) for the first `n` matching requests; later ones are forwarded.
    Throttling(usize),
    /// EC2's 401 `OptInRequired`: the region is not enabled for the account.
    OptInRequired,
    /// EC2's 401 `AuthFailure`, what a disabled region answers to valid keys.
    AuthFailure,
}

/// Which requests get a fault.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Operation name; `None`: every operation.
    pub op: Option<String>,
    /// Signing name (`iam`, `ec2`, ...); `None`: every service.
    pub service: Option<String>,
    /// Region of the credential scope; `None`: every region.
    pub region: Option<String>,
    pub fault: Fault,
}

impl Rule {
    /// `fault` for every call of operation `op`.
    pub fn op(op: &str, fault: Fault) -> Rule {
        Rule {
            op: Some(op.to_owned()),
            service: None,
            region: None,
            fault,
        }
    }

    /// `fault` for every call of `service` in `region`.
    pub fn region(service: &str, region: &str, fault: Fault) -> Rule {
        Rule {
            op: None,
            service: Some(service.to_owned()),
            region: Some(region.to_owned()),
            fault,
        }
    }

    fn matches(&self, req: &Request) -> bool {
        let eq = |want: &Option<String>, got: &str| want.as_deref().is_none_or(|w| w == got);
        eq(&self.op, &req.op) && eq(&self.service, &req.service) && eq(&self.region, &req.region)
    }
}

/// The running proxy; stops on drop.
pub struct FaultProxy {
    pub endpoint: String,
    port: u16,
    stop: Arc<AtomicBool>,
    state: Arc<State>,
}

struct State {
    upstream: String,
    rules: Vec<Rule>,
    served: Vec<AtomicUsize>,
    forwarded: AtomicUsize,
    seen: Mutex<Vec<String>>,
}

impl FaultProxy {
    /// Listens on a free loopback port, forwarding to `upstream` (`host:port`).
    pub fn start(upstream: &str, rules: Vec<Rule>) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fault proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let state = Arc::new(State {
            upstream: upstream.to_owned(),
            served: rules.iter().map(|_| AtomicUsize::new(0)).collect(),
            rules,
            forwarded: AtomicUsize::new(0),
            seen: Mutex::new(Vec::new()),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let (st, stp) = (Arc::clone(&state), Arc::clone(&stop));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let st = Arc::clone(&st);
                std::thread::spawn(move || {
                    let _ = handle(conn, &st);
                });
            }
        });
        FaultProxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            stop,
            state,
        }
    }

    /// Faults served by rule `i` (in the order given to [`FaultProxy::start`]).
    pub fn served(&self, i: usize) -> usize {
        self.state.served[i].load(Ordering::SeqCst)
    }

    /// Requests forwarded to the upstream.
    pub fn forwarded(&self) -> usize {
        self.state.forwarded.load(Ordering::SeqCst)
    }

    /// `service:Operation@region` of every request seen, in arrival order.
    pub fn seen(&self) -> Vec<String> {
        self.state
            .seen
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// One parsed request.
#[derive(Debug, Default)]
struct Request {
    /// Request line and headers, without `Connection` and framing headers.
    head: Vec<String>,
    body: Vec<u8>,
    op: String,
    service: String,
    region: String,
    json: bool,
}

fn handle(conn: TcpStream, st: &State) -> io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let Some(req) = read_request(&mut reader)? else {
        return Ok(());
    };
    let mut out = conn;
    if let Ok(mut seen) = st.seen.lock() {
        seen.push(format!("{}:{}@{}", req.service, req.op, req.region));
    }
    let hit = st.rules.iter().enumerate().find(|(i, r)| {
        r.matches(&req)
            && match r.fault {
                Fault::Throttling(n) => st.served[*i].load(Ordering::SeqCst) < n,
                _ => true,
            }
    });
    if let Some((i, rule)) = hit {
        st.served[i].fetch_add(1, Ordering::SeqCst);
        out.write_all(&canned(rule.fault, &req))?;
        return out.flush();
    }
    st.forwarded.fetch_add(1, Ordering::SeqCst);
    let answer = forward(&st.upstream, &req)?;
    out.write_all(&answer)?;
    out.flush()
}

/// Reads one request; `None` when the client closed without sending one.
fn read_request(r: &mut impl BufRead) -> io::Result<Option<Request>> {
    let Some(lines) = read_head(r)? else {
        return Ok(None);
    };
    let header = |name: &str| header(&lines, name);
    let body = match (header("content-length"), header("transfer-encoding")) {
        (_, Some(te)) if te.eq_ignore_ascii_case("chunked") => read_chunked(r)?,
        (Some(n), _) => {
            let mut b = vec![0; n.parse().unwrap_or(0)];
            r.read_exact(&mut b)?;
            b
        }
        _ => Vec::new(),
    };
    let target = lines
        .first()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("");
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let amz_target = header("x-amz-target");
    let op = match &amz_target {
        Some(t) => t.rsplit('.').next().unwrap_or("").to_owned(),
        None => form_value(query, "Action")
            .or_else(|| form_value(&String::from_utf8_lossy(&body), "Action"))
            .unwrap_or_default(),
    };
    let (region, service) = credential_scope(&header("authorization").unwrap_or_default());
    Ok(Some(Request {
        head: without_framing(lines),
        body,
        op,
        service,
        region,
        json: amz_target.is_some(),
    }))
}

/// The request line and header lines, up to the blank line.
fn read_head(r: &mut impl BufRead) -> io::Result<Option<Vec<String>>> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            return Ok(Some(lines));
        }
        lines.push(line);
    }
}

/// A header's value (case-insensitive name) among head lines.
fn header(lines: &[String], name: &str) -> Option<String> {
    lines.iter().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

/// The head without the headers that frame the message (set again when forwarding).
fn without_framing(lines: Vec<String>) -> Vec<String> {
    const FRAMING: [&str; 5] = [
        "connection",
        "content-length",
        "transfer-encoding",
        "keep-alive",
        "expect",
    ];
    lines
        .into_iter()
        .enumerate()
        .filter(|(i, l)| {
            *i == 0
                || !FRAMING.iter().any(|f| {
                    l.split_once(':')
                        .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case(f))
                })
        })
        .map(|(_, l)| l)
        .collect()
}

fn read_chunked(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        r.read_line(&mut size)?;
        let hex = size.trim().split(';').next().unwrap_or("");
        let n = usize::from_str_radix(hex, 16)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let mut chunk = vec![0; n + 2];
        r.read_exact(&mut chunk)?;
        if n == 0 {
            // Trailer section: the CRLF just read ends it when there are no trailers.
            return Ok(body);
        }
        body.extend_from_slice(&chunk[..n]);
    }
}

/// A `key=value` of an `application/x-www-form-urlencoded` string (values
/// here are operation names: no decoding needed).
fn form_value(form: &str, key: &str) -> Option<String> {
    form.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| v.to_owned())
    })
}

/// (region, service) of a SigV4 `Authorization` header.
fn credential_scope(auth: &str) -> (String, String) {
    let cred = auth
        .split([' ', ','])
        .find_map(|p| p.strip_prefix("Credential="))
        .unwrap_or("");
    let parts: Vec<&str> = cred.split('/').collect();
    match parts.as_slice() {
        [_, _, region, service, ..] => (region.to_string(), service.to_string()),
        _ => (String::new(), String::new()),
    }
}

/// Sends the request upstream with `Connection: close`; returns the whole
/// answer with `Connection: close` (and nothing else) changed.
fn forward(upstream: &str, req: &Request) -> io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(upstream)?;
    up.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut msg = req.head.join("\r\n");
    msg.push_str(&format!(
        "\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        req.body.len()
    ));
    up.write_all(msg.as_bytes())?;
    up.write_all(&req.body)?;
    up.flush()?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    Ok(close_answer(&answer))
}

/// The answer with its `Connection`/`Keep-Alive` headers replaced by `Connection: close`.
fn close_answer(answer: &[u8]) -> Vec<u8> {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return answer.to_vec();
    };
    let head = String::from_utf8_lossy(&answer[..end]);
    let mut out: Vec<&str> = head
        .split("\r\n")
        .filter(|l| {
            let k = l.split_once(':').map_or("", |(k, _)| k.trim());
            !k.eq_ignore_ascii_case("connection") && !k.eq_ignore_ascii_case("keep-alive")
        })
        .collect();
    out.push("Connection: close");
    let mut bytes = out.join("\r\n").into_bytes();
    bytes.extend_from_slice(&answer[end..]);
    bytes
}

/// The HTTP answer for `fault`, in the request's protocol.
fn canned(fault: Fault, req: &Request) -> Vec<u8> {
    let op = &req.op;
    let (status, code, message) = match (fault, req.service.as_str()) {
        (Fault::AccessDenied, "ec2") => (
            403,
            "UnauthorizedOperation",
            format!("You are not authorized to perform this operation ({op})."),
        ),
        (Fault::AccessDenied, svc) => (
            403,
            if req.json { "AccessDeniedException" } else { "AccessDenied" },
            format!("User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: {svc}:{op} on resource: * with an explicit deny"),
        ),
        (Fault::Throttling(_), "ec2") => (503, "RequestLimitExceeded", "Request limit exceeded.".into()),
        (Fault::Throttling(_), _) => (
            400,
            if req.json { "ThrottlingException" } else { "Throttling" },
            "Rate exceeded".into(),
        ),
        (Fault::OptInRequired, _) => (
            401,
            "OptInRequired",
            "You are not subscribed to this service. Please go to http://aws.amazon.com to subscribe.".into(),
        ),
        (Fault::AuthFailure, _) => (
            401,
            "AuthFailure",
            "AWS was not able to validate the provided access credentials".into(),
        ),
    };
    let (ctype, body) = if req.json {
        let body = format!(r#"{{"__type":"{code}","message":"{message}"}}"#);
        ("application/x-amz-json-1.1", body)
    } else if req.service == "ec2" {
        let body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault-proxy-0001</RequestID></Response>");
        ("text/xml;charset=UTF-8", body)
    } else {
        let body = format!("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy-0001</RequestId></ErrorResponse>");
        ("text/xml", body)
    };
    let reason = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        _ => "Service Unavailable",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nx-amzn-RequestId: fault-proxy-0001\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests;
