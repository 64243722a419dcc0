//! Issue 15: a suite's items are held column by column — a few bytes per item, whatever the
//! table's optional columns — and read back exactly as written.

use tonebench::input::suite::Suite;
use tonebench::input::table::RowRef;

use crate::common::write_suite;

const LABELS: [&str; 3] = ["negative", "neutral", "positive"];

#[test]
fn a_large_suite_costs_a_few_bytes_per_item_and_reads_back_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 200_000;
    let mut csv = String::from("id,label\n");
    for i in 0..n {
        csv.push_str(&format!("item-{i},{}\n", LABELS[i % 3]));
    }
    let manifest = "format-version = 1\nname = \"big\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\nitems = \"items.csv\"\n";
    let dir = write_suite(tmp.path(), manifest, &[("items.csv", csv.as_bytes())]);
    let suite = Suite::load(&dir).unwrap();
    assert_eq!(suite.items.len(), n);
    let per_item = suite.items.heap_bytes() as f64 / n as f64;
    // ids ("item-123456": ~11 bytes + a 4-byte end), label 2, origin 4, index slots ≤ 16.
    assert!(per_item < 40.0, "{per_item:.1} bytes per item");
    for i in [0, 1, 2, 99_999, n - 1] {
        let it = suite.items.get(i);
        assert_eq!(it.id(), format!("item-{i}"));
        assert_eq!(it.label(), i % 3);
        assert_eq!(it.origin(), RowRef::Line(i + 2));
        assert_eq!((it.text(), it.audio(), it.speaker()), (None, None, None));
        assert_eq!(suite.items.position(it.id()), Some(i));
    }
    assert_eq!(suite.items.position("item-200000"), None);
    assert_eq!(suite.speaker_count(), None);
}

#[test]
fn dropped_rows_and_optional_columns_keep_every_cell_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = "format-version = 1\nname = \"m\"\nlabels = [\"negative\", \"positive\"]\nitems = \"items.csv\"\n[label-map]\nneutral = \"drop\"\n";
    let csv = "id,label,text,audio,speaker,sex\n\
               a,negative,bad,a.wav,s1,f\n\
               b,neutral,meh,b.wav,s2,m\n\
               c,positive,,c.wav,,\n\
               d,negative,\"two\nlines\",,s1,m\n";
    let dir = write_suite(tmp.path(), manifest, &[("items.csv", csv.as_bytes())]);
    let suite = Suite::load(&dir).unwrap();
    assert_eq!(suite.dropped, ["b"]);
    let ids: Vec<&str> = suite.items.iter().map(|i| i.id()).collect();
    assert_eq!(ids, ["a", "c", "d"]);
    let c = suite.items.get(1);
    assert_eq!(
        (c.label(), c.text(), c.speaker(), c.meta(0)),
        (1, None, None, None)
    );
    assert_eq!(c.audio(), Some(suite.audio_root.join("c.wav").as_path()));
    assert_eq!(c.origin(), RowRef::Line(4));
    let d = suite.items.get(2);
    assert_eq!(
        (d.text(), d.audio(), d.meta(0)),
        (Some("two\nlines"), None, Some("m"))
    );
    assert_eq!(d.origin(), RowRef::Line(5));
    assert_eq!(suite.items.position("b"), None);
    assert_eq!(suite.items.position("d"), Some(2));
    assert_eq!(suite.speaker_count(), Some(1));

    // A shard keeps its items' cells and finds them by id.
    let mut shard = suite.clone();
    shard.items.retain(|i| i.id() != "a");
    assert_eq!(shard.items.len(), 2);
    assert_eq!(shard.items.get(0), suite.items.get(1));
    assert_eq!(shard.items.position("d"), Some(1));
}
