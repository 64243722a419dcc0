#!/usr/bin/env python3
"""Train the three tiny demo models on the synthetic training split and export them to ONNX (opset 17).

Reads target/demo-train (made by make_demo_suite.py), writes suites/demo/models/:
  tokenizer.json   Hugging Face tokenizers WordLevel tokenizer (lowercase, [PAD]=0, [UNK]=1)
  text.onnx        input_ids, attention_mask (int64 [batch, seq]) -> probs float32 [batch, 3]
                   embedding lookup (a 3-wide table = logistic-regression weights of a bag of words)
                   -> masked mean -> + bias -> softmax
  audio.onnx       input_values float32 [batch, samples] at 16 kHz -> probs [batch, 3]
                   features inside the graph: Conv1d STFT (256-sample Hann window, hop 160) -> power
                   -> 24 mel bands -> log; per band mean / std / mean |delta| over frames, frame-energy
                   stats, voiced fraction, log duration -> standardised linear layer -> softmax
  hybrid.onnx      input_ids, attention_mask, input_values -> probs: both branches above, their
                   log-probabilities concatenated -> linear (stacked on out-of-fold predictions) -> softmax
  text.toml, audio.toml, hybrid.toml, late-fusion.toml   model specs v1
  reference_<model>.csv  ONNX Runtime (Python) predictions on suites/demo, batch 1

Then checks every model with onnxruntime and prints its accuracy on the demo test suite.
Deterministic (fixed seeds, single-threaded ONNX Runtime for feature extraction).
"""

import argparse
import csv
import json
from math import gcd
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import soundfile as sf
from onnx import TensorProto, helper, numpy_helper
from scipy.signal import resample_poly
from sklearn.linear_model import LogisticRegression
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

LABELS = ["negative", "neutral", "positive"]
SR = 16000
N_FFT, HOP, N_MELS = 256, 160, 24
MAX_TOKENS = 64
OPSET = 17
SEED = 7


# ---------------------------------------------------------------- data
def read_items(suite_dir):
    with open(suite_dir / "items.csv", newline="") as f:
        return list(csv.DictReader(f))


