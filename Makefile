# Two commands to start: `make lab` and `make test`. Everything else is for authors and instructors.
# Needs only Python >= 3.11, make and git: the first run creates .venv and installs the pinned requirements.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888
LESSONS   := $(wildcard notebooks/*.ipynb)
SOLUTIONS := $(wildcard solutions/*.ipynb)
SANITIZE  := tests/nbval_sanitize.cfg

.PHONY: help lab test unit execute exercises check-exercises my-work bench lint clean fuzz

help:
	@echo "make lab        start JupyterLab on http://127.0.0.1:$(PORT) at the welcome lesson"
	@echo "make test       unit, property and doctest tests + nbval over every notebook"
	@echo "make execute    re-run lessons and solutions in place (after changing them or labsupport)"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make my-work    copy the exercises into my-work/ (git-ignored) for your own answers"
	@echo "make bench      run the speed benchmarks in bench/"
	@echo "make fuzz       >= 20,000 fuzzed inputs per simulator (random seed; minutes)"

# --- bootstrap: create the virtual environment once, reinstall when the pins change ---
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@# no "Jupyter news" pop-up and no update checks: the lab works offline and stays quiet
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@echo '{"@jupyterlab/apputils-extension:notification": {"checkForUpdates": false, "fetchNews": "false"}}' \
	    > $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)

# --- the two commands ---
lab: $(STAMP)
	@token="$${JUPYTER_TOKEN:-$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(16))')}"; \
	echo ""; \
	echo "  JupyterLab (127.0.0.1 only). Open this URL in your browser:"; \
	echo "  http://127.0.0.1:$(PORT)/lab/tree/notebooks/00_welcome.ipynb?token=$$token"; \
	echo ""; \
	exec $(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) --port-retries=0 --no-browser \
	    --IdentityProvider.token="$$token" \
	    --LabApp.default_url=/lab/tree/notebooks/00_welcome.ipynb $(if $(filter 0,$(shell id -u)),--allow-root,)

test: $(STAMP)
	$(BIN)/python tools/make_exercises.py --check
	$(BIN)/python -m pytest tests labsupport notebooks solutions exercises \
	    --nbval --nbval-current-env --nbval-sanitize-with $(SANITIZE) --nbval-cell-timeout=120 \
	    -o timeout=900 -ra

unit: $(STAMP)
	$(BIN)/python -m pytest tests labsupport -m "not browser" -q

# --- authoring ---
execute: $(STAMP)
	@for nb in $(LESSONS) $(SOLUTIONS); do \
	    echo "executing $$nb"; \
	    MPLBACKEND=Agg $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	        --ExecutePreprocessor.timeout=300 --ExecutePreprocessor.kernel_name=python3 "$$nb" || exit 1; \
	done
	$(BIN)/python tools/normalize_notebooks.py $(LESSONS) $(SOLUTIONS)

exercises: $(STAMP)
	$(BIN)/python tools/make_exercises.py

my-work: $(STAMP)
	@mkdir -p my-work
	@for nb in exercises/*.ipynb; do \
	    if [ -e "my-work/$$(basename $$nb)" ]; then echo "kept    my-work/$$(basename $$nb) (yours)"; \
	    else cp "$$nb" my-work/ && echo "copied  my-work/$$(basename $$nb)"; fi; \
	done

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python "$$b" || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check labsupport tests tools bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-artifacts

# --- fuzzing (issue 10): >= 20,000 hostile inputs per simulator; `make test` runs a fixed-seed profile ---
FUZZ_K8S_EXAMPLES   ?= 6700
FUZZ_MESOS_EXAMPLES ?= 6700
fuzz: $(STAMP)
	FUZZ_SEED=$${FUZZ_SEED:-random} FUZZ_MIN_INPUTS=20000 FUZZ_K8S_EXAMPLES=$(FUZZ_K8S_EXAMPLES) \
	FUZZ_MESOS_EXAMPLES=$(FUZZ_MESOS_EXAMPLES) $(BIN)/python -m pytest tests/fuzz -q -o timeout=0 --durations=0
