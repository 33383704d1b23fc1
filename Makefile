# Xinren — two commands: `make run`, `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: run test setup lint messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Python dependencies from the lock, then Xinren itself (editable, no re-resolution).
$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Front-end libraries (Bootstrap, htmx, ECharts) from the npm registry, exactly as locked.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

messages: $(VENV)/.installed
	$(BIN)/xinren compilemessages --ignore=.venv --ignore=node_modules --ignore=var >/dev/null

setup: $(VENV)/.installed node_modules/.installed messages

run: setup
	$(BIN)/xinren demo --if-empty
	$(BIN)/xinren serve --host $(HOST) --port $(PORT)

test: setup
	bash scripts/test.sh

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) node_modules test-artifacts
