# FlashScale. `make run` runs the shop locally on the embedded SQLite store;
# `make test` runs every test (installing PostgreSQL, Prometheus, Locust and
# Chromium first when they are missing). Both check Go and Node.js first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PKG        := github.com/flashscale/flashscale/service/buildinfo
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT     ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BUILD_TIME ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS    := -s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Commit=$(COMMIT) -X $(PKG).BuildTime=$(BUILD_TIME)
# Static binaries: the image has no libc.
STATIC     := CGO_ENABLED=0
GOBUILD    := go build -trimpath -ldflags "$(LDFLAGS)"
FUZZTIME   ?= 60s

# Every step that can take minutes on a first run prints a line saying what
# it does and why it is long, then runs under the progress reporter, which
# prints a status line whenever the step has been silent for 30 seconds.
PROGRESS   := bin/flashscale-progress

.PHONY: all check check-go compile-all lint-gofmt web build release-tools image run test deps test-go test-web test-e2e test-locust fuzz bench bench-table lint clean dashboards rig

all: build

## check: Go (the version go.mod needs) and Node.js (the versions the web shop's tools accept), in seconds
check:
	@$(SHELL) .ci/prereqs.sh go node

check-go:
	@$(SHELL) .ci/prereqs.sh go

# Built with the same flags as bin/flashscale, so the standard library it
# compiles on a first run is reused by the service's build.
$(PROGRESS): $(wildcard service/progress/*.go service/cmd/flashscale-progress/*.go) | check-go
	@echo "== building the progress reporter (Go standard library only: up to a minute on a first run)"
	@# It cannot report on itself: awk counts go build -v's package names (errors pass through).
	$(STATIC) go build -v -trimpath -o $@ ./service/cmd/flashscale-progress 2>&1 | \
		awk '/^[A-Za-z0-9_.~+\/-]+$$/ { if (++n % 25 == 0) { print "progress reporter: " n " packages compiled"; fflush() } next } { print; fflush() }'

webapp/node_modules/.package-lock.json: webapp/package-lock.json | check $(PROGRESS)
	@echo "== npm ci: the web shop's exact dependencies (about 300 packages: a minute or more on a first run with an empty npm cache)"
	cd webapp && ../$(PROGRESS) -label "npm ci" -count '^npm http ' -noun "registry requests" -- npm ci --no-audit --no-fund --loglevel=http

# The shop is rebuilt only when something it is built from changed.
WEB_SRC    := $(shell find webapp/src webapp/public -type f 2>/dev/null) $(wildcard webapp/index.html webapp/*.ts webapp/tsconfig*.json webapp/package.json)

## web: build the shop into service/web/dist (embedded by the binary)
web: service/web/dist/index.html

service/web/dist/index.html: $(WEB_SRC) webapp/node_modules/.package-lock.json | check $(PROGRESS)
	@echo "== web shop: type-check (tsc -b) and Vite build into service/web/dist"
	cd webapp && ../$(PROGRESS) -label "web build" -- npm run build
	touch service/web/dist/.keep

## build: bin/flashscale with the web shop embedded (never the infra program)
build: web $(PROGRESS)
	@echo "== go build bin/flashscale: a first run compiles about 350 packages (the pure-Go SQLite and its C library translation are the slow ones): several minutes on 2 cores; seconds later"
	$(STATIC) $(PROGRESS) -label "go build" -format go-build -- $(GOBUILD) -v -o bin/flashscale ./service/cmd/flashscale

## release-tools: the daemonless image builder and the blue/green release command
release-tools: | check-go
	$(STATIC) $(GOBUILD) -o bin/flashscale-release ./service/cmd/flashscale-release
	$(STATIC) $(GOBUILD) -o bin/flashscale-image ./service/cmd/flashscale-image

## image: the OCI image tarball build/flashscale-<version>.oci.tar (no Docker daemon needed), tagged <version>-<short sha>
image: build release-tools
	mkdir -p build
	bin/flashscale-image --binary bin/flashscale --version $(VERSION) --revision $$(git rev-parse HEAD) \
		--created $$(git log -1 --format=%ct) --tarball build/flashscale-$(VERSION).oci.tar

## run: the shop on port 8080 of every interface (http://localhost:8080) with the embedded SQLite store in ./data
run: build
	./bin/flashscale serve

## test: every test
test: deps build test-go test-web test-e2e test-locust

deps: check
	bash .ci/deps.sh

## dashboards: regenerate dashboards/*.json from dashboards/boards (the tests require it)
dashboards:
	go run ./dashboards/generate

## rig: the real-engine tools (Pulumi CLI, Kubernetes provider, kube-apiserver, controller manager, scheduler, etcd, KWOK), built once per machine into ~/.cache/flashscale-rig
rig:
	@echo "== real-engine tools for infra/clustertest: built from the Go module proxy once per machine (15 minutes to an hour the first time, see README), cached outside the clone"
	bash infra/clustertest/rig/build.sh

# Compiling every package before go vet gives the long part of a first run
# its progress lines (go vet itself prints nothing until it is done).
compile-all: $(PROGRESS)
	@echo "== go build ./...: every package, the infra program's Pulumi AWS, EKS and Kubernetes SDKs among them (about 1,050 packages: the longest step of a first run, see README); seconds later"
	$(PROGRESS) -label "go build" -format go-build -- go build -v ./...

test-go: compile-all rig
	@echo "== go vet ./...: compiles the test-only dependencies, then vets every package"
	$(PROGRESS) -label "go vet" -- go vet ./...
	@echo "== Prometheus 3.x for the dashboard and alert-rule tests, as production runs: built from its Go module once per machine (tens of minutes the first time), cached outside the clone"
	prom3=$$(bash .ci/prometheus3/build.sh) && \
	echo "== go test ./...: both stores on real SQLite and PostgreSQL, infra under Pulumi mocks and on a real Pulumi engine and API server, dashboards against a real Prometheus, image, release, drain; linking the test binaries comes first" && \
	FLASHSCALE_PROMETHEUS_DIR=$$prom3 FLASHSCALE_REQUIRE_POSTGRES=1 FLASHSCALE_REQUIRE_TOOLS=1 FLASHSCALE_BIN=$(CURDIR)/bin/flashscale \
		$(PROGRESS) -label "go test" -format go-test -total $$(go list ./... | wc -l) -- go test -json -count=1 -timeout 30m ./...

test-web: webapp/node_modules/.package-lock.json $(PROGRESS)
	@echo "== web shop: ESLint with type information, then Vitest"
	cd webapp && ../$(PROGRESS) -label "eslint" -- npm run lint
	cd webapp && ../$(PROGRESS) -label "vitest" -- npm test

test-e2e: build
	@echo "== end-to-end: headless Chromium against bin/flashscale"
	cd webapp && FLASHSCALE_BIN=$(CURDIR)/bin/flashscale ../$(PROGRESS) -label "e2e" -- npm run e2e

test-locust: build
	@echo "== Locust: the flash-sale shape at 1% scale against bin/flashscale (about 40 s)"
	FLASHSCALE_BIN=$(CURDIR)/bin/flashscale $(PROGRESS) -label "locust" -- bash locust/ci.sh

## fuzz: FuzzDecodeCheckout (the checkout body decoder) beyond its seed corpus for FUZZTIME (default 60s)
fuzz: $(PROGRESS)
	@echo "== fuzzing FuzzDecodeCheckout in service/http for $(FUZZTIME). First go test -fuzz rebuilds the package and its dependencies, the pure-Go SQLite among them, with coverage instrumentation: over 10 minutes on a first run on a busy 2-core machine, seconds later"
	$(PROGRESS) -label "fuzz" -- go test ./service/http -run '^$$' -fuzz '^FuzzDecodeCheckout$$' -fuzztime $(FUZZTIME)

## bench: performance targets, each a ratio against a baseline run interleaved with it (A B A B, median of >= 3 pairs); regenerates README's table
bench: deps build
	@rm -f service/benchreport/results.jsonl; rc=0; export FLASHSCALE_BENCH_RESULTS=$(CURDIR)/service/benchreport/results.jsonl; \
	echo "== load average before the benchmarks: $$(cut -d' ' -f1-3 /proc/loadavg) on $$(nproc) cores (other work on the machine moves the numbers)"; \
	echo "== GET /api/products: full middleware vs a bare Gin handler serving the same bytes, per CPU-second (target >= 0.85)"; \
	go test ./service/http -run '^$$' -bench ProductsVsBareGin -benchtime 1x || rc=1; \
	echo "== hot-SKU checkout on SQLite: group commit vs one transaction per order, 64/256/1024 shoppers (target >= 5x, p99 < 50 ms at 64)"; \
	go test ./service/sqlite -run '^$$' -bench HotSKU -benchtime 1x || rc=1; \
	echo "== hot-SKU checkout on PostgreSQL: group commit vs one transaction per order (target >= 3x)"; \
	go test ./service/postgres -run '^$$' -bench HotSKU -benchtime 1x || rc=1; \
	echo "== 5000 flash-sale shoppers on one instance (targets: 0 failed, p99 < 100 ms, peak RSS < 256 MiB)"; \
	go run ./service/cmd/flashscale-loadbench -bin bin/flashscale -users 5000 -duration 60s -store sqlite,postgres -server-env GOMEMLIMIT=200MiB -strict || rc=1; \
	echo "== checkout at 1x and 3x the admission limit: admitted p99, shed latency, RSS, no-loss audit"; \
	go run ./service/cmd/flashscale-loadbench -bin bin/flashscale -scenario overload -store sqlite,postgres -strict || rc=1; \
	echo "== load average after the benchmarks: $$(cut -d' ' -f1-3 /proc/loadavg)"; \
	$(MAKE) --no-print-directory bench-table; exit $$rc

## bench-table: regenerate README.md's performance table from service/benchreport/results.jsonl (the last make bench)
bench-table:
	go run ./service/cmd/flashscale-benchtable -results service/benchreport/results.jsonl -readme README.md

## lint: gofmt, go vet, ESLint and tsc
lint: lint-gofmt compile-all webapp/node_modules/.package-lock.json
	$(PROGRESS) -label "go vet" -- go vet ./...
	cd webapp && ../$(PROGRESS) -label "eslint" -- npm run lint
	cd webapp && ../$(PROGRESS) -label "tsc" -- npm run typecheck

# Into a variable, not through tee /dev/stderr, which truncates a log file
# that stderr is redirected to.
lint-gofmt: | check
	@unformatted=$$(find . \( -path ./webapp/node_modules -o -path ./.cache -o -path ./.git \) -prune -o -name '*.go' -print | xargs gofmt -l); \
	if [ -n "$$unformatted" ]; then echo "gofmt: these files are not formatted (gofmt -w them):"; echo "$$unformatted"; exit 1; fi

clean:
	rm -rf bin build data webapp/node_modules
	find service/web/dist -mindepth 1 ! -name .keep -delete
