# The two commands of the README. Both set everything up on a fresh machine and are idempotent.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
OUT ?= out/demo
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: demo test lint samples clean system-deps

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

demo: $(STAMP)
	PREFECT_HOME=$(CURDIR)/.prefect $(VENV)/bin/dossier process samples/batch --out $(OUT)
	@echo "打开 $(CURDIR)/$(OUT)/summary.html 查看批次汇总"

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Debian packages the tests need (CJK fonts to render test scans). Installed only when missing.
SYSTEM_FONTS := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
system-deps:
	@if [ ! -f $(SYSTEM_FONTS) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai >/dev/null; \
	  else echo "请先安装字体：sudo apt-get install fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai"; exit 1; fi; \
	fi

test: $(TEST_STAMP) system-deps lint
	PREFECT_HOME=$(CURDIR)/.prefect $(VENV)/bin/pytest

# Regenerates samples/batch and samples/truth.json (needs Debian's CJK fonts, see samples/README.md).
samples: $(TEST_STAMP) system-deps
	$(PY) samples/generate.py

clean:
	rm -rf $(VENV) out .prefect .pytest_cache .mypy_cache .ruff_cache