def load_audio(path):
    """Reference preprocessing: PCM/32768 -> mean over channels -> resample_poly to 16 kHz -> float32."""
    x, sr = sf.read(str(path), dtype="float64", always_2d=True)
    x = x.mean(axis=1)
    if sr != SR:
        g = gcd(SR, sr)
        x = resample_poly(x, SR // g, sr // g)
    return x.astype(np.float32)


# ---------------------------------------------------------------- tokenizer
def build_tokenizer(sentences):
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordLevelTrainer(special_tokens=["[PAD]", "[UNK]"], min_frequency=1)
    tok.train_from_iterator(sentences, trainer=trainer)
    assert tok.token_to_id("[PAD]") == 0 and tok.token_to_id("[UNK]") == 1
    return tok


def bow_mean(tok, texts):
    v = tok.get_vocab_size()
    out = np.zeros((len(texts), v), dtype=np.float64)
    for i, t in enumerate(texts):
        ids = tok.encode(t).ids[:MAX_TOKENS]
        for j in ids:
            out[i, j] += 1.0
        out[i] /= max(len(ids), 1)
    return out


# ---------------------------------------------------------------- graph pieces
def init(name, arr, dtype=np.float32):
    return numpy_helper.from_array(np.asarray(arr, dtype=dtype), name)


def text_branch(prefix, emb, bias):
    """input_ids, attention_mask -> <prefix>logits [B, 3] (masked mean of a [V, 3] table + bias)."""
    p = prefix
    inits = [init(p + "emb", emb), init(p + "bias", bias), init(p + "ax1", [1], np.int64),
             init(p + "one", 1.0)]
    nodes = [
        helper.make_node("Gather", [p + "emb", "input_ids"], [p + "g"], axis=0),            # [B,S,3]
        helper.make_node("Cast", ["attention_mask"], [p + "m"], to=TensorProto.FLOAT),      # [B,S]
        helper.make_node("Unsqueeze", [p + "m", init_name(p + "ax2", inits, [2])], [p + "m3"]),
        helper.make_node("Mul", [p + "g", p + "m3"], [p + "gm"]),
        helper.make_node("ReduceSum", [p + "gm", p + "ax1"], [p + "s"], keepdims=0),        # [B,3]
        helper.make_node("ReduceSum", [p + "m", p + "ax1"], [p + "n"], keepdims=1),         # [B,1]
        helper.make_node("Max", [p + "n", p + "one"], [p + "n1"]),
        helper.make_node("Div", [p + "s", p + "n1"], [p + "mean"]),
        helper.make_node("Add", [p + "mean", p + "bias"], [p + "logits"]),
    ]
    return nodes, inits, p + "logits"


def init_name(name, inits, value, dtype=np.int64):
    inits.append(init(name, value, dtype))
    return name


def mel_matrix():
    def hz2mel(f):
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def mel2hz(m):
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    n_bins = N_FFT // 2 + 1
    freqs = np.linspace(0, SR / 2, n_bins)
    pts = mel2hz(np.linspace(hz2mel(60.0), hz2mel(7600.0), N_MELS + 2))
    m = np.zeros((n_bins, N_MELS))
    for k in range(N_MELS):
        lo, c, hi = pts[k], pts[k + 1], pts[k + 2]
        up = (freqs - lo) / (c - lo)
        down = (hi - freqs) / (hi - c)
        m[:, k] = np.maximum(0, np.minimum(up, down))
    return m


def audio_features_branch(prefix):
    """input_values [B, N] -> <prefix>feats [B, F]."""
    p = prefix
    n_bins = N_FFT // 2 + 1
    n = np.arange(N_FFT)
    win = 0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)  # periodic Hann
    k = np.arange(n_bins)[:, None]
    re = np.cos(2 * np.pi * k * n[None, :] / N_FFT) * win
    im = -np.sin(2 * np.pi * k * n[None, :] / N_FFT) * win
    kernels = np.concatenate([re, im])[:, None, :]  # [2*bins, 1, N_FFT]
    mel = mel_matrix()
    mel2 = np.concatenate([mel, mel])  # re^2 and im^2 both project onto the bands
    inits = [init(p + "kern", kernels), init(p + "mel2", mel2), init(p + "eps", 1e-6),
             init(p + "ax1", [1], np.int64), init(p + "ax2", [2], np.int64),
             init(p + "s0", [0], np.int64), init(p + "s1", [1], np.int64),
             init(p + "e_1", [-1], np.int64), init(p + "big", [2**62], np.int64),
             init(p + "sr", float(SR)), init(p + "thr", 3.0), init(p + "zero", 0.0)]
    nodes = [
        helper.make_node("Unsqueeze", ["input_values", p + "ax1"], [p + "x3"]),               # [B,1,N]
        helper.make_node("Conv", [p + "x3", p + "kern"], [p + "spec"], strides=[HOP]),       # [B,2K,T]
        helper.make_node("Mul", [p + "spec", p + "spec"], [p + "pow"]),
        helper.make_node("Transpose", [p + "pow"], [p + "powT"], perm=[0, 2, 1]),            # [B,T,2K]
        helper.make_node("MatMul", [p + "powT", p + "mel2"], [p + "melp"]),                  # [B,T,M]
        helper.make_node("Add", [p + "melp", p + "eps"], [p + "melpe"]),
        helper.make_node("Log", [p + "melpe"], [p + "lm"]),                                  # [B,T,M]
        # frame energy
        helper.make_node("ReduceSum", [p + "melp", p + "ax2"], [p + "en"], keepdims=0),      # [B,T]
        helper.make_node("Add", [p + "en", p + "eps"], [p + "ene"]),
        helper.make_node("Log", [p + "ene"], [p + "le"]),                                    # [B,T]
        helper.make_node("Unsqueeze", [p + "le", p + "ax2"], [p + "le3"]),                   # [B,T,1]
        helper.make_node("Concat", [p + "lm", p + "le3"], [p + "z"], axis=2),                # [B,T,M+1]
        # mean, std over frames
        helper.make_node("ReduceMean", [p + "z"], [p + "mu"], axes=[1], keepdims=0),         # [B,M+1]
        helper.make_node("Mul", [p + "z", p + "z"], [p + "z2"]),
        helper.make_node("ReduceMean", [p + "z2"], [p + "mu2"], axes=[1], keepdims=0),
        helper.make_node("Mul", [p + "mu", p + "mu"], [p + "musq"]),
        helper.make_node("Sub", [p + "mu2", p + "musq"], [p + "var"]),
        helper.make_node("Relu", [p + "var"], [p + "varp"]),
        helper.make_node("Add", [p + "varp", p + "eps"], [p + "vare"]),
        helper.make_node("Sqrt", [p + "vare"], [p + "sd"]),
        # mean |delta| over frames
        helper.make_node("Slice", [p + "z", p + "s1", p + "big", p + "ax1"], [p + "za"]),
        helper.make_node("Slice", [p + "z", p + "s0", p + "e_1", p + "ax1"], [p + "zb"]),
        helper.make_node("Sub", [p + "za", p + "zb"], [p + "dz"]),
        helper.make_node("Abs", [p + "dz"], [p + "adz"]),
        helper.make_node("ReduceMean", [p + "adz"], [p + "dmu"], axes=[1], keepdims=0),      # [B,M+1]
        # voiced fraction: frames within 3 nats... of the loudest frame
        helper.make_node("ReduceMax", [p + "le"], [p + "lemax"], axes=[1], keepdims=1),      # [B,1]
        helper.make_node("Sub", [p + "lemax", p + "thr"], [p + "cut"]),
        helper.make_node("Greater", [p + "le", p + "cut"], [p + "voiced"]),
        helper.make_node("Cast", [p + "voiced"], [p + "voicedf"], to=TensorProto.FLOAT),
        helper.make_node("ReduceMean", [p + "voicedf"], [p + "vfrac"], axes=[1], keepdims=1),  # [B,1]
        # log duration in seconds
        helper.make_node("Shape", ["input_values"], [p + "shp"]),
        helper.make_node("Slice", [p + "shp", p + "s1", p + "ax2", p + "s0"], [p + "nsamp"]),  # [1]
        helper.make_node("Cast", [p + "nsamp"], [p + "nsf"], to=TensorProto.FLOAT),
        helper.make_node("Div", [p + "nsf", p + "sr"], [p + "dur"]),
        helper.make_node("Log", [p + "dur"], [p + "ldur"]),                                  # [1]
        helper.make_node("Mul", [p + "vfrac", p + "zero"], [p + "zcol"]),                    # [B,1] zeros
        helper.make_node("Add", [p + "zcol", p + "ldur"], [p + "ldurb"]),                    # [B,1]
        helper.make_node("Concat", [p + "mu", p + "sd", p + "dmu", p + "vfrac", p + "ldurb"],
                         [p + "feats"], axis=1),
    ]
    return nodes, inits, p + "feats"


