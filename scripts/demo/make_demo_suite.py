#!/usr/bin/env python3
"""Synthesize the bundled demo suite (suites/demo) and the demo models' training split with espeak-ng.

Everything here is synthetic: hand-written call-centre sentences (scripts/demo/sentences.py) spoken by
espeak-ng voices (accent x voice variant = speaker) in a few speaking styles. The text carries the
sentiment; a small label-dependent prosody shift (negative lower/slower, positive higher/faster, with
random jitter) adds a weak acoustic cue.

The test suite and the training split are disjoint in sentences AND speakers (voice variants).
Deterministic for a given --seed (espeak-ng and sox are run without dither).

    python3 scripts/demo/make_demo_suite.py            # writes suites/demo and target/demo-train
"""

import argparse
import csv
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sentences import TEST, TRAIN  # noqa: E402

LABELS = ["negative", "neutral", "positive"]

# espeak-ng voice variants and the sex of the voice they imitate.
TEST_VARIANTS = {
    "f1": "female", "f2": "female", "f4": "female", "linda": "female", "steph": "female", "annie": "female",
    "m2": "male", "m4": "male", "m6": "male", "john": "male", "paul": "male", "robert": "male",
}
TRAIN_VARIANTS = {
    "f3": "female", "f5": "female", "belinda": "female", "alicia": "female", "andrea": "female",
    "anika": "female", "aunty": "female", "steph2": "female",
    "m1": "male", "m3": "male", "m5": "male", "m7": "male", "m8": "male", "adam": "male",
    "david": "male", "max": "male", "michael": "male", "edward": "male", "benjamin": "male", "rob": "male",
}
# espeak-ng language voice -> accent name recorded in the metadata.
ACCENTS = {
    "en-us": "us", "en-gb": "gb", "en-gb-scotland": "scotland", "en-029": "caribbean",
    "en-gb-x-rp": "gb-rp", "en-us-nyc": "us-nyc", "en-gb-x-gbclan": "gb-lancaster",
    "en-gb-x-gbcwmd": "gb-west-midlands",
}
# Test speakers: 3 accents x (2 female + 2 male) = 12 speakers.
TEST_SPEAKERS = [
    ("en-us", "f2"), ("en-us", "linda"), ("en-us", "m2"), ("en-us", "john"),
    ("en-gb", "f4"), ("en-gb", "steph"), ("en-gb", "m4"), ("en-gb", "paul"),
    ("en-gb-scotland", "f1"), ("en-gb-scotland", "annie"), ("en-gb-scotland", "m6"), ("en-gb-scotland", "robert"),
]
# speaking styles: (speed delta wpm, amplitude)
STYLES = {"plain": (0, 100), "slow": (-30, 100), "fast": (30, 100), "loud": (0, 150), "soft": (0, 60)}
# label-dependent prosody shift: (pitch delta, speed delta)
PROSODY = {"negative": (-10, -20), "neutral": (0, 0), "positive": (10, 15)}
BASE_SPEED, BASE_PITCH = 180, 50


def train_speakers(rng):
    """Pair every training voice variant with an accent (all 8 accents used)."""
    accents = list(ACCENTS)
    out = []
    for i, variant in enumerate(sorted(TRAIN_VARIANTS)):
        out.append((accents[i % len(accents)], variant))
    # a few extra combos so accents get several voices
    variants = sorted(TRAIN_VARIANTS)
    rng.shuffle(variants)
    for i, variant in enumerate(variants[:12]):
        pair = (accents[(i + 3) % len(accents)], variant)
        if pair not in out:
            out.append(pair)
    return out


def speaker_id(lang, variant):
    return f"{lang}+{variant}"


def synth(text, lang, variant, label, style, rng, wav_out, rate, channels):
    pitch_d, speed_d = PROSODY[label]
    style_speed, amp = STYLES[style]
    pitch = max(0, min(99, BASE_PITCH + pitch_d + rng.randint(-8, 8)))
    speed = BASE_SPEED + speed_d + style_speed + rng.randint(-10, 10)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(
            ["espeak-ng", "-v", f"{lang}+{variant}", "-s", str(speed), "-p", str(pitch), "-a", str(amp),
             "-w", str(raw), text],
            check=True,
        )
        effects = ["silence", "1", "0.02", "-45d", "reverse", "silence", "1", "0.02", "-45d", "reverse",
                   "pad", "0.03", "0.03", "rate", "-v", str(rate)]
        if channels == 2:
            effects += ["remix", "1", "1v0.5"]  # right channel quieter, so downmixing matters
        subprocess.run(
            ["sox", "-D", "-V1", str(raw), "-b", "16", "-c", str(channels), str(wav_out)] + effects,
            check=True,
        )
    return pitch, speed


