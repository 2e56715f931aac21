# Rapport developer tasks. `make help` lists them.

# Pinned code generators: generated files are committed, so everyone must
# produce byte-identical output. Change a version here, then `make generate`
# and commit the result.
TEMPL_VERSION := v0.3.977
SQLC_VERSION  := v1.31.1

GO    ?= go
BIN   := $(CURDIR)/bin
TEMPL := $(BIN)/templ
SQLC  := $(BIN)/sqlc

# Arguments for `make bench`, e.g. make bench BENCH=Dashboard PKG=./internal/server/
# PKG also narrows `make test`, e.g. make test PKG=./internal/people/
BENCH ?= .
PKG   ?= ./...

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: ## Serve a demo organisation at http://localhost:8080
	$(GO) run ./cmd/rapport serve --demo

.PHONY: build
build: ## Build bin/rapport
	$(GO) build -trimpath -o $(BIN)/rapport ./cmd/rapport

.PHONY: test
test: ## Run all tests with the race detector (starts a private PostgreSQL if none answers)
	$(GO) run ./internal/testdb/withdb $(GO) test -race -count=1 $(PKG)

.PHONY: bench
bench: ## Run benchmarks (BENCH=regexp PKG=./pkg/...)
	$(GO) test -run='^$$' -bench='$(BENCH)' -benchmem $(PKG)

.PHONY: check
check: ## gofmt (no file may need formatting) and go vet
	@files="$$(git ls-files --cached --others --exclude-standard -- '*.go' | xargs -r gofmt -l)"; \
	if [ -n "$$files" ]; then \
		echo "These files need gofmt -w:"; echo "$$files"; exit 1; \
	fi
	$(GO) vet ./...

.PHONY: generate
generate: tools ## Regenerate templ and sqlc code with the pinned CLIs
	$(TEMPL) generate
	$(SQLC) generate

# Installs a pinned CLI into ./bin unless that exact version is already there.
# $(1): binary path, $(2): version, $(3): module path.
define install-tool
	@if [ "$$($(1) version 2>/dev/null)" != "$(2)" ]; then \
		echo "installing $(notdir $(1)) $(2) into $(BIN)"; \
		GOBIN=$(BIN) $(GO) install $(3)@$(2); \
	fi
endef

.PHONY: tools
tools: ## Install the pinned templ and sqlc CLIs into ./bin when missing
	$(call install-tool,$(TEMPL),$(TEMPL_VERSION),github.com/a-h/templ/cmd/templ)
	$(call install-tool,$(SQLC),$(SQLC_VERSION),github.com/sqlc-dev/sqlc/cmd/sqlc)

.PHONY: clean
clean: ## Remove bin/ (built binary and CLIs)
	rm -rf $(BIN)
