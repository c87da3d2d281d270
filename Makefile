# Two commands for a new user: `make run` (the whole system locally) and `make test`.
# Each creates the virtualenv in .venv and installs the pinned requirements first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt constraints.txt | cksum | cut -d' ' -f1)

.PHONY: help venv browser clients test lint run bench deploy destroy cost replay publish organiser clean

help:
	@echo "make run     start the whole system locally (moto + API + S3 event bridge)"
	@echo "make test    run every test"
	@echo "make lint    ruff, mypy, bandit, checkov (the template) and parliament (the IAM policies)"
	@echo "make bench   run the benchmarks and write docs/benchmarks.md"
	@echo "make cost    estimate the monthly AWS bill (ROWS=rows a day, REQUESTS=API requests a day)"

$(STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

# The schedule page's test drives Debian's chromium headless (never a downloaded browser).
# As root (CI) it is installed when missing; otherwise those tests say why they skip.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing and this is not root: the browser tests will be skipped (apt-get install chromium)"; \
	  fi; }

# The calendar clients the tests run (ical.js, node-ical), pinned by tests/clients/package-lock.json.
# npm ci installs exactly the lock file; REQUIRE_CLIENTS=1 makes their tests fail rather than skip.
CLIENTS := tests/clients/node_modules/.installed
$(CLIENTS): tests/clients/package.json tests/clients/package-lock.json
	cd tests/clients && npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

clients: $(CLIENTS)

test: $(STAMP) browser $(CLIENTS)
	REQUIRE_CLIENTS=1 $(BIN)/python -m pytest

# checkov (CloudFormation) and parliament (IAM policies) pin what they need, which clashes
# with the dev requirements: they live in a virtualenv of their own.
LINT_VENV := .venv-lint
LINT_TOOLS := checkov==3.3.30 parliament==1.6.4
LINT_STAMP := $(LINT_VENV)/.installed-$(shell echo "$(LINT_TOOLS)" | cksum | cut -d' ' -f1)
$(LINT_STAMP):
	@test -x $(LINT_VENV)/bin/python || $(PYTHON) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check $(LINT_TOOLS)
	@rm -f $(LINT_VENV)/.installed-*
	@touch $@

lint: $(STAMP) $(LINT_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/bandit -q -c pyproject.toml -r app.py chalicelib local infra
	$(LINT_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation -f infra/template.yaml
	@rm -rf build/policies && $(BIN)/python -m infra.policies build/policies
	$(LINT_VENV)/bin/parliament --directory build/policies --minimum_severity LOW < /dev/null

clean:
	rm -rf $(VENV) $(LINT_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis tests/clients/node_modules

run: $(STAMP)
	$(BIN)/python -m local.run

# make deploy STAGE=dev|prod [DRY_RUN=1] [ALARM_EMAIL=ops@example.org] [CDN=1] [XRAY=1] [ROWS=10000] [REQUESTS=100000]
deploy: $(STAMP)
	$(BIN)/python -m infra.deploy deploy --stage "$(STAGE)" $(if $(DRY_RUN),--dry-run) $(if $(ALARM_EMAIL),--alarm-email "$(ALARM_EMAIL)") $(if $(CDN),--cdn) $(if $(XRAY),--xray) $(if $(ROWS),--rows-per-day $(ROWS)) $(if $(REQUESTS),--requests-per-day $(REQUESTS))

# make replay STAGE=dev|prod [DRY_RUN=1]: process every upload's current version again (after a restore)
replay: $(STAMP)
	$(BIN)/python -m infra.replay --stage "$(STAGE)" $(if $(DRY_RUN),--dry-run)

# make publish DRAFT="day 1.csv" STAGE=dev|prod [NOTE="..."] (or BUCKET=... for make run's local stack)
publish: $(STAMP)
	$(BIN)/python -m infra.publish --draft "$(DRAFT)" $(if $(STAGE),--stage "$(STAGE)") $(if $(BUCKET),--bucket "$(BUCKET)") $(if $(NOTE),--note "$(NOTE)")

# make organiser EMAIL=ana@example.org ROLE=publisher|editor STAGE=dev|prod (or POOL=... for make run's local stack)
organiser: $(STAMP)
	$(BIN)/python -m infra.organisers --email "$(EMAIL)" --role "$(ROLE)" $(if $(STAGE),--stage "$(STAGE)") $(if $(POOL),--pool "$(POOL)")

# make cost [ROWS=10000] [REQUESTS=100000]: the monthly estimate, from the prices the README's table uses
cost: $(STAMP)
	$(BIN)/python -m infra.cost $(if $(ROWS),--rows-per-day $(ROWS)) $(if $(REQUESTS),--requests-per-day $(REQUESTS))

# make destroy STAGE=dev|prod [DELETE_DATA=1] [DRY_RUN=1]
destroy: $(STAMP)
	$(BIN)/python -m infra.deploy destroy --stage "$(STAGE)" $(if $(DRY_RUN),--dry-run) $(if $(DELETE_DATA),--delete-data)

BENCH_STAMP := $(VENV)/.bench-$(shell cat bench/requirements.txt | cksum | cut -d' ' -f1)
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt -c constraints.txt
	@touch $@

# Not part of `make test`: about half an hour on two cores. BENCH_ARGS=--quick checks the harness.
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)
