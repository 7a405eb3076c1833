# tests/fuzz/fuzz.mk: the fuzz harnesses (included by the top Makefile).
#
#   make fuzz-replay                run every harness once over its corpus in
#                                   tests/fuzz/corpus/NAME/, built with $(CC)
#                                   and a plain driver (replay.c): no clang or
#                                   libFuzzer needed (part of make check, in
#                                   the sanitizer build)
#   make fuzz-build                 build every harness with libFuzzer into
#                                   $(BUILD)/fuzz/ (needs clang)
#   make fuzz FUZZ_SECONDS=N        fuzz each harness for N seconds, one after
#                                   the other; new inputs go to
#                                   $(BUILD)/fuzz/corpus/NAME/, crashes to
#                                   $(BUILD)/fuzz/artifacts/NAME/
#   make fuzz-run-fuzz_tuple FUZZ_SECONDS=600     one harness
#   make fuzz FUZZ_TARGETS="fuzz_tuple fuzz_gzip" FUZZ_ARGS="-jobs=2 -workers=2"
#   make fuzz-nasty                 tests/fuzz/nasty.sh: huge inputs through
#                                   the real binary (slow, not in make check)
#
# For long runs the harnesses and the library sources they test are compiled
# with clang, -fsanitize=fuzzer,address,undefined, into their own object
# directory $(BUILD)/fuzz/obj (the gcc objects are not reused). For the replay
# they are compiled like every other source of the build they are part of,
# and linked with replay.c instead of libFuzzer. In both cases the library
# objects go into an archive so that each harness links only what it needs
# (a harness may compile a library source in itself, with other limits).

FUZZ_CC      ?= clang
FUZZ_DIR      = $(BUILD)/fuzz
FUZZ_SRC      = tests/fuzz
FUZZ_NAMES    = $(sort $(patsubst $(FUZZ_SRC)/%.c,%,$(wildcard $(FUZZ_SRC)/fuzz_*.c)))
FUZZ_BINS     = $(FUZZ_NAMES:%=$(FUZZ_DIR)/%)
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_SECONDS ?= 60
FUZZ_ARGS    ?=
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -pthread -Wall -Wextra -MMD -MP \
                -DNSGFLOW_VERSION='"$(VERSION)"' -I. -Ischema $(PKG_CFLAGS) \
                -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_LIB      = $(FUZZ_DIR)/libnsgflow-fuzz.a
# The library objects of the binary (LIB_OBJS), compiled again with clang;
# those of generated sources ($(BUILD)/schema_sql.c, ...) come from there.
FUZZ_LIB_OBJS = $(patsubst $(BUILD)/obj/%,$(FUZZ_DIR)/obj/%,$(LIB_OBJS))
FUZZ_GEN_OBJS = $(filter-out $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o),$(FUZZ_LIB_OBJS))
# Options for every run: memory and time limits.
FUZZ_RUN_FLAGS = -rss_limit_mb=256 -timeout=10
# Bugs the fuzzers found that are not fixed yet, by the names the harnesses
# use (grep fuzz_known tests/fuzz/*.[ch]): their checks let these pass in
# long runs and in the replay of seed-* and found-* inputs, so that those
# look for new bugs; the crash-* reproducers are always replayed without
# it and keep failing until the bug is fixed. Remove a name with its fix.
FUZZ_KNOWN ?=
# The dictionary per harness (default: json.dict).
FUZZ_DICT_fuzz_tuple            = $(FUZZ_SRC)/tuple.dict
FUZZ_DICT_fuzz_tags             = $(FUZZ_SRC)/tags.dict
FUZZ_DICT_fuzz_config           = $(FUZZ_SRC)/config.dict
# Longest input per harness in long runs (libFuzzer's -max_len).
FUZZ_MAX_LEN_fuzz_tuple         = 1024
FUZZ_MAX_LEN_fuzz_flowlog       = 16384
FUZZ_MAX_LEN_fuzz_flowlog_small = 8192
FUZZ_MAX_LEN_fuzz_gzip          = 16384
FUZZ_MAX_LEN_fuzz_ingest        = 8192
FUZZ_MAX_LEN_fuzz_ingest_run    = 8192
FUZZ_MAX_LEN_fuzz_tags          = 16384
FUZZ_MAX_LEN_fuzz_config        = 16384
FUZZ_MAX_LEN_fuzz_storage       = 8192
# ingest_run's messages about every broken tuple are not shown in long runs
# of fuzz_ingest_run (stderr closed: the crash report still appears, a
# failed check's own message only when its artifact is run again).
FUZZ_EXTRA_fuzz_ingest_run      = -close_fd_mask=2

