# ConnectorHost: build, test and run.
#
#   make run      install what is missing, build, serve the bundled plugins (REST, embedded SQLite)
#   make test     install what is missing, build plugins and fixtures, run the test suite
#   make plugins  build every plugin under Plugins/ to build/plugins/NAME.so
#   make schemathesis       the API against its OpenAPI document, briefly (part of make test)
#   make schemathesis-full  the same, with many more examples per operation
#   make test-console       the web console in headless Chromium (part of make test)
#   make fuzz     build the libFuzzer harnesses under Fuzz/ and run each for FUZZ_SECONDS
#   make docs     the API documentation (DocC) of the libraries, offline, into build/docs
#   make docs-check  fail, listing them, when public symbols lack a doc-comment summary (part of make test)
#   make bench    latency and throughput of the call paths and of their peers (release build)
#
# The plugin rules are plain cc / swiftc commands: copy them to build your own.

SHELL := /bin/bash
SWIFT ?= swift
SWIFTC ?= swiftc
CC ?= cc
BUILD := build
BIN := .build/debug/connector-host
# schemathesis from PyPI, in a virtual environment of its own. The run starts
# `connector-host serve` on a free loopback port over a temporary registry and
# stops it by PID; Tests/schemathesis/schemathesis.toml holds the exceptions.
VENV := $(BUILD)/venv
SCHEMATHESIS_VERSION := 4.32.5
SCHEMATHESIS_EXAMPLES ?= 20
HTTPBIN_VERSION := 0.10.4
AUTHLIB_VERSION := 1.9.10

# bubblewrap and libseccomp-dev confine the sandbox workers (see README, "How plugins run").
# libarchive-dev unpacks uploaded distributions.
APT_PACKAGES := libffi-dev libcurl4-openssl-dev libsqlite3-dev bubblewrap libseccomp-dev libarchive-dev
BROWSER_PACKAGES := chromium chromium-driver
# The registry's tests run against a throwaway PostgreSQL cluster too (Tests/postgres).
TEST_PACKAGES := postgresql
# make bench's peers: a C++ gRPC echo, and nginx driven by wrk.
BENCH_PACKAGES := libgrpc++-dev nginx-light wrk
SELENIUM_VERSION := 4.40.0
# The port `make run` serves on.
RUN_PORT ?= 8080

# Flags for a C plugin: position-independent, only CH_EXPORT symbols visible.
PLUGIN_CFLAGS := -std=c99 -O2 -g -Wall -Wextra -Werror -pedantic -fPIC -fvisibility=hidden -Iinclude
HEADER := include/connector_host.h include/module.modulemap

.PHONY: all deps browser-deps test-deps build plugins fixtures test test-console test-leaks schemathesis schemathesis-full fuzz fuzz-short fuzz-build run bench bench-deps bench-instructions docs docs-check clean

all: build plugins

# Installs the Debian packages of $(1) that are missing (as root, or with sudo).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call apt_install,$(APT_PACKAGES))

test-deps:
	$(call apt_install,$(TEST_PACKAGES))

# The console's browser tests: headless Chromium and its driver.
browser-deps:
	$(call apt_install,$(BROWSER_PACKAGES))

build: deps
	$(SWIFT) build

# --- plugins ---------------------------------------------------------------

plugins: $(BUILD)/plugins/tracker.so $(BUILD)/plugins/hello-swift.so $(BUILD)/plugins/host-api.connector.yaml

# A declarative connector is data: it is copied, not built.
$(BUILD)/plugins/host-api.connector.yaml: Plugins/host-api/host-api.connector.yaml
	@mkdir -p $(@D)
	cp $< $@

