# Wegwijzer: the working vocabulary. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AXE    := .cache/axe/node_modules/axe-core/axe.min.js

.PHONY: install run test lint typecheck locales extract-messages bench clean axe

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Compile the translation catalogs (bot/locales/<lang>/LC_MESSAGES/messages.po → .mo).
locales: install
	@if ls bot/locales/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile --statistics -d bot/locales -D messages; fi

## Collect every translatable text (code and tree) into messages.pot and update each catalog.
extract-messages: install
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -o bot/locales/messages.pot bot
	@if ls bot/locales/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel update --no-fuzzy-matching -i bot/locales/messages.pot -d bot/locales -D messages; fi

## Install, migrate the SQLite database in var/, and serve on http://127.0.0.1:8080/.
run: locales
	$(BIN)/wegwijzer db upgrade
	$(BIN)/wegwijzer serve

lint: install
	$(BIN)/ruff check bot storage tests bench
	$(BIN)/ruff format --check bot storage tests bench

typecheck: install
	$(BIN)/mypy

## Install, lint, type-check and run every test (needs PostgreSQL on 127.0.0.1:5432, see README).
test: locales lint typecheck $(AXE)
	$(BIN)/pytest -q

## axe-core for the web chat's accessibility test, from the npm registry (the browser tests need Chromium too).
$(AXE):
	npm install --no-save --no-audit --no-fund --prefix .cache/axe axe-core@4

axe: $(AXE)

bench: locales
	$(BIN)/python -m bench.engine_bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