N_AUDIO_FEATS = 3 * (N_MELS + 1) + 2


def linear_softmax(prefix, feats, w, b, out_logits=False):
    p = prefix
    inits = [init(p + "W", w), init(p + "b", b)]
    nodes = [helper.make_node("MatMul", [feats, p + "W"], [p + "mm"]),
             helper.make_node("Add", [p + "mm", p + "b"], [p + "logits"])]
    return nodes, inits, p + "logits"


def text_inputs():
    return [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])]


def audio_inputs():
    return [helper.make_tensor_value_info("input_values", TensorProto.FLOAT, ["batch", "samples"])]


def finish(name, nodes, inits, inputs, logits, path):
    nodes = nodes + [helper.make_node("Softmax", [logits], ["probs"], axis=-1)]
    out = helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 3])
    graph = helper.make_graph(nodes, name, inputs, [out], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="tonebench scripts/demo/train_demo_models.py")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))
    return path


def session(path, threads=1):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def fit_lr(x, y, c):
    lr = LogisticRegression(C=c, max_iter=5000, random_state=SEED)
    lr.fit(x, y)
    return lr


def standardise_fold(lr, mu, sd):
    """Fold (x - mu) / sd into the linear layer: returns W [F, 3], b [3]."""
    w = lr.coef_.T / sd[:, None]
    b = lr.intercept_ - (mu / sd) @ lr.coef_.T
    return w, b


def fold_of(keys, n_folds, seed):
    uniq = sorted(set(keys))
    perm = np.random.default_rng(seed).permutation(len(uniq))
    f = {k: int(perm[i]) % n_folds for i, k in enumerate(uniq)}
    return np.array([f[k] for k in keys])