def write_items(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "label", "text", "audio", "speaker", "sex", "accent", "style"])
        for r in rows:
            w.writerow([r[k] for k in ["id", "label", "text", "audio", "speaker", "sex", "accent", "style"]])


SUITE_TOML = """format-version = 1
name = "demo"
description = \"\"\"SYNTHETIC demo suite bundled with tonebench: {n} clips of {k} short call-centre sentences \
with clear sentiment, spoken by espeak-ng voices ({s} speakers = accent x voice variant, several speaking styles). \
Made by scripts/demo/make_demo.sh (seed {seed}); see README.md. License: the tonebench project's own.\"\"\"
labels = ["negative", "neutral", "positive"]
items = "items.csv"
audio-root = "audio"

[cohorts]
metadata = ["sex", "accent"]
seed = {seed}
min-speakers = 4
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = Path(__file__).resolve().parents[2]
    ap.add_argument("--suite-dir", type=Path, default=root / "suites" / "demo")
    ap.add_argument("--train-dir", type=Path, default=root / "target" / "demo-train")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--test-voices", type=int, default=3, help="speakers per test sentence")
    ap.add_argument("--train-voices", type=int, default=8, help="speakers per training sentence")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    train_sents = {t for lab in LABELS for t in TRAIN[lab]}
    test_sents = {t for lab in LABELS for t in TEST[lab]}
    assert not train_sents & test_sents, "train and test sentences overlap"
    assert not set(TRAIN_VARIANTS) & set(TEST_VARIANTS), "train and test voices overlap"
    tr_speakers = train_speakers(rng)
    assert not {v for _, v in tr_speakers} & {v for _, v in TEST_SPEAKERS}

    # ---- test suite ----
    audio_dir = args.suite_dir / "audio"
    if audio_dir.exists():
        shutil.rmtree(audio_dir)
    audio_dir.mkdir(parents=True)
    rows = []
    n = 0
    spk_cycle = 0
    for label in LABELS:
        for text in TEST[label]:
            for _ in range(args.test_voices):
                lang, variant = TEST_SPEAKERS[spk_cycle % len(TEST_SPEAKERS)]
                spk_cycle += 5  # coprime with 12: every speaker gets every class
                n += 1
                style = rng.choice(sorted(STYLES))
                # a few clips in other formats to exercise resampling and downmixing
                rate, channels = 16000, 1
                if n % 36 == 7:
                    rate = 22050  # espeak-ng's native rate
                elif n % 54 == 20:
                    rate = 44100
                elif n % 36 == 25:
                    channels = 2
                elif n == 100:
                    rate, channels = 44100, 2
                item_id = f"demo-{n:04d}"
                fname = f"{item_id}.wav"
                synth(text, lang, variant, label, style, rng, audio_dir / fname, rate, channels)
                rows.append(dict(id=item_id, label=label, text=text, audio=fname,
                                 speaker=speaker_id(lang, variant), sex=TEST_VARIANTS[variant],
                                 accent=ACCENTS[lang], style=style))
    write_items(args.suite_dir / "items.csv", rows)
    (args.suite_dir / "suite.toml").write_text(
        SUITE_TOML.format(n=len(rows), k=len(test_sents), s=len(TEST_SPEAKERS), seed=args.seed))
    print(f"test suite: {len(rows)} clips, {len(TEST_SPEAKERS)} speakers -> {args.suite_dir}")

    # ---- training split (not committed) ----
    tdir = args.train_dir
    if tdir.exists():
        shutil.rmtree(tdir)
    (tdir / "audio").mkdir(parents=True)
    rows = []
    n = 0
    for label in LABELS:
        for text in TRAIN[label]:
            for lang, variant in rng.sample(tr_speakers, args.train_voices):
                n += 1
                style = rng.choice(sorted(STYLES))
                item_id = f"train-{n:05d}"
                fname = f"{item_id}.wav"
                synth(text, lang, variant, label, style, rng, tdir / "audio" / fname, 16000, 1)
                rows.append(dict(id=item_id, label=label, text=text, audio=fname,
                                 speaker=speaker_id(lang, variant), sex=TRAIN_VARIANTS[variant],
                                 accent=ACCENTS[lang], style=style))
    write_items(tdir / "items.csv", rows)
    (tdir / "suite.toml").write_text(
        SUITE_TOML.format(n=len(rows), k=len(train_sents), s=len(tr_speakers), seed=args.seed).replace('name = "demo"', 'name = "demo-train"'))
    print(f"training split: {len(rows)} clips, {len(tr_speakers)} speakers -> {tdir}")


if __name__ == "__main__":
    main()
