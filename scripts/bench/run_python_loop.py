"""Issue 3's baseline: the job of `tonebench run` done by a plain Python loop — read the suite,
tokenize (tokenizers) or decode and resample (soundfile + soxr), run ONNX Runtime one item at a
time, score with scikit-learn — timed end to end.

Usage: python3 run_python_loop.py text|audio [THREADS]   (needs ../shared beside the checkout)
"""
import pathlib
import sys
import time

t0 = time.perf_counter()
import numpy as np
import onnxruntime as ort
import pandas as pd
from sklearn.metrics import classification_report

kind = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
shared = pathlib.Path(__file__).resolve().parents[3] / "shared"
labels = ["negative", "neutral", "positive"]
so = ort.SessionOptions()
so.intra_op_num_threads = threads
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
run_s = 0.0
preds = []
if kind == "text":
    from tokenizers import Tokenizer

    items = pd.read_csv(shared / "suites/fpb-allagree/items.csv", dtype=str)
    tok = Tokenizer.from_file(str(shared / "models/text-minilm-sentiment/tokenizer.json"))
    sess = ort.InferenceSession(str(shared / "models/text-minilm-sentiment/model_int8.onnx"), so)
    for text in items["text"]:
        e = tok.encode(text)
        feeds = {
            "input_ids": np.array([e.ids], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask], dtype=np.int64),
        }
        t = time.perf_counter()
        p = sess.run(None, feeds)[0][0]
        run_s += time.perf_counter() - t
        preds.append(labels[int(np.argmax(p))])
    truth = items["label"]
else:
    import soundfile as sf
    import soxr

    items = pd.read_csv(shared / "suites/ravdess-dev/items.csv", dtype=str)
    mapping = {"neutral": "neutral", "calm": "neutral", "happy": "positive", "sad": "negative",
               "angry": "negative", "fearful": "negative", "disgust": "negative"}
    items = items[items["label"].isin(mapping)]
    sess = ort.InferenceSession(str(shared / "models/audio-cnn-valence/model.onnx"), so)
    for rel in items["audio"]:
        x, sr = sf.read(str(shared / "data/ravdess-dev/wav" / rel), dtype="float32", always_2d=True)
        x = soxr.resample(x.mean(axis=1), sr, 16000).astype(np.float32)
        t = time.perf_counter()
        p = sess.run(None, {"input_values": x[None, :]})[0][0]
        run_s += time.perf_counter() - t
        preds.append(labels[int(np.argmax(p))])
    truth = items["label"].map(mapping)
report = classification_report(truth, preds, labels=labels, zero_division=0, output_dict=True)
wall = time.perf_counter() - t0
print(f"python {kind}: {len(preds)} items, accuracy {report['accuracy']:.4f}, "
      f"wall {wall:.2f} s (imports included), session.run {run_s:.2f} s")
