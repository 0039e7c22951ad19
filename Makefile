# isf — set-up, demo, tests and benchmarks. Needs CPython 3.11, 3.12, 3.13 or 3.14 (the versions the
# pinned NEURON 9.0.2 ships wheels for), make and a C compiler.
#
# The interpreter: PYTHON=/path/to/python3.X if given, else the oldest supported CPython found as
# python3.X on PATH or installed by pyenv. Its venv is VENV (.venv by default).
SUPPORTED_PYTHONS := 3.11 3.12 3.13 3.14
# "X.Y /path X.Y /path ...": every supported CPython found, oldest first
FOUND_PYTHONS := $(shell sh scripts/find_python.sh $(SUPPORTED_PYTHONS))
ifndef PYTHON
PYTHON := $(word 2,$(FOUND_PYTHONS))
endif
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.isf-installed
NO_PYTHON := isf needs one of CPython $(SUPPORTED_PYTHONS) (the versions NEURON 9.0.2 ships wheels for), \
	but found none as python3.X on PATH or in pyenv. Install one, or run e.g. make PYTHON=/path/to/python3.12

.PHONY: demo test test-fast test-all test-newest typecheck bench mechanisms dist notebooks docs clean

$(STAMP): pyproject.toml requirements.lock
	@test -n "$(PYTHON)" || { echo "$(NO_PYTHON)" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(0 if sys.implementation.name == "cpython" and v in "$(SUPPORTED_PYTHONS)".split() else "isf needs one of CPython $(SUPPORTED_PYTHONS), but PYTHON=$(PYTHON) is " + sys.implementation.name + " " + v)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

mechanisms: $(STAMP)
	$(BIN)/isf mechanisms compile

demo: mechanisms
	$(BIN)/python tutorials/01_quickstart.py --out out/quickstart

typecheck: $(STAMP)
	$(BIN)/mypy

test: mechanisms typecheck
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

test-fast: mechanisms
	$(BIN)/python -m pytest -n 2 --dist loadfile -q -m "not slow"

# `make test` under every supported CPython found, each in its own venv (.venv-X.Y; PYTHON's is VENV)
test-all:
	@test -n "$(FOUND_PYTHONS)" || { echo "$(NO_PYTHON)" >&2; exit 1; }
	@set -e; set -- $(FOUND_PYTHONS); while [ $$# -gt 0 ]; do \
	    if [ "$$2" = "$(PYTHON)" ]; then venv=$(VENV); else venv=.venv-$$1; fi; \
	    echo "=== make test with Python $$1 ($$2, $$venv)"; \
	    $(MAKE) --no-print-directory test PYTHON=$$2 VENV=$$venv; shift 2; \
	done

# `make test` under the newest supported CPython found (CI runs `make test`, then this)
test-newest:
	@test -n "$(FOUND_PYTHONS)" || { echo "$(NO_PYTHON)" >&2; exit 1; }
	@set -- $(FOUND_PYTHONS); while [ $$# -gt 2 ]; do shift 2; done; \
	if [ "$$2" = "$(PYTHON)" ]; then echo "newest supported Python found is PYTHON ($$1): run make test"; exit 0; fi; \
	echo "=== make test with Python $$1 ($$2, .venv-$$1)"; \
	$(MAKE) --no-print-directory test PYTHON=$$2 VENV=.venv-$$1

# sdist and wheel in dist/ (the wheel is built from the sdist, so both carry the .mod files)
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

# tutorials/*.ipynb from the jupytext scripts next to them (run after editing a tutorial; a test checks)
notebooks: $(STAMP)
	$(BIN)/python scripts/notebooks.py sync

# the docs site in site/: the notebooks executed with their small sizes (figures), the guides, the API reference
docs: mechanisms
	$(BIN)/python scripts/notebooks.py execute build/notebooks/tutorials
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

bench: mechanisms
	$(BIN)/python benchmarks/step_currents.py
	$(BIN)/python benchmarks/network_trials.py --trials 8 --seed 1
	$(BIN)/python benchmarks/activities.py --reps 3
	$(BIN)/python benchmarks/hay_evaluation.py --rows 0
	$(BIN)/python benchmarks/embedding.py
	$(BIN)/python benchmarks/synapse_tuner.py
	$(BIN)/python benchmarks/plot_many_traces.py
	@echo "export benchmark: a 20-trial C2 run (the issue asks for 200: python benchmarks/export.py --trials 200)"
	$(BIN)/python benchmarks/export.py --trials 20
	@echo "study benchmark: 4 conditions x 300 trials (the issue asks for 10 x 1800, ~10 GB of data uncompressed, ~2.5 GB on disk: python benchmarks/study_scale.py --conditions 10 --trials-per-condition 1800)"
	$(BIN)/python benchmarks/study_scale.py --conditions 4 --trials-per-condition 300
	$(BIN)/python benchmarks/whisker_tuning.py --trials 4 --seed 1 --workers 2
	$(BIN)/python benchmarks/store_faults.py --trials 30 --kills 30 --rounds 3
	@echo "reduced-model benchmark: 6 simulated trials (the issue asks for 200+: python benchmarks/reduced_model.py --trials 210)"
	$(BIN)/python benchmarks/reduced_model.py --trials 6 --binning-trials 300

clean:
	rm -rf $(VENV) .venv-3.* out build dist site *.egg-info .pytest_cache .hypothesis
