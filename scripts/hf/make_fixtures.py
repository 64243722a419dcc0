#!/usr/bin/env python3
"""Tiny random-weight Hugging Face models of each family tonebench runs from an export folder,
exported to ONNX the way `optimum-cli export onnx` does, with reference probabilities computed
by transformers in PyTorch from its own feature extractor / tokenizer on real data.

Writes tests/fixtures/hf/:
  <family>/model.onnx, config.json, preprocessor_config.json | tokenizer.json +
      tokenizer_config.json (+ tonebench.toml where the labels need a label-map)
  <family>/reference.csv   id,pred,p_negative,p_neutral,p_positive (transformers + PyTorch)
  features/                transformers' feature arrays for two demo clips (raw little-endian
                           float32) and features.json describing them
  formats/                 one demo clip (synthetic, this project's own) as FLAC, MP3, OGG/Vorbis
                           and M4A/AAC made with ffmpeg, and ffmpeg's own decodes of the lossy ones
                           as float32 (the reference decoder)

Audio references: every clip of ../shared/suites/ravdess-dev (RAVDESS 48 kHz PCM16) read as
PCM16 / 32768, resampled to 16 kHz with scipy.signal.resample_poly (the resampler tonebench
reproduces), then the family's feature extractor and model. Text references: every sentence of
../shared/suites/fpb-allagree through the family's fast tokenizer (truncation to
model_max_length) and model. Model weights are random (seeded): the numbers say nothing about
sentiment, only whether tonebench feeds the graph exactly as transformers does.

Rebuild (the environment stays outside the repository; torch from PyPI is large):
  python3 -m venv /root/.cache/tonebench-py/venv
  /root/.cache/tonebench-py/venv/bin/pip install torch transformers onnx onnxruntime==1.31.1 \
      numpy scipy soundfile onnxscript
  apt-get install ffmpeg
  /root/.cache/tonebench-py/venv/bin/python scripts/hf/make_fixtures.py
Measured with torch 2.15.0, transformers 5.24.0, numpy 2.4.6, scipy 1.17.1, ffmpeg 5.1.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import scipy.signal
import soundfile as sf
import torch
import transformers as tf

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
OUT = ROOT / "tests" / "fixtures" / "hf"
LABELS = ["negative", "neutral", "positive"]
SEED = 13


def id2label(generic=False):
    return {i: (f"LABEL_{i}" if generic else l) for i, l in enumerate(LABELS)}


def suite_items(name):
    suite = SHARED / "suites" / name
    with open(suite / "items.csv", newline="") as f:
        return list(csv.DictReader(f)), suite


def load_16k(path):
    data, sr = sf.read(path, dtype="int16", always_2d=True)
    x = data.astype(np.float64) / 32768.0
    x = x.mean(axis=1)
    if sr != 16000:
        g = np.gcd(16000, sr)
        x = scipy.signal.resample_poly(x, 16000 // g, sr // g)
    return x.astype(np.float32)


def export(model, args, names, dynamic, path):
    torch.onnx.export(
        model,
        args,
        str(path),
        input_names=names,
        output_names=["logits"],
        dynamic_axes={**dynamic, "logits": {0: "batch_size"}},
        opset_version=17,
        dynamo=False,
        external_data=False,
        do_constant_folding=True,
    )


def write_reference(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "pred"] + [f"p_{l}" for l in LABELS])
        for rid, probs in rows:
            w.writerow([rid, LABELS[int(np.argmax(probs))]] + [repr(float(p)) for p in probs])


def center_head(model, all_feeds, n=60):
    """Shifts the classifier's bias by the mean logits of the first `n` inputs (and scales the
    spread to about one logit), so that a random head predicts every class somewhere instead of
    the same one everywhere: argmax agreement then means something."""
    with torch.no_grad():
        logits = torch.cat([model(**f).logits for f in all_feeds[:n]])
        head = model.classifier.out_proj if hasattr(model.classifier, "out_proj") else model.classifier
        scale = 1.0 / max(float(logits.std(0).mean()), 1e-6)
        head.weight *= scale
        head.bias.copy_((head.bias - logits.mean(0)) * scale)


def check_onnx(path, feeds, logits):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out = sess.run(["logits"], feeds)[0]
    d = float(np.abs(out - logits).max())
    assert d < 1e-4, f"{path}: onnxruntime differs from torch by {d}"
    return d


def audio_family(name, model, fe, *, mask_input=False, generic_labels=False, limit=None):
    d = OUT / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    model.eval()
    model.config.save_pretrained(d)
    fe.save_pretrained(d)
    if generic_labels:
        (d / "tonebench.toml").write_text(
            "# The export's labels are LABEL_0..2: name them for the suite.\n"
            "[label-map]\n" + "".join(f'LABEL_{i} = "{l}"\n' for i, l in enumerate(LABELS))
        )
    whisper = isinstance(fe, tf.WhisperFeatureExtractor)
    key = "input_features" if whisper else "input_values"
    items, suite = suite_items("ravdess-dev")
    audio_root = suite / "../../data/ravdess-dev/wav"
    all_feeds = []
    for it in items[:limit]:
        x = load_16k(audio_root / it["audio"])
        inputs = fe(x, sampling_rate=16000, return_tensors="pt", return_attention_mask=mask_input)
        feeds = {key: inputs[key]}
        if mask_input:
            # int64, as optimum exports it (the feature extractor returns int32).
            feeds["attention_mask"] = inputs["attention_mask"].long()
        all_feeds.append(feeds)
    center_head(model, all_feeds)
    names = list(all_feeds[0])
    dyn = {key: {0: "batch_size"} if whisper else {0: "batch_size", 1: "sequence_length"}}
    if mask_input:
        dyn["attention_mask"] = {0: "batch_size", 1: "sequence_length"}
    export(model, tuple(all_feeds[0][n] for n in names), names, dyn, d / "model.onnx")
    rows, worst = [], 0.0
    for k, (it, feeds) in enumerate(zip(items, all_feeds)):
        with torch.no_grad():
            logits = model(**feeds).logits
        if k < 5:
            np_feeds = {n: v.numpy() for n, v in feeds.items()}
            worst = max(worst, check_onnx(d / "model.onnx", np_feeds, logits.numpy()))
        rows.append((it["id"], torch.softmax(logits, -1)[0].numpy().astype(np.float64)))
    write_reference(d / "reference.csv", rows)
    size = (d / "model.onnx").stat().st_size
    print(f"{name}: {len(rows)} clips, model.onnx {size // 1024} KB, ort vs torch {worst:.1e}")


def text_family(name, model, tok, *, token_types):
    d = OUT / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    model.eval()
    model.config.save_pretrained(d)
    tok.save_pretrained(d)
    for extra in ["special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt"]:
        (d / extra).unlink(missing_ok=True)
    items, _ = suite_items("fpb-allagree")
    rows, worst = [], 0.0
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if token_types else [])
    all_feeds = []
    for it in items:
        enc = tok(it["text"], truncation=True, return_tensors="pt")
        all_feeds.append({n: enc[n] for n in names})
    center_head(model, all_feeds)
    dyn = {n: {0: "batch_size", 1: "sequence_length"} for n in names}
    export(model, tuple(all_feeds[0][n] for n in names), names, dyn, d / "model.onnx")
    for k, (it, feeds) in enumerate(zip(items, all_feeds)):
        with torch.no_grad():
            logits = model(**feeds).logits
        if k < 5:
            worst = max(worst, check_onnx(d / "model.onnx", {n: v.numpy() for n, v in feeds.items()}, logits.numpy()))
        rows.append((it["id"], torch.softmax(logits, -1)[0].numpy().astype(np.float64)))
    write_reference(d / "reference.csv", rows)
    size = (d / "model.onnx").stat().st_size
    print(f"{name}: {len(rows)} sentences, model.onnx {size // 1024} KB, ort vs torch {worst:.1e}")


def sentences():
    items, _ = suite_items("fpb-allagree")
    return [it["text"] for it in items]


def tiny_audio_config(cls, **kw):
    base = dict(
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        conv_dim=(16,) * 7,
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
        classifier_proj_size=16,
        num_labels=3,
        mask_time_prob=0.0,
        # Wider than transformers' default 0.02, so that the random heads give varied,
        # confident predictions instead of a near-uniform 1/3 everywhere.
        initializer_range=0.3,
    )
    base.update(kw)
    return cls(**base)


def main():
    if not SHARED.is_dir():
        sys.exit(f"make_fixtures: {SHARED} not found")
    torch.manual_seed(SEED)
    OUT.mkdir(parents=True, exist_ok=True)

    # Wav2Vec2: a normalizing front end without attention mask (like wav2vec2-base).
    # feat_extract_norm="layer" (as wav2vec2-large-lv60, which normalizes its input): with
    # "group" the first GroupNorm cancels the input's mean and scale, and normalization would
    # hardly change the output.
    cfg = tiny_audio_config(tf.Wav2Vec2Config, id2label=id2label(), label2id={l: i for i, l in enumerate(LABELS)}, feat_extract_norm="layer")
    fe = tf.Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=True, return_attention_mask=False)
    audio_family("wav2vec2", tf.Wav2Vec2ForSequenceClassification(cfg), fe)

    # HuBERT: raw samples (like hubert-base-ls960), generic LABEL_i names mapped by tonebench.toml.
    cfg = tiny_audio_config(tf.HubertConfig, id2label=id2label(True), label2id={f"LABEL_{i}": i for i in range(3)})
    fe = tf.Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=False, return_attention_mask=False)
    audio_family("hubert", tf.HubertForSequenceClassification(cfg), fe, generic_labels=True)

    # WavLM: normalizing, with an attention mask input (like wavlm-base-plus).
    cfg = tiny_audio_config(tf.WavLMConfig, id2label=id2label(), label2id={l: i for i, l in enumerate(LABELS)}, num_buckets=32, max_bucket_distance=100, feat_extract_norm="layer")
    fe = tf.Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=True, return_attention_mask=True)
    audio_family("wavlm", tf.WavLMForSequenceClassification(cfg), fe, mask_input=True)

    # Whisper encoders with a classification head: 80 mel bins (up to large-v2) and 128 (large-v3).
    for mels, name in [(80, "whisper"), (128, "whisper-128")]:
        cfg = tf.WhisperConfig(
            num_mel_bins=mels, d_model=16, encoder_layers=1, encoder_attention_heads=2,
            decoder_layers=1, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
            max_source_positions=1500, classifier_proj_size=16, num_labels=3, init_std=0.3,
            id2label=id2label(), label2id={l: i for i, l in enumerate(LABELS)},
        )
        fe = tf.WhisperFeatureExtractor(feature_size=mels)
        audio_family(name, tf.WhisperForAudioClassification(cfg), fe)

    # Text: a WordPiece (BERT, with token_type_ids) and a byte-level BPE (RoBERTa, without)
    # tokenizer trained on the sentences themselves, small vocabularies, model_max_length 48 so
    # that long sentences are truncated.
    from tokenizers import ByteLevelBPETokenizer, BertWordPieceTokenizer
    from tokenizers.processors import RobertaProcessing

    text = sentences()
    wp = BertWordPieceTokenizer(lowercase=True)
    wp.train_from_iterator(text, vocab_size=600, min_frequency=2)
    bert_tok = tf.BertTokenizerFast(tokenizer_object=wp._tokenizer, model_max_length=48,
                                    unk_token="[UNK]", sep_token="[SEP]", pad_token="[PAD]",
                                    cls_token="[CLS]", mask_token="[MASK]")
    cfg = tf.BertConfig(vocab_size=wp.get_vocab_size(), hidden_size=16, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
                        num_labels=3, initializer_range=0.3, id2label=id2label(), label2id={l: i for i, l in enumerate(LABELS)})
    text_family("bert", tf.BertForSequenceClassification(cfg), bert_tok, token_types=True)

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(text, vocab_size=600, min_frequency=2,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe._tokenizer.post_processor = RobertaProcessing(("</s>", bpe.token_to_id("</s>")), ("<s>", bpe.token_to_id("<s>")))
    rob_tok = tf.RobertaTokenizerFast(tokenizer_object=bpe._tokenizer, model_max_length=48,
                                      bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                      sep_token="</s>", cls_token="<s>", pad_token="<pad>", mask_token="<mask>")
    cfg = tf.RobertaConfig(vocab_size=bpe.get_vocab_size(), hidden_size=16, num_hidden_layers=2,
                           num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
                           pad_token_id=1, type_vocab_size=1, num_labels=3, initializer_range=0.3,
                           id2label=id2label(), label2id={l: i for i, l in enumerate(LABELS)})
    text_family("roberta", tf.RobertaForSequenceClassification(cfg), rob_tok, token_types=False)

    features()
    formats()


def features():
    """transformers' feature arrays for two demo clips (this project's synthetic audio)."""
    d = OUT / "features"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    meta = {"clips": []}
    for clip in ["demo-0001.wav", "demo-0042.wav"]:
        x, sr = sf.read(ROOT / "suites/demo/audio" / clip, dtype="float32")
        assert sr == 16000 and x.ndim == 1
        stem = clip.removesuffix(".wav")
        entry = {"clip": f"suites/demo/audio/{clip}", "samples": int(len(x))}
        w2v = tf.Wav2Vec2FeatureExtractor(do_normalize=True)(x, sampling_rate=16000)["input_values"][0]
        w2v.astype("<f4").tofile(d / f"{stem}.wav2vec2.f32")
        entry["wav2vec2"] = f"{stem}.wav2vec2.f32"
        for mels in (80, 128):
            fe = tf.WhisperFeatureExtractor(feature_size=mels)
            # transformers has two paths: numpy (float64 STFT, its reference implementation)
            # and torch (float32 torch.stft, used when torch is installed). They differ by
            # ~2e-5 from float32 rounding in torch's FFT; both are kept.
            padded = np.pad(x, (0, fe.n_samples - len(x)))[None, :]
            paths = {
                "np": fe._np_extract_fbank_features(padded, "cpu")[0],
                "torch": fe(x, sampling_rate=16000, return_tensors="np")["input_features"][0],
            }
            assert np.array_equal(paths["torch"], fe._torch_extract_fbank_features(padded)[0])
            keep = min(3000, len(x) // 160 + 8)
            entry[f"whisper{mels}"] = {"frames_kept": keep,
                                       "torch_vs_np": float(np.abs(paths["torch"] - paths["np"]).max())}
            for path, f in paths.items():
                # Frames past the clip are the floor value: keep the first ones, and that value.
                assert np.all(f[:, keep:] == f[:, keep:].flat[0])
                name = f"{stem}.whisper{mels}.{path}.f32"
                np.ascontiguousarray(f[:, :keep]).astype("<f4").tofile(d / name)
                entry[f"whisper{mels}"][path] = {"file": name, "floor": float(f[0, -1])}
        meta["clips"].append(entry)
    meta["transformers"] = tf.__version__
    meta["torch"] = torch.__version__
    (d / "features.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"features: {len(meta['clips'])} clips")


def formats():
    """A demo clip as FLAC, MP3, OGG/Vorbis and M4A/AAC, and ffmpeg's decodes of the lossy ones."""
    d = OUT / "formats"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    src = ROOT / "suites/demo/audio/demo-0001.wav"
    encoders = {
        "flac": ["-c:a", "flac"],
        "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
        "ogg": ["-c:a", "libvorbis", "-q:a", "3"],
        "m4a": ["-c:a", "aac", "-b:a", "64k"],
        # No Opus decoder in symphonia: this one must be refused, naming the file.
        "opus.ogg": ["-c:a", "libopus", "-b:a", "16k"],
    }
    for ext, args in encoders.items():
        out = d / f"demo-0001.{ext}"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-map_metadata", "-1",
                        "-fflags", "+bitexact", "-flags:a", "+bitexact", *args, str(out)], check=True)
        if ext in ("mp3", "ogg", "m4a"):
            ref = d / f"demo-0001.{ext}.ffmpeg.f32"
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(out), "-f", "f32le", "-ac", "1",
                            str(ref)], check=True)
    ver = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]
    (d / "ENCODER.txt").write_text(f"made by scripts/hf/make_fixtures.py with {ver}\n")
    print("formats: flac mp3 ogg m4a opus.ogg")


if __name__ == "__main__":
    if sys.argv[1:] == ["features"]:
        features()
    elif sys.argv[1:] == ["formats"]:
        formats()
    else:
        main()
