# frist — build and test entry points. `make test` is what CI runs.

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: test vet unit lint fuzz bench

## test: everything CI checks: vet, staticcheck, and the race-enabled test suite.
test: vet lint unit

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 -timeout 30m ./...

## lint: staticcheck at a pinned version, fetched from the module proxy.
lint:
	$(GO) run $(STATICCHECK) ./...

## fuzz: a short run of every fuzz target (FUZZTIME=5m for a longer one).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## bench: the benchmarks documented in bench/BENCHMARKS.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
