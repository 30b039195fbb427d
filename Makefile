# kpgen - top-level build.  `make help` lists the targets.
PY	:= /usr/bin/python3
KVER	?= $(shell scripts/kver.sh 2>/dev/null)
KDIR	?= /lib/modules/$(KVER)/build
export KVER KDIR

PYTEST	:= $(PY) -m pytest -ra

.PHONY: all help deps build test test-unit test-target target-run demo bench clean

all: build

help:
	@echo "make deps                 install what kpgen needs (Debian packages)"
	@echo "make                      build the runtime, examples, eBPF tools, tests"
	@echo "make test                 unit tests + integration tests in the QEMU target"
	@echo "make demo                 the main job, end to end, in the QEMU target"
	@echo "make bench                benchmarks in the QEMU target -> build/bench/"
	@echo "make target-run CMD='..'  run a command as root in a fresh QEMU target"
	@echo "KDIR=/lib/modules/\$$(uname -r)/build   build modules for this machine"

deps:
	@scripts/deps.sh

# Order matters: plugins link against the runtime's Module.symvers, apps
# against libkp.
SUBDIRS	:= runtime examples/reference examples/edu/kernel examples/edu/app \
	   tests/target/progs tests/target/kmod tests/target/plugins/kp_msix bpf bench

build:
	@set -e; for d in $(SUBDIRS); do $(MAKE) -s -C $$d; done

test: build
	$(PYTEST) tests

test-unit:
	$(PYTEST) -m "not target" tests

test-target: build
	$(PYTEST) -m target tests

target-run:
	@test -n "$(CMD)" || { echo "usage: make target-run CMD='command'" >&2; exit 2; }
	@$(PY) target/run.py -- '$(subst ','\'',$(CMD))'

demo: build
	@examples/edu/demo.sh

bench: build
	$(PY) bench/run.py --publish

clean:
	@for d in $(SUBDIRS); do $(MAKE) -s -C $$d clean; done
	rm -rf build
