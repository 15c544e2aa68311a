# The two commands of the README. Both set everything up on a fresh machine and are idempotent.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The second OCR engine lives in its own environment: paddlex pins another OpenCV build.
PADDLE_VENV := .venv-paddle
PADDLE_STAMP := $(PADDLE_VENV)/.installed
OUT ?= out/demo
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: demo test lint samples clean system-deps paddle

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

$(PADDLE_STAMP): pyproject.toml
	$(PYTHON) -m venv $(PADDLE_VENV)
	$(PADDLE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PADDLE_VENV)/bin/python -m pip install --quiet -e '.[paddle,test]'
	touch $@

paddle: $(PADDLE_STAMP)

demo: $(STAMP)
	PREFECT_HOME=$(CURDIR)/.prefect $(VENV)/bin/dossier process samples/batch --out $(OUT)
	@echo "打开 $(CURDIR)/$(OUT)/summary.html 查看批次汇总"

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Debian packages the tests need, installed only when missing: CJK fonts to render test scans,
# PostgreSQL's server, which tests/store starts as a throwaway instance (as user postgres), and
# Chromium, which renders the reports and drives the web desk in the browser tests.
SYSTEM_FONTS := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
FONT_PACKAGES := fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai
system-deps:
	@missing=""; \
	[ -f $(SYSTEM_FONTS) ] || missing="$$missing $(FONT_PACKAGES)"; \
	ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "请先安装：sudo apt-get install$$missing"; exit 1; fi; \
	fi

test: $(TEST_STAMP) $(PADDLE_STAMP) system-deps lint
	PREFECT_HOME=$(CURDIR)/.prefect $(VENV)/bin/pytest --ignore=tests/paddle
	PREFECT_HOME=$(CURDIR)/.prefect $(PADDLE_VENV)/bin/pytest tests/paddle

# Regenerates samples/batch and samples/truth.json (needs Debian's CJK fonts, see samples/README.md).
samples: $(TEST_STAMP) system-deps
	$(PY) samples/generate.py

clean:
	rm -rf $(VENV) $(PADDLE_VENV) out .prefect .pytest_cache .mypy_cache .ruff_cache
