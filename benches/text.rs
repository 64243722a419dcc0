//! Tokenization throughput: the `[text]` front end (Hugging Face tokenizer.json through the
//! `tokenizers` crate) over real sentences. Uses the MiniLM WordPiece tokenizer and Financial
//! PhraseBank sentences from `../shared` when present, else the demo suite's word-level tokenizer
//! and sentences.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tonebench::infer::parts::TextEncoder;
use tonebench::input::table::Table;

fn inputs() -> (PathBuf, Vec<String>, &'static str) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared");
    let (tokenizer, items, name) = if shared.join("models/text-minilm-sentiment").is_dir() {
        (
            shared.join("models/text-minilm-sentiment/tokenizer.json"),
            shared.join("suites/fpb-allagree/items.csv"),
            "wordpiece_fpb",
        )
    } else {
        (
            root.join("suites/demo/models/tokenizer.json"),
            root.join("suites/demo/items.csv"),
            "wordlevel_demo",
        )
    };
    let table = Table::read(&items).expect("items");
    let texts = table
        .strings("text")
        .expect("text")
        .into_iter()
        .flatten()
        .collect();
    (tokenizer, texts, name)
}

fn bench(c: &mut Criterion) {
    let (tokenizer, texts, name) = inputs();
    let enc = TextEncoder::open(&tokenizer, Some(128)).expect("tokenizer");
    let mut g = c.benchmark_group("tokenize");
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.bench_function(format!("{name}_{}_sentences", texts.len()), |b| {
        b.iter(|| {
            for t in &texts {
                enc.encode(t).expect("encodes");
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