def crossed_oof(xt, xa, y, sentences, speakers, text_c, audio_c, n_folds=4):
    """Out-of-fold log-probabilities of the text and audio branches with sentence x speaker folds."""
    fs, fk = fold_of(sentences, n_folds, SEED), fold_of(speakers, n_folds, SEED + 1)
    oof_t = np.zeros((len(y), 3))
    oof_a = np.zeros((len(y), 3))
    for i in range(n_folds):
        for j in range(n_folds):
            va = (fs == i) & (fk == j)
            tr = (fs != i) & (fk != j)
            if not va.any():
                continue
            # the text model is fit on unique sentences; scale C so repeated rows weigh the same
            n_sent = len({sentences[k] for k in np.flatnonzero(tr)})
            lt = fit_lr(xt[tr], y[tr], text_c * n_sent / tr.sum())
            oof_t[va] = lt.predict_log_proba(xt[va])
            m_, s_ = xa[tr].mean(0), xa[tr].std(0) + 1e-6
            la = fit_lr((xa[tr] - m_) / s_, y[tr], audio_c)
            oof_a[va] = la.predict_log_proba((xa[va] - m_) / s_)
    return oof_t, oof_a


def fit_fusion(lp_t, lp_a, y):
    """Fusion head on [text log-probs, audio log-probs]: logits_k = a * lp_t[k] + b * lp_a[k] + c_k.

    A constrained linear layer (5 parameters instead of 21) fit by maximum likelihood; returned as
    W [6, 3] = [[a I], [b I]] and bias c [3] so the graph is a plain concat + MatMul + Add.
    """
    from scipy.optimize import minimize
    from scipy.special import log_softmax

    def nll(theta):
        z = theta[0] * lp_t + theta[1] * lp_a + theta[2:]
        return -log_softmax(z, axis=1)[np.arange(len(y)), y].mean() + 1e-3 * np.sum(theta[2:] ** 2)

    theta = minimize(nll, np.array([1.0, 1.0, 0.0, 0.0, 0.0]), method="L-BFGS-B").x
    w = np.concatenate([theta[0] * np.eye(3), theta[1] * np.eye(3)])
    return w, theta[2:]


