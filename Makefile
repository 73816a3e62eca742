# FlashScale. `make run` runs the shop locally on the embedded SQLite store;
# `make test` runs every test (installing PostgreSQL, Prometheus, Locust and
# Chromium first when they are missing).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PKG        := github.com/flashscale/flashscale/service/buildinfo
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT     ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BUILD_TIME ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS    := -s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Commit=$(COMMIT) -X $(PKG).BuildTime=$(BUILD_TIME)
GOBUILD    := CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)"

.PHONY: all web build release-tools image run test deps test-go test-web test-e2e test-locust fuzz bench lint clean dashboards

all: build

webapp/node_modules/.package-lock.json: webapp/package-lock.json
	cd webapp && npm ci --no-audit --no-fund

## web: build the shop into service/web/dist (embedded by the binary)
web: webapp/node_modules/.package-lock.json
	cd webapp && npm run build
	touch service/web/dist/.keep

## build: bin/flashscale with the web shop embedded
build: web
	$(GOBUILD) -o bin/flashscale ./service/cmd/flashscale

## release-tools: the daemonless image builder and the blue/green release command
release-tools:
	$(GOBUILD) -o bin/flashscale-release ./service/cmd/flashscale-release
	$(GOBUILD) -o bin/flashscale-image ./service/cmd/flashscale-image

## image: the OCI image tarball (no Docker daemon needed), tagged <version>-<short sha>
image: build release-tools
	bin/flashscale-image --binary bin/flashscale --version $(VERSION) --revision $$(git rev-parse HEAD) \
		--created $$(git log -1 --format=%ct) --tarball build/flashscale-$(VERSION).oci.tar

## run: the shop on http://localhost:8080 with the embedded SQLite store in ./data
run: build
	./bin/flashscale serve

## test: every test
test: deps build test-go test-web test-e2e test-locust

deps:
	bash .ci/deps.sh

# The dashboard and alert-rule tests run on Prometheus 3.x, as production
# does: built from its Go module once, cached outside the clone.
test-go:
	go vet ./...
	prom3=$$(bash .ci/prometheus3/build.sh) && \
	FLASHSCALE_PROMETHEUS_DIR=$$prom3 FLASHSCALE_REQUIRE_POSTGRES=1 FLASHSCALE_REQUIRE_TOOLS=1 FLASHSCALE_BIN=$(CURDIR)/bin/flashscale go test -count=1 -timeout 30m ./...

## dashboards: regenerate dashboards/*.json from dashboards/boards (the tests require it)
dashboards:
	go run ./dashboards/generate

test-web: webapp/node_modules/.package-lock.json
	cd webapp && npm run lint && npm test

test-e2e: build
	cd webapp && FLASHSCALE_BIN=$(CURDIR)/bin/flashscale npm run e2e

test-locust: build
	FLASHSCALE_BIN=$(CURDIR)/bin/flashscale bash locust/ci.sh

## fuzz: run the checkout decoder fuzzer for a while (the seed corpus runs in test-go)
fuzz:
	go test ./service/http -run '^$$' -fuzz FuzzDecodeCheckout -fuzztime 60s

## bench: performance targets, each printed as a ratio against a baseline measured in the same run
bench: deps build
	@echo "== GET /api/products: full middleware vs a bare Gin handler serving the same bytes (target >= 0.7)"
	go test ./service/http -run '^$$' -bench ProductsVsBareGin -benchtime 1x
	@echo "== hot-SKU checkout on PostgreSQL: group commit vs one transaction per order (target >= 3x)"
	go test ./service/postgres -run '^$$' -bench HotSKU -benchtime 20000x
	@echo "== 5000 flash-sale shoppers on one instance (targets: 0 failed, p99 < 100 ms, peak RSS < 256 MiB)"
	@# The server gets a Go soft memory limit, as every pod does (infra sets GOMEMLIMIT to 90% of its limit).
	go run ./service/cmd/flashscale-loadbench -bin bin/flashscale -users 5000 -duration 60s -store sqlite,postgres -server-env GOMEMLIMIT=200MiB
	@echo "== checkout at 1x and 3x the admission limit: admitted p99, shed latency, RSS, no-loss audit"
	go run ./service/cmd/flashscale-loadbench -bin bin/flashscale -scenario overload -store sqlite,postgres

lint:
	gofmt -l . | tee /dev/stderr | (! read)
	go vet ./...

clean:
	rm -rf bin build data webapp/node_modules
	find service/web/dist -mindepth 1 ! -name .keep -delete
