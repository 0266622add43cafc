# One command each: `make demo` (the flight-delay demo), `make test` (the whole suite).
# Both build the environment from scratch when it is missing: venv, pinned packages, and with Maven
# (python -m streamscore.vendor): streamscore's JVM module (jvm/), Flink's Kafka connector and
# Apache Kafka itself (the local broker), all from Maven Central.
# `make test` also needs a browser for the report test: Debian's chromium, installed when missing.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
JVM    := $(VENV)/.jvm-ready
JAVA_SOURCES := $(shell find jvm -name '*.java' -o -name pom.xml)

.PHONY: setup demo test test-flink-corpus browser clean

$(READY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(JVM): $(READY) $(JAVA_SOURCES) src/streamscore/vendor.py
	$(BIN)/python -m streamscore.vendor
	touch $@

setup: $(READY) $(JVM)

demo: setup
	$(BIN)/streamscore demo

browser:
	@command -v chromium >/dev/null || { echo "installing Debian's chromium (the report test renders in it)"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: setup browser
	$(BIN)/python -m pytest

# Every replay case and function family on Flink too (the suite replays a sample; fingerprints keep the rest's
# expected rows Flink's): after a change to the Flink harness.
test-flink-corpus: setup
	$(BIN)/python -m pytest tests/test_replay_corpus.py tests/test_functions.py --flink-corpus all

clean:
	rm -rf $(VENV) build data .streamscore jvm/target jvm/kafka-broker/target jvm/sql-client/target jvm/k8s-schema/target