# ---------------------------------------------------------------- main
def main():
    root = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train-dir", type=Path, default=root / "target" / "demo-train")
    ap.add_argument("--suite-dir", type=Path, default=root / "suites" / "demo")
    ap.add_argument("--noise-copies", type=int, default=1, help="noisy copies of each training clip")
    args = ap.parse_args()
    out = args.suite_dir / "models"
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)

    train = read_items(args.train_dir)
    test = read_items(args.suite_dir)
    y_tr = np.array([LABELS.index(r["label"]) for r in train])
    y_te = np.array([LABELS.index(r["label"]) for r in test])

    # ---- text model
    sentences = sorted({r["text"] for r in train})
    tok = build_tokenizer(sentences)
    tok.save(str(out / "tokenizer.json"))
    sent_y = {r["text"]: LABELS.index(r["label"]) for r in train}
    xs = bow_mean(tok, sentences)
    ys = np.array([sent_y[s] for s in sentences])
    text_c = 100.0  # chosen by crossed out-of-fold log-loss on the training split
    text_lr = fit_lr(xs, ys, text_c)
    emb = text_lr.coef_.T.copy()  # [V, 3]
    emb[0] = 0.0  # [PAD] never contributes (masked anyway)
    nodes, inits, logits = text_branch("t_", emb, text_lr.intercept_)
    finish("demo-text", nodes, inits, text_inputs(), logits, out / "text.onnx")
    print(f"text: vocabulary {tok.get_vocab_size()}, {len(sentences)} training sentences")

    # ---- audio features (computed by the graph itself, so training and inference agree)
    fnodes, finits, feats = audio_features_branch("a_")
    fout = helper.make_tensor_value_info(feats, TensorProto.FLOAT, ["batch", N_AUDIO_FEATS])
    fgraph = helper.make_graph(fnodes, "feats", audio_inputs(), [fout], initializer=finits)
    fmodel = helper.make_model(fgraph, opset_imports=[helper.make_opsetid("", OPSET)])
    fmodel.ir_version = 8
    fpath = args.train_dir / "features.onnx"
    onnx.save(fmodel, str(fpath))
    fsess = session(fpath)

    def feats_of(x):
        return fsess.run(None, {"input_values": x[None, :]})[0][0].astype(np.float64)

    xa, ya, groups_a, speakers_a = [], [], [], []
    for r in train:
        x = load_audio(args.train_dir / "audio" / r["audio"])
        xa.append(feats_of(x))
        ya.append(LABELS.index(r["label"]))
        groups_a.append(r["text"])
        speakers_a.append(r["speaker"])
        for _ in range(args.noise_copies):
            snr_db = rng.uniform(15, 35)
            rms = np.sqrt(np.mean(x.astype(np.float64) ** 2))
            noisy = x + rng.normal(0, rms / 10 ** (snr_db / 20), x.shape).astype(np.float32)
            xa.append(feats_of(noisy.astype(np.float32)))
            ya.append(LABELS.index(r["label"]))
            groups_a.append(r["text"])
            speakers_a.append(r["speaker"])
    xa, ya = np.array(xa), np.array(ya)
    mu, sd = xa.mean(0), xa.std(0) + 1e-6
    audio_c = 0.03  # chosen by crossed out-of-fold log-loss on the training split
    audio_lr = fit_lr((xa - mu) / sd, ya, audio_c)
    wa, ba = standardise_fold(audio_lr, mu, sd)
    nodes, inits, logits = audio_features_branch("a_")
    n2, i2, logits = linear_softmax("ah_", logits, wa, ba)
    finish("demo-audio", nodes + n2, inits + i2, audio_inputs(), logits, out / "audio.onnx")
    print(f"audio: {len(xa)} training examples ({args.noise_copies} noisy copies per clip), "
          f"{N_AUDIO_FEATS} features")

    # ---- hybrid: stack the two branches' out-of-fold log-probabilities. Folds are crossed like the
    # real split: validate on (sentence fold i) x (speaker fold j), train on the other sentences AND
    # the other speakers, so both branches are judged on unseen sentences from unseen voices.
    xt_clip = bow_mean(tok, [r["text"] for r in train])
    reps = 1 + args.noise_copies
    xt_rep = np.repeat(xt_clip, reps, axis=0)  # aligned with xa (clip, its noisy copies, next clip …)
    oof_t, oof_a = crossed_oof(xt_rep, xa, ya, groups_a, speakers_a, text_c, audio_c)
    for tc, ac in [(10.0, 0.01), (30.0, 0.1), (300.0, 0.3)]:  # report only: C sensitivity
        ot, oa = crossed_oof(xt_rep, xa, ya, groups_a, speakers_a, tc, ac)
        print(f"  C text {tc:g}: oof acc {(ot.argmax(1) == ya).mean():.3f} log-loss "
              f"{-ot[np.arange(len(ya)), ya].mean():.3f} | C audio {ac:g}: oof acc "
              f"{(oa.argmax(1) == ya).mean():.3f} log-loss {-oa[np.arange(len(ya)), ya].mean():.3f}")
    print(f"  chosen C text {text_c:g}, audio {audio_c:g}: text log-loss "
          f"{-oof_t[np.arange(len(ya)), ya].mean():.3f}, audio log-loss {-oof_a[np.arange(len(ya)), ya].mean():.3f}")
    fuse_w, fuse_b = fit_fusion(oof_t, oof_a, ya)
    oof_acc_t = (oof_t.argmax(1) == ya).mean()
    oof_acc_a = (oof_a.argmax(1) == ya).mean()
    oof_acc_h = ((np.concatenate([oof_t, oof_a], 1) @ fuse_w + fuse_b).argmax(1) == ya).mean()
    print(f"hybrid: crossed out-of-fold accuracy text {oof_acc_t:.3f}, audio {oof_acc_a:.3f}, "
          f"fused {oof_acc_h:.3f} (in-sample); weights text {fuse_w[0, 0]:.3f} audio {fuse_w[3, 0]:.3f} "
          f"bias {np.round(fuse_b, 3)}")

    tn, ti, tlog = text_branch("t_", emb, text_lr.intercept_)
    an, ai, afeats = audio_features_branch("a_")
    hn, hi, alog = linear_softmax("ah_", afeats, wa, ba)
    fusion_nodes = [
        helper.make_node("LogSoftmax", [tlog], ["h_tlp"], axis=-1),
        helper.make_node("LogSoftmax", [alog], ["h_alp"], axis=-1),
        helper.make_node("Concat", ["h_tlp", "h_alp"], ["h_cat"], axis=1),
    ]
    fn, fi, flog = linear_softmax("h_", "h_cat", fuse_w, fuse_b)
    finish("demo-hybrid", tn + an + hn + fusion_nodes + fn, ti + ai + hi + fi,
           text_inputs() + audio_inputs(), flog, out / "hybrid.onnx")

    write_specs(out)
    check(out, args.suite_dir, test, y_te, tok)


