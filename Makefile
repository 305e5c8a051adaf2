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

.PHONY: help lab test unit execute exercises check-exercises my-work bench lint clean check schedule progress fidelity

help:
	@echo "make lab        start JupyterLab on http://127.0.0.1:$(PORT) at the welcome lesson"
	@echo "make test       unit, property and doctest tests + nbval over every notebook"
	@echo "make execute    re-run lessons and solutions in place (after changing them or labsupport)"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make my-work    copy the exercises into my-work/ (git-ignored) for your own answers"
	@echo "make bench      run the speed benchmarks in bench/"
	@echo "make check      before a workshop: is this machine ready? (environment check + one lesson run)"
	@echo "make schedule   write instructors/schedule.md and lessons.md from the lessons' metadata and checks"
	@echo "make progress DIR=...  class overview from learners' progress files (ARGS=--learners: per learner)"
	@echo "make fidelity   per upstream test file: cases ported, passing, not expressible"

# --- bootstrap: create the virtual environment once, reinstall when the pins change ---
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt pyproject.toml tools/jupyterlab-overrides.json
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@# no "Jupyter news" pop-up and no update checks: the lab works offline and stays quiet
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@cp tools/jupyterlab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
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
	$(BIN)/python tools/schedule.py --check
	$(BIN)/python tools/instructor_notes.py --check
	$(BIN)/python -m pytest tests labsupport notebooks solutions exercises \
	    --nbval --nbval-current-env --nbval-sanitize-with $(SANITIZE) --nbval-cell-timeout=120 \
	    -o timeout=900 -ra

unit: $(STAMP)
	$(BIN)/python -m pytest tests labsupport -m "not browser" -q

# --- authoring ---
execute: $(STAMP)
	@for nb in $(LESSONS) $(SOLUTIONS); do \
	    echo "executing $$nb"; \
	    LABSUPPORT_PROGRESS=off MPLBACKEND=Agg $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
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

# --- instructors ---
check: $(STAMP)
	@$(BIN)/python -c 'from labsupport.envcheck import check_environment; import sys; t = check_environment(show=False); print(t); sys.exit(0 if all(r["CHECK"] == "[ OK ]" for r in t) else "Some packages differ from the pins: run make clean, then make check again.")'
	@echo "running the welcome lesson top to bottom (a smoke test; nothing is saved) ..."
	@LABSUPPORT_PROGRESS=off MPLBACKEND=Agg $(BIN)/jupyter nbconvert --to notebook --execute --stdout \
	    --ExecutePreprocessor.timeout=120 notebooks/00_welcome.ipynb > /dev/null 2> .venv/check.log \
	    && echo "Ready: the environment matches the pins and a lesson runs. See you at the workshop." \
	    || { tail -20 .venv/check.log; echo "The welcome lesson did not run: send the lines above to your instructor."; exit 1; }

schedule: $(STAMP)
	$(BIN)/python tools/schedule.py --write
	$(BIN)/python tools/instructor_notes.py --write

progress: $(STAMP)
	@test -n "$(DIR)" || { echo "usage: make progress DIR=folder-with-learners-progress-files [ARGS=--learners]"; exit 2; }
	@$(BIN)/python -m labsupport.progress "$(DIR)" $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check labsupport tests tools bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-artifacts

# --- fidelity: upstream table tests (tests/upstream/README.md) ---
fidelity: $(STAMP)
	$(BIN)/python tools/fidelity.py
