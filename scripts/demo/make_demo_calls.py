#!/usr/bin/env python3
"""Synthesize the bundled demo calls suite (suites/demo-calls) with espeak-ng: a few SYNTHETIC
"calls" of 20-40 s, each one speaker, made of the demo suite's test sentences (scripts/demo/sentences.py)
in runs of changing sentiment separated by silences, with segments known exactly.

Each sentence is synthesized exactly as scripts/demo/make_demo_suite.py does (same voices, speaking
styles and label-dependent prosody shift; its synth(): espeak-ng, then sox trims leading/trailing silence,
keeps 30 ms and resamples without dither), here straight to 8 kHz 16-bit mono (telephone rate; keeps the
suite under 2 MB). A call is the int16 concatenation of its sentences and silences; each sentence is one
segment [offset / 8000, (offset + samples) / 8000] (times written as repr of the float64 seconds).
Deterministic for a given --seed (7).

    python3 scripts/demo/make_demo_calls.py        # writes suites/demo-calls (needs espeak-ng, sox,
                                                   # numpy, soundfile; see make_demo.sh)
"""

import argparse
import csv
import random
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_demo_suite import ACCENTS, STYLES, TEST_VARIANTS, speaker_id, synth  # noqa: E402
from sentences import TEST  # noqa: E402

LABELS = ["negative", "neutral", "positive"]
RATE = 8000
MAX_BYTES = 2_000_000
# (language voice, variant, target call label, long pause?) -- one speaker per call, 3 accents, both sexes
CALLS = [
    ("en-us", "f2", "negative", True),
    ("en-gb", "m4", "positive", False),
    ("en-gb-scotland", "annie", "neutral", True),
    ("en-us", "john", "positive", True),
    ("en-gb", "steph", "negative", False),
]

SUITE_TOML = """format-version = 1
name = "demo-calls"
description = \"\"\"SYNTHETIC demo calls suite bundled with tonebench: {n} calls of {lo}-{hi} s ({total:.1f} s in all), \
each one espeak-ng voice saying the demo suite's test sentences in runs of changing sentiment (negative, neutral, \
positive) with silences between them; segments.csv holds every sentence's exact span and label. \
8 kHz 16-bit mono. Made by scripts/demo/make_demo_calls.py (seed {seed}, espeak-ng + sox); see README.md. \
License: the tonebench project's own.\"\"\"
labels = ["negative", "neutral", "positive"]
items = "items.csv"
audio-root = "audio"
segments = "segments.csv"
"""


def plan_call(target, long_pause, rng, used):
    """Runs of 1-3 sentences; the target label gets the most sentences (4, the others 2 + 1 in a call with
    a long pause, else 3 + 2); no neighbouring runs share a label."""
    others = [l for l in LABELS if l != target]
    rng.shuffle(others)
    small = (2, 1) if long_pause else (3, 2)
    counts = {target: 4, others[0]: small[0], others[1]: small[1]}
    runs = []
    for lab, k in counts.items():
        while k > 0:
            r = min(k, rng.choice([1, 2, 3]))
            if k - r == 1 and r > 1:
                r -= 1  # avoid leaving a lone remainder when a longer run would do
            runs.append([lab] * r)
            k -= r
    for _ in range(10000):
        rng.shuffle(runs)
        if all(a[0] != b[0] for a, b in zip(runs, runs[1:])):
            break
    else:
        raise RuntimeError("cannot order runs")
    sentences = []
    for run in runs:
        group = []
        for lab in run:
            pool = [t for t in TEST[lab] if (lab, t) not in used] or TEST[lab]
            text = rng.choice(pool)
            used.add((lab, text))
            group.append((lab, text))
        sentences.append(group)
    return sentences


def main():
    root = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite-dir", type=Path, default=root / "suites" / "demo-calls")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    audio_dir = args.suite_dir / "audio"
    if audio_dir.exists():
        shutil.rmtree(audio_dir)
    audio_dir.mkdir(parents=True)
    items, segments, durations = [], [], []
    used = set()
    with tempfile.TemporaryDirectory() as tmp:
        for ci, (lang, variant, target, long_pause) in enumerate(CALLS):
            call_id = f"demo-call-{ci + 1:02d}"
            style = rng.choice(sorted(STYLES))
            runs = plan_call(target, long_pause, rng, used)
            long_at = rng.randrange(1, len(runs)) if long_pause else None
            parts, offset, n_sent = [np.zeros(RATE * rng.randint(2, 8) // 10, np.int16)], 0, 0
            offset = len(parts[0])
            for ri, run in enumerate(runs):
                if ri > 0:
                    gap = rng.uniform(6.0, 6.5) if ri == long_at else rng.uniform(0.6, 1.6)
                    parts.append(np.zeros(round(gap * RATE), np.int16))
                    offset += len(parts[-1])
                for si, (lab, text) in enumerate(run):
                    if si > 0:
                        parts.append(np.zeros(round(rng.uniform(0.25, 0.7) * RATE), np.int16))
                        offset += len(parts[-1])
                    wav = Path(tmp) / f"{call_id}-{n_sent}.wav"
                    synth(text, lang, variant, lab, style, rng, wav, RATE, 1)
                    x, sr = sf.read(str(wav), dtype="int16")
                    assert sr == RATE and x.ndim == 1
                    segments.append([call_id, repr(offset / RATE), repr((offset + len(x)) / RATE), lab,
                                     speaker_id(lang, variant), text])
                    parts.append(x)
                    offset += len(x)
                    n_sent += 1
            parts.append(np.zeros(RATE * rng.randint(2, 8) // 10, np.int16))
            samples = np.concatenate(parts)
            sf.write(str(audio_dir / f"{call_id}.wav"), samples, RATE, subtype="PCM_16")
            durations.append(len(samples) / RATE)
            items.append([call_id, f"{call_id}.wav", speaker_id(lang, variant), TEST_VARIANTS[variant],
                          ACCENTS[lang]])
            per = {l: sum(float(s[2]) - float(s[1]) for s in segments if s[0] == call_id and s[3] == l)
                   for l in LABELS}
            truth = max(LABELS, key=lambda l: (per[l], -LABELS.index(l)))
            changes = sum(a[3] != b[3] for a, b in zip(segments, segments[1:]) if a[0] == b[0] == call_id)
            print(f"{call_id}: {speaker_id(lang, variant)} ({style}), {n_sent} sentences, {changes} label "
                  f"changes, {durations[-1]:.2f} s, truth {truth} (target {target})")
            assert truth == target, (call_id, per)
            assert 20 <= durations[-1] <= 40, (call_id, durations[-1])

    with open(args.suite_dir / "items.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "audio", "speaker", "sex", "accent"])
        w.writerows(items)
    with open(args.suite_dir / "segments.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "start", "end", "label", "speaker"])
        w.writerows(s[:5] for s in segments)
    # the words of every segment, for people (and a future text-per-window model); not read by tonebench
    with open(args.suite_dir / "transcripts.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "start", "end", "label", "text"])
        w.writerows([s[0], s[1], s[2], s[3], s[5]] for s in segments)
    (args.suite_dir / "suite.toml").write_text(SUITE_TOML.format(
        n=len(items), lo=int(min(durations)), hi=int(np.ceil(max(durations))), total=sum(durations),
        seed=args.seed))
    size = sum(p.stat().st_size for p in audio_dir.iterdir())
    print(f"{len(items)} calls, {sum(durations):.2f} s, {len(segments)} segments, {size} bytes of audio "
          f"-> {args.suite_dir}")
    assert size <= MAX_BYTES, size


if __name__ == "__main__":
    main()
