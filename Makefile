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
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[bench]'
	@touch $(BENCH_STAMP)
bench: $(BENCH_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m bench

## Decoder fuzzing (issue 8): a million damaged frames per protocol through the real decoders,
## held to independent reference checks; prints the figures docs/RELIABILITY.md quotes
## (~23 min on 2 cores; FUZZ_INPUTS and FUZZ_JOBS to change; not part of make test).
FUZZ_INPUTS ?= 1000000
FUZZ_JOBS   ?= 2
.PHONY: fuzz
fuzz: $(STAMP)
	$(PY) -m reliability.fuzz --inputs $(FUZZ_INPUTS) --jobs $(FUZZ_JOBS)

## 24-hour soak (issue 8): a simulated day each of Datex, IntelliVue and Masimo through a pty
## into the real recorder at 40x, a fault every few minutes; checks crash, memory, recording and
## alarm log. Alongside: 100 off/on cycles per protocol (IRM_RELIABILITY=full pytest
## tests/test_reliability_serial.py). ~37 min on 2 cores; not part of make test.
SOAK_SPEED ?= 40
.PHONY: soak
soak: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m reliability.soak --speed $(SOAK_SPEED) --serial-tests
