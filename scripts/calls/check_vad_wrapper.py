#!/usr/bin/env python3
"""Check calls_lib.vad_probs (numpy, used by reference.py) against silero-vad's own OnnxWrapper.

Needs torch and the silero-vad 6.2.3 package (pip install silero-vad==6.2.3, or unzip its wheel and
pass --package-dir), numpy, scipy, soundfile, onnxruntime. Prints max |dp| per call (0.0 expected).

    python scripts/calls/check_vad_wrapper.py [--package-dir DIR] [--calls call-01 call-06 call-13]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import calls_lib  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--package-dir", type=Path, help="folder holding silero_vad/ (an unzipped wheel)")
    ap.add_argument("--calls", nargs="+", default=["call-01", "call-06", "call-13"])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ravdess-dev")
    args = ap.parse_args()
    if args.package_dir:
        sys.path.insert(0, str(args.package_dir))
    import torch
    from silero_vad.utils_vad import OnnxWrapper

    graph = ROOT / ".vad" / "silero_vad.onnx"
    wrapper = OnnxWrapper(str(graph), force_onnx_cpu=True)
    session = calls_lib.vad_session(graph)
    calls = {c.id: c for c in calls_lib.build_calls(ROOT / "tests" / "fixtures" / "calls" / "plan.csv", args.data)}
    worst = 0.0
    for cid in args.calls:
        x = calls_lib.resample16k(calls[cid].samples)
        mine = calls_lib.vad_probs(session, x)
        ref = wrapper.audio_forward(torch.from_numpy(x), 16000).numpy()[0]
        wrapper.reset_states()
        loop = []
        for i in range(0, len(x), 512):
            chunk = torch.from_numpy(x[i:i + 512])
            if len(chunk) < 512:
                chunk = torch.nn.functional.pad(chunk, (0, 512 - len(chunk)))
            loop.append(wrapper(chunk, 16000).item())
        d = max(float(np.max(np.abs(mine - ref))), float(np.max(np.abs(mine - np.array(loop, np.float32)))))
        worst = max(worst, d)
        print(f"{cid}: {len(mine)} chunks, max |dp| vs audio_forward and the chunk loop = {d}")
    sys.exit(0 if worst == 0.0 else 1)


if __name__ == "__main__":
    main()
