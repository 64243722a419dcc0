#!/usr/bin/env python3
"""Independent Python reference of tonebench's streaming evaluation on the long-call test suite.

Builds the calls in memory from tests/fixtures/calls/plan.csv (exact int16 concatenation at 48 kHz of
each clip's speech span and the zero pauses, see build_calls.py), resamples each WHOLE call once to 16 kHz (PCM16 / 32768 -> scipy.signal.resample_poly
(x, 1, 3) -> float32), cuts 5-s windows every 2.5 s (calls_lib.windows), runs the shared audio CNN
(../shared/models/audio-cnn-valence/model.onnx) on each window with ONNX Runtime 1.31.1 (CPU, 2 intra-op
threads, ORT_ENABLE_ALL, batch 1 per window), and Silero VAD (.vad/silero_vad.onnx from
scripts/setup-vad.sh) on consecutive 512-sample chunks exactly as silero-vad's OnnxWrapper (docs/vad.md).

Environment (outside the repo):

    python3 -m venv /root/.cache/tonebench-py/calls
    /root/.cache/tonebench-py/calls/bin/pip install numpy scipy soundfile onnxruntime==1.31.1
    bash scripts/setup-vad.sh
    /root/.cache/tonebench-py/calls/bin/python scripts/calls/reference.py [--time]

Writes (tests/fixtures/calls/):
- reference_windows.csv: id,window,start_sample,padded,speech_truth,label,vad_speech,vad_fraction,
  p_negative,p_neutral,p_positive (start_sample at 16 kHz; probabilities are repr() of the float32
  outputs widened to float64; label empty for non-speech windows)
- reference_calls.csv: id,n_samples_16k,sha256_f32le_16k,windows,truth,oracle_pred,oracle_p_negative,
  oracle_p_neutral,oracle_p_positive,vad_pred,vad_p_negative,vad_p_neutral,vad_p_positive,
  speech_windows,vad_speech_windows (oracle_*: float64 mean over truth-speech windows, vad_*: over VAD-speech
  windows; over all windows when there is none; argmax ties -> earlier label)
- reference_windows_batched.csv: id,window,batch,p_negative,p_neutral,p_positive: the same windows run as
  one batch per call (batch = the call's window count); ORT's batch >= 2 path differs from batch 1 by up
  to 8.3e-5, mostly on windows that are all or mostly zeros (see README.md)
- reference_vad_<first call>.csv: chunk,p (Silero probability of every 512-sample chunk of the first call)

--time [--repeats N] also times the Python loop a service would run (read WAV with soundfile + resample_poly + windows
+ ORT batch 1, audio CNN only) over the calls written to a temporary folder, with 1 and 2 intra-op
threads, and prints the real-time factor (audio seconds / wall seconds; see scripts/calls/README.md).
"""

import argparse
import csv
import hashlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import calls_lib  # noqa: E402
from calls_lib import LABELS  # noqa: E402

SR = 16000
WINDOW_S, HOP_S = 5.0, 2.5
W = round(WINDOW_S * SR)


def cnn_session(path, threads):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def r(x):
    return repr(float(x))


def evaluate(calls, cnn, vad):
    win_rows, call_rows, first_vad, batch_rows = [], [], None, []
    for call in calls:
        x = calls_lib.resample16k(call.samples)
        n = len(x)
        probs_vad = vad_probs = calls_lib.vad_probs(vad, x)
        if first_vad is None:
            first_vad = (call.id, probs_vad)
        wins = calls_lib.windows(n, SR, WINDOW_S, HOP_S)
        probs, truth_speech, vad_speech = [], [], []
        for k, start, padded in wins:
            w = calls_lib.window_samples(x, start, W)
            p = cnn.run(None, {"input_values": w[None, :]})[0][0]
            t0, t1 = calls_lib.span(start, n, SR, W)
            speech, label = calls_lib.window_truth(call.segments, t0, t1)
            vs, vf = calls_lib.vad_window(vad_probs, t0, t1, SR)
            probs.append(p)
            truth_speech.append(speech)
            vad_speech.append(vs)
            win_rows.append([call.id, k, start, str(padded).lower(), str(speech).lower(), label,
                             str(vs).lower(), r(vf)] + [r(v) for v in p])
        probs = np.array(probs, dtype=np.float32)
        # the same windows as one batch (what a batching harness computes; differs from batch 1, see README)
        batch = np.stack([calls_lib.window_samples(x, start, W) for _, start, _ in wins])
        pb = cnn.run(None, {"input_values": batch})[0]
        for (k, _, _), p in zip(wins, pb):
            batch_rows.append([call.id, k, len(wins)] + [r(v) for v in p])

        def agg(mask):
            sel = probs[np.array(mask)] if any(mask) else probs
            return calls_lib.mean_argmax(sel)

        o_pred, o_p = agg(truth_speech)
        v_pred, v_p = agg(vad_speech)
        sha = hashlib.sha256(x.astype("<f4").tobytes()).hexdigest()
        call_rows.append([call.id, n, sha, len(wins), calls_lib.call_truth(call.segments),
                          o_pred] + [r(v) for v in o_p] + [v_pred] + [r(v) for v in v_p]
                         + [sum(truth_speech), sum(vad_speech)])
    return win_rows, call_rows, first_vad, batch_rows


