# Two commands a new user needs: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test sim clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: install python3.11 and run make again.")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@sh scripts/ensure-qt-libs.sh $(PY)
	@touch $(STAMP)

## Open the dashboard on the built-in simulated monitor (ketamine-typical scenario).
run: $(STAMP)
	$(VENV)/bin/infusion-monitor live --port sim:ketamine-typical --protocol datex

## Run the whole test suite headless.
test: $(STAMP)
	@sh scripts/ensure-test-tools.sh
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

## Start the simulator on a pseudo-terminal (QA): prints the port path to open.
sim: $(STAMP)
	$(VENV)/bin/infusion-sim --protocol datex --scenario ketamine-typical --pty

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info

## Benchmarks (issue 7): decode speed, latency, CPU, memory, start-up, review and export
## against their targets; prints one table and writes docs/BENCHMARKS.md (~12 min, not part of make test).
.PHONY: bench
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m bench
