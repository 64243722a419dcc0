"""Independent check of `tonebench perturb` noise levels with numpy/scipy.

For every WAV under PERTURBED/audio, reads the clean clip under CLEAN_AUDIO_ROOT (same relative
path; integer PCM scaled by 1/2^(bits-1), channels averaged, as tonebench decodes), and prints the
SNR 10*log10(sum(clean^2) / sum((perturbed - clean)^2)) over the whole clip, and the worst
deviation from TARGET_DB.

    python3 scripts/perturb/check_snr.py suites/demo/audio out/white-0db 0
"""

import pathlib
import sys

import numpy as np
from scipy.io import wavfile


def read(path):
    rate, x = wavfile.read(path)
    if x.dtype.kind == "i":
        x = x.astype(np.float64) / float(2 ** (8 * x.dtype.itemsize - 1))
    elif x.dtype.kind == "u":
        x = (x.astype(np.float64) - 128.0) / 128.0
    else:
        x = x.astype(np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)
    return rate, x


def main():
    clean_root, perturbed, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), float(sys.argv[3])
    worst, n = 0.0, 0
    for p in sorted((perturbed / "audio").rglob("*.wav")):
        rate_c, x = read(clean_root / p.relative_to(perturbed / "audio"))
        rate_p, y = read(p)
        assert rate_c == rate_p and len(x) == len(y), p
        # tonebench adds the noise in f32: compare against the clean clip rounded to f32 too.
        x = x.astype(np.float32).astype(np.float64)
        snr = 10 * np.log10(np.sum(x * x) / np.sum((y - x) ** 2))
        worst = max(worst, abs(snr - target))
        n += 1
    print(f"{perturbed.name}: {n} clips, target {target} dB, max |SNR - target| = {worst:.2e} dB")


main()
