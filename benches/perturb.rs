//! Perturbation throughput per condition on one core, on a 3 s clip at 16 and 48 kHz.
//! Goals (issue 12): ≥ 500× real time for noise, gain and the telephone channel, ≥ 100× for
//! reverberation. Criterion's throughput is in seconds of audio per second (× real time).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tonebench::audio::perturb::{Chain, Context, Law, NoiseKind, Rir, SnrScope, Step};

fn clip(sr: u32) -> Vec<f32> {
    (0..3 * sr)
        .map(|i| {
            let t = f64::from(i) / f64::from(sr);
            (0.3 * (2.0 * std::f64::consts::PI * 220.0 * t).sin()
                + 0.1 * (2.0 * std::f64::consts::PI * 3_100.0 * t).sin()) as f32
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let noise = |kind: NoiseKind, scope| Step::Noise {
        kind,
        snr_db: 5.0,
        scope,
    };
    let chains = [
        ("white", noise(NoiseKind::White, SnrScope::Clip)),
        ("pink", noise(NoiseKind::Pink, SnrScope::Clip)),
        (
            "white_speech_scope",
            noise(NoiseKind::White, SnrScope::Speech),
        ),
        ("gain", Step::Gain(-6.0)),
        ("clip", Step::Clip(0.5)),
        ("telephony_mulaw", Step::Telephony(Law::MuLaw)),
        (
            "reverb_rt60_0.6",
            Step::Reverb(Rir::Synthetic { rt60: 0.6 }),
        ),
        ("speed_0.9", Step::Speed(0.9)),
        ("tempo_0.9", Step::Tempo(0.9)),
    ];
    // libopus, in a build with the `opus` feature (`make bench` enables it when libopus is found).
    let opus = [(
        "opus_16kbps_loss5",
        Step::Opus {
            bitrate_kbps: 16.0,
            loss_pct: 5.0,
        },
    )];
    let chains: Vec<(&str, Step)> = chains
        .into_iter()
        .chain(
            opus.into_iter()
                .filter(|_| tonebench::audio::perturb::opus::AVAILABLE),
        )
        .collect();
    for sr in [16_000, 48_000] {
        let x = clip(sr);
        let mut g = c.benchmark_group(format!("perturb_{}k", sr / 1000));
        g.throughput(Throughput::Elements(3));
        for (name, step) in &chains {
            let chain = Chain::new(*name, vec![step.clone()]);
            let ctx = Context {
                seed: 7,
                id: "bench",
                speaker: None,
                babble: &[],
            };
            g.bench_function(*name, |b| {
                b.iter(|| chain.apply(&x, sr, &ctx).expect("perturb"))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
