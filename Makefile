# isf — set-up, demo, tests and benchmarks. Needs Python 3.11, make and a C compiler.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.isf-installed

.PHONY: demo test test-fast typecheck bench mechanisms clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "isf needs Python 3.11, found " + sys.version.split()[0])'
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

bench: mechanisms
	$(BIN)/python benchmarks/step_currents.py
	$(BIN)/python benchmarks/network_trials.py --trials 8 --seed 1
	$(BIN)/python benchmarks/hay_evaluation.py --rows 0
	$(BIN)/python benchmarks/embedding.py
	$(BIN)/python benchmarks/synapse_tuner.py
	$(BIN)/python benchmarks/plot_many_traces.py

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache .hypothesis
