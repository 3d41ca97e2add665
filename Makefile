# Wegwijzer: the working vocabulary. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AXE    := .cache/axe/node_modules/axe-core/axe.min.js

.PHONY: install run test lint typecheck locales compile-locales extract-messages bench clean axe

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

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

## Install, migrate the SQLite database in var/, and serve on http://127.0.0.1:8080/.
run: compile-locales
	$(BIN)/wegwijzer db upgrade
	$(BIN)/wegwijzer serve

lint: install
	$(BIN)/ruff check bot storage tests bench
	$(BIN)/ruff format --check bot storage tests bench

typecheck: install
	$(BIN)/mypy

## Install, lint, type-check and run every test (needs PostgreSQL on 127.0.0.1:5432, see README).
test: compile-locales lint typecheck $(AXE)
	$(BIN)/pytest -q

## axe-core for the web chat's accessibility test, from the npm registry (the browser tests need Chromium too).
$(AXE):
	npm install --no-save --no-audit --no-fund --prefix .cache/axe axe-core@4

axe: $(AXE)

bench: compile-locales
	$(BIN)/python -m bench.engine_bench
	$(BIN)/python -m bench.crisis_bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
