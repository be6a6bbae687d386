# The two quick-start commands: `make demo` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

demo: $(STAMP)
	$(BIN)/newsmon --data-dir data demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/crawl.py
	$(BIN)/python benchmarks/index.py
	$(BIN)/python benchmarks/search.py
	$(BIN)/python benchmarks/extraction.py
	$(BIN)/python benchmarks/topic.py
	$(BIN)/python benchmarks/reprints.py --import 20000 100000
	$(BIN)/python benchmarks/analyzers.py
	$(BIN)/python benchmarks/web.py 100000
	$(BIN)/python benchmarks/exports.py 20000
	$(BIN)/python benchmarks/workers.py
	$(BIN)/python benchmarks/server.py 20000 --no-crawl  # the crawl: workers.py, just above

$(STAMP): pyproject.toml $(wildcard indexer/locale/*/LC_MESSAGES/*.po)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# pip byte-compiles installed packages but not an editable one; where Python may not
	# write .pyc files itself (PYTHONDONTWRITEBYTECODE), a cold search compiled ours each time
	$(BIN)/python -m compileall -q crawler indexer search
	# the Russian messages: indexer/locale/*/LC_MESSAGES/newsmon.po compiled into .mo
	$(BIN)/python -m indexer.i18n
	touch $(STAMP)

clean:
	rm -rf $(VENV) data
