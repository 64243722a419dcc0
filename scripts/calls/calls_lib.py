"""Shared pieces of the long-call scripts: read plan.csv, build each call's 48 kHz int16 samples and its
segments exactly, and the window / truth / aggregation rules of tonebench's streaming evaluation.

Needs numpy and soundfile (and scipy for resample16k).
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

LABELS = ["negative", "neutral", "positive"]
RATE = 48000


@dataclass
class Call:
    id: str
    speaker: str
    sex: str
    samples: np.ndarray = None  # int16, 48 kHz mono
    segments: list = field(default_factory=list)  # (start_s, end_s, label), float64 seconds
    segment_speakers: list = field(default_factory=list)  # the actor of each segment


def read_plan(path):
    """plan.csv -> ordered {call: [row dicts]}."""
    calls = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            calls.setdefault(row["call"], []).append(row)
    for rows in calls.values():
        assert [int(r["seq"]) for r in rows] == list(range(len(rows))), "seq must run 0.. in order"
    return calls


def read_clip(path):
    import soundfile as sf
    x, sr = sf.read(str(path), dtype="int16", always_2d=True)
    assert sr == RATE and x.shape[1] == 1, f"{path}: expected 48 kHz mono, got {sr} Hz x {x.shape[1]}"
    return x[:, 0]


SPEECH_FRAME = 480   # 10 ms at 48 kHz: frame length = hop (non-overlapping frames)
SPEECH_DB = 35.0     # a frame is "in the speech" when its level is within this many dB of the loudest frame


def speech_span(x_int16, frame=SPEECH_FRAME, db=SPEECH_DB):
    """(start_sample, end_sample) of the speech in one clip, by a fixed rule (the same for every clip):
    cut the int16 samples into consecutive non-overlapping frames of `frame` samples from sample 0 (a
    partial last frame is dropped); frame level = 20*log10(rms/32768) with rms over the frame's samples;
    the span runs from the start of the first to the end of the last frame whose level is within `db`
    dB of the clip's loudest frame. Compared exactly in integers/float64 as
    sum_sq * 10**(db/10) >= max_sum_sq (sum_sq = the frame's exact integer sum of squares), which is the
    same test without logs. Both ends are multiples of `frame`; end <= len(x)."""
    n = len(x_int16) // frame
    assert n > 0, "clip shorter than one frame"
    f = np.asarray(x_int16[:n * frame], dtype=np.int64).reshape(n, frame)
    sum_sq = np.sum(f * f, axis=1)  # exact: <= 480 * 2**30 < 2**39
    top = int(sum_sq.max())
    assert top > 0, "all-zero clip"
    keep = np.flatnonzero(sum_sq.astype(np.float64) * 10.0 ** (db / 10.0) >= float(top))
    return int(keep[0]) * frame, (int(keep[-1]) + 1) * frame


def build_calls(plan_path, data_dir):
    """Every call of the plan: int16 samples = concatenation of the pieces. A clip row contributes only
    its speech span, the clip's samples [round(speech_start*48000), round(speech_end*48000)) (plan.csv's
    columns, from speech_span; checked against the clip's samples here), and is one segment covering
    exactly that piece, [offset, offset + piece/48000] in float64 seconds; a silence row contributes
    round(seconds*48000) zero samples. Call.speaker: the call's actors joined with '+';
    Call.segment_speakers: each segment's actor."""
    data_dir = Path(data_dir)
    out = []
    for call_id, rows in read_plan(plan_path).items():
        clip_speakers = sorted({r["speaker"] for r in rows if r["kind"] == "clip"})
        call = Call(call_id, "+".join(clip_speakers), rows[0]["sex"])
        assert all(r["sex"] == call.sex for r in rows), f"{call_id}: one sex per call"
        assert all(r["speaker"] == call.speaker for r in rows if r["kind"] == "silence"), \
            f"{call_id}: a silence row's speaker must be the call's"
        parts, offset = [], 0
        for r in rows:
            if r["kind"] == "clip":
                clip = read_clip(data_dir / r["file"])
                a, b = round(float(r["speech_start"]) * RATE), round(float(r["speech_end"]) * RATE)
                assert (a, b) == speech_span(clip), f"{call_id} seq {r['seq']}: plan speech span != speech_span"
                x = clip[a:b]
                call.segments.append((offset / RATE, (offset + len(x)) / RATE, r["label"]))
                call.segment_speakers.append(r["speaker"])
            elif r["kind"] == "silence":
                x = np.zeros(round(float(r["seconds"]) * RATE), dtype=np.int16)
            else:
                raise ValueError(f"{call_id} seq {r['seq']}: unknown kind {r['kind']!r}")
            parts.append(x)
            offset += len(x)
        call.samples = np.concatenate(parts)
        out.append(call)
    return out


def resample16k(x_int16):
    """The reference preprocessing: PCM16 / 32768 -> resample_poly(1, 3) on the whole call -> float32."""
    from scipy.signal import resample_poly
    x = x_int16.astype(np.float64) / 32768.0
    return resample_poly(x, 1, 3).astype(np.float32)


def windows(n, sr=16000, window_s=5.0, hop_s=2.5):
    """[(k, start_sample, padded)] by tonebench's rule. W = round(window_s*sr), H_k = round(k*hop_s*sr)."""
    W = round(window_s * sr)
    if n < W:
        return [(0, 0, True)]
    kmax = int(np.floor((n / sr - window_s) / hop_s + 1e-9))
    out = []
    for k in range(kmax + 1):
        h = round(k * hop_s * sr)
        if h + W <= n:
            out.append((k, h, False))
    return out


def window_samples(x, start, W):
    w = x[start:start + W]
    if len(w) < W:
        w = np.concatenate([w, np.zeros(W - len(w), dtype=x.dtype)])
    return w


def span(start, n, sr=16000, W=80000):
    return start / sr, min(start + W, n) / sr


def overlap(a0, a1, b0, b1):
    return max(0.0, min(a1, b1) - max(a0, b0))


def union_length(intervals):
    total, cur0, cur1 = 0.0, None, None
    for a, b in sorted(intervals):
        if cur1 is None or a > cur1:
            if cur1 is not None:
                total += cur1 - cur0
            cur0, cur1 = a, b
        else:
            cur1 = max(cur1, b)
    if cur1 is not None:
        total += cur1 - cur0
    return total


def window_truth(segments, t0, t1):
    """(speech, label): speech when the union of segments overlapping [t0, t1] covers >= half of it."""
    clipped = [(max(s, t0), min(e, t1), lab) for s, e, lab in segments if overlap(s, e, t0, t1) > 0]
    covered = union_length([(a, b) for a, b, _ in clipped])
    if covered < 0.5 * (t1 - t0):
        return False, ""
    per = [sum(b - a for a, b, lab in clipped if lab == L) for L in LABELS]
    return True, LABELS[int(np.argmax(per))]  # argmax: first maximum = earlier label on ties


def call_truth(segments):
    per = [sum(e - s for s, e, lab in segments if lab == L) for L in LABELS]
    return LABELS[int(np.argmax(per))]


def mean_argmax(probs):
    """float64 mean of float32 probability rows; argmax with ties -> earlier label."""
    m = np.mean(np.asarray(probs, dtype=np.float32).astype(np.float64), axis=0)
    return LABELS[int(np.argmax(m))], m


VAD_CHUNK = 512     # samples per Silero VAD call at 16 kHz
VAD_CONTEXT = 64    # context samples prepended at 16 kHz (32 at 8 kHz)


def vad_session(path):
    """ONNX Runtime session as silero-vad's OnnxWrapper makes it: CPU, 1 intra-op and 1 inter-op thread."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"], sess_options=opts)


def vad_probs(session, x16):
    """Per-chunk Silero speech probabilities of one call (float32 16 kHz samples), exactly as
    OnnxWrapper.audio_forward(x, 16000) with batch 1: reset (state zeros [2,1,128], context 64 zeros),
    zero-pad to a multiple of 512, then per chunk: input = [context | chunk] ([1, 576] float32),
    state, sr = int64 scalar 16000; outputs output [1,1] (the probability), stateN -> next state;
    next context = the last 64 samples of the input just fed (= of the chunk)."""
    x = np.asarray(x16, dtype=np.float32)
    n_chunks = -(-len(x) // VAD_CHUNK)
    x = np.concatenate([x, np.zeros(n_chunks * VAD_CHUNK - len(x), dtype=np.float32)])
    state = np.zeros((2, 1, 128), dtype=np.float32)
    context = np.zeros((1, VAD_CONTEXT), dtype=np.float32)
    sr = np.array(16000, dtype=np.int64)
    out = np.empty(n_chunks, dtype=np.float32)
    for j in range(n_chunks):
        inp = np.concatenate([context, x[None, j * VAD_CHUNK:(j + 1) * VAD_CHUNK]], axis=1)
        p, state = session.run(None, {"input": inp, "state": state, "sr": sr})
        out[j] = p[0, 0]
        context = inp[:, -VAD_CONTEXT:]
    return out


def vad_window(probs, t0, t1, sr=16000):
    """(speech, fraction): chunks with centre c_j = (512 j + 256)/sr in [t0, t1); speech when at least
    half of them have p >= 0.5 (and at least one chunk is included)."""
    j = np.arange(len(probs))
    c = (VAD_CHUNK * j + VAD_CHUNK // 2) / sr
    sel = probs[(c >= t0) & (c < t1)]
    if len(sel) == 0:
        return False, 0.0
    k = int(np.sum(sel >= 0.5))
    return 2 * k >= len(sel), k / len(sel)
