# nsgflow: Makefile. Read top to bottom: settings, dependency step, the
# binary, the generator, tests, benchmark, demo, install.
#
#   make              build build/nsgflow (installs missing -dev packages first)
#   make check        build and run every test (make azurite: the tests' storage emulator)
#   make check-man    check the man page (groff warnings, commands, options)
#   make bench        the benchmark (figures for the README)
#   make bench-scale  30 days of 10 NICs in one database (BENCH_SCALE_DIR, ~6 GB)
#   make demo         generate sample flow logs, ingest them, show the result
#   make install PREFIX=/usr/local   (the binary, the man page, bash and zsh completion)

VERSION   = 0.1.0
PREFIX   ?= /usr/local
CC       ?= cc
WERROR   ?= -Werror
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
BUILD    ?= build

# Debian packages behind the libraries (libcurl: HTTP and TLS to a storage
# account; expat: the XML of blob listings; libcrypto: HMAC-SHA256 for Shared
# Key signing), and the tools make check uses: the sqlite3 shell and python3
# (the tests read the database as a user would and build a few inputs), groff
# (the man page is checked). Node and Azurite, the storage emulator of the
# tests, come in their own step below ($(BUILD)/.azurite-ok). Nothing else: a
# fresh machine with build-essential, git and pkg-config runs make check
# after this step, without clang (the fuzz corpus is replayed with $(CC)).
PKGS      = zlib yajl sqlite3 libcurl expat libcrypto
DEB_PKGS  = pkg-config zlib1g-dev libyajl-dev libsqlite3-dev libcurl4-openssl-dev libexpat1-dev libssl-dev libcmocka-dev sqlite3 python3 groff-base
DEB_TOOLS = sqlite3 python3 groff

# Evaluated when used, i.e. after the dependency step has run.
# libcurl and libcrypto are compiled against but not linked: reading a
# storage container loads them (dlopen, ingest/azlib.c), so that the
# processes that never do are not 6 MiB larger.
PKGS_LINKED = zlib yajl sqlite3 expat
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS_LINKED) 2>/dev/null || echo -lz -lyajl -lsqlite3 -lexpat) -ldl -pthread
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread -Wall -Wextra $(WERROR) -MMD -MP \
             -DNSGFLOW_VERSION='"$(VERSION)"' -I. -Ischema $(PKG_CFLAGS) $(CFLAGS)

