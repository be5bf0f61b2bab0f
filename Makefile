# Two commands a new user needs: `make run` and `make test`. Both build .venv on first use,
# from the locked versions in requirements/test.txt (docs/install.md, "Dependencies").
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LOCK   := requirements/test.txt

.PHONY: run test sim clean

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: install python3.11 and run make again.")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@sh scripts/ensure-qt-libs.sh $(PY) offscreen
	@touch $(STAMP)

## Open the dashboard on the built-in simulated monitor (ketamine-typical scenario).
run: $(STAMP)
	@sh scripts/ensure-qt-libs.sh $(PY) display
	$(VENV)/bin/infusion-monitor live --port sim:ketamine-typical --protocol datex

## Run the whole test suite headless. Two workers (pytest-xdist), each taking whole files: most
## tests wait on real time (a simulated session, a broker outage), so two run in the time of one.
test: $(STAMP)
	@sh scripts/ensure-test-tools.sh
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n 2 --dist loadfile

## Start the simulator on a pseudo-terminal (QA): prints the port path to open.
sim: $(STAMP)
	$(VENV)/bin/infusion-sim --protocol datex --scenario ketamine-typical --pty

clean:
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .hypothesis build dist *.egg-info

## Refresh the lock files (requirements/*.txt, with hashes) from pyproject.toml. Keeps the
## versions already locked unless pyproject.toml rules them out; `make lock UPGRADE=1` moves
## everything to the newest versions pyproject.toml allows. Adding a dependency: add it to
## pyproject.toml, then `make lock` (docs/install.md, "Dependencies").
UV_VERSION := 0.13.9
LOCK_VENV  := .venv-lock
UV         := $(LOCK_VENV)/bin/uv
LOCK_FLAGS := --quiet --universal --python-version 3.11 --generate-hashes --custom-compile-command 'make lock' \
              $(if $(UPGRADE),--upgrade)
.PHONY: lock
$(UV):
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet uv==$(UV_VERSION)
lock: $(UV)
	$(UV) pip compile pyproject.toml $(LOCK_FLAGS) --extra test -o requirements/test.txt
	$(UV) pip compile pyproject.toml $(LOCK_FLAGS) -c requirements/test.txt -o requirements/runtime.txt
	$(UV) pip compile pyproject.toml $(LOCK_FLAGS) -c requirements/test.txt --extra bundle -o requirements/bundle.txt

## The wheel (and source archive) in dist/, for `pip install` or `pipx install` (docs/install.md).
.PHONY: wheel
wheel: $(STAMP)
	$(PY) -m build --no-isolation --outdir dist .

## The desktop bundle: a one-folder application in dist/infusion-monitor/ that needs no Python
## (PyInstaller; packaging/infusion-monitor.spec). Not part of make test: a few minutes.
BUNDLE_STAMP := $(VENV)/.bundle-installed
$(BUNDLE_STAMP): $(STAMP) requirements/bundle.txt
	$(PY) -m pip install --quiet --require-hashes -r requirements/bundle.txt
	@touch $(BUNDLE_STAMP)
.PHONY: bundle bundle-check
bundle: $(BUNDLE_STAMP)
	$(PY) -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/infusion-monitor.spec
## Runs the bundled record and infusion-sim, and opens the bundled review offscreen.
bundle-check:
	sh scripts/bundle-check.sh dist/infusion-monitor

## The application menu entry and icon for this user (XDG folders; `make uninstall-desktop`).
.PHONY: install-desktop uninstall-desktop
install-desktop: $(STAMP)
	sh scripts/install-desktop.sh install $(abspath $(VENV)/bin/infusion-monitor)
uninstall-desktop:
	sh scripts/install-desktop.sh uninstall

## Benchmarks (issues 7 and 15): decode speed (cold and warm caches), latency and CPU an hour into a
## session, memory, start-up, review and export, and the room with 1, 4 and 8 chairs (a real-time hour of
## eight chairs among them), against their targets; prints one table and writes docs/BENCHMARKS.md
## (about 2 hours on 2 cores; not part of make test).
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
## Then the room's soak (issue 15): the room dashboard with 4 chairs, 2 hours at real time, offscreen,
## RSS, CPU, threads and files sampled (`make soak-room` alone). All of it: about 2 h 40 min.
SOAK_SPEED ?= 40
SOAK_ROOM_HOURS ?= 2
.PHONY: soak soak-room
soak: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m reliability.soak --speed $(SOAK_SPEED) --serial-tests
	QT_QPA_PLATFORM=offscreen $(PY) -m reliability.room_soak --hours $(SOAK_ROOM_HOURS)
soak-room: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m reliability.room_soak --hours $(SOAK_ROOM_HOURS)
