#!/usr/bin/env python3
"""Times onnxruntime's Python session.run on the same inputs `tonebench profile` uses.

Same call sequence as tonebench (harness/src/profile.rs): call c at batch size b takes suite
items (c*b + k) mod n, k = 0..b-1; one untimed first call (c = 0), then warm-up calls
0..warmup-1, then timed calls warmup..warmup+iterations-1. Session options as tonebench:
graph optimisation ALL, intra-op threads as given (0 = ORT default). Percentiles are nearest
rank on sorted timings, index ceil(p/100*n) - 1, as tonebench and onnxruntime_perf_test.

  python3 scripts/bench/profile_python.py --model tests/fixtures/models/text-minilm-sentiment.toml \
      --suite ../shared/suites/fpb-allagree --threads 1 --warmup 10 --iterations 200 --json

Prints p50 of session.run in ms (and more with --json). Needs numpy, onnxruntime, tokenizers
(text), scipy (audio).
"""
import argparse
import csv
import json
import math
import os
import sys
import time
import tomllib
import wave
from math import gcd

import numpy as np
import onnxruntime as ort


def nearest_rank(sorted_ms, p):
    n = len(sorted_ms)
    rank = math.ceil(p * n / 100.0 - 1e-9)
    return sorted_ms[min(max(rank - 1, 0), n - 1)]


def load_suite(path):
    if os.path.isdir(path):
        path = os.path.join(path, "suite.toml")
    base = os.path.dirname(path)
    with open(path, "rb") as f:
        m = tomllib.load(f)
    cols = {"id": "id", "label": "label", "text": "text", "audio": "audio"}
    cols.update(m.get("columns", {}))
    label_map = m.get("label-map")
    audio_root = os.path.join(base, m.get("audio-root", "."))
    items = []
    with open(os.path.join(base, m["items"]), newline="") as f:
        for row in csv.DictReader(f):
            label = row[cols["label"]]
            if label_map is not None and label_map.get(label) == "drop":
                continue
            audio = row.get(cols["audio"]) or None
            items.append({
                "id": row[cols["id"]],
                "text": row.get(cols["text"]),
                "audio": os.path.join(audio_root, audio) if audio else None,
            })
    return items


def read_wav_16k(path, rate):
    from scipy.signal import resample_poly
    with wave.open(path, "rb") as w:
        sr, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2:
        sys.exit(f"{path}: only PCM16 is supported here")
    x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    x = x.reshape(-1, ch).mean(axis=1)
    if sr != rate:
        g = gcd(rate, sr)
        x = resample_poly(x, rate // g, sr // g)
    return x.astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="tonebench model spec (text or audio)")
    ap.add_argument("--suite", required=True)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    spec_dir = os.path.dirname(os.path.abspath(a.model))
    with open(a.model, "rb") as f:
        spec = tomllib.load(f)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if a.threads > 0:
        so.intra_op_num_threads = a.threads
    items = load_suite(a.suite)
    n = len(items)

    if "text" in spec:
        from tokenizers import Tokenizer
        t = spec["text"]
        sess = ort.InferenceSession(os.path.join(spec_dir, t["onnx"]), so,
                                    providers=["CPUExecutionProvider"])
        tok = Tokenizer.from_file(os.path.join(spec_dir, t["tokenizer"]))
        tok.no_padding()
        if "max-tokens" in t:
            trunc = tok.truncation or {}
            tok.enable_truncation(t["max-tokens"], strategy=trunc.get("strategy", "longest_first"),
                                  direction=trunc.get("direction", "right"))
        names = {i.name for i in sess.get_inputs()}
        cache = {}

        def feeds(idx):
            encs = []
            for i in idx:
                if i not in cache:
                    cache[i] = tok.encode(items[i]["text"])
                encs.append(cache[i])
            L = max(len(e.ids) for e in encs)
            ids = np.zeros((len(encs), L), np.int64)
            mask = np.zeros((len(encs), L), np.int64)
            types = np.zeros((len(encs), L), np.int64)
            for r, e in enumerate(encs):
                ids[r, :len(e.ids)] = e.ids
                mask[r, :len(e.ids)] = 1
                types[r, :len(e.ids)] = e.type_ids
            f = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in names:
                f["token_type_ids"] = types
            return [f]
    elif "audio" in spec:
        au = spec["audio"]
        sess = ort.InferenceSession(os.path.join(spec_dir, au["onnx"]), so,
                                    providers=["CPUExecutionProvider"])
        rate = au.get("sample-rate", 16000)
        cache = {}

        def feeds(idx):
            # One clip per session.run, as tonebench runs audio graphs.
            out = []
            for i in idx:
                if i not in cache:
                    cache[i] = read_wav_16k(items[i]["audio"], rate)[None, :]
                out.append({"input_values": cache[i]})
            return out
    else:
        sys.exit("the model spec needs a [text] or [audio] section")

    b = a.batch

    def call(c):
        idx = [(c * b + k) % n for k in range(b)]
        fs = feeds(idx)  # inputs prepared outside the timed region, as tonebench's feeds
        t0 = time.perf_counter()
        for f in fs:
            sess.run(None, f)
        return (time.perf_counter() - t0) * 1e3

    call(0)  # first inference
    for c in range(a.warmup):
        call(c)
    times = sorted(call(c) for c in range(a.warmup, a.warmup + a.iterations))
    res = {p: nearest_rank(times, p) for p in (50, 90, 95, 99)}
    if a.json:
        print(json.dumps({"iterations": len(times), "batch": b, "threads": a.threads,
                          "p50_ms": res[50], "p90_ms": res[90], "p95_ms": res[95],
                          "p99_ms": res[99], "min_ms": times[0], "max_ms": times[-1],
                          "mean_ms": sum(times) / len(times)}))
    else:
        print(f"{res[50]:.4f}")


if __name__ == "__main__":
    main()
