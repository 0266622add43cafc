# One command each: `make demo` (the flight-delay demo), `make test` (the whole suite).
# Both build the environment from scratch when it is missing: venv, pinned packages,
# Flink's Kafka connector jars and the local broker binary (python -m streamscore.vendor).
# `make test` also needs a browser for the report test: Debian's chromium, installed when missing.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready

.PHONY: setup demo test browser clean

$(READY): pyproject.toml src/streamscore/vendor.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m streamscore.vendor
	touch $@

setup: $(READY)

demo: $(READY)
	$(BIN)/streamscore demo

browser:
	@command -v chromium >/dev/null || { echo "installing Debian's chromium (the report test renders in it)"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(READY) browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build data .streamscore
