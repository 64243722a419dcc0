#!/usr/bin/env python3
"""Self-checks of calls_lib (the rules reference.py implements): window counts for the issue's lengths,
window truth and aggregation on hand-computed cases, the resampler against the shared resample-check
sums, and (when ../shared is there) the plan's segments against the built audio.

    /root/.cache/tonebench-py/calls/bin/python scripts/calls/test_rules.py
"""
import hashlib
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import calls_lib as cl  # noqa: E402


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    return bool(cond)


def main():
    ok = True
    sr = 16000
    cases = {0.5: [(0, 0, True)], 5.0: [(0, 0, False)], 5.1: [(0, 0, False)],
             7.5: [(0, 0, False), (1, 40000, False)]}
    for seconds, want in cases.items():
        ok &= check(cl.windows(round(seconds * sr)) == want, f"windows of {seconds} s: {want}")
    w = cl.windows(600 * sr)
    ok &= check(len(w) == 239 and w[-1] == (238, 9520000, False), "10 min: 239 windows, last starts at 9,520,000")
    ok &= check(len(cl.windows(7.5 * sr - 1)) == 1, "7.5 s less one sample: 1 window")
    ok &= check(cl.span(0, 8000) == (0.0, 0.5), "padded window's real span is its samples")
    # truth: [0,5] window; 2.5 s of speech is exactly half -> speech
    ok &= check(cl.window_truth([(0.0, 2.5, "positive")], 0.0, 5.0) == (True, "positive"), "half covered -> speech")
    ok &= check(cl.window_truth([(0.0, 2.4, "positive")], 0.0, 5.0) == (False, ""), "under half -> non-speech")
    ok &= check(cl.window_truth([(0.0, 1.5, "positive"), (2.0, 3.5, "negative")], 0.0, 5.0) == (True, "negative"),
                "tie on overlap -> earlier label")
    ok &= check(cl.window_truth([(0.0, 2.0, "neutral"), (1.0, 3.0, "positive")], 0.0, 5.0) == (True, "neutral"),
                "overlapping channels: union 3 s >= 2.5 s; tie 2 vs 2 -> neutral")
    ok &= check(cl.call_truth([(0, 2, "positive"), (3, 5, "neutral"), (6, 7, "negative")]) == "neutral",
                "call truth tie -> earlier label")
    pred, m = cl.mean_argmax([[0.2, 0.4, 0.4], [0.4, 0.2, 0.4]])
    ok &= check(pred == "positive" and abs(m[2] - 0.4) < 1e-7, "mean then argmax")
    p = np.array([0.9, 0.1, 0.6, 0.2], np.float32)  # centres 0.016, 0.048, 0.080, 0.112 s
    ok &= check(cl.vad_window(p, 0.0, 0.1) == (True, 2 / 3), "VAD: 2 of 3 chunks -> speech")
    ok &= check(cl.vad_window(p, 0.04, 0.12)[0] is False, "VAD: 1 of 3 -> non-speech")
    ok &= check(cl.vad_window(p, 0.04, 0.1)[0] is True, "VAD: 1 of 2 (half) -> speech")
    ok &= check(cl.vad_window(p, 0.2, 0.3) == (False, 0.0), "VAD: no chunk -> non-speech")

    # speech_span on hand-made clips: frames of 480 samples, within 35 dB of the loudest frame
    z = np.zeros(480 * 10, np.int16)
    y = z.copy(); y[480 * 3] = 500; y[480 * 6 + 5] = 30000  # 20*log10(60) = 35.6 dB down
    ok &= check(cl.speech_span(y) == (480 * 6, 480 * 7), "speech_span: a frame 35.6 dB down is out")
    y = z.copy(); y[480 * 2] = 600; y[480 * 8] = 30000  # 20*log10(50) = 34.0 dB down
    ok &= check(cl.speech_span(np.concatenate([y, np.full(100, 32767, np.int16)]))
                == (480 * 2, 480 * 9), "speech_span: 34 dB down is in; a partial last frame is dropped")
    shared = ROOT.parent / "shared"
    rc = shared / "models" / "audio-cnn-valence" / "resample-check" / "SHA256SUMS_f32le.txt"
    if rc.exists():
        for line in rc.read_text().split("\n"):
            if not line.strip():
                continue
            sha, name, count = line.split()
            rel = name.replace("ravdess__", "").replace("__", "/")
            x = cl.resample16k(cl.read_clip(shared / "data" / "ravdess-dev" / rel))
            ok &= check(hashlib.sha256(x.astype("<f4").tobytes()).hexdigest() == sha
                        and f"n_samples={len(x)}" == count, f"resample16k {rel} matches resample-check")
        plan = ROOT / "tests" / "fixtures" / "calls" / "plan.csv"
        good = True
        for rows in cl.read_plan(plan).values():
            for r in rows:
                if r["kind"] == "clip":
                    x = cl.read_clip(shared / "data" / "ravdess-dev" / r["file"])
                    a, b = cl.speech_span(x)
                    good &= (r["speech_start"], r["speech_end"]) == (repr(a / cl.RATE), repr(b / cl.RATE))
                    good &= 0 <= a < b <= len(x) and a % 480 == 0 and b % 480 == 0
                else:
                    good &= r["speech_start"] == r["speech_end"] == ""
        ok &= check(good, "plan speech_start/speech_end = speech_span of each clip (multiples of 480 samples)")
        calls = cl.build_calls(plan, shared / "data" / "ravdess-dev")
        good = True
        for c in calls:
            for s, e, _ in c.segments:
                a, b = round(s * cl.RATE), round(e * cl.RATE)
                good &= e * cl.RATE <= len(c.samples) and a < b
            good &= all(x[1] <= y[0] for x, y in zip(c.segments, c.segments[1:]))
        ok &= check(good, "segments ordered, non-overlapping, inside the audio")
        # the call audio is exactly the pieces: each clip's speech span, then silences of zeros
        good = True
        plan_rows = cl.read_plan(plan)
        for c in calls:
            offset, segs = 0, iter(c.segments)
            for r in plan_rows[c.id]:
                if r["kind"] == "clip":
                    x = cl.read_clip(shared / "data" / "ravdess-dev" / r["file"])
                    a, b = round(float(r["speech_start"]) * cl.RATE), round(float(r["speech_end"]) * cl.RATE)
                    s, e, lab = next(segs)
                    good &= (s, e, lab) == (offset / cl.RATE, (offset + b - a) / cl.RATE, r["label"])
                    good &= np.array_equal(c.samples[offset:offset + b - a], x[a:b])
                    offset += b - a
                else:
                    n = round(float(r["seconds"]) * cl.RATE)
                    good &= not c.samples[offset:offset + n].any()
                    offset += n
            good &= offset == len(c.samples) and next(segs, None) is None
        ok &= check(good, "call audio = the clips' speech spans and zero pauses; segment = its piece exactly")
        lengths = [len(c.samples) / cl.RATE for c in calls]
        ok &= check(all(45 <= t <= 70 for t in lengths[:-1]) and lengths[-1] < 5,
                    "12 calls of 45-70 s, the last one under 5 s")
        truths = sorted(cl.call_truth(c.segments) for c in calls[:-1])
        ok &= check(truths == ["negative"] * 4 + ["neutral"] * 4 + ["positive"] * 4, "call truths 4/4/4")
        pauses = [float(r["seconds"]) for rows in plan_rows.values() for r in rows if r["kind"] == "silence"]
        ok &= check(all(0.15 <= p <= 0.8 or 6 <= p <= 10 for p in pauses)
                    and sum(p >= 6 for p in pauses) == 8, "pauses 0.15-0.8 s, and 8 long ones of 6-10 s")
    print("all ok" if ok else "FAILURES")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