# The tracker's sources; its defect fixtures (below) build from them too.
TRACKER_DEPENDENCIES := $(wildcard Plugins/tracker/*.c Plugins/tracker/*.h) $(HEADER)

$(BUILD)/plugins/tracker.so: $(TRACKER_DEPENDENCIES) | deps
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -shared -o $@ Plugins/tracker/*.c -lsqlite3

$(BUILD)/plugins/hello-swift.so: $(wildcard Plugins/hello-swift/*.swift) $(HEADER)
	@mkdir -p $(@D)
	$(SWIFTC) -emit-library -parse-as-library -O -module-name HelloSwift -I include \
	  Plugins/hello-swift/*.swift -o $@

# --- test fixtures: one configurable plugin, one .so per defect --------------

FIXTURE_SOURCE := Tests/ConnectorHostTests/Fixtures/fixture_plugin.c
DEFECTS := wrong-magic future-abi short-descriptor short-function-size empty-name empty-version empty-key empty-secret \
  function-out-of-range endpoint-in-range duplicate-id duplicate-name unknown-operation \
  missing-mandatory no-entry-point null-descriptor \
  custom-unknown-type custom-too-many custom-named-standard custom-buffer-parameter \
  context-old-abi context-not-first history-recovery-without-history
# Valid plugins for discovery: file:name:endpoint:start:end. twin repeats alpha's
# name; omega's IDs overlap beta's.
IDENTITIES := alpha:alpha:500001:500002:500100 beta:beta:600001:600002:600100 \
  twin:alpha:700001:700002:700100 omega:omega:650001:600050:600150

# Misbehaving plugins for the sandbox: each hostile-X.so is built with -DHOSTILE_X.
HOSTILE := segfault abort exit spin sleep stdout huge entry-crash entry-exit constructor-crash constructor-spin \
  kill-host environment read-file connect ptrace grandchild memory exec late-crash \
  malloc-body literal-body nul-body long-message hang-once spin-after-return egress crash-while-marked

# The tracker with one conformance defect each: tracker-X.so is built with
# -DTRACKER_DEFECT_X, and fails exactly the kit's check for X; mandatory-only
# and no-X lack operations, and fail every check that needs them.
TRACKER_DEFECTS := duplicate-page wrong-field-type history-gap attachment-byte page-link-overlap \
  upsert-forgets-links delete-keeps-link link-history-gap update-keeps-content substep-drops-fields \
  history-recovery-without-flag mandatory-only no-entity-type-get no-link-upsert

# Builds of one plugin, "reload", for the hot-reload tests: three versions, and
# one whose session.open fails (its check fails).
RELOADS := v1 v2 v3 refuses-sessions
RELOAD_IDENTITY := -DFIXTURE_NAME='"reload"' -DFIXTURE_ENDPOINT=920001 -DFIXTURE_START=920002 -DFIXTURE_END=920100
reload_flags = $(if $(filter v%,$(1)),-DFIXTURE_VERSION='"$(1:v%=%).0.0"',-DFIXTURE_VERSION='"9.9.9"' -DFIXTURE_REFUSE_SESSIONS)

# A fixture's name as the suffix of its C macro: duplicate-page is DUPLICATE_PAGE.
macro = $(shell echo $(1) | tr 'a-z-' 'A-Z_')
defect_flag = -DDEFECT_$(call macro,$(1))
hostile_flag = -DHOSTILE_$(call macro,$(1)) -DFIXTURE_NAME='"hostile-$(1)"'
FIXTURES := $(DEFECTS:%=$(BUILD)/fixtures/%.so) $(HOSTILE:%=$(BUILD)/fixtures/hostile-%.so) \
  $(BUILD)/fixtures/not-a-plugin.so $(BUILD)/fixtures/custom.so $(BUILD)/fixtures/slow-writes.so $(BUILD)/fixtures/hostile-big.so \
  $(BUILD)/fixtures/abi-older.so $(BUILD)/fixtures/abi-future.so $(BUILD)/fixtures/cpp17.so $(BUILD)/fixtures/cpp20.so $(TRACKER_DEFECTS:%=$(BUILD)/fixtures/tracker-%.so) \
  $(RELOADS:%=$(BUILD)/fixtures/reload-%.so) \
  $(foreach id,$(IDENTITIES),$(BUILD)/fixtures/$(word 1,$(subst :, ,$(id))).so)

fixtures: $(FIXTURES)

$(DEFECTS:%=$(BUILD)/fixtures/%.so): $(BUILD)/fixtures/%.so: $(FIXTURE_SOURCE) $(HEADER)
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -shared $(call defect_flag,$*) -o $@ $<

$(HOSTILE:%=$(BUILD)/fixtures/hostile-%.so): $(BUILD)/fixtures/hostile-%.so: $(FIXTURE_SOURCE) $(HEADER)
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -shared $(call hostile_flag,$*) -o $@ $<

$(TRACKER_DEFECTS:%=$(BUILD)/fixtures/tracker-%.so): $(BUILD)/fixtures/tracker-%.so: $(TRACKER_DEPENDENCIES) | deps
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -shared -DTRACKER_DEFECT_$(call macro,$*) -o $@ Plugins/tracker/*.c -lsqlite3

$(RELOADS:%=$(BUILD)/fixtures/reload-%.so): $(BUILD)/fixtures/reload-%.so: $(FIXTURE_SOURCE) $(HEADER)
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -shared $(RELOAD_IDENTITY) $(call reload_flags,$*) -o $@ $<

define identity_rule
$(BUILD)/fixtures/$(1).so: $(FIXTURE_SOURCE) $(HEADER)
	@mkdir -p $$(@D)
	$(CC) $(PLUGIN_CFLAGS) -shared -DFIXTURE_NAME='"$(2)"' -DFIXTURE_ENDPOINT=$(3) \
	  -DFIXTURE_START=$(4) -DFIXTURE_END=$(5) -o $$@ $$<
endef
field = $(word $(2),$(subst :, ,$(1)))
$(foreach id,$(IDENTITIES),$(eval $(call identity_rule,$(call field,$(id),1),$(call field,$(id),2),$(call field,$(id),3),$(call field,$(id),4),$(call field,$(id),5))))

$(BUILD)/fixtures/custom.so: $(FIXTURE_SOURCE) $(HEADER)
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -shared -DFIXTURE_CUSTOM -DFIXTURE_NAME='"custom"' -DFIXTURE_ENDPOINT=910001 \
	  -DFIXTURE_START=910002 -DFIXTURE_END=910100 -o $@ $<

# The ABI growing under built plugins: an older layout and a future one.
ABI_GROWTH_SOURCE := Tests/ConnectorHostTests/Fixtures/abi_growth_plugin.c
$(BUILD)/fixtures/abi-older.so: $(ABI_GROWTH_SOURCE) $(HEADER)
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -shared -DOLDER_LAYOUT -o $@ $<
$(BUILD)/fixtures/abi-future.so: $(ABI_GROWTH_SOURCE) $(HEADER)
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -shared -DFUTURE_LAYOUT -o $@ $<

# The header from C++, in both standards plugin authors use.
CXX ?= c++
CPP_SOURCE := Tests/ConnectorHostTests/Fixtures/cpp_plugin.cpp
$(BUILD)/fixtures/cpp17.so $(BUILD)/fixtures/cpp20.so: $(BUILD)/fixtures/cpp%.so: $(CPP_SOURCE) $(HEADER)
	@mkdir -p $(@D)
	$(CXX) -std=c++$* -O2 -Wall -Wextra -Wno-missing-field-initializers -Werror $(if $(filter 17,$*),-Wno-pedantic,-pedantic) -fPIC -fvisibility=hidden \
	  -Iinclude -shared -DCPP_NAME='"cpp$*"' -o $@ $<

# Under CH_MAX_RESPONSE_BYTES, over a frame limit lowered to 1 MiB.
$(BUILD)/fixtures/hostile-big.so: $(FIXTURE_SOURCE) $(HEADER)
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -shared -DHOSTILE_HUGE -DHUGE_RESPONSE_BYTES='(2u << 20)' -DFIXTURE_NAME='"hostile-big"' -o $@ $<

$(BUILD)/fixtures/slow-writes.so: $(FIXTURE_SOURCE) $(HEADER)
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -shared -DFIXTURE_SLOW_WRITES -DFIXTURE_NAME='"slow-writes"' -o $@ $<

$(BUILD)/fixtures/not-a-plugin.so: Tests/ConnectorHostTests/Fixtures/not-a-plugin.so.txt
	@mkdir -p $(@D)
	cp $< $@

# --- test and run ------------------------------------------------------------

# After the suite, no sandbox worker it started may be left: each carries the
# run's marker in its environment. The suites that start PostgreSQL and fleets
# of servers run apart, after the rest: on two cores, together they starve
# the timing-sensitive tests of the rest.
DATABASE_SUITES := FleetTests|RegistryBackendTests|DurabilityTests
test: deps browser-deps test-deps plugins fixtures $(VENV)/bin/schemathesis $(VENV)/.http-servers-$(HTTPBIN_VERSION)-$(AUTHLIB_VERSION) \
  $(VENV)/.selenium-$(SELENIUM_VERSION)
	$(SWIFT) build --build-tests
	$(MAKE) --no-print-directory docs-check
	@run="test-$$$$-$$(date +%s%N)"; \
	CONNECTOR_HOST_BIN=$(BIN) CONNECTOR_HOST_TEST_RUN=$$run $(SWIFT) test --skip-build --skip '$(DATABASE_SUITES)'; status=$$?; \
	CONNECTOR_HOST_BIN=$(BIN) CONNECTOR_HOST_TEST_RUN=$$run $(SWIFT) test --skip-build --filter '$(DATABASE_SUITES)' || status=1; \
	left=$$(grep -lsa "CONNECTOR_HOST_TEST_RUN=$$run" /proc/[0-9]*/environ | wc -l); \
	if [ "$$left" -gt 0 ]; then echo "error: $$left sandbox worker(s) outlived the test run"; exit 1; fi; \
	exit $$status
	Tests/schemathesis/run.sh $(BIN) $(BUILD)/plugins $(VENV) $(SCHEMATHESIS_EXAMPLES)
	$(VENV)/bin/python Tests/console/console_test.py $(BIN) $(BUILD)/plugins $(BUILD)/fixtures
	Tests/run/make-run.sh

