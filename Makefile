# The two commands of the README, and the steps they need. Each target installs what it needs.
CARGO ?= cargo
# The Opus codec of robustness conditions, when pkg-config finds libopus (setup installs libopus-dev).
# Evaluated by the shell when a recipe runs, so after setup.
OPUS = $$(pkg-config --exists opus 2>/dev/null && echo --features opus)

.PHONY: demo test setup setup-test setup-gpu bench fuzz-smoke

## Run the whole job on the bundled demo suite and models; writes reports/demo/.
demo: setup
	$(CARGO) run --locked --quiet $(OPUS) -- demo

## Run every test (unit, integration, real-model, browser).
test: setup-test
	TONEBENCH_BROWSER_TESTS=1 $(CARGO) test --locked --workspace $(OPUS)

## Fetch ONNX Runtime into .ort/ and Silero VAD into .vad/ (from the PyPI onnxruntime and silero-vad wheels).
setup:
	bash scripts/setup.sh

## The GPU build of ONNX Runtime and the CUDA 13 / cuDNN 9 libraries of its CUDA provider, from PyPI, into .ort-gpu/
## (1.6 GB of wheels cached in ~/.cache/tonebench/gpu-wheels). tonebench then uses it; `tonebench doctor` tells what loads.
setup-gpu:
	bash scripts/setup-ort.sh --gpu

## setup, plus the Debian packages the tests use (headless Chromium, ffmpeg, libopus-dev) and MLflow 3.17.2 in ~/.cache/tonebench-py/mlflow.
setup-test:
	bash scripts/setup.sh --test
	bash scripts/setup-mlflow.sh || echo "mlflow could not be installed; the MLflow tests will say they are skipped"

## Criterion benchmarks of tonebench's hot paths.
bench: setup
	$(CARGO) bench --locked $(OPUS)

## Every cargo-fuzz target for 60 s over the seed corpus (needs nightly and cargo-fuzz; says so and
## does nothing without them). See docs/fuzzing.md.
fuzz-smoke:
	bash scripts/fuzz.sh smoke 60
