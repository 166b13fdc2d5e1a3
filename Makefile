# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Each creates .venv when it is absent and installs the package with the extras it needs,
# pinned by constraints.txt so that every machine resolves the same versions.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SHARED ?= ../shared
DEMO   ?= demo-out

.PHONY: demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24,<27"

$(VENV)/.stamp-base: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[report]'
	touch $@

$(VENV)/.stamp-test: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,train,report,intel,gateway,bench,spark,lab]'
	touch $@ $(VENV)/.stamp-base

demo: $(VENV)/.stamp-base
	bash scripts/demo.sh "$(BIN)" "$(DEMO)" "$(SHARED)"

test: $(VENV)/.stamp-test
	STILLWATCH_SHARED=$(abspath $(SHARED)) $(BIN)/python -m pytest

bench: $(VENV)/.stamp-test
	STILLWATCH_SHARED=$(abspath $(SHARED)) bash bench/run.sh "$(BIN)"

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
