#!/usr/bin/env bash
# Installs what tonebench needs on a fresh machine. Idempotent: a second run does nothing.
#   scripts/setup.sh          the Rust toolchain check, ONNX Runtime (into .ort/) and Silero VAD (into .vad/)
#   scripts/setup.sh --test   also the Debian packages the tests use (chromium; ffmpeg, which
#                             encodes a real clip as FLAC/MP3/OGG/M4A in tests/formats.rs;
#                             libopus-dev, which the `opus` feature links for codec = "opus"; slurm-wlm
#                             and munge, for the single-node Slurm cluster of tests/slurm.rs)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install Rust 1.95 or newer (https://rustup.rs)" >&2
  exit 1
fi

if [ -x scripts/setup-ort.sh ] || [ -f scripts/setup-ort.sh ]; then
  bash scripts/setup-ort.sh
fi

if [ -f scripts/setup-vad.sh ]; then
  bash scripts/setup-vad.sh
fi

if [ "${1:-}" = "--test" ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
  pkg-config --exists opus 2>/dev/null || missing+=(libopus-dev pkg-config)
  command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
  command -v munged >/dev/null 2>&1 || missing+=(munge)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing ${missing[*]} with apt-get"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "setup: ${missing[*]} not installed and apt-get unavailable; browser, ffmpeg, Opus and Slurm tests will be skipped" >&2
    fi
  fi
fi
