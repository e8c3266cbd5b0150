# Everything runs from .venv in the project root; `make install` creates it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test bench clean

$(BIN)/newsclean: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/newsclean

# The main job on its embedded default: clean seeds/ and crawl the bundled offline demo site.
demo: install
	$(BIN)/newsclean demo -o data

test: install
	$(BIN)/pytest -q

bench: install
	$(BIN)/python benchmarks/clean_text.py

clean:
	rm -rf $(VENV) data/seeds data/demo
