#!/usr/bin/env python3
"""Write the long-call plan tests/fixtures/calls/plan.csv: which RAVDESS dev clips, in which order, with
which silences, make each test call. Deterministic (fixed seed); needs numpy and soundfile (calls_lib) for
the speech spans.

    /root/.cache/tonebench-py/calls/bin/python scripts/calls/make_plan.py [--data ../shared/data/ravdess-dev] [--seed 11] [--out PLAN]

Columns: call,seq,kind,file,seconds,label,speaker,sex,speech_start,speech_end (one row per piece, in
order; seq from 0).
- kind `clip`: `file` is relative to the data folder, `label` its valence (neutral/calm -> neutral,
  happy -> positive, sad/angry/fearful/disgust -> negative; surprised is never used); `seconds` empty
  (the clip's own length counts).
- kind `silence`: `seconds` is a whole number of milliseconds written with 3 decimals, so
  round(seconds * 48000) zero samples is exact; `file` and `label` empty.
`speaker` (`actor_13`, ...) and `sex` are the call's, repeated on every row.
- `speech_start,speech_end` (clip rows only; empty for silence rows): the speech inside the clip, in
  seconds from the start of the clip file, by calls_lib.speech_span (10-ms frames; from the first to the
  last frame whose level is within 35 dB of the clip's loudest frame); repr() of float64 seconds that
  are whole numbers of 480-sample frames / 48000.

The call audio is the int16 concatenation at 48 kHz of the pieces (see build_calls.py), the whole clips
with their lead-in and tail; each clip is a labeled segment [offset + speech_start, offset + speech_end]
on channel 0.

Shape of the plan: 12 calls of 30-120 s, two per actor (actors 13-18), no clip twice in one call (an actor's two calls may share clips), whose
call-level truths (duration-weighted majority) are 4 negative, 4 neutral, 4 positive (ALLOCATIONS);
clips grouped in runs of 2-6 of the same label, runs of one label never
adjacent, so most calls change label 2-4 times; short silences inside a run (0.25-1.5 s), longer ones
between runs (0.5-3 s), and in 8 of the 12 calls one long pause (6-10 s) between two runs so that
non-speech windows exist; some calls start or end with silence. Plus one call shorter than 5 s (a single
clip, no silence) for the padded-window case.
"""

import argparse
import csv
import random
import sys
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calls_lib  # noqa: E402

VALENCE = {"neutral": "neutral", "calm": "neutral", "happy": "positive",
           "sad": "negative", "angry": "negative", "fearful": "negative", "disgust": "negative"}
RATE = 48000
# Per actor (cycled over actors 13-18): its two calls, each (target call label, clips per label).
# Each actor has 16 negative, 6 neutral, 4 positive usable clips, drawn afresh for each call; a draw is kept only when each call's
# duration-weighted majority is its target, so the 12 long calls are 4 negative, 4 neutral, 4 positive.
ALLOCATIONS = [
    [("positive", {"positive": 4, "neutral": 3, "negative": 3}), ("neutral", {"neutral": 6, "negative": 4, "positive": 2})],
    [("negative", {"negative": 8, "neutral": 3, "positive": 2}), ("positive", {"positive": 4, "neutral": 3, "negative": 3})],
    [("neutral", {"neutral": 6, "negative": 4, "positive": 2}), ("negative", {"negative": 8, "neutral": 3, "positive": 2})],
]


def clip_samples(data, rel):
    with wave.open(str(data / rel), "rb") as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2, rel
        return w.getnframes()


def split_runs(n, rng):
    """Split n clips (n >= 2) into runs of 2..6, in random order."""
    while True:
        runs, left = [], n
        while left > 0:
            if left <= 6 and (left < 4 or rng.random() < 0.4):
                runs.append(left)
                left = 0
                break
            r = rng.randint(2, min(6, left - 2))
            runs.append(r)
            left -= r
        if all(2 <= r <= 6 for r in runs):
            return runs


def order_runs(runs, rng):
    """Order (label, [clips]) runs so that no two neighbours share a label."""
    for _ in range(10000):
        rng.shuffle(runs)
        if all(a[0] != b[0] for a, b in zip(runs, runs[1:])):
            return runs
    raise RuntimeError("cannot order runs without adjacent equal labels")