# The web console in headless Chromium (part of make test): screenshots of
# each page land in build/screenshots/.
test-console: deps browser-deps plugins fixtures $(VENV)/.http-servers-$(HTTPBIN_VERSION)-$(AUTHLIB_VERSION) \
  $(VENV)/.selenium-$(SELENIUM_VERSION)
	$(SWIFT) build --product connector-host
	$(SWIFT) build --product connector-host-worker
	$(VENV)/bin/python Tests/console/console_test.py $(BIN) $(BUILD)/plugins $(BUILD)/fixtures

$(VENV)/.selenium-$(SELENIUM_VERSION): $(VENV)/bin/schemathesis
	$(VENV)/bin/pip install --quiet 'selenium==$(SELENIUM_VERSION)'
	@touch $@

# --- API documentation -----------------------------------------------------------
#
# DocC, through swift-docc-plugin: each library's doc comments and its catalogue
# (Sources/NAME/NAME.docc) become build/docs/NAME, a static site: serve
# build/docs and open /NAME/documentation/name. No network is needed.
DOCS := $(BUILD)/docs
DOCUMENTED := ConnectorHost ConnectorHostRuntime ConnectorHostRegistry ConnectorHostServer

docs: deps
	@mkdir -p $(DOCS)
	@for target in $(DOCUMENTED); do \
	  $(SWIFT) package --disable-sandbox generate-documentation --target $$target --output-path $(DOCS)/$$target \
	    --transform-for-static-hosting --hosting-base-path $$target --warnings-as-errors || exit 1; \
	done
	@echo "documentation: $(DOCS)/{$$(echo $(DOCUMENTED) | tr ' ' ',')}/index.html"