def time_loop(calls, model, threads, repeats=3):
    """Wall time of: soundfile read + resample_poly + windows + ORT batch 1 over every call."""
    import soundfile as sf
    from scipy.signal import resample_poly
    sess = cnn_session(model, threads)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for c in calls:
            p = Path(tmp) / f"{c.id}.wav"
            sf.write(str(p), c.samples, calls_lib.RATE, subtype="PCM_16")
            paths.append(p)
        audio_s = sum(len(c.samples) for c in calls) / calls_lib.RATE
        # warm-up
        sess.run(None, {"input_values": np.zeros((1, W), np.float32)})
        best, n_windows = None, 0
        for _ in range(repeats):
            parts = [0.0, 0.0, 0.0]  # decode, resample, windows + ORT
            t = time.perf_counter()
            n_windows = 0
            for p in paths:
                t_a = time.perf_counter()
                pcm, sr = sf.read(str(p), dtype="int16", always_2d=True)
                t_b = time.perf_counter()
                x = pcm.astype(np.float64).mean(axis=1) / 32768.0
                x = resample_poly(x, 1, 3).astype(np.float32)
                t_c = time.perf_counter()
                for _, start, _ in calls_lib.windows(len(x), SR, WINDOW_S, HOP_S):
                    w = calls_lib.window_samples(x, start, W)
                    sess.run(None, {"input_values": w[None, :]})
                    n_windows += 1
                t_d = time.perf_counter()
                parts[0] += t_b - t_a
                parts[1] += t_c - t_b
                parts[2] += t_d - t_c
            dt = time.perf_counter() - t
            if best is None or dt < best[0]:
                best = (dt, parts)
    return audio_s, n_windows, best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plan", type=Path, default=ROOT / "tests" / "fixtures" / "calls" / "plan.csv")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ravdess-dev")
    ap.add_argument("--model", type=Path,
                    default=ROOT.parent / "shared" / "models" / "audio-cnn-valence" / "model.onnx")
    ap.add_argument("--vad", type=Path, default=ROOT / ".vad" / "silero_vad.onnx")
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures" / "calls")
    ap.add_argument("--time", action="store_true", help="also time the Python loop (real-time factor)")
    ap.add_argument("--repeats", type=int, default=5, help="timing runs (best is reported)")
    args = ap.parse_args()
    import onnxruntime as ort
    assert ort.__version__ == "1.31.1", f"onnxruntime {ort.__version__}, the reference needs 1.31.1"
    if not args.vad.exists():
        sys.exit(f"{args.vad} missing: run scripts/setup-vad.sh")

    calls = calls_lib.build_calls(args.plan, args.data)
    win_rows, call_rows, (first_id, first_vad), batch_rows = evaluate(
        calls, cnn_session(args.model, 2), calls_lib.vad_session(args.vad))

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "reference_windows.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "window", "start_sample", "padded", "speech_truth", "label", "vad_speech",
                    "vad_fraction"] + [f"p_{l}" for l in LABELS])
        w.writerows(win_rows)
    with open(args.out / "reference_calls.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "n_samples_16k", "sha256_f32le_16k", "windows", "truth", "oracle_pred"]
                   + [f"oracle_p_{l}" for l in LABELS] + ["vad_pred"] + [f"vad_p_{l}" for l in LABELS]
                   + ["speech_windows", "vad_speech_windows"])
        w.writerows(call_rows)
    with open(args.out / "reference_windows_batched.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "window", "batch"] + [f"p_{l}" for l in LABELS])
        w.writerows(batch_rows)
    with open(args.out / f"reference_vad_{first_id}.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["chunk", "p"])
        w.writerows([j, r(p)] for j, p in enumerate(first_vad))

    total_s = sum(len(c.samples) for c in calls) / calls_lib.RATE
    speech = sum(row[4] == "true" for row in win_rows)
    vad_sp = sum(row[6] == "true" for row in win_rows)
    agree = sum(row[4] == row[6] for row in win_rows)
    d = np.abs(np.array([[float(v) for v in a[8:]] for a in win_rows])
               - np.array([[float(v) for v in b[3:]] for b in batch_rows]))
    flips = sum(int(np.argmax([float(v) for v in a[8:]]) != np.argmax([float(v) for v in b[3:]]))
                for a, b in zip(win_rows, batch_rows))
    print(f"one batch per call vs batch 1: max |dp| {d.max():.3g}, {int((d.max(axis=1) > 1e-5).sum())} windows "
          f"over 1e-5, {flips} argmax changes")
    print(f"{len(calls)} calls, {total_s:.3f} s, {len(win_rows)} windows: {speech} speech, "
          f"{len(win_rows) - speech} non-speech (truth); VAD speech {vad_sp}, VAD agrees with truth on "
          f"{agree}/{len(win_rows)}; call truth = oracle pred on "
          f"{sum(c[4] == c[5] for c in call_rows)}/{len(call_rows)}, = vad pred on "
          f"{sum(c[4] == c[9] for c in call_rows)}/{len(call_rows)}")

    if args.time:
        for threads in (1, 2):
            audio_s, nw, (dt, parts) = time_loop(calls, args.model, threads, args.repeats)
            print(f"python loop, {threads} intra-op thread(s): {audio_s:.1f} s audio, {nw} windows in "
                  f"{dt:.3f} s (best of {args.repeats}) = {audio_s / dt:.0f}x real time, "
                  f"{1000 * dt / nw:.2f} ms/window; decode {parts[0]:.3f} s, resample {parts[1]:.3f} s, "
                  f"windows + ORT {parts[2]:.3f} s")


if __name__ == "__main__":
    main()
