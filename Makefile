# dcos-docker: the front end compatible with the original Makefile tool.
#   make                      set up this machine, build, bring up the default cluster
#   make MASTERS=3 AGENTS=5   ... with other node counts
#   make postflight           wait until DC/OS is healthy
#   make clean                destroy the cluster
#   make recreate             destroy the cluster and create it anew
#   make V=1                  show the build's and the tools' full output
#   make test                 run the whole test suite
#   make help                 list the targets
MASTERS ?= 1
AGENTS ?= 1
PUBLIC_AGENTS ?= 1
DISTRO ?= bookworm
CLUSTER ?= dcos-docker
DCOS_GENERATE_CONFIG_PATH ?= $(CURDIR)/dcos_generate_config.sh
EXTRA_GENCONF_CONFIG_FILE ?=
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
CLANG_BUILD_DIR ?= build-clang
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
# Past the parsers' caps (16 KiB head and trailer, 4 KiB chunk line), so the
# fuzzers reach the limits too.
FUZZ_MAX_LEN ?= 20000
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
CLANG_FORMAT ?= clang-format
JOBS ?= 2
CLI := $(BUILD_DIR)/dcos-docker
# Quiet by default: no "Entering directory" lines from the cmake-made
# makefiles; V=1 shows them and every compiler line.
MAKEFLAGS += --no-print-directory
V ?=
ifeq ($(V),1)
QUIET_BUILD :=
else
# The build's output goes to a log, shown only when the build fails.
QUIET_BUILD = >$(BUILD_DIR)/build.log 2>&1 || { tail -40 $(BUILD_DIR)/build.log; exit 1; }
endif

.PHONY: all deps docker build build-image cluster install-dcos postflight info clean test \
	test-unit test-integration test-asan test-clang fuzz format format-check bench help install web recreate \
	integration-test

all: deps docker build build-image cluster install-dcos info ## Set up, build and bring up the default cluster (and DC/OS when the installer is here)

deps: ## Install build dependencies, docker.io and mmdebstrap (as root; otherwise says what to install)
	@scripts/install-deps

docker: deps ## Start a Docker daemon if none answers
	@scripts/ensure-docker

build: deps ## Build the dcos-docker CLI into build/
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDD_WERROR=ON >/dev/null
	@cmake --build $(BUILD_DIR) -j$(JOBS) $(QUIET_BUILD)

# The tag names the recipe's hash: an image of that tag is up to date, and
# a quiet make says nothing about it (V=1 lets build-image say so).
build-image: build docker ## Build the node image (cached: a no-op when the recipe did not change)
ifeq ($(V),1)
	@$(CLI) build-image --distro $(DISTRO) --verbose
else
	@docker image inspect "$$($(CLI) build-image --distro $(DISTRO) --print-tag)" >/dev/null 2>&1 || \
		$(CLI) build-image --distro $(DISTRO) >/dev/null
endif

cluster: build-image ## Create the cluster; keep it when it is up with MASTERS, AGENTS, PUBLIC_AGENTS, DISTRO
	@scripts/make-cluster $(CLI) $(CLUSTER) $(MASTERS) $(AGENTS) $(PUBLIC_AGENTS) $(DISTRO) $(CLUSTER_MODE)

recreate: ## As make, but destroy the cluster and create it anew (DC/OS too, with the installer here)
	@$(MAKE) all CLUSTER_MODE=recreate

# A kept cluster keeps its DC/OS: installing twice is refused by the nodes anyway.
install-dcos: cluster ## Install DC/OS when $(DCOS_GENERATE_CONFIG_PATH) exists (and the cluster has none)
	@if [ "$$($(CLI) inspect --cluster $(CLUSTER) 2>/dev/null | jq -r '.dcos != null')" = true ]; then \
		echo "DC/OS is installed on $(CLUSTER): kept"; \
	elif [ -f "$(DCOS_GENERATE_CONFIG_PATH)" ]; then \
		$(CLI) install --cluster $(CLUSTER) \
			$(if $(EXTRA_GENCONF_CONFIG_FILE),--extra-config "$(EXTRA_GENCONF_CONFIG_FILE)") \
			"$(DCOS_GENERATE_CONFIG_PATH)"; \
	else \
		echo "No DC/OS installer at $(DCOS_GENERATE_CONFIG_PATH): bare nodes only."; \
		echo "To add DC/OS, put dcos_generate_config.sh there and run 'make' again,"; \
		echo "or run: $(CLI) install --cluster $(CLUSTER) PATH/TO/dcos_generate_config.sh"; \
	fi

postflight: build ## Wait until DC/OS is healthy on every node
	@$(CLI) wait --cluster $(CLUSTER)

info: build ## Print each node's role, name and IP
	@$(CLI) inspect --cluster $(CLUSTER) | jq -r '(.nodes[] | "\(.role)\t\(.container_name)\t\(.ip)"), (select(.dcos) | "DC/OS \(.dcos.version) (\(.dcos.variant)), web UI: \(.web_ui)")' | \
		awk -F'\t' 'NF == 3 { printf "%-13s %-32s %s\n", $$1, $$2, $$3; next } { print }'

