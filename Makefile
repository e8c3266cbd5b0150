# Everything runs from .venv in the project root; `make install` creates it.
PYTHON ?= python3
VENV := .venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN := $(VENV)/bin

.PHONY: install services demo test bench clean

$(BIN)/newsclean: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/newsclean

# The main job on its embedded default: clean seeds/ and crawl the bundled offline demo site.
demo: install
	$(BIN)/newsclean demo -o data

# Servers and programs the tests run for real (Redis for the distributed crawl, Chromium for the report), from Debian's packages.
services:
	@command -v redis-server >/dev/null 2>&1 || { \
		echo "installing redis-server (Debian package)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium (Debian package; the report tests open the report in it headless)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

test: install services
	$(BIN)/pytest -q

bench: install
	$(BIN)/python benchmarks/clean_text.py
	$(BIN)/python benchmarks/extraction.py

clean:
	rm -rf $(VENV) data/seeds data/demo data/demo-requests.log data/state.sqlite*
