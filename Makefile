# Wegwijzer: the working vocabulary. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AXE    := .cache/axe/node_modules/axe-core/axe.min.js
LOCK   := requirements.lock
# Dev tools, pinned here and installed into the venv only by the targets that use them (not runtime dependencies).
UV_VERSION        := 0.13.9
PIP_AUDIT_VERSION := 2.10.1

.PHONY: install run test test-fuzz test-faults lint typecheck locales compile-locales extract-messages bench clean axe lock audit

## Every dependency (runtime and the test extra) at the exact version and hashes of $(LOCK); then the project
## itself without dependencies. `pip check` fails when pyproject.toml asks for something the lock lacks.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check || { echo "$(LOCK) does not match pyproject.toml: run 'make lock'"; exit 1; }
	touch $(STAMP)

install: $(STAMP)

## Regenerate $(LOCK) from pyproject.toml (runtime + test extra, Python 3.11, with hashes), then install it.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 --universal --generate-hashes \
		--quiet -o $(LOCK)
	$(MAKE) install

# Can pip-audit's service be reached? A package index alone is not enough: it needs PyPI's JSON per version.
export AUDIT_PROBE := import json, urllib.request; \
	json.load(urllib.request.urlopen("https://pypi.org/pypi/pip/24.0/json", timeout=15))["vulnerabilities"]

## Known vulnerabilities in $(LOCK) (pip-audit, PyPI's advisory data). Not part of `make test`: it needs the
## advisory service; when that cannot be reached it says so and exits 0. Found vulnerabilities exit 1.
audit: install
	$(BIN)/python -m pip install --quiet 'pip-audit==$(PIP_AUDIT_VERSION)'
	@if $(BIN)/python -c "$$AUDIT_PROBE" >/dev/null 2>&1; then \
		$(BIN)/pip-audit --vulnerability-service pypi --requirement $(LOCK) --require-hashes --disable-pip \
			--progress-spinner off; \
	else \
		echo "make audit: PyPI's advisory data (https://pypi.org/pypi/NAME/VERSION/json) cannot be reached from here;"; \
		echo "make audit: NOTHING WAS CHECKED. Run it where it can be reached."; \
	fi

LANGUAGES := $(filter-out messages.pot,$(notdir $(wildcard bot/locales/*)))  # every catalog there
POT := bot/locales/messages.pot

## Compile the translation catalogs (bot/locales/<lang>/LC_MESSAGES/messages.po → .mo).
compile-locales: install
	@if ls bot/locales/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile --statistics -d bot/locales -D messages; fi

## After a change to a text: extract → update every catalog (a changed text turns fuzzy) → compile.
locales: extract-messages compile-locales

## Collect every translatable text (code, tree, directory, canned replies) into messages.pot; update each
## language's catalog (new texts empty, changed ones fuzzy: `make test` fails until they are translated).
extract-messages: install
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -o $(POT) bot
	@for lang in $(LANGUAGES); do \
		if [ -f bot/locales/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update --ignore-obsolete -i $(POT) -d bot/locales -D messages -l $$lang; \
		else \
			$(BIN)/pybabel init -i $(POT) -d bot/locales -D messages -l $$lang; fi; done

## Install, migrate the SQLite database in var/, and serve on http://127.0.0.1:8080/ (`make run PORT=8090`: on
## port 8090; without PORT the port setting, WEGWIJZER_PORT or config/default.toml, decides).
run: compile-locales
	$(BIN)/wegwijzer db upgrade
	$(BIN)/wegwijzer serve$(if $(PORT), --port $(PORT))

lint: install
	$(BIN)/ruff check bot storage tests bench
	$(BIN)/ruff format --check bot storage tests bench

typecheck: install
	$(BIN)/mypy

## Install, lint, type-check and run every test (needs PostgreSQL on 127.0.0.1:5432, see README).
test: compile-locales lint typecheck $(AXE)
	$(BIN)/pytest -q --ignore=tests/faults

## Only the hypothesis fuzz tests (webhook bodies, web-chat frames, console forms); `make test` runs them too.
test-fuzz: install
	$(BIN)/pytest -q tests/bot/channels/test_telegram_fuzz.py tests/bot/channels/test_web_fuzz.py \
		tests/console/test_console_fuzz.py

## The kill -9 fault harness (tests/faults/): `wegwijzer serve` killed and restarted 22 times under Telegram, web-chat
## and agent load, on SQLite and on PostgreSQL (127.0.0.1:5432); prints the counts (also in test-artifacts/faults-*.txt).
## About 6 minutes. WEGWIJZER_FAULT_KILLS=N for another number, WEGWIJZER_FAULT_SEED=S to repeat a run's randomness.
test-faults: compile-locales
	$(BIN)/pytest -q -s tests/faults

## axe-core for the web chat's accessibility test, from the npm registry (the browser tests need Chromium too).
$(AXE):
	npm install --no-save --no-audit --no-fund --prefix .cache/axe axe-core@4

axe: $(AXE)

bench: compile-locales
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
