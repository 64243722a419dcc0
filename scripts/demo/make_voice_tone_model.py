#!/usr/bin/env python3
"""Make the demo voice-tone model: the demo audio model with a second, speech-presence output.

A real-time voice tone service's model reports sentiment *and* speech presence for each window. This
script gives tonebench such a model to test `[speech]` in model specs (DESIGN.md "Model spec") without
any download: it loads suites/demo/models/audio.onnx (made by train_demo_models.py) and adds one output,

    speech  float32 [batch, 1]  the fraction of the graph's own 16-ms STFT frames (256 samples, hop 160)
                                whose log mel energy `a_le` is above T,

where T is calibrated, independently of any test data, as the mean `a_le` of white noise at -45 dBFS RMS
(the level of tonebench's energy detector, DESIGN.md). A window is then speech (p >= 0.5) when at least
half of its frames are louder than that: the same "at least half" rule as the window truth. The sentiment
output `probs` is unchanged (bit for bit the demo audio model's).

Writes suites/demo/models/voice-tone.onnx and tests/fixtures/calls/reference_voice_tone.csv: for every
5-s window every 2.5 s of suites/demo-calls (tonebench's window rule, scripts/calls/calls_lib.py; each
call read with soundfile, PCM/32768, resample_poly to 16 kHz, float32), ONNX Runtime (Python, CPU, batch
1) outputs: id,window,start_sample,speech,p_negative,p_neutral,p_positive (repr of the float32 values).

    /root/.cache/tonebench-py/venv/bin/python scripts/demo/make_voice_tone_model.py

(the venv needs numpy, scipy, soundfile, onnx and onnxruntime 1.31.1). Deterministic.
"""

import csv
from math import gcd
from pathlib import Path
import sys

import numpy as np
import onnx
import onnxruntime as ort
import soundfile as sf
from onnx import TensorProto, helper, numpy_helper
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "calls"))
import calls_lib  # noqa: E402

SR = 16000
LEVEL_DBFS = -45.0
SEED = 7


def session(model_bytes):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])


def with_output(model, name, shape):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    m.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
    return m


def calibrate(model):
    """Mean a_le of 10 s of white noise at LEVEL_DBFS RMS."""
    probe = session(with_output(model, "a_le", ["batch", "frames"]).SerializeToString())
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal(10 * SR)
    x *= 10 ** (LEVEL_DBFS / 20) / np.sqrt(np.mean(x**2))
    (le,) = probe.run(["a_le"], {"input_values": x.astype(np.float32)[None, :]})
    return float(np.mean(le))


def add_speech(model, threshold):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    g.initializer.append(numpy_helper.from_array(np.array(threshold, np.float32), "sp_thr"))
    g.initializer.append(numpy_helper.from_array(np.array([1], np.int64), "sp_ax1"))
    g.node.extend([
        helper.make_node("Greater", ["a_le", "sp_thr"], ["sp_loud"]),                # [B,T]
        helper.make_node("Cast", ["sp_loud"], ["sp_loudf"], to=TensorProto.FLOAT),
        helper.make_node("ReduceMean", ["sp_loudf", "sp_ax1"], ["speech"], keepdims=1),  # [B,1]
    ])
    # ReduceMean takes axes as an input from opset 18; the demo graphs are opset 17.
    if m.opset_import[0].version < 18:
        g.node[-1].ClearField("input")
        g.node[-1].input.append("sp_loudf")
        g.node[-1].attribute.append(helper.make_attribute("axes", [1]))
        del g.initializer[-1]
    g.output.append(helper.make_tensor_value_info("speech", TensorProto.FLOAT, ["batch", 1]))
    g.name = "demo-voice-tone"
    m.producer_name = "tonebench scripts/demo/make_voice_tone_model.py"
    onnx.checker.check_model(m, full_check=True)
    return m


def load_call(path):
    x, sr = sf.read(str(path), dtype="float64", always_2d=True)
    x = x.mean(axis=1)
    if sr != SR:
        g = gcd(SR, sr)
        x = resample_poly(x, SR // g, sr // g)
    return x.astype(np.float32)


def main():
    models = ROOT / "suites" / "demo" / "models"
    base = onnx.load(str(models / "audio.onnx"))
    threshold = calibrate(base)
    model = add_speech(base, threshold)
    out = models / "voice-tone.onnx"
    onnx.save(model, str(out))
    print(f"T = {threshold:.4f} (mean a_le at {LEVEL_DBFS} dBFS white noise); wrote {out}")

    sess = session(model.SerializeToString())
    suite = ROOT / "suites" / "demo-calls"
    with open(suite / "items.csv", newline="") as f:
        items = list(csv.DictReader(f))
    W = round(5.0 * SR)
    rows = []
    for item in items:
        x = load_call(suite / "audio" / item["audio"])
        for k, start, _padded in calls_lib.windows(len(x), SR, 5.0, 2.5):
            w = calls_lib.window_samples(x, start, W)
            probs, speech = sess.run(["probs", "speech"], {"input_values": w[None, :]})
            rows.append([item["id"], k, start, repr(float(speech[0, 0]))]
                        + [repr(float(p)) for p in probs[0]])
    fixture = ROOT / "tests" / "fixtures" / "calls" / "reference_voice_tone.csv"
    with open(fixture, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "window", "start_sample", "speech", "p_negative", "p_neutral", "p_positive"])
        w.writerows(rows)
    speech = sum(float(r[3]) >= 0.5 for r in rows)
    print(f"{len(rows)} windows, {speech} judged speech; wrote {fixture}")


if __name__ == "__main__":
    main()
