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
`speaker` (`actor_13`, ...) and `sex`: on a clip row the clip's actor and sex; on a silence row the
call's speaker (its actors joined with `+`, e.g. `actor_13+actor_15`) and sex (both actors of a call
have the same sex).
- `speech_start,speech_end` (clip rows only; empty for silence rows): the speech inside the clip, in
  seconds from the start of the clip file, by calls_lib.speech_span (10-ms frames; from the first to the
  last frame whose level is within 35 dB of the clip's loudest frame); repr() of float64 seconds that
  are whole numbers of 480-sample frames / 48000.

The call audio is the int16 concatenation at 48 kHz of the pieces (see build_calls.py). A clip row
contributes only its speech span: the clip's samples [round(speech_start*48000), round(speech_end*48000))
(exact: multiples of 480 samples), no lead-in or tail; its labeled segment covers exactly that piece,
[offset, offset + piece_samples/48000] on channel 0. A silence row contributes round(seconds*48000) zero
samples.

Shape of the plan: 12 calls of 45-70 s, two per pair of same-sex actors (PAIRS; a single actor has too
few positive clips for a long positive call), no clip twice in one call (a pair's two calls may share
clips), whose call-level truths (duration-weighted majority of the speech) are 4 negative, 4 neutral,
4 positive (ALLOCATIONS); clips grouped in runs of 2-6 of the same label, runs of one label never
adjacent, so calls change label several times; every pause 0.15-0.8 s (in whole ms), except one long
pause (6-10 s) between two runs in 8 of the 12 calls so that non-speech windows exist; 5 calls start and
5 end with a short silence. Plus one call shorter than 5 s (the speech span of a single clip, no
silence) for the padded-window case.
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
# Actor pairs (same sex: 13/15/17 male, 14/16/18 female); each pair makes two calls. One actor has only 4
# positive, 6 neutral and 16 negative usable clips (~1.85 s of speech each), too few for a 45-70 s call of
# mostly speech with a positive majority, so a call is two actors talking in turn.
PAIRS = [(13, 15), (15, 17), (17, 13), (14, 16), (16, 18), (18, 14)]
# Per pair (cycled): its two calls, each (target call label, clips per label). A pair has 8 positive,
# 12 neutral, 32 negative usable clips, drawn afresh for each call; a draw is kept only when each call's
# duration-weighted majority (of the speech spans) is its target and the call is 45-70 s long, so the
# 12 long calls are 4 negative, 4 neutral, 4 positive.
ALLOCATIONS = [
    [("positive", {"positive": 8, "neutral": 7, "negative": 7}), ("neutral", {"neutral": 10, "negative": 8, "positive": 6})],
    [("negative", {"negative": 11, "neutral": 7, "positive": 6}), ("positive", {"positive": 8, "neutral": 7, "negative": 7})],
    [("neutral", {"neutral": 10, "negative": 8, "positive": 6}), ("negative", {"negative": 11, "neutral": 7, "positive": 6})],
]
SHORT_MS = (150, 800)    # every pause but the long one
LONG_MS = (6000, 10000)  # the long pause, in 8 of the 12 calls


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
    by_actor, span = {}, {}
    for r in manifest:
        if r["emotion"] in VALENCE:
            by_actor.setdefault(int(r["actor"]), []).append(r)
            span[r["file"]] = calls_lib.speech_span(calls_lib.read_clip(args.data / r["file"]))

    def piece(r):  # samples of the clip's speech span
        a, b = span[r["file"]]
        return b - a

    rows = []  # (call, seq, kind, file, seconds, label, speaker, sex, speech_start, speech_end)
    calls = []
    long_pause_calls = set(rng.sample(range(12), 8))
    lead_calls = set(rng.sample(range(12), 5))
    tail_calls = set(rng.sample(range(12), 5))
    index = 0
    for a, pair in enumerate(PAIRS):
        clips = [r for actor in pair for r in by_actor[actor]]
        allocation = ALLOCATIONS[a % len(ALLOCATIONS)]
        for target, counts in allocation:
            call = f"call-{index + 1:02d}"
            for attempt in range(10000):
                pools = {lab: [r for r in clips if VALENCE[r["emotion"]] == lab]
                         for lab in ("negative", "neutral", "positive")}
                take = {}
                for lab, k in counts.items():
                    rng.shuffle(pools[lab])
                    take[lab] = pools[lab][:k]
                runs = []
                for lab, pool in take.items():
                    start = 0
                    for size in split_runs(len(pool), rng):
                        runs.append((lab, pool[start:start + size]))
                        start += size
                runs = order_runs(runs, rng)
                pieces = []
                if index in lead_calls:
                    pieces.append(("silence", ms(rng, *SHORT_MS)))
                long_at = rng.randrange(1, len(runs)) if index in long_pause_calls else None
                for ri, (lab, run) in enumerate(runs):
                    if ri > 0:
                        pieces.append(("silence", ms(rng, *LONG_MS) if ri == long_at else ms(rng, *SHORT_MS)))
                    for ci, clip in enumerate(run):
                        if ci > 0:
                            pieces.append(("silence", ms(rng, *SHORT_MS)))
                        pieces.append(("clip", clip))
                if index in tail_calls:
                    pieces.append(("silence", ms(rng, *SHORT_MS)))
                total = sum(piece(w) if k == "clip" else w * 48 for k, w in pieces)
                per = {lab: sum(piece(r) for r in take[lab]) for lab in take}
                # the duration-weighted majority of the speech must be the target; 45-70 s of audio
                if max(per, key=per.get) == target and 45 * RATE <= total <= 70 * RATE:
                    break
            else:
                raise RuntimeError(f"{call}: no draw gives the target call label and length")
            calls.append((call, pair, pieces))
            index += 1

    # the short call: one clip of actor 13 (its speech span, under 5 s)
    short_clip = next(r for r in sorted(by_actor[13], key=lambda r: r["file"])
                      if r["emotion"] == "happy" and piece(r) < 5 * RATE)
    calls.append((f"call-{index + 1:02d}", (13,), [("clip", short_clip)]))

    for call, pair, pieces in calls:
        sex = by_actor[pair[0]][0]["sex"]
        assert all(by_actor[x][0]["sex"] == sex for x in pair)
        speaker = "+".join(f"actor_{x}" for x in sorted(pair))
        total = 0
        for seq, (kind, what) in enumerate(pieces):
            if kind == "clip":
                a, b = span[what["file"]]
                total += b - a
                rows.append([call, seq, "clip", what["file"], "", VALENCE[what["emotion"]],
                             f"actor_{int(what['actor'])}", sex, repr(a / RATE), repr(b / RATE)])
            else:
                seconds = f"{what / 1000:.3f}"
                assert round(float(seconds) * RATE) == what * 48
                total += what * 48
                rows.append([call, seq, "silence", "", seconds, "", speaker, sex, "", ""])
        dur = total / RATE
        assert (45 <= dur <= 70) or len(pieces) == 1 and dur < 5, (call, dur)
        print(f"{call}: {speaker}, {sum(k == 'clip' for k, _ in pieces)} clips, {dur:.2f} s")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["call", "seq", "kind", "file", "seconds", "label", "speaker", "sex", "speech_start", "speech_end"])
        w.writerows(rows)
    print(f"{len(calls)} calls -> {args.out}")


if __name__ == "__main__":
    main()
