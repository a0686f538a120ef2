# Gatehouse. The two set-up commands on a fresh machine with Go and Node.js:
#   make run    the whole local stack (API on http://127.0.0.1:8080, console at /console)
#   make test   every test, including end-to-end tests through the local stack
#               and the console's browser tests
#   make reset  the local stack from scratch (make run keeps its data in .local/)
# Each installs what it needs (Go modules, npm ci).

SHELL := /bin/bash
GO ?= go
STAGE ?= dev
FUNCTIONS := $(notdir $(wildcard functions/*))
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.7.0
GOFLAGS_LAMBDA := -tags lambda.norpc -trimpath -ldflags="-s -w"

.PHONY: run reset test test-go test-openapi test-infra test-browser chromium console deps generate build lint bench synth bootstrap deploy diff destroy clean

## deps: Go modules and the pinned npm tools (cognito-local), installed once.
deps: node_modules/.installed
	@$(GO) mod download

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## run: start the local stack (minidyn, cognito-local, API Gateway and Lambda emulation)
## with the web console at {apiUrl}/console; its data stays in .local/ between runs.
run: deps console
	$(GO) run ./cmd/gatehouse-local

## reset: forget the local stack's data (table, cognito-local's pool, outbox), then run.
reset:
	rm -rf "$${GATEHOUSE_DATA_DIR:-.local}"
	$(MAKE) run

## console: the web console (web/), built into web/dist from its lockfile.
WEB_SRC := $(shell find web/src web/index.html web/vite.config.ts web/tsconfig.json -type f 2>/dev/null)
console: web/dist/index.html

web/node_modules/.installed: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	@touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SRC)
	npm run build --prefix web

## test: unit, store, authorizer and end-to-end tests, the OpenAPI lint, the CDK stack
## tests, then the console's browser tests (Debian chromium; skipped loudly when missing).
test: test-go test-openapi test-infra test-browser

test-go: deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 15m ./...

## test-openapi: Redocly CLI (pinned in package.json) lints the OpenAPI document; errors fail.
## The console's API types (web/src/api/schema.d.ts) must be what the document generates.
test-openapi: deps web/node_modules/.installed
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true node_modules/.bin/redocly lint --config redocly.yaml shared/openapi/openapi.json
	node web/scripts/gen.mjs --check

## generate: the OpenAPI document (shared/openapi/openapi.json) and the typed Go
## client (client/) from the types the handlers decode and encode, and the console's
## API types (web/src/api/schema.d.ts). make test fails when any is not current.
generate: web/node_modules/.installed
	$(GO) run ./cmd/openapigen
	npm run gen --prefix web

test-infra: console
	cd infra && $(GO) test -count=1 ./...

test-browser: deps console chromium
	node web/test/browser.mjs

## chromium: Debian's chromium for the browser tests, installed when missing
## (as root, or with passwordless sudo); otherwise the browser tests say loudly
## that they were skipped.
chromium:
	@if [ -z "$$CHROMIUM" ] && ! [ -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi; \
		if [ "$$SUDO" != none ]; then \
			echo "installing Debian's chromium for the browser tests"; \
			$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		fi; \
	fi

## build: one stripped linux/arm64 `bootstrap` per function, in build/<name>/.
build:
	@for fn in $(FUNCTIONS); do \
		echo "build/$$fn/bootstrap"; \
		CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(GOFLAGS_LAMBDA) -o build/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done

## bench: every performance budget as ratios against same-run baselines (docs/performance.md).
bench: deps build
	cd bench && $(GO) run ./cmd/benchreport -root .. -count 3 -strict -write ../docs/performance.md

## lint: gofmt on every tracked Go file; go vet and staticcheck on every
## module (root, infra, bench); fails when go mod tidy would change a module.
MODULES := . infra bench
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	@for m in $(MODULES); do \
		echo "lint $$m: go vet, staticcheck, go mod tidy -diff"; \
		(cd $$m && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./... && $(GO) mod tidy -diff) || exit 1; \
	done

## synth / deploy / destroy: the CDK app in infra/ (deploy needs AWS credentials).
CDK_CONTEXT ?=
CDK_FLAGS ?=
CDK := infra/_tools/node_modules/.bin/cdk
CDK_STAMP := infra/_tools/node_modules/.package-lock.json

$(CDK_STAMP): infra/_tools/package.json infra/_tools/package-lock.json
	npm ci --prefix infra/_tools --no-audit --no-fund

synth: build
	cd infra && $(GO) run . -c stage=$(STAGE) $(CDK_CONTEXT)

bootstrap: build $(CDK_STAMP)
	$(CDK) bootstrap -c stage=$(STAGE) $(CDK_CONTEXT)

deploy: build $(CDK_STAMP)
	$(CDK) deploy Gatehouse-$(STAGE) -c stage=$(STAGE) $(CDK_CONTEXT) $(if $(EMAIL_FROM),--parameters EmailFrom=$(EMAIL_FROM)) $(CDK_FLAGS)

diff: build $(CDK_STAMP)
	$(CDK) diff Gatehouse-$(STAGE) -c stage=$(STAGE) $(CDK_CONTEXT)

destroy: build $(CDK_STAMP)
	$(CDK) destroy Gatehouse-$(STAGE) -c stage=$(STAGE) $(CDK_CONTEXT) --force

clean:
	rm -rf build .local cdk.out web/dist
