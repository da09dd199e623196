# 政通 ZhengTong — the two commands: `make run` and `make test`.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo .venv-bootstrap/bin/uv)
PY := .venv/bin/python
export UV_PROJECT_ENVIRONMENT := .venv
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest runs its files on this many processes (each with its own test database and servers).
PYTEST_WORKERS ?= auto

.PHONY: run test install system-libs pwa-build lint typecheck pytest worker web clean api-schema audit-deps

$(UV):
	python3 -m venv .venv-bootstrap && .venv-bootstrap/bin/pip install -q uv

install: $(UV) pwa/node_modules system-libs
	$(UV) sync --frozen
	@mkdir -p var/static

# WeasyPrint (the 公文 layout) needs Pango from the system: installed here when missing and root.
system-libs:
	@ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null; \
	  else echo "Install Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)"; exit 1; fi; }

# pwa/node_modules also holds the 公文 layout's freely licensed CJK fonts (Noto Serif SC / Noto Sans SC,
# whole TTF files: @expo-google-fonts/*; backend/documents/layout/fonts.py). A unit's own: ZT_DOCUMENT_FONTS_DIR.
pwa/node_modules: pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	@touch pwa/node_modules

pwa-build: pwa/node_modules
	cd pwa && npm run build

# Embedded default: SQLite, in-memory channel layer, filesystem uploads.
run: install pwa-build
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py seed_approvals --if-empty
	$(PY) manage.py seed_documents --if-empty
	$(PY) manage.py seed_supervision --if-empty
	@echo "政通 is serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	@trap 'kill 0' EXIT; \
	($(PY) manage.py push_resume && $(PY) manage.py db_worker) & \
	$(PY) -m daphne -b $(HOST) -p $(PORT) backend.asgi:application

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	.venv/bin/lint-imports
	$(PY) -m bandit -q -c pyproject.toml -r backend realtime mobile_api push

# Known vulnerabilities in the locked dependencies (PyPI advisory data). Not part
# of `make test`: this machine and CI reach PyPI's simple index but not its
# per-version JSON (pip-audit's source) nor OSV, so every package is "not found"
# and the check would be empty. --strict makes that a failure instead of a pass.
audit-deps: install
	$(UV) export --frozen --no-hashes --format requirements-txt > var/requirements-audit.txt
	.venv/bin/pip-audit --strict --progress-spinner off -r var/requirements-audit.txt

typecheck: install
	$(PY) -m mypy

pytest: install
	ZT_FAST_PASSWORD_HASHER=1 $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile

test: lint typecheck pwa-test pytest

pwa-test: pwa/node_modules
	cd pwa && npm run check:api && npm run lint && npm run typecheck && npm test && npm run build

# The REST + WebSocket contract the PWA generates its types from (pwa/src/api/schema.d.ts):
# change a serializer or a realtime.event_types model → `make api-schema` → `cd pwa && npm run gen:api`.
api-schema: install
	$(PY) manage.py spectacular --format openapi-json --validate --fail-on-warn --file pwa/openapi.json
	@echo "pwa/openapi.json written; now: cd pwa && npm run gen:api"

clean:
	rm -rf var/*.sqlite3 var/media var/static