def write_specs(out):
    labels = '["negative", "neutral", "positive"]'
    head = 'format-version = 1\nname = "{}"\nlabels = ' + labels + "\n"
    text = f'\n[text]\nonnx = "text.onnx"\ntokenizer = "tokenizer.json"\nmax-tokens = {MAX_TOKENS}\n'
    audio = f'\n[audio]\nonnx = "audio.onnx"\nsample-rate = {SR}\n'
    (out / "text.toml").write_text(
        "# demo text model: bag-of-words logistic regression as an ONNX graph (see README)\n"
        + head.format("demo-text") + text)
    (out / "audio.toml").write_text(
        "# demo audio model: log-mel statistics + linear layer, features inside the graph (weak)\n"
        + head.format("demo-audio") + audio)
    (out / "hybrid.toml").write_text(
        "# demo hybrid model: one graph with text and audio inputs (early fusion of both branches)\n"
        + head.format("demo-hybrid")
        + f'\n[hybrid]\nonnx = "hybrid.onnx"\ntokenizer = "tokenizer.json"\nmax-tokens = {MAX_TOKENS}\n'
          f"sample-rate = {SR}\n")
    (out / "late-fusion.toml").write_text(
        "# demo late fusion: weighted mean of the text and audio models' probabilities\n"
        + head.format("demo-late-fusion") + text + audio
        + '\n[fusion]\nkind = "late"\nweights = [0.5, 0.5]\n')


def check(out, suite_dir, test, y_te, tok):
    """Run every model with ONNX Runtime at batch 1, write reference CSVs, print accuracies."""
    sess = {m: session(out / f"{m}.onnx") for m in ["text", "audio", "hybrid"]}
    tok = Tokenizer.from_file(str(out / "tokenizer.json"))
    probs = {m: [] for m in ["text", "audio", "hybrid", "late-fusion"]}
    for r in test:
        enc = tok.encode(r["text"])
        ids = np.array([enc.ids[:MAX_TOKENS]], dtype=np.int64)
        mask = np.array([enc.attention_mask[:MAX_TOKENS]], dtype=np.int64)
        x = load_audio(suite_dir / "audio" / r["audio"])[None, :]
        pt = sess["text"].run(None, {"input_ids": ids, "attention_mask": mask})[0][0]
        pa = sess["audio"].run(None, {"input_values": x})[0][0]
        ph = sess["hybrid"].run(None, {"input_ids": ids, "attention_mask": mask, "input_values": x})[0][0]
        probs["text"].append(pt)
        probs["audio"].append(pa)
        probs["hybrid"].append(ph)
        probs["late-fusion"].append(0.5 * pt.astype(np.float64) + 0.5 * pa.astype(np.float64))
    # padded batches must give the batch-1 answer for the text graph (masked mean ignores [PAD])
    encs = [tok.encode(r["text"]) for r in test]
    seq = max(len(e.ids) for e in encs)
    ids = np.array([e.ids + [0] * (seq - len(e.ids)) for e in encs], dtype=np.int64)
    mask = np.array([[1] * len(e.ids) + [0] * (seq - len(e.ids)) for e in encs], dtype=np.int64)
    pb = sess["text"].run(None, {"input_ids": ids, "attention_mask": mask})[0]
    diff = np.abs(pb - np.array(probs["text"])).max()
    print(f"text: padded batch of {len(test)} vs batch 1: max |dp| = {diff:.2e}")
    assert diff < 1e-5
    summary = {}
    for m, ps in probs.items():
        ps = np.array(ps, dtype=np.float64)
        pred = ps.argmax(1)
        acc = float((pred == y_te).mean())
        f1s = []
        for k in range(3):
            tp = np.sum((pred == k) & (y_te == k))
            prec = tp / max(np.sum(pred == k), 1)
            rec = tp / max(np.sum(y_te == k), 1)
            f1s.append(0 if tp == 0 else 2 * prec * rec / (prec + rec))
        summary[m] = (acc, float(np.mean(f1s)))
        with open(out / f"reference_{m}.csv", "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["id", "pred", "p_negative", "p_neutral", "p_positive"])
            for r, p, k in zip(test, ps, pred):
                w.writerow([r["id"], LABELS[k]] + [repr(float(v)) for v in p])
        print(f"{m:12s} accuracy {acc:.3f}  macro-F1 {np.mean(f1s):.3f}  (n = {len(test)})")
    (out / "accuracy.json").write_text(json.dumps(
        {m: {"accuracy": round(a, 4), "macro_f1": round(f, 4), "n": len(test)} for m, (a, f) in summary.items()},
        indent=2) + "\n")


if __name__ == "__main__":
    main()