# Every public symbol of the libraries has a summary (the symbol graphs of the
# debug build, read by scripts/check-doc-summaries.py), and the Embedding
# article's code is the example target's, as written.
docs-check:
	@mkdir -p $(BUILD)
	@$(SWIFT) package dump-symbol-graph --minimum-access-level public --skip-synthesized-members > $(BUILD)/symbol-graph.log 2>&1 \
	  || { cat $(BUILD)/symbol-graph.log; exit 1; }
	@python3 scripts/check-doc-summaries.py "$$(sed -n 's/^Files written to //p' $(BUILD)/symbol-graph.log)" $(DOCUMENTED)
	@python3 scripts/check-article-code.py Sources/ConnectorHost/ConnectorHost.docc/Embedding.md \
	  Sources/connector-host-example/main.swift

# --- the API against its OpenAPI document ------------------------------------

$(VENV)/bin/schemathesis:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet 'schemathesis==$(SCHEMATHESIS_VERSION)'

# The real servers the declarative-connector tests call, each started on a
# free loopback port by a script of Tests/http: httpbin, and an OAuth2
# authorization server made with Authlib.
$(VENV)/.http-servers-$(HTTPBIN_VERSION)-$(AUTHLIB_VERSION): $(VENV)/bin/schemathesis
	$(VENV)/bin/pip install --quiet 'httpbin==$(HTTPBIN_VERSION)' 'authlib==$(AUTHLIB_VERSION)'
	@touch $@

