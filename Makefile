# 政通 ZhengTong — the two commands: `make run` and `make test`.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo .venv-bootstrap/bin/uv)
PY := .venv/bin/python
export UV_PROJECT_ENVIRONMENT := .venv
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install pwa-build lint typecheck pytest worker web clean api-schema

$(UV):
	python3 -m venv .venv-bootstrap && .venv-bootstrap/bin/pip install -q uv

install: $(UV)
	$(UV) sync --frozen
	@mkdir -p var/static

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
	$(PY) manage.py seed_supervision --if-empty
	@echo "政通 is serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	@trap 'kill 0' EXIT; \
	($(PY) manage.py push_resume && $(PY) manage.py db_worker) & \
	$(PY) -m daphne -b $(HOST) -p $(PORT) backend.asgi:application

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	.venv/bin/lint-imports

typecheck: install
	$(PY) -m mypy

pytest: install
	ZT_FAST_PASSWORD_HASHER=1 $(PY) -m pytest

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
