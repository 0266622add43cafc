# One command each: `make demo` (the flight-delay demo), `make test` (the whole suite).
# Both build the environment from scratch when it is missing: venv, pinned packages,
# Flink's Kafka connector jars and the local broker binary (python -m streamscore.vendor).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready

.PHONY: setup demo test bench clean

$(READY): pyproject.toml src/streamscore/vendor.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m streamscore.vendor
	touch $@

setup: $(READY)

demo: $(READY)
	$(BIN)/streamscore demo

test: $(READY)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build data .streamscore