schemathesis: deps plugins $(VENV)/bin/schemathesis
	$(SWIFT) build --product connector-host
	$(SWIFT) build --product connector-host-worker
	Tests/schemathesis/run.sh $(BIN) $(BUILD)/plugins $(VENV) $(SCHEMATHESIS_EXAMPLES)

schemathesis-full: deps plugins $(VENV)/bin/schemathesis
	$(SWIFT) build --product connector-host
	$(SWIFT) build --product connector-host-worker
	Tests/schemathesis/run.sh $(BIN) $(BUILD)/plugins $(VENV) 100

# The custom-function tests under AddressSanitizer and LeakSanitizer, host and
# workers alike: a string or buffer a plugin returns that the host does not
# free, or frees twice, fails the run. The workers then run without their
# seccomp filter and address-space limit (CONNECTOR_HOST_SANITIZED), which the
# sanitizers cannot live with.
test-leaks: deps plugins fixtures
	$(SWIFT) build --sanitize=address --scratch-path .build-asan --build-tests
	CONNECTOR_HOST_SANITIZED=1 CONNECTOR_HOST_BIN=.build-asan/debug/connector-host $(SWIFT) test --sanitize=address \
	  --scratch-path .build-asan --skip-build --disable-xctest --filter CustomFunctionTests

