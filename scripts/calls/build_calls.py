#!/usr/bin/env python3
"""Build the long-call suite folder from a plan (tests/fixtures/calls/plan.csv, made by make_plan.py).

    /root/.cache/tonebench-py/calls/bin/python scripts/calls/build_calls.py PLAN OUTDIR [--data DIR]

Needs numpy and soundfile. --data defaults to ../shared/data/ravdess-dev next to the checkout.
Writes OUTDIR/suite.toml (segments = "segments.csv"), items.csv (id,audio,speaker,sex: no label column,
the call truth comes from the segments; speaker = the call's two actors joined with '+'), segments.csv
(id,start,end,label,speaker; one segment per clip covering exactly its piece of the call, [offset, offset
+ piece/48000]; speaker = the clip's actor; times are repr() of the float64 seconds (sample count)/48000)
and audio/<call>.wav (PCM16, 48 kHz, mono: the exact int16 concatenation of the plan's pieces: of each
clip only its speech span, samples [round(speech_start*48000), round(speech_end*48000)); silence =
round(seconds*48000) zero samples).
"""

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calls_lib  # noqa: E402

SUITE_TOML = """format-version = 1
name = "ravdess-calls"
description = \"\"\"Long test calls built from RAVDESS dev clips (actors 13-18) by scripts/calls/build_calls.py \
from {plan}: {n} calls, the speech spans of clips of two same-sex actors (plan.csv speech_start/speech_end) concatenated with short pauses and some long ones, label changes, one segment per clip piece. \
RAVDESS is CC BY-NC-SA 4.0; do not redistribute the audio.\"\"\"
labels = ["negative", "neutral", "positive"]
items = "items.csv"
audio-root = "audio"
segments = "segments.csv"
"""


def main():
    root = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("plan", type=Path)
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--data", type=Path, default=root.parent / "shared" / "data" / "ravdess-dev")
    args = ap.parse_args()
    import soundfile as sf

    calls = calls_lib.build_calls(args.plan, args.data)
    (args.outdir / "audio").mkdir(parents=True, exist_ok=True)
    with open(args.outdir / "items.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "audio", "speaker", "sex"])
        for c in calls:
            w.writerow([c.id, f"{c.id}.wav", c.speaker, c.sex])
    with open(args.outdir / "segments.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "start", "end", "label", "speaker"])
        for c in calls:
            for (s, e, lab), spk in zip(c.segments, c.segment_speakers):
                w.writerow([c.id, repr(s), repr(e), lab, spk])
    for c in calls:
        sf.write(str(args.outdir / "audio" / f"{c.id}.wav"), c.samples, calls_lib.RATE, subtype="PCM_16")
    plan_name = args.plan.name
    (args.outdir / "suite.toml").write_text(SUITE_TOML.format(plan=plan_name, n=len(calls)))
    total = sum(len(c.samples) for c in calls) / calls_lib.RATE
    print(f"{len(calls)} calls, {total:.2f} s, {sum(len(c.segments) for c in calls)} segments -> {args.outdir}")


if __name__ == "__main__":
    main()
