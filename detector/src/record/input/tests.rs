//! Input tests: the shapes, issue locations, and the `{"Records":[...]}` fast
//! path checked against the general path on hand-written and mutated documents.

use super::*;
use std::io::Write;

/// What reading produced: records seen `(loc, time, eventID)`, issue lines, count.
type Seen = (Vec<(String, Timestamp, String)>, Vec<String>, u64);

fn seen(read: impl FnOnce(&mut Report, &mut Sink<'_>)) -> Seen {
    let mut recs = Vec::new();
    let mut rep = Report {
        name: "t".into(),
        ..Report::default()
    };
    read(&mut rep, &mut |r, t, loc| {
        recs.push((loc.to_string(), t, r.id().to_owned()))
    });
    (recs, rep.issue_lines(), rep.records)
}

fn fast(text: &str) -> Seen {
    seen(|rep, sink| {
        let _ = read_document(text, rep, sink);
    })
}

/// The route of documents over the one-pass size limit: element by element.
fn elementwise(text: &str) -> Seen {
    seen(|rep, sink| {
        if let records::Fast::Handover(n) = records::by_element(text, 0, rep, sink) {
            let _ = read_document_from(text, n, rep, sink);
        }
    })
}

/// Asserts that both fast routes report exactly what the general path does.
fn same_as_general(doc: &str, what: &str) {
    let want = general(doc);
    assert_eq!(fast(doc), want, "one pass, {what}: {doc}");
    assert_eq!(elementwise(doc), want, "element by element, {what}: {doc}");
}

fn general(text: &str) -> Seen {
    seen(|rep, sink| {
        let _ = read_document_from(text, 0, rep, sink);
    })
}

fn rec(id: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"}},"eventTime":"2026-11-10T03:12:44Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","requestParameters":{{"instancesSet":{{"items":[{{"instanceId":"i-0abc"}}]}},"filterSet":{{}}}},"responseElements":null,"eventID":"{id}","readOnly":true,"tlsDetails":{{"tlsVersion":"TLSv1.3"}}}}"#
    )
}

fn log_file(elements: &[String]) -> String {
    format!("{{\"Records\":[{}]}}", elements.join(","))
}

#[test]
fn log_file_records_and_their_locations() {
    let doc = log_file(&[rec("a"), rec("b"), rec("c")]);
    let (recs, issues, n) = fast(&doc);
    assert_eq!(n, 3);
    assert!(issues.is_empty(), "{issues:?}");
    let locs: Vec<_> = recs.iter().map(|r| (r.0.as_str(), r.2.as_str())).collect();
    assert_eq!(
        locs,
        [
            ("Records[0]", "a"),
            ("Records[1]", "b"),
            ("Records[2]", "c")
        ]
    );
    same_as_general(&doc, "plain");
}

#[test]
fn the_fast_path_reads_ordinary_log_files_whole() {
    let mut n = 0;
    let mut rep = Report::default();
    let ok = log_file(&[rec("a"), rec("b"), "7".into(), rec("c")]);
    assert_eq!(
        records::read_log_file(&ok, &mut rep, &mut |_, _, _| n += 1),
        records::Fast::Done
    );
    assert_eq!((n, rep.issues.len()), (3, 1));
    let broken = log_file(&[rec("a"), rec("b"), "{".into(), rec("c")]);
    assert_eq!(
        records::read_log_file(&broken, &mut rep, &mut |_, _, _| {}),
        records::Fast::Handover(2)
    );
    let pretty = format!("{{\n  \"Records\": [\n    {}\n  ]\n}}\n", rec("a"));
    assert_eq!(
        records::read_log_file(&pretty, &mut rep, &mut |_, _, _| {}),
        records::Fast::Done
    );
}