# The old Makefile's `make test` (ours runs this project's tests): DC/OS's
# own integration tests on master1, then their junit XML copied out when the
# run wrote one (as the old ci/test-integration.sh did with docker cp), and
# the tests' exit code. The variables reach the commands through the
# environment, so any quoting in them stays as written.
DCOS_PYTEST_CMD ?= pytest -vv --junitxml=test-junit.xml
DCOS_CHECKOUT_DIR ?=
JUNIT_XML ?= test-junit.xml
DCOS_TEST_DIR := /opt/mesosphere/active/dcos-integration-test
integration-test: export DCOS_PYTEST_CMD := $(DCOS_PYTEST_CMD)
integration-test: export DCOS_CHECKOUT_DIR := $(DCOS_CHECKOUT_DIR)
integration-test: export JUNIT_XML := $(JUNIT_XML)
integration-test: build ## Run DC/OS's integration tests (DCOS_PYTEST_CMD) on master1, after a sync of DCOS_CHECKOUT_DIR if set; junit XML to JUNIT_XML
	@rc=0; $(CLI) run --cluster $(CLUSTER) --test-env $(if $(DCOS_CHECKOUT_DIR),--sync-dir "$$DCOS_CHECKOUT_DIR") \
		--env DCOS_PYTEST_CMD -- sh -c 'eval "$$DCOS_PYTEST_CMD"' || rc=$$?; \
	if $(CLI) run --cluster $(CLUSTER) -n -- test -f $(DCOS_TEST_DIR)/test-junit.xml; then \
		$(CLI) download-file --cluster $(CLUSTER) --node master1 --force -q \
			$(DCOS_TEST_DIR)/test-junit.xml "$$JUNIT_XML" && echo "junit XML: $$JUNIT_XML"; \
	fi; exit $$rc

web: build ## Print the web UI address of master1
	@$(CLI) web --cluster $(CLUSTER)

clean: ## Destroy the cluster (a cluster that is already gone is fine)
	@if [ -x $(CLI) ]; then $(CLI) destroy --cluster $(CLUSTER) --ignore-missing; fi

test: build build-image ## Run the whole test suite: unit tests, then integration tests on the real daemon
	@cd $(BUILD_DIR) && ctest --output-on-failure -L unit
	@cd $(BUILD_DIR) && ctest --output-on-failure -L integration

test-unit: build ## Unit tests only
	@cd $(BUILD_DIR) && ctest --output-on-failure -L unit

test-asan: deps docker build-image ## The whole test suite built with ASan+UBSan
	@cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DDD_SANITIZE=ON -DDD_WERROR=ON >/dev/null
	@cmake --build $(ASAN_BUILD_DIR) -j$(JOBS)
	@# A sanitizer finding exits 86, which no test expects (tests check exit codes 1 and 2).
	@cd $(ASAN_BUILD_DIR) && ASAN_OPTIONS=detect_leaks=1:exitcode=86 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86 ctest --output-on-failure

test-clang: deps ## Build everything with clang (-Werror) into build-clang/ and run the unit tests
	@CC=clang cmake -S . -B $(CLANG_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDD_WERROR=ON >/dev/null
	@cmake --build $(CLANG_BUILD_DIR) -j$(JOBS)
	@cd $(CLANG_BUILD_DIR) && ctest --output-on-failure -L unit

# libFuzzer writes what it finds into the first corpus directory: a copy in
# the build dir, so the committed seeds change only by hand. A crash leaves
# its input in $(FUZZ_BUILD_DIR)/artifacts/; commit it to tests/fuzz/corpus/.
fuzz: deps ## Build the libFuzzer targets (clang) and run each for FUZZ_SECONDS (60)
	@CC=clang cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDD_FUZZ=ON \
		-DDD_WERROR=ON >/dev/null
	@cmake --build $(FUZZ_BUILD_DIR) -j$(JOBS) --target $(FUZZ_TARGETS)
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD_DIR)/corpus/$$t $(FUZZ_BUILD_DIR)/artifacts; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(FUZZ_BUILD_DIR)/tests/fuzz/$$t \
			-max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD_DIR)/artifacts/$$t- \
			$(FUZZ_BUILD_DIR)/corpus/$$t tests/fuzz/corpus/$$t 2>$(FUZZ_BUILD_DIR)/$$t.log || { \
			tail -50 $(FUZZ_BUILD_DIR)/$$t.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^Done' $(FUZZ_BUILD_DIR)/$$t.log || true; \
	done

# Only the git-tracked C sources: no build dirs, no generated headers.
FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format: ## Rewrite the C sources in the committed .clang-format style
	@$(CLANG_FORMAT) -i $(FORMAT_FILES)

format-check: ## Fail when a C source is not in the committed .clang-format style
	@$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_FILES)

.PHONY: test-vm
test-vm: build build-image ## Host tests in QEMU VMs: cgroup v1/v2 with --privileged, Docker 26 (root; VM_KINDS="1 2 3")
	@tests/vm/run $(or $(VM_KINDS),1 2 3)

bench: build build-image ## Benchmarks: create/destroy and run versus the docker CLI
	@bench/create
	@if [ -x bench/run ]; then bench/run; fi
	@bench/restore
	@bench/scale

install: build ## Install the CLI (PREFIX=/usr/local)
	@cmake --install $(BUILD_DIR) --prefix $(or $(PREFIX),/usr/local)

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  \1\t/' | expand -t 20
	@echo "Variables: MASTERS=$(MASTERS) AGENTS=$(AGENTS) PUBLIC_AGENTS=$(PUBLIC_AGENTS) DISTRO=$(DISTRO) CLUSTER=$(CLUSTER)"
	@echo "           DCOS_GENERATE_CONFIG_PATH=$(DCOS_GENERATE_CONFIG_PATH) EXTRA_GENCONF_CONFIG_FILE="
