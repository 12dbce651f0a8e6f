# The two commands: `make run` and `make test`. Both set everything up on a fresh clone.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export CASEDESK_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test lint install demo clean

$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/casedesk manage migrate --noinput -v 0
	$(BIN)/casedesk demo
	$(BIN)/casedesk serve --host 127.0.0.1 --port 8000

test: install
	$(BIN)/python scripts/test.py

lint: install
	$(BIN)/ruff check casedesk tests bench scripts
	$(BIN)/ruff format --check casedesk tests bench scripts
	$(BIN)/mypy casedesk
	$(BIN)/casedesk manage makemigrations --check --dry-run -v 1
	$(BIN)/python scripts/check_translations.py

clean:
	rm -rf $(VENV) var