#[test]
fn bad_elements_are_isolated_with_their_index() {
    let bad_identity = rec("x").replace(r#""userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"}"#, r#""userIdentity":"alice""#);
    let no_time = rec("y").replace(r#""eventTime":"2026-11-10T03:12:44Z","#, "");
    let bad_time = rec("z").replace("2026-11-10T03:12:44Z", "yesterday");
    let elements = [
        rec("a"),
        bad_identity,
        "5".into(),
        "null".into(),
        r#"{"foo":1}"#.into(),
        no_time,
        bad_time,
        rec("b"),
    ];
    let doc = log_file(&elements);
    let (recs, issues, n) = fast(&doc);
    assert_eq!(n, 2);
    assert_eq!(
        recs.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["Records[0]", "Records[7]"]
    );
    assert_eq!(issues.len(), 6, "{issues:?}");
    assert!(
        issues[0].starts_with("t: Records[1]: invalid record: invalid type: string \"alice\""),
        "{}",
        issues[0]
    );
    assert!(
        issues[1].starts_with("t: Records[2]: invalid record"),
        "{}",
        issues[1]
    );
    assert!(
        issues[3].contains("Records[4]: not a CloudTrail record"),
        "{}",
        issues[3]
    );
    assert!(
        issues[4].contains("Records[5]: record has no eventTime"),
        "{}",
        issues[4]
    );
    assert!(
        issues[5].contains("Records[6]: record has an unreadable eventTime \"yesterday\""),
        "{}",
        issues[5]
    );
    same_as_general(&doc, "bad elements");
    same_as_general(&format!("[{}]", elements.join(",")), "array");
}

#[test]
fn syntax_errors_keep_the_records_before_them() {
    let doc = log_file(&[
        rec("a"),
        rec("b").replace(r#""eventID":"#, r#""eventID:"#),
        rec("c"),
    ]);
    let (recs, issues, _) = fast(&doc);
    assert_eq!(recs.len(), 1);
    assert_eq!(issues.len(), 1);
    assert!(
        issues[0].starts_with("t: Records[1]: invalid JSON:")
            && issues[0].ends_with("the rest of this document is unreadable"),
        "{}",
        issues[0]
    );
    same_as_general(&doc, "syntax error");
}

#[test]
fn unusual_documents_match_the_general_path() {
    let (a, b) = (rec("a"), rec("b"));
    let nested = format!(r#"{{"Records":[{a}]}}"#);
    let bridge = format!(
        r#"{{"detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","detail":{b}}}"#
    );
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let cases = [
        log_file(&[]),
        format!("  {{ \"Records\" : [ {a} ,\n {b} ] }} \n"),
        format!(r#"{{"Records":[{a},{b},]}}"#),
        format!(r#"{{"Records":[{a},{b}]"#),
        format!(r#"{{"Records":[{a},{b}"#),
        format!(r#"{{"Records":[{a}]}} trailing"#),
        format!(r#"{{"Records":[{a}],"Records":[{b}]}}"#),
        format!(r#"{{"Records":[{a}],"Records":[{b},7,{a}]}}"#),
        format!(r#"{{"Records":[{a},{b}],"x":[7]}}"#),
        format!(r#"{{"Records":[{a}],"other":{{"x":[1,2]}}}}"#),
        format!(r#"{{"other":1,"Records":[{a},{b}]}}"#),
        format!(r#"{{"Rec\u006frds":[{a}]}}"#),
        format!(r#"{{"Records":[{nested},{bridge},{b}]}}"#),
        format!(
            r#"{{"Records":[{a},{}]}}"#,
            b.replace(
                r#""readOnly":true"#,
                r#""readOnly":true,"eventName":"Again""#
            )
        ),
        format!(r#"{{"Records":[{a},{}]}}"#, b.replace("alice", "al\\qice")),
        format!(
            r#"{{"Records":[{a},{}]}}"#,
            b.replace(r#""filterSet":{}"#, &format!(r#""filterSet":{deep}"#))
        ),
        format!(r#"{{"Records":[{a} {b}]}}"#),
        format!(r#"{{"Records":[{a}][]}}"#),
        format!(r#"{{"Records":{a}}}"#),
        format!("[{a},{b}]"),
        format!("\u{feff}{{\"Records\":[{a}]}}"),
    ];
    for doc in &cases {
        same_as_general(doc, "case");
    }
}

/// A tiny deterministic generator for the mutation test.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

#[test]
fn mutated_documents_match_the_general_path() {
    let (a, b) = (rec("a"), rec("b"));
    let bridge = format!(r#"{{"detail-type":"AWS API Call via CloudTrail","detail":{b}}}"#);
    let bases = [
        log_file(&[rec("a"), rec("b"), rec("c"), rec("d")]),
        format!(r#"[{a},{bridge},{{"Records":[{b}]}},{{"x":1}}]"#),
        format!(
            r#"{{"Records":[{a},{{"Records":[{b}]}},{bridge},7,{{"x":1}},{}]}}"#,
            rec("c")
        ),
    ];
    let specials = b"{}[],:\"\\ 0aE-.tn\n";
    let mut rng = Lcg(7);
    for base in &bases {
        for round in 0..1500 {
            let mut doc = base.clone().into_bytes();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(doc.len());
                let c = specials[rng.below(specials.len())];
                match rng.below(3) {
                    0 => {
                        doc.remove(at);
                    }
                    1 => doc.insert(at, c),
                    _ => doc[at] = c,
                }
            }
            same_as_general(&String::from_utf8_lossy(&doc), &format!("round {round}"));
        }
        for cut in 0..base.len() {
            same_as_general(&base[..cut], &format!("cut at {cut}"));
        }
    }
}

#[test]
fn read_bytes_plain_gzip_and_json_lines() {
    let doc = log_file(&[rec("a"), rec("b")]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(doc.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    for bytes in [doc.as_bytes(), &gz[..]] {
        let mut ids = Vec::new();
        let rep = read_bytes("t", bytes, &mut |r, _, _| ids.push(r.id().to_owned()));
        assert_eq!(
            (rep.records, ids, rep.bytes),
            (2, vec!["a".to_owned(), "b".to_owned()], doc.len() as u64)
        );
    }
    let lines = format!("{}\n{{bad\n{}\n", rec("a"), rec("b"));
    let mut locs = Vec::new();
    let rep = read_bytes("t", lines.as_bytes(), &mut |_, _, loc| locs.push(loc));
    assert_eq!(locs, [Loc::Line(1), Loc::Line(3)]);
    assert_eq!(rep.issues.len(), 1);
    assert_eq!(rep.issues[0].loc, Loc::Line(2));
    let rep = read_bytes("t", &gz[..gz.len() - 20], &mut |_, _, _| {});
    assert!(
        rep.issue_lines()
            .iter()
            .any(|l| l.contains("truncated or corrupt compressed data")),
        "{:?}",
        rep.issue_lines()
    );
}

#[test]
fn byte_order_marks_and_multibyte_text_at_errors() {
    let doc = log_file(&[rec("a")]);
    let lines = format!("{}\n{}\n", rec("a"), rec("b"));
    for (text, want) in [(doc.as_str(), 1), (lines.as_str(), 2)] {
        let bom = format!("\u{feff}{text}");
        let mut n = 0;
        let rep = read_bytes("t", bom.as_bytes(), &mut |_, _, _| n += 1);
        assert_eq!(
            (n, rep.issues.len(), rep.bytes),
            (want, 0, bom.len() as u64),
            "{:?}",
            rep.issue_lines()
        );
    }
    // Found by fuzzing (parse_input): a JSON Lines error whose first byte starts
    // a multi-byte character used to slice inside it.
    for bad in [
        "{x\n\u{feff}{}\n",
        "{x\n\u{e9}x\n",
        "{x\n\u{fffd}\u{fffd}\n",
    ] {
        let text = format!("{bad}{}\n", rec("c"));
        let mut ids = Vec::new();
        let rep = read_bytes("t", text.as_bytes(), &mut |r, _, _| {
            ids.push(r.id().to_owned())
        });
        assert_eq!(ids, ["c"], "{:?}", rep.issue_lines());
    }
}

fn lines_fast(text: &str) -> Seen {
    seen(|rep, sink| lines::stream_values(text, 1, rep, sink))
}

fn lines_general(text: &str) -> Seen {
    seen(|rep, sink| lines::stream_values_general(text, 1, rep, sink))
}

#[test]
fn json_lines_match_the_general_path() {
    let (a, b, c) = (rec("a"), rec("b"), rec("c"));
    let bridge = format!(r#"{{"detail-type":"AWS API Call via CloudTrail","detail":{b}}}"#);
    let cases = [
        format!("{a}\n{b}\n{c}\n"),
        format!("{a}\n\n  {b}\r\n\t{c}"),
        format!("{a}{b} {c}"),
        format!("{a}\n{{bad\n{b}\n{{\"x\":\n{c}\n"),
        format!("{a}\n5\n\"s\"\nnull\n[1]\n{{}}\n{b}\n"),
        format!("{a}\n5x\n{b}\n12 13\n{c}"),
        format!("{a}\n{bridge}\n{{\"Records\":[{b},{c}]}}\n"),
        format!("{a}\n{}\n{c}\n", b.replace("alice", "al\\qice")),
        format!("{a}\n{}\n", b.replace(r#""eventTime":"2026-11-10T03:12:44Z","#, "")),
        format!("{a},\n{b}]\n{c}}}\n"),
        format!("{a}\n{{\"eventName\":1,\"eventName\":2}}\n{b}"),
        format!("\n\n{{\n  \"eventName\": \"X\",\n  \"eventTime\": \"2026-11-10T03:12:44Z\"\n}}\n{{oops\n{a}\n"),
    ];
    for text in &cases {
        assert_eq!(lines_fast(text), lines_general(text), "{text}");
    }
    let (recs, issues, _) = lines_fast(&cases[3]);
    assert_eq!(
        recs.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["line 1", "line 3", "line 5"]
    );
    assert_eq!(issues.len(), 2, "{issues:?}");
}

#[test]
fn mutated_json_lines_match_the_general_path() {
    let (a, b) = (rec("a"), rec("b"));
    let bridge = format!(r#"{{"detail-type":"AWS API Call via CloudTrail","detail":{b}}}"#);
    let bases = [
        format!("{a}\n{b}\n{}\n{}\n", rec("c"), rec("d")),
        format!("{a}\n{bridge}\n7\n{{\"x\":1}}\n{b}"),
    ];
    let specials = b"{}[],:\"\\ 0aE-.tn\n\n\n";
    let mut rng = Lcg(11);
    for base in &bases {
        for round in 0..1500 {
            let mut doc = base.clone().into_bytes();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(doc.len());
                let c = specials[rng.below(specials.len())];
                match rng.below(3) {
                    0 => {
                        doc.remove(at);
                    }
                    1 => doc.insert(at, c),
                    _ => doc[at] = c,
                }
            }
            let text = String::from_utf8_lossy(&doc);
            assert_eq!(
                lines_fast(&text),
                lines_general(&text),
                "round {round}: {text}"
            );
        }
    }
}

#[test]
fn newline_counting() {
    let mut text = Vec::new();
    for i in 0..2000usize {
        text.extend(std::iter::repeat_n(b'x', i % 7));
        text.push(if i % 3 == 0 { b'\r' } else { b'\n' });
    }
    for end in [0, 1, 254, 255, 256, 511, text.len()] {
        let want = text[..end].iter().filter(|&&b| b == b'\n').count();
        assert_eq!(lines::count_newlines(&text[..end]), want, "{end}");
    }
}
