use super::*;

fn item(id: &str) -> Entry {
    Entry::Item {
        model: "m".into(),
        id: id.into(),
        probs: vec![0.25, 0.5, 0.25],
        latency_ms: 1.5,
    }
}

fn lines(dir: &Path) -> Vec<String> {
    crate::open::read_to_string(Journal::path_in(dir))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_torn_last_line_is_dropped_and_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut j, done) = Journal::open(tmp.path(), false).unwrap();
    assert!(done.is_empty());
    j.append(&[item("a"), item("b")]).unwrap();
    drop(j);
    let path = Journal::path_in(tmp.path());
    let whole = crate::open::read(&path).unwrap();
    // Every cut inside the last line (a crash, a full disk) reads as the lines before it.
    let second = whole[..whole.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    for cut in second..whole.len() {
        std::fs::write(&path, &whole[..cut]).unwrap();
        let (_, done) = Journal::open(tmp.path(), false).unwrap();
        assert_eq!(done["m"].items.len(), 1, "cut at {cut}");
        assert_eq!(
            crate::open::read(&path).unwrap(),
            &whole[..second],
            "cut at {cut}"
        );
    }
    let (mut j, _) = Journal::open(tmp.path(), false).unwrap();
    j.append(&[item("b"), item("c")]).unwrap();
    drop(j);
    let (_, done) = Journal::open(tmp.path(), false).unwrap();
    assert_eq!(done["m"].items.len(), 3);
    assert_eq!(done["m"].items.get("c").unwrap().0, [0.25, 0.5, 0.25]);
}

#[test]
fn a_last_line_whose_checksum_fails_is_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut j, _) = Journal::open(tmp.path(), false).unwrap();
    j.append(&[item("a"), item("b")]).unwrap();
    drop(j);
    let mut l = lines(tmp.path());
    l[1] = l[1].replace("0.25", "0.35");
    std::fs::write(Journal::path_in(tmp.path()), l.join("\n") + "\n").unwrap();
    let (_, done) = Journal::open(tmp.path(), false).unwrap();
    assert_eq!(done["m"].items.len(), 1);
    assert!(done["m"].items.contains_key("a"));
}

#[test]
fn corruption_before_the_end_is_an_error_naming_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut j, _) = Journal::open(tmp.path(), false).unwrap();
    j.append(&[item("a"), item("b"), item("c")]).unwrap();
    drop(j);
    let mut l = lines(tmp.path());
    // A changed probability: the line still parses, but its checksum fails.
    l[1] = l[1].replace("0.25", "0.35");
    let path = Journal::path_in(tmp.path());
    std::fs::write(&path, l.join("\n") + "\n").unwrap();
    let before = crate::open::read(&path).unwrap();
    let err = Journal::open(tmp.path(), false).err().unwrap();
    let msg = err.to_string();
    assert!(msg.contains("line 2") && msg.contains("checksum"), "{msg}");
    assert_eq!(
        crate::error::HasKind::kind(&err),
        crate::error::ErrorKind::Input
    );
    assert_eq!(
        crate::open::read(&path).unwrap(),
        before,
        "a bad journal is left as it is"
    );
    // Garbage before good lines, and an unsummed line after summed ones, are errors too.
    std::fs::write(&path, format!("garbage\n{}\n", l[0])).unwrap();
    let msg = Journal::open(tmp.path(), false).err().unwrap().to_string();
    assert!(msg.contains("line 1"), "{msg}");
    let legacy = r#"{"kind":"item","model":"m","id":"z","probs":[1,0,0],"latency_ms":1.0}"#;
    std::fs::write(&path, format!("{}\n{legacy}\n{}\n", l[0], l[2])).unwrap();
    let msg = Journal::open(tmp.path(), false).err().unwrap().to_string();
    assert!(
        msg.contains("line 2") && msg.contains("no checksum"),
        "{msg}"
    );
}

