# Two entry points: `make demo` (install + run the main job on the bundled samples)
# and `make test` (install + run the tests).  Both install into .venv/.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# The default database of every cnpolicy verb, so the README's examples run without --db.
DB ?= cnpolicy.duckdb
QUESTION ?= 哪些县市的人均应急避难场所面积目标是2.5平方米？

.PHONY: demo test install install-dev browser fixtures fonts clean fuzz

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[st,dev]'
	touch $@

# Bytecode written up front: a cold command then skips compiling the package's modules even
# where PYTHONDONTWRITEBYTECODE is set (as in many containers): ~0.2 CPU-s per command.
install: $(VENV)/.installed
	@$(BIN)/python -m compileall -q corpus extractors index queries pipeline >/dev/null
install-dev: $(VENV)/.installed-dev
	@$(BIN)/python -m compileall -q corpus extractors index queries pipeline >/dev/null

demo: install
	rm -f $(DB) $(DB).faiss $(DB).faiss.json
	$(BIN)/cnpolicy ingest corpus/samples --db $(DB) --workers 2
	$(BIN)/cnpolicy documents --db $(DB)
	$(BIN)/cnpolicy targets --db $(DB) --limit 30
	$(BIN)/cnpolicy compare "亿元GDP生产安全事故死亡率" --db $(DB) --plot samples_compare.png
	$(BIN)/cnpolicy ask "$(QUESTION)" --db $(DB)

test: install-dev browser
	$(BIN)/python -m pytest -n 2 tests

# Debian's chromium (and CJK fonts) for the web tests; skipped when already installed.
browser:
	@test -x /usr/bin/chromium && fc-list :lang=zh | grep -q . || \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk) || \
	  echo "chromium could not be installed: the browser tests will be skipped"

fixtures: install-dev
	$(BIN)/python scripts/make_fixtures.py

# Fuzzed ingest: FUZZ_CASES mutants of the fixtures (default 10,000), 30 s / 2 GB each.
fuzz: install
	FUZZ_CASES=$${FUZZ_CASES:-10000} $(BIN)/python bench/fuzz.py

# Optional: a CJK font so charts (compare --plot) and diff screenshots show Chinese labels.
fonts:
	apt-get update -q && apt-get install -y -q fonts-wqy-zenhei

clean:
	rm -rf $(VENV) *.duckdb
