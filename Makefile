# clueextract — make demo | make test | make bench | make samples
# Everything installs into .venv from the package registries, pinned by requirements.lock (hashes).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAMP_EASYOCR := $(VENV)/.installed-easyocr
STAMP_BROWSER := $(VENV)/.installed-browser

.PHONY: demo test check lint bench fuzz eval samples system-deps lock

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] in ((3, 11), (3, 12)) else "clueextract needs Python 3.11 (3.12 works)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	PYTHON=$(BIN)/python scripts/install_system_deps.sh --ocr
	$(BIN)/clueextract models install
	$(BIN)/clueextract models verify
	touch $(STAMP)

demo: $(STAMP)
	rm -rf demo-case
	$(BIN)/clueextract scan samples_benign --case demo-case
	@echo
	@echo "Summary for experts: $(CURDIR)/demo-case/summary.md"
	@echo "Records for pipelines: $(CURDIR)/demo-case/clues.jsonl (schema: clueextract/schema/clues.schema.json)"

# The optional EasyOCR engine (PyTorch, ~6 GB) is installed for the tests so they really run.
$(STAMP_EASYOCR): $(STAMP) requirements-easyocr.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-easyocr.lock
	touch $(STAMP_EASYOCR)

# Chromium + ChromeDriver for the browser tests of clueextract serve (skipped, with the reason, without them)
$(STAMP_BROWSER): $(STAMP)
	scripts/install_system_deps.sh --browser
	touch $(STAMP_BROWSER)

test: $(STAMP_EASYOCR) $(STAMP_BROWSER) lint
	$(BIN)/python -m pytest -q

# The fast tier: no full-samples scan, no PyTorch, nothing marked slow (pyproject.toml markers).
check: $(STAMP) lint
	$(BIN)/python -m pytest -q -m "not scan and not torch and not slow"

# ruff and mypy with their settings in pyproject.toml (installed from requirements.lock; neither uses the network)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

# Every atheris harness in fuzz/ for FUZZ_SECONDS each; crashes land in fuzz/crashes/<harness>/
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/python fuzz/run.py

# Accuracy report, synthetic samples and the real set's tune/check parts side by side (benchmarks/eval.py,
# eval/real/README.md). Scans go to eval-case/, eval-real-tune/, eval-real-check/ and resume, so a rerun
# only reports. One part: make eval EVAL_PARTS=real-check
EVAL_PARTS ?= samples real-tune real-check
eval: $(STAMP)
	@set -e; for p in $(EVAL_PARTS); do case $$p in \
	  samples) $(BIN)/clueextract scan samples_benign --case eval-case --quiet ;; \
	  real-tune|real-check) $(BIN)/clueextract scan $$($(BIN)/python benchmarks/eval.py --list $$p) --case eval-$$p --quiet ;; \
	  *) echo "unknown EVAL_PARTS entry: $$p (samples, real-tune, real-check)" >&2; exit 2 ;; \
	esac; done
	$(BIN)/python benchmarks/eval.py --parts $(subst $(eval_space),$(eval_comma),$(strip $(EVAL_PARTS)))
eval_comma := ,
eval_space := $(subst ,, )

# Regenerate samples_benign/ (needs fonts and espeak-ng: make system-deps)
samples: $(STAMP)
	$(BIN)/python scripts/make_samples.py
	$(BIN)/python scripts/make_audio_samples.py
	$(BIN)/python scripts/make_video_samples.py

system-deps: $(STAMP)
	PYTHON=$(BIN)/python scripts/install_system_deps.sh --ocr --samples

# Re-pin dependencies after editing pyproject.toml (needs uv: pip install uv)
LOCK_OPTS := --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28
lock:
	uv pip compile pyproject.toml requirements-build.in --extra test $(LOCK_OPTS) -o requirements.lock
	uv pip compile pyproject.toml requirements-build.in --extra test --extra easyocr $(LOCK_OPTS) -o requirements-easyocr.lock