.PHONY: fuzz fuzz-build fuzz-replay fuzz-clang fuzz-nasty

# clang with libFuzzer, or a clear message: CI has it, a laptop may not.
$(FUZZ_DIR)/.clang-ok:
	@mkdir -p $(FUZZ_DIR)
	@if ! $(FUZZ_CC) --version >/dev/null 2>&1; then \
	    echo "nsgflow: the fuzz harnesses need clang with libFuzzer ('$(FUZZ_CC) --version' failed)." >&2; \
	    echo "    sudo apt-get install clang    (or: make FUZZ_CC=clang-14 ...)" >&2; \
	    exit 1; \
	fi
	@printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	    > $(FUZZ_DIR)/.clang-probe.c
	@if ! $(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $(FUZZ_DIR)/.clang-probe \
	    $(FUZZ_DIR)/.clang-probe.c >$(FUZZ_DIR)/.clang-probe.log 2>&1; then \
	    cat $(FUZZ_DIR)/.clang-probe.log >&2; \
	    echo "nsgflow: $(FUZZ_CC) cannot build a libFuzzer program (-fsanitize=fuzzer): is its compiler-rt installed?" >&2; \
	    exit 1; \
	fi
	@rm -f $(FUZZ_DIR)/.clang-probe $(FUZZ_DIR)/.clang-probe.c $(FUZZ_DIR)/.clang-probe.log
	@touch $@

fuzz-clang: $(FUZZ_DIR)/.clang-ok

# Library objects: coverage instrumentation without libFuzzer's main.
$(FUZZ_DIR)/obj/%.o: %.c | $(BUILD)/.deps-ok $(FUZZ_DIR)/.clang-ok
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_GEN_OBJS): $(FUZZ_DIR)/obj/%.o: $(BUILD)/%.c | $(FUZZ_DIR)/.clang-ok
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# (Also remade when the Makefiles change: with .SECONDARY, an object added
# to LIB_OBJS would not be made for an archive that is otherwise up to date.)
$(FUZZ_LIB): $(FUZZ_LIB_OBJS) Makefile $(FUZZ_SRC)/fuzz.mk
	@rm -f $@
	ar rcs $@ $(filter %.o,$^)

# A harness: its own .c (which may include fuzz_check.h, or a library source
# compiled in with other limits) linked with libFuzzer and the archive.
$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/$(FUZZ_SRC)/fuzz_%.o $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

fuzz-build: $(FUZZ_BINS)

# The replay: each harness linked with the plain driver, from this build's
# objects (in make check: the ASan + UBSan build in build/sanitizers).
REPLAY_DIR   = $(BUILD)/replay
REPLAY_LIB   = $(REPLAY_DIR)/libnsgflow.a
REPLAY_BINS  = $(FUZZ_NAMES:%=$(REPLAY_DIR)/%)
REPLAY_FLAGS = --rss-limit-mb=256 --timeout=10

$(REPLAY_LIB): $(LIB_OBJS) Makefile $(FUZZ_SRC)/fuzz.mk
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $(filter %.o,$^)