LIB_SRCS  = $(wildcard common/*.c) $(wildcard ingest/*.c) $(wildcard analyze/*.c) $(wildcard reports/*.c) schema/db.c
LIB_OBJS  = $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/schema_sql.o \
            $(BUILD)/obj/tags_snapshot.o
TAGS_SNAPSHOT = analyze/data/service_tags_public_375.tsv
GEN_SRCS  = $(wildcard tests/gen/*.c)
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
E2E_TESTS = $(sort $(wildcard tests/e2e/*.sh))

.PHONY: all deps azurite check check-sanitizers check-man unit e2e bench bench-scale demo install clean
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/nsgflow

# ---------------------------------------------------------------------
# Dependency step: when pkg-config cannot find a library, install the
# Debian -dev packages (as root), or print the command to run and stop.
$(BUILD)/.deps-ok:
	@mkdir -p $(BUILD)
	@if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists $(PKGS) cmocka \
	    && { ok=1; for t in $(DEB_TOOLS); do command -v $$t >/dev/null 2>&1 || ok=0; done; [ $$ok = 1 ]; }; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	    echo "nsgflow: installing build dependencies: $(DEB_PKGS)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEB_PKGS) >/dev/null \
	    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEB_PKGS) >/dev/null; } \
	    || { echo "nsgflow: apt-get install failed" >&2; exit 1; }; \
	else \
	    echo "nsgflow: missing build dependencies. Run:" >&2; \
	    echo "    sudo apt-get install $(DEB_PKGS)" >&2; \
	    exit 1; \
	fi
	@touch $@

deps: $(BUILD)/.deps-ok

# Azurite, Microsoft's storage emulator, for the tests that read flow logs
# from Blob Storage (tests/azurite/). Only make check needs it, not make.
# Node and npm are checked by command (a machine may have them from
# elsewhere); Debian's nodejs and npm are installed only when they are
# missing. Azurite is pinned in tests/azurite/package.json and its lock file
# (3.35.0: later versions need node 21, Debian 12 has 18) and installed with
# npm ci into AZURITE_DIR. The sanitizer build uses the same copy.
AZURITE_DIR ?= $(BUILD)/azurite
AZURITE_OK  ?= $(BUILD)/.azurite-ok
NPM_QUIET    = --no-audit --no-fund --no-update-notifier --loglevel=error
$(AZURITE_OK): tests/azurite/package.json tests/azurite/package-lock.json | $(BUILD)/.deps-ok
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	    echo "nsgflow: installing node and npm for the tests' storage emulator: nodejs npm"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >/dev/null \
	    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >/dev/null; } \
	    || { echo "nsgflow: apt-get install nodejs npm failed" >&2; exit 1; }; \
	else \
	    echo "nsgflow: the tests need node and npm (for Azurite). Run:" >&2; \
	    echo "    sudo apt-get install nodejs npm" >&2; \
	    exit 1; \
	fi
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)' \
	    || { echo "nsgflow: Azurite needs node 18 or later, this is $$(node --version)" >&2; exit 1; }
	@echo "nsgflow: installing Azurite $$(sed -n 's/.*"azurite": *"\([^"]*\)".*/\1/p' tests/azurite/package.json) (npm ci) in $(AZURITE_DIR)"
	@rm -rf $(AZURITE_DIR) && mkdir -p $(AZURITE_DIR)
	@cp tests/azurite/package.json tests/azurite/package-lock.json $(AZURITE_DIR)/
	@cd $(AZURITE_DIR) && npm ci $(NPM_QUIET) >/dev/null
	@test -x $(AZURITE_DIR)/node_modules/.bin/azurite-blob \
	    || { echo "nsgflow: npm ci did not install azurite-blob" >&2; exit 1; }
	@touch $@

azurite: $(AZURITE_OK)

# ---------------------------------------------------------------------
# The binary. The schema files are compiled in.
$(BUILD)/schema_sql.c: schema/embed.sh $(sort $(wildcard schema/*.sql)) | $(BUILD)/.deps-ok
	sh schema/embed.sh $(sort $(wildcard schema/*.sql)) > $@

$(BUILD)/obj/schema_sql.o: $(BUILD)/schema_sql.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The built-in service-tag snapshot.
$(BUILD)/tags_snapshot.c: analyze/data/embed.sh $(TAGS_SNAPSHOT) | $(BUILD)/.deps-ok
	sh analyze/data/embed.sh tags_snapshot $(TAGS_SNAPSHOT) > $@

$(BUILD)/obj/tags_snapshot.o: $(BUILD)/tags_snapshot.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c $< -o $@

$(BUILD)/obj/%.o: %.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/nsgflow: $(BUILD)/obj/nsgflow.o $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The deterministic flow-log generator (tests, benchmark, demo).
$(BUILD)/nsgflow-gen: $(GEN_SRCS:%.c=$(BUILD)/obj/%.o)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lz

# ---------------------------------------------------------------------
# Tests: cmocka unit tests, then end-to-end scripts on the real binary.
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do echo "== $$t"; $$t || exit 1; done

# (26_html.sh also looks at the pages test_report_html writes)
# (the tests/azurite/ harness finds azurite-blob through AZURITE_BIN)
e2e: $(BUILD)/nsgflow $(BUILD)/nsgflow-gen $(BUILD)/tests/test_report_html $(AZURITE_OK)
	@for t in $(E2E_TESTS); do \
	    echo "== $$t"; \
	    NSGFLOW=$(abspath $(BUILD)/nsgflow) NSGFLOW_GEN=$(abspath $(BUILD)/nsgflow-gen) \
	    AZURITE_BIN=$(abspath $(AZURITE_DIR))/node_modules/.bin/azurite-blob \
	    TESTS=$(abspath tests) bash $$t || exit 1; \
	done

# The whole suite again, built with AddressSanitizer (and LeakSanitizer)
# and UndefinedBehaviorSanitizer, in a second build directory, and the fuzz
# harnesses' corpus replayed through that build (tests/fuzz/fuzz.mk).
SANITIZE = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
check-sanitizers: $(BUILD)/.deps-ok $(AZURITE_OK)
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/sanitizers CFLAGS="$(SANITIZE)" \
	    LDFLAGS="$(SANITIZE)" AZURITE_DIR=$(abspath $(AZURITE_DIR)) AZURITE_OK=$(abspath $(AZURITE_OK)) \
	    unit e2e fuzz-replay

-include tests/fuzz/fuzz.mk

# The man page: groff formats it without a warning, and it has a section
# for every command and every long option the binary's help texts print.
check-man: $(BUILD)/nsgflow man/nsgflow.1 man/check.sh
	@bash man/check.sh $(BUILD)/nsgflow man/nsgflow.1

check: unit e2e check-sanitizers check-man
	@echo "make check: all tests passed (plain and sanitizer builds)"

# ---------------------------------------------------------------------
# The benchmark and its stage-floor program.
$(BUILD)/floors: $(BUILD)/obj/bench/floors.o $(BUILD)/obj/schema/db.o $(BUILD)/obj/schema_sql.o \
                 $(BUILD)/obj/common/escape.o $(BUILD)/obj/common/strbuf.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

bench: $(BUILD)/nsgflow $(BUILD)/nsgflow-gen $(BUILD)/floors $(AZURITE_OK)
	python3 bench/run.py $(BUILD)

# A month in one database (bench/scale.py): ingest day by day, the rate of
# the last day against the first and each day's peak memory, the size,
# analyze of one day in the month against the same day alone, the example
# queries of docs/database.md, each against its target. Not part of
# make check: it needs about 6 GB under BENCH_SCALE_DIR and a quarter of an
# hour.
BENCH_SCALE_DIR ?= $(BUILD)/bench-scale
bench-scale: $(BUILD)/nsgflow $(BUILD)/nsgflow-gen
	python3 bench/scale.py --build $(BUILD) --work $(BENCH_SCALE_DIR) $(BENCH_SCALE_ARGS)

# The demo: six hours of generated flow logs of an APIM subnet with both
# outages (NSG v1/v2 and VNet, gzipped), ingested, analyzed and reported.
DEMO = $(BUILD)/demo
demo: $(BUILD)/nsgflow $(BUILD)/nsgflow-gen
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	@echo "== generating sample flow logs in $(DEMO)/logs (an APIM subnet whose NSG denies"
	@echo "   some dependencies and whose replies to the management plane are lost)"
	@$(BUILD)/nsgflow-gen tree --out $(DEMO)/logs --hours 6 --nics 5 --apim-nics 3 \
	    --tuples-per-hour 3000 --format mixed --gzip --scenario apim-outage
	@echo "== nsgflow ingest --db $(DEMO)/nsgflow.db $(DEMO)/logs"
	@$(BUILD)/nsgflow ingest --db $(DEMO)/nsgflow.db $(DEMO)/logs
	@echo "== what was ingested"
	@sqlite3 -header -column $(DEMO)/nsgflow.db \
	    "SELECT formats, count(*) AS blobs, sum(tuples) AS tuples, min(first_flow_time) AS first, max(last_flow_time) AS last FROM ingested_files GROUP BY formats;"
	@echo
	@echo "== nsgflow config import --db $(DEMO)/nsgflow.db tests/config/demo.json"
	@echo "   (the network's own description, as az network nsg|route-table|vnet show and"
	@echo "   az apim show print it: the rules and routes behind what the logs show)"
	@$(BUILD)/nsgflow config import --db $(DEMO)/nsgflow.db tests/config/demo.json
	@echo
	@echo "== nsgflow analyze --db $(DEMO)/nsgflow.db"
	@$(BUILD)/nsgflow analyze --db $(DEMO)/nsgflow.db 2>&1 || true
	@echo
	@echo "== nsgflow report (it opens on the fix plan; the whole report: $(DEMO)/report.txt)"
	@$(BUILD)/nsgflow report --db $(DEMO)/nsgflow.db -o $(DEMO)/report.txt
	@head -n 34 $(DEMO)/report.txt
	@$(BUILD)/nsgflow report --db $(DEMO)/nsgflow.db --format sh -o $(DEMO)/fix-plan.sh
	@$(BUILD)/nsgflow report --db $(DEMO)/nsgflow.db --format html -o $(DEMO)/report.html
	@echo
	@echo "The report for people: $(DEMO)/report.html (open it in a browser); the fix plan as"
	@echo "a script to review and run: $(DEMO)/fix-plan.sh."
	@echo "The database: sqlite3 $(DEMO)/nsgflow.db (views: flows, denied_flows, flows_by_address,"
	@echo "flows_by_port, ingested_files, connections, findings, requirement_matrix, apim_requirements,"
	@echo "fix_plan, service_tags, nsg_rules, routes, subnets, apim_instances)"

# The completion scripts go where bash-completion and zsh look for them.
install: $(BUILD)/nsgflow
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/nsgflow $(DESTDIR)$(PREFIX)/bin/nsgflow
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 man/nsgflow.1 $(DESTDIR)$(PREFIX)/share/man/man1/nsgflow.1
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 completion/nsgflow.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/nsgflow
	install -d $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 644 completion/_nsgflow $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_nsgflow

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