# Starts the server on the bundled plugins with the embedded SQLite registry,
# in development mode (the bundled plugins are not registered). The admin token
# is kept in data/admin-token; the plugins write only to data/plugin-data.
run: deps plugins
	$(SWIFT) build
	@mkdir -p data/plugin-data
	@[ -s data/admin-token ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > data/admin-token
	@token=$$(cat data/admin-token); \
	echo ""; \
	echo "Admin token: $$token"; \
	echo "Try, from another shell:"; \
	echo "  curl -H 'authToken: '$$token http://127.0.0.1:$(RUN_PORT)/plugins"; \
	echo "  curl -H 'authToken: '$$token -X POST http://127.0.0.1:$(RUN_PORT)/connectors/tracker/functions/checksum -d '[\"hello\"]'"; \
	echo "  curl -H 'authToken: '$$token http://127.0.0.1:$(RUN_PORT)/openapi.json"; \
	echo "  or open http://127.0.0.1:$(RUN_PORT)/ in a browser and sign in with the token"; \
	echo ""; \
	CONNECTOR_HOST_ADMIN_TOKEN=$$token exec $(BIN) serve --plugins $(BUILD)/plugins --db data/connector-host.sqlite --dev \
	  --data-directory $(CURDIR)/data/plugin-data --port $(RUN_PORT)

# --- fuzzing -------------------------------------------------------------------
#
# A libFuzzer harness for every parser of outside bytes: Fuzz/NAME/main.swift
# (or fuzz.c), with its seed corpus in Fuzz/NAME/corpus. Each is built by
# swiftc from an explicit list of the package's files, not by a sanitized
# SwiftPM build of everything: the library files become a small ConnectorHost
# module (built with -enable-testing, so harnesses reach internal decoders),
# and the harness, with any server file it fuzzes, is built against it.
# New inputs libFuzzer finds go to build/fuzz/NAME/corpus, crashes to
# build/fuzz/NAME/crash-*; a crash fails the run. Swift's own backtracer is off
# there: libFuzzer reports the crash and saves its input.

FUZZ := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SHORT_SECONDS ?= 5
# The toolchain's own clang: its libFuzzer and sanitizer runtimes match swiftc's.
CLANG ?= $(or $(wildcard $(dir $(shell command -v $(SWIFTC) 2>/dev/null))clang),clang)
FUZZ_TARGETS := multipart archive wire descriptor json json-scan custom-arguments
FUZZ_SWIFT_FLAGS := -sanitize=fuzzer,address -use-ld=lld -parse-as-library -O -g -swift-version 6 -package-name ConnectorHost \
  -I include -I Fuzz/Support -I Sources/CArchive
FUZZ_CFLAGS := -std=c99 -O1 -g -Wall -Wextra -Werror -Iinclude -ISources/CConnectorHostJSON/include \
  -ISources/CConnectorHostFFI/include

LIBRARY := Sources/ConnectorHostRuntime
FUZZ_MODEL := $(addprefix $(LIBRARY)/,Errors/ConnectorHostError.swift Errors/ConnectorHostError+Remedy.swift Clock/Duration+Units.swift JSON/Base64.swift JSON/Hex.swift JSON/JSONValue.swift JSON/JSONValue+Parsing.swift JSON/JSONValue+Writing.swift JSON/JSONValidator.swift \
  $(addprefix Plugin/,APIGroup.swift CustomValue.swift PluginDescription.swift PluginFunction.swift \
  ConnectorMetadata.swift PluginManifest.swift PluginSecret.swift ResilienceOverrides.swift StandardOperation.swift ValueType.swift))
JSON_SCAN := Sources/CConnectorHostJSON/JSONScan.c

FUZZ_LIBRARY_multipart := $(LIBRARY)/Errors/ConnectorHostError.swift $(LIBRARY)/Errors/ConnectorHostError+Remedy.swift
FUZZ_SERVER_multipart := Sources/ConnectorHostServer/MultipartForm.swift
FUZZ_LIBRARY_archive := $(LIBRARY)/Errors/ConnectorHostError.swift $(LIBRARY)/Errors/ConnectorHostError+Remedy.swift
FUZZ_SERVER_archive := Sources/ConnectorHostServer/DistributionArchive.swift
FUZZ_CUSTOM_CALL := $(addprefix $(LIBRARY)/Runtime/,CustomFunctionRequest.swift CustomReply.swift PluginReply.swift SessionID.swift)
FUZZ_LIBRARY_wire := $(FUZZ_MODEL) $(FUZZ_CUSTOM_CALL) Sources/ConnectorHost/Resilience/ResiliencePolicy.swift \
  $(addprefix $(LIBRARY)/Plugin/,ABISizes.swift DescriptorValidator.swift PluginDescription+Bounds.swift) \
  $(addprefix $(LIBRARY)/Protocol/,Frame.swift WireBytes.swift SandboxMessages.swift)
FUZZ_C_wire := $(JSON_SCAN)
FUZZ_LIBRARY_descriptor := $(FUZZ_MODEL) \
  $(addprefix $(LIBRARY)/Plugin/,ABISizes.swift DescriptorValidator.swift PluginDescription+Bounds.swift)
FUZZ_C_descriptor := $(JSON_SCAN)
FUZZ_LIBRARY_json := $(addprefix $(LIBRARY)/,JSON/JSONValidator.swift JSON/JSONValue.swift JSON/JSONValue+Parsing.swift JSON/JSONValue+Writing.swift Errors/ConnectorHostError.swift Errors/ConnectorHostError+Remedy.swift)
FUZZ_C_json := $(JSON_SCAN)
FUZZ_LIBRARY_custom-arguments := $(FUZZ_MODEL) $(FUZZ_CUSTOM_CALL) \
  $(addprefix $(LIBRARY)/Plugin/,CustomFunctionCall.swift CustomValue+JSON.swift AddressSet.swift HostAllocator.swift PluginMessage.swift) \
  $(LIBRARY)/Runtime/PluginCallContext.swift $(LIBRARY)/Concurrency/ShutdownSignal.swift $(LIBRARY)/System/MonotonicClock.swift
FUZZ_C_custom-arguments := $(JSON_SCAN) Sources/CConnectorHostFFI/FFICall.c
FUZZ_LINK_custom-arguments := -lffi

define fuzz_rule
$(FUZZ)/$(1)/fuzz: Fuzz/$(1)/main.swift Fuzz/Support/module.modulemap $(FUZZ_LIBRARY_$(1)) $(FUZZ_SERVER_$(1)) $(FUZZ_C_$(1)) | deps
	@rm -rf $$(@D)/objects && mkdir -p $$(@D)/objects
	$(foreach c,$(FUZZ_C_$(1)),$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address -c $(c) -o $$(@D)/objects/$(notdir $(c)).o &&) true
	$(SWIFTC) $(FUZZ_SWIFT_FLAGS) -enable-testing -module-name ConnectorHost -emit-library -static \
	  -emit-module -emit-module-path $$(@D)/ConnectorHost.swiftmodule -o $$(@D)/libConnectorHost.a $(FUZZ_LIBRARY_$(1))
	$(SWIFTC) $(FUZZ_SWIFT_FLAGS) -module-name Fuzz -I $$(@D) Fuzz/$(1)/main.swift $(FUZZ_SERVER_$(1)) \
	  $$(@D)/libConnectorHost.a $(foreach c,$(FUZZ_C_$(1)),$$(@D)/objects/$(notdir $(c)).o) $(FUZZ_LINK_$(1)) -o $$@
endef
$(foreach name,$(filter-out json-scan,$(FUZZ_TARGETS)),$(eval $(call fuzz_rule,$(name))))

# The C inner loop of the JSON check, on its own: plain clang.
$(FUZZ)/json-scan/fuzz: Fuzz/json-scan/fuzz.c $(JSON_SCAN)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address -fuse-ld=lld $^ -o $@

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ)/%/fuzz)