$(REPLAY_DIR)/fuzz_%: $(BUILD)/obj/$(FUZZ_SRC)/fuzz_%.o $(BUILD)/obj/$(FUZZ_SRC)/replay.o $(REPLAY_LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Every harness over every file of its corpus, once, as it is (no
# mutation): the seed-* and found-* inputs of a harness in one process
# (with FUZZ_KNOWN), each crash-* reproducer in a process of its own and
# without FUZZ_KNOWN, so that every one that still fails is named. Any
# crash, sanitizer report, leak, timeout or out-of-memory fails the target;
# the output is in $(REPLAY_DIR)/log/NAME*.log and its end is shown.
fuzz-replay: $(REPLAY_BINS)
	@mkdir -p $(REPLAY_DIR)/log; failed=; \
	for h in $(FUZZ_NAMES); do \
	    dir=$(FUZZ_SRC)/corpus/$$h; \
	    files=$$(find $$dir -type f ! -name 'crash-*' 2>/dev/null | LC_ALL=C sort); \
	    crashes=$$(find $$dir -type f -name 'crash-*' 2>/dev/null | LC_ALL=C sort); \
	    if [ -z "$$files" ]; then echo "fuzz-replay: $$h: no corpus in $$dir" >&2; failed="$$failed $$h"; continue; fi; \
	    log=$(REPLAY_DIR)/log/$$h.log; \
	    if NSGFLOW_FUZZ_KNOWN=$(FUZZ_KNOWN) $(REPLAY_DIR)/$$h $(REPLAY_FLAGS) $$files >$$log 2>&1; then \
	        echo "fuzz-replay: $$h: $$(echo "$$files" | wc -l) inputs ok"; \
	    else \
	        tail -n 40 $$log >&2; \
	        echo "fuzz-replay: $$h FAILED on its corpus (log: $$log)" >&2; failed="$$failed $$h"; \
	    fi; \
	    for c in $$crashes; do \
	        log=$(REPLAY_DIR)/log/$$h-$$(basename $$c).log; \
	        if $(REPLAY_DIR)/$$h $(REPLAY_FLAGS) $$c >$$log 2>&1; then \
	            echo "fuzz-replay: $$h: $$(basename $$c) ok"; \
	        else \
	            grep -m 3 -E 'fuzz invariant|runtime error|ERROR: |replay: ' $$log >&2; \
	            echo "fuzz-replay: $$h FAILED on $$c (log: $$log)" >&2; failed="$$failed $$h/$$(basename $$c)"; \
	        fi; \
	    done; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz-replay: FAILED:$$failed" >&2; exit 1; fi



# Long runs: each harness in turn for FUZZ_SECONDS, starting from the
# corpus in the repository and writing what it finds to a scratch corpus
# under $(BUILD) (never into the repository). fuzz-run-NAME runs one.
fuzz: $(FUZZ_BINS)
	@for h in $(FUZZ_TARGETS); do \
	    $(MAKE) --no-print-directory fuzz-run-$$h || exit 1; \
	done

fuzz-run-%: $(FUZZ_DIR)/%
	@mkdir -p $(FUZZ_DIR)/corpus/$* $(FUZZ_DIR)/artifacts/$*
	@echo "== $* for $(FUZZ_SECONDS) s: new inputs in $(FUZZ_DIR)/corpus/$*, crashes in $(FUZZ_DIR)/artifacts/$*"
	NSGFLOW_FUZZ_KNOWN=$(FUZZ_KNOWN) $(FUZZ_DIR)/$* $(FUZZ_RUN_FLAGS) -dict=$(or $(FUZZ_DICT_$*),$(FUZZ_SRC)/json.dict) \
	    -max_total_time=$(FUZZ_SECONDS) $(if $(FUZZ_MAX_LEN_$*),-max_len=$(FUZZ_MAX_LEN_$*)) \
	    $(FUZZ_EXTRA_$*) -artifact_prefix=$(FUZZ_DIR)/artifacts/$*/ $(FUZZ_ARGS) \
	    $(FUZZ_DIR)/corpus/$* $(FUZZ_SRC)/corpus/$*

# Huge inputs (50 MB string, 1 GB of '[', a gzip bomb...) through the real
# binary, with peak memory. Minutes, not seconds: not part of make check.
fuzz-nasty: $(BUILD)/nsgflow
	bash $(FUZZ_SRC)/nasty.sh $(BUILD)/nsgflow $(FUZZ_DIR)/nasty

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
