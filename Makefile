# dcos-docker: the front end compatible with the original Makefile tool.
#   make                      set up this machine, build, bring up the default cluster
#   make MASTERS=3 AGENTS=5   ... with other node counts
#   make postflight           wait until DC/OS is healthy
#   make clean                destroy the cluster
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
JOBS ?= 2
CLI := $(BUILD_DIR)/dcos-docker

.PHONY: all deps docker build build-image cluster install-dcos postflight info clean test \
	test-unit test-integration test-asan bench help install web

all: deps docker build build-image cluster install-dcos info ## Set up, build and bring up the default cluster (and DC/OS when the installer is here)

deps: ## Install build dependencies, docker.io and mmdebstrap (as root; otherwise says what to install)
	@scripts/install-deps

docker: deps ## Start a Docker daemon if none answers
	@scripts/ensure-docker

build: deps ## Build the dcos-docker CLI into build/
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD_DIR) -j$(JOBS)

build-image: build docker ## Build the node image (cached: a no-op when the recipe did not change)
	@$(CLI) build-image --distro $(DISTRO)

cluster: build-image ## (Re)create the cluster with MASTERS, AGENTS, PUBLIC_AGENTS, DISTRO
	@$(CLI) destroy --cluster $(CLUSTER) --ignore-missing --quiet
	@$(CLI) create --cluster $(CLUSTER) --masters $(MASTERS) --agents $(AGENTS) \
		--public-agents $(PUBLIC_AGENTS) --distro $(DISTRO) >/dev/null

install-dcos: cluster ## Install DC/OS when $(DCOS_GENERATE_CONFIG_PATH) exists
	@if [ -f "$(DCOS_GENERATE_CONFIG_PATH)" ]; then \
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
	@$(CLI) inspect --cluster $(CLUSTER) | python3 -c 'import json,sys; c=json.load(sys.stdin); \
		[print("%-13s %-32s %s" % (n["role"], n["container_name"], n["ip"])) for n in c["nodes"]]; \
		print("DC/OS %s (%s), web UI: %s" % (c["dcos"]["version"], c["dcos"]["variant"], c["web_ui"])) if c.get("dcos") else None'

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
	@cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DDD_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD_DIR) -j$(JOBS)
	@# A sanitizer finding exits 86, which no test expects (tests check exit codes 1 and 2).
	@cd $(ASAN_BUILD_DIR) && ASAN_OPTIONS=detect_leaks=1:exitcode=86 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86 ctest --output-on-failure

.PHONY: test-vm
test-vm: build build-image ## Host tests in QEMU VMs: cgroup v1/v2 with --privileged, Docker 26 (root; VM_KINDS="1 2 3")
	@tests/vm/run $(or $(VM_KINDS),1 2 3)

bench: build build-image ## Benchmarks: create/destroy and run versus the docker CLI
	@bench/create
	@if [ -x bench/run ]; then bench/run; fi

install: build ## Install the CLI (PREFIX=/usr/local)
	@cmake --install $(BUILD_DIR) --prefix $(or $(PREFIX),/usr/local)

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  \1\t/' | expand -t 16
	@echo "Variables: MASTERS=$(MASTERS) AGENTS=$(AGENTS) PUBLIC_AGENTS=$(PUBLIC_AGENTS) DISTRO=$(DISTRO) CLUSTER=$(CLUSTER)"
	@echo "           DCOS_GENERATE_CONFIG_PATH=$(DCOS_GENERATE_CONFIG_PATH) EXTRA_GENCONF_CONFIG_FILE="