fuzz: fuzz-build
	@for name in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ)/$$name/corpus; \
	  echo "fuzz $$name: $(FUZZ_SECONDS) s"; \
	  SWIFT_BACKTRACE=enable=no $(FUZZ)/$$name/fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=20 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ)/$$name/ $(FUZZ)/$$name/corpus Fuzz/$$name/corpus 2>$(FUZZ)/$$name/log \
	    || { tail -n 60 $(FUZZ)/$$name/log; echo "error: fuzz $$name found a crash (build/fuzz/$$name/)"; exit 1; }; \
	  grep -E "^stat::(number_of_executed_units|new_units_added)" $(FUZZ)/$$name/log | tr '\n' ' '; echo; \
	done

# What CI runs: every harness over its corpus plus a few seconds of search.
fuzz-short:
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SHORT_SECONDS)

bench-deps:
	$(call apt_install,$(BENCH_PACKAGES))

# A release build; not part of make test (timings on shared machines are noisy).
bench: deps bench-deps
	@mkdir -p $(BUILD)/bench
	$(CXX) -std=c++17 -O2 -Wall -Wextra -Werror -pthread -o $(BUILD)/bench/grpc_echo Benchmarks/grpc_echo.cc \
	  $$(pkg-config --cflags --libs grpc++)
	$(CC) $(PLUGIN_CFLAGS) -shared -o $(BUILD)/bench/echo.so Benchmarks/echo_plugin.c
	$(CC) $(PLUGIN_CFLAGS) -shared -DECHO_VERSION='"2.0.0"' -o $(BUILD)/bench/echo-v2.so Benchmarks/echo_plugin.c
	$(CC) $(PLUGIN_CFLAGS) -shared -DECHO_SCALE_TEMPLATE -o $(BUILD)/bench/scale-template.so Benchmarks/echo_plugin.c
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -o $(BUILD)/bench/raw_echo Benchmarks/raw_echo.c
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -pthread -o $(BUILD)/bench/http_server Benchmarks/http_server.c
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -o $(BUILD)/bench/curl_get Benchmarks/curl_get.c -lcurl
	$(SWIFT) build -c release --product connector-host-bench
	$(SWIFT) build -c release --product connector-host-worker
	$(SWIFT) build -c release --product connector-host
	BENCH_GRPC_ECHO=$(BUILD)/bench/grpc_echo BENCH_NGINX=$$(command -v nginx || echo /usr/sbin/nginx) BENCH_WRK=$$(command -v wrk) \
	  .build/release/connector-host-bench $(BUILD)/bench/echo.so $(BUILD)/bench/raw_echo 256 $(BUILD)/bench/echo-v2.so \
	  $(BUILD)/bench/http_server $(BUILD)/bench/curl_get

# Instructions per call of (a) and (b), counted under QEMU (valgrind dies on
# Swift concurrency): stable where nanoseconds are not. Not part of make test.
bench-instructions: deps
	$(call apt_install,qemu-user)
	@mkdir -p $(BUILD)/bench
	$(CC) $(PLUGIN_CFLAGS) -shared -o $(BUILD)/bench/echo.so Benchmarks/echo_plugin.c
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -o $(BUILD)/bench/raw_echo Benchmarks/raw_echo.c
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -fPIC -shared -o $(BUILD)/bench/instruction_count.so Benchmarks/instruction_count.c
	$(SWIFT) build -c release --product connector-host-bench
	Benchmarks/count_instructions.sh .build/release/connector-host-bench $(BUILD)/bench/instruction_count.so \
	  $(BUILD)/bench/echo.so $(BUILD)/bench/raw_echo

clean:
	rm -rf $(BUILD) .build
