//! Rendering time and size of the HTML report for a large comparison (10 models × 50 cohorts).

use criterion::{criterion_group, criterion_main, Criterion};
use tonebench::render::{render_html, sample, HtmlOptions};

fn large() -> tonebench_core::report::Report {
    sample::report(&sample::SampleSpec {
        models: 10,
        cohorts: 50,
        per_partition: 10,
        ..sample::SampleSpec::default()
    })
}

fn render(c: &mut Criterion) {
    let report = large();
    let opts = HtmlOptions::default();
    let html = render_html(&report, &opts).expect("the sample report renders");
    eprintln!(
        "html report, 10 models × 50 cohorts: {} bytes ({:.1} KiB)",
        html.len(),
        html.len() as f64 / 1024.0
    );
    c.bench_function("render_html 10 models x 50 cohorts", |b| {
        b.iter(|| render_html(std::hint::black_box(&report), &opts))
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
