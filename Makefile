# Mobility Concierge. `make run` to run it, `make test` to test it; see README.md.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Long steps say what they do, how long so far every 30 s, and how long they took.
TIMED := scripts/timed.sh
# The first working Python 3.10: on PATH, or under pyenv.
PYTHON310 := $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo $$p; break; }; done)

.PHONY: run run-scaled test test-fast shell train check-knowledge migrate reminders lint install lock audit clean

run: install train migrate ## install, train if needed, upgrade the database, serve everything
	$(PY) -m bot run

run-scaled: install train migrate ## the production profile on one machine: several Rasa and action servers behind nginx (needs PostgreSQL, Redis)
	$(PY) -m bot run --scaled

test: install ## the whole suite (what CI runs)
	$(PY) -m pytest

test-fast: install ## the fast tier: in-process tests on SQLite (actions on JSON trackers, steps, stores), under a minute
	$(PY) -m pytest -m fast -q

shell: install train migrate ## chat in the terminal with the real actions
	$(PY) -m bot shell

train: install ## check knowledge/, then train the model if config.yml, domain.yml or data/ changed
	@$(TIMED) "Model: training if config.yml, domain.yml or data/ changed (about 5 min when they did)" $(PY) -m bot train

check-knowledge: install ## check knowledge/ and list problems with file, line and field
	$(PY) -m bot check-knowledge

migrate: install ## upgrade the database schema
	@$(TIMED) "Database: upgrading the schema" $(PY) -m bot migrate

reminders: migrate ## queue booking reminders due now into the SMS outbox (run every few minutes, e.g. cron)
	$(PY) -m bot reminders

lint: install
	$(VENV)/bin/ruff check bot actions tests bench

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock requirements-dev.lock
	@if [ -z "$(PYTHON310)" ]; then \
		echo "Python 3.10 is required (Rasa 3.6 supports up to 3.10) and none was found."; \
		echo "Install it, e.g. 'sudo apt install python3.10 python3.10-venv' or 'pyenv install 3.10', then re-run make."; \
		exit 1; fi
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==24.0
	@# Every package pinned with its hashes: what is installed is exactly what was locked.
	@$(TIMED) "Dependencies: installing requirements.lock and requirements-dev.lock (first time: 4-6 min)" \
		$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock -r requirements-dev.lock
	@# Make the project importable from anywhere in the venv (bench scripts, tools).
	@$(PY) -c 'import site, pathlib; pathlib.Path(site.getsitepackages()[0], "concierge.pth").write_text("$(CURDIR)\n")'
	@touch $@

# pip-tools in a venv of its own (never in the project's), run against PyPI only: the hashes in the
# locks are PyPI's, which is where `make install` and the container image download from.
LOCKVENV := .lockvenv
PIP_COMPILE := PIP_CONFIG_FILE=/dev/null $(LOCKVENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links --resolver=backtracking

lock: ## re-pin requirements.lock and requirements-dev.lock (with hashes) after editing the .in files
	@test -x $(LOCKVENV)/bin/pip-audit || { $(PYTHON310) -m venv $(LOCKVENV) && \
		$(LOCKVENV)/bin/python -m pip install --quiet --disable-pip-version-check pip==24.0 pip-tools==7.6.2 pip-audit==2.10.1; }
	$(PIP_COMPILE) --output-file=requirements.lock requirements.in
	$(PIP_COMPILE) --output-file=requirements-dev.lock requirements-dev.in

audit: ## pip-audit the runtime lock (needs PyPI's or OSV's advisory service; see docs/security-audit.md)
	@test -x $(LOCKVENV)/bin/pip-audit || { $(PYTHON310) -m venv $(LOCKVENV) && \
		$(LOCKVENV)/bin/python -m pip install --quiet --disable-pip-version-check pip==24.0 pip-tools==7.6.2 pip-audit==2.10.1; }
	$(LOCKVENV)/bin/pip-audit --requirement requirements.lock --require-hashes --no-deps --disable-pip --progress-spinner off

clean:
	rm -rf models var .pytest_cache