def ms(rng, lo, hi):
    return rng.randint(lo, hi)


def main():
    root = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=root.parent / "shared" / "data" / "ravdess-dev")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", type=Path, default=root / "tests" / "fixtures" / "calls" / "plan.csv")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    with open(args.data / "manifest.csv", newline="") as f:
        manifest = sorted(csv.DictReader(f), key=lambda r: r["file"])
    by_actor = {}
    for r in manifest:
        if r["emotion"] in VALENCE:
            by_actor.setdefault(int(r["actor"]), []).append(r)

    rows = []  # (call, seq, kind, file, seconds, label, speaker, sex)
    calls = []
    long_pause_calls = set(rng.sample(range(12), 8))
    lead_calls = set(rng.sample(range(12), 5))
    tail_calls = set(rng.sample(range(12), 5))
    index = 0
    for a, actor in enumerate(sorted(by_actor)):
        clips = by_actor[actor]
        allocation = ALLOCATIONS[a % len(ALLOCATIONS)]
        for attempt in range(1000):
            chosen = []
            for target, counts in allocation:
                pools = {lab: [r for r in clips if VALENCE[r["emotion"]] == lab]
                         for lab in ("negative", "neutral", "positive")}
                for lab in pools:
                    rng.shuffle(pools[lab])
                take = {}
                for lab, k in counts.items():
                    take[lab], pools[lab] = pools[lab][:k], pools[lab][k:]
                chosen.append((target, take))
            # the duration-weighted majority of each call must be its target label
            if all(max(take, key=lambda lab: sum(clip_samples(args.data, r["file"]) for r in take[lab]))
                   == target for target, take in chosen):
                break
        else:
            raise RuntimeError(f"actor {actor}: no draw gives the target call labels")
        for target, take in chosen:
            runs = []
            for lab, pool in take.items():
                start = 0
                for size in split_runs(len(pool), rng):
                    runs.append((lab, pool[start:start + size]))
                    start += size
            runs = order_runs(runs, rng)
            call = f"call-{index + 1:02d}"
            pieces = []
            if index in lead_calls:
                pieces.append(("silence", ms(rng, 250, 2000)))
            long_at = rng.randrange(1, len(runs)) if index in long_pause_calls else None
            for ri, (lab, run) in enumerate(runs):
                if ri > 0:
                    pieces.append(("silence", ms(rng, 6000, 10000) if ri == long_at else ms(rng, 500, 3000)))
                for ci, clip in enumerate(run):
                    if ci > 0:
                        pieces.append(("silence", ms(rng, 250, 1500)))
                    pieces.append(("clip", clip))
            if index in tail_calls:
                pieces.append(("silence", ms(rng, 250, 2500)))
            calls.append((call, actor, pieces))
            index += 1

    # the short call: one clip of actor 13, under 5 s
    short_clip = next(r for r in sorted(by_actor[13], key=lambda r: r["file"])
                      if r["emotion"] == "happy" and clip_samples(args.data, r["file"]) < 5 * RATE)
    calls.append((f"call-{index + 1:02d}", 13, [("clip", short_clip)]))

    for call, actor, pieces in calls:
        sex = by_actor[actor][0]["sex"]
        total = 0
        for seq, (kind, what) in enumerate(pieces):
            if kind == "clip":
                total += clip_samples(args.data, what["file"])
                a, b = calls_lib.speech_span(calls_lib.read_clip(args.data / what["file"]))
                rows.append([call, seq, "clip", what["file"], "", VALENCE[what["emotion"]], f"actor_{actor}", sex,
                             repr(a / RATE), repr(b / RATE)])
            else:
                seconds = f"{what / 1000:.3f}"
                assert round(float(seconds) * RATE) == what * 48
                total += what * 48
                rows.append([call, seq, "silence", "", seconds, "", f"actor_{actor}", sex, "", ""])
        dur = total / RATE
        assert (30 <= dur <= 120) or len(pieces) == 1, (call, dur)
        print(f"{call}: actor {actor}, {sum(k == 'clip' for k, _ in pieces)} clips, {dur:.2f} s")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["call", "seq", "kind", "file", "seconds", "label", "speaker", "sex", "speech_start", "speech_end"])
        w.writerows(rows)
    print(f"{len(calls)} calls -> {args.out}")


if __name__ == "__main__":
    main()