#[test]
fn lines_from_an_older_tonebench_are_read_and_new_lines_follow_them() {
    let tmp = tempfile::tempdir().unwrap();
    let path = Journal::path_in(tmp.path());
    std::fs::write(
        &path,
        "{\"kind\":\"model\",\"model\":\"m\",\"identity\":\"x\"}\n{\"kind\":\"item\",\"model\":\"m\",\"id\":\"a\",\"probs\":[0.25,0.5,0.25],\"latency_ms\":1.5}\n",
    )
    .unwrap();
    let (mut j, done) = Journal::open(tmp.path(), false).unwrap();
    assert_eq!(j.legacy_lines(), 2);
    assert_eq!(done["m"].identity.as_deref(), Some("x"));
    assert!(done["m"].digests.is_empty());
    j.append(&[item("b")]).unwrap();
    drop(j);
    let (j, done) = Journal::open(tmp.path(), false).unwrap();
    assert_eq!(j.legacy_lines(), 2);
    assert_eq!(done["m"].items.len(), 2);
}

#[test]
fn digests_and_batches_are_journaled_with_each_prediction() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ids = crate::input::items::Strings::default();
    for id in ["a", "b", "c"] {
        ids.push(Some(id)).unwrap();
    }
    let items = Items::new(
        crate::input::items::Columns {
            ids,
            labels: vec![0, 0, 0],
            ..Default::default()
        },
        None,
    );
    let (mut j, _) = Journal::open(tmp.path(), false).unwrap();
    // "a" and "b" are one batch of two, "c" another; "b" is a suite item, "z" is not.
    j.set_keys(ItemKeys {
        items: &items,
        digests: vec![0xd1, 0xd2, 0xd3],
        batch: 2,
        groups: vec![0x61, 0x62],
    });
    let cond = Entry::Item {
        model: condition_key("m", "noise"),
        id: "a".into(),
        probs: vec![1.0],
        latency_ms: 0.0,
    };
    j.append(&[item("a"), cond, item("c"), item("z")]).unwrap();
    drop(j);
    assert!(lines(tmp.path())[0].contains(r#""sha":"00000000000000d1","group":"0000000000000061""#));
    let (_, done) = Journal::open(tmp.path(), false).unwrap();
    assert_eq!(done["m"].digests["a"], Some(0xd1));
    assert_eq!(done["m"].groups["a"], Some(0x61));
    assert_eq!(done["m"].groups["c"], Some(0x62));
    assert!(!done["m"].digests.contains_key("b"));
    assert!(!done["m"].digests.contains_key("z"), "not a suite item");
    let c = &done[&condition_key("m", "noise")];
    assert_eq!(c.digests["a"], Some(0xd1));
    assert!(c.groups.is_empty(), "conditions are not batched");
    assert_eq!(parse_digest("00000000000000D1"), None, "only lowercase hex");
    assert_eq!(parse_digest("d1"), None);
    assert_eq!(
        digest_hex(digest_of(b"x")),
        crate::digest::sha256_hex(b"x")[..16]
    );
}

#[test]
fn the_journal_is_appended_to_and_a_fresh_one_starts_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut a, _) = Journal::open(tmp.path(), false).unwrap();
    let (mut b, _) = Journal::open(tmp.path(), false).unwrap();
    // Two handles never overwrite each other's lines (O_APPEND).
    a.append(&[item("a")]).unwrap();
    b.append(&[item("b")]).unwrap();
    a.append(&[item("c")]).unwrap();
    drop((a, b));
    let (_, done) = Journal::open(tmp.path(), false).unwrap();
    assert_eq!(done["m"].items.len(), 3);
    assert!(holds_results(tmp.path()));
    let (_, done) = Journal::open(tmp.path(), true).unwrap();
    assert!(done.is_empty());
    assert!(lines(tmp.path()).is_empty());
    assert!(!holds_results(tmp.path()));
}

#[test]
fn a_journal_where_models_only_joined_holds_no_results() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(!holds_results(tmp.path()), "no journal");
    let (mut j, _) = Journal::open(tmp.path(), false).unwrap();
    assert!(!holds_results(tmp.path()), "an empty journal");
    j.append(&[Entry::Model {
        model: "m".into(),
        identity: "x".into(),
    }])
    .unwrap();
    assert!(!holds_results(tmp.path()));
    j.append(&[Entry::Error {
        model: "m".into(),
        id: "a".into(),
        error: "bad".into(),
    }])
    .unwrap();
    assert!(holds_results(tmp.path()));
}
