# SPDX-License-Identifier: GPL-2.0
#
# shadowslab: the front door.  See README.md.
#
#   make demo        set up, boot the VM, load the module, compare strategies
#   make check       host unit tests, then every selftest in the VM
#   make bench       the fuller comparison, JSON in build/bench/
#   make check-debug every selftest and the stress suite under the debug
#                    kernel (lockdep, KASAN, kmemleak; built once, cached)
#   make debug-kernel  build that kernel only (scripts/build-debug-kernel.sh)
#   make check-rt    every selftest under Debian's PREEMPT_RT kernel
#   make check KERNEL=lts   one kernel lane only: stable (6.1), lts (6.12
#                    from bookworm-backports) or newest (trixie-backports)
#   make matrix      one row per Debian kernel (6.1, 6.12, newest): module
#                    built, selftests, exec's percpu allocations, profile
#                    match; build/matrix/matrix.json
#   make kernels     fetch those kernels into the cache (scripts/fetch-kernel.sh)
#   make kmod        the module, against KDIR
#   make tools       shadowctl and the tracer (CMake, in build/tools)
#   make unit        the tools' GoogleTest suite on the host
#   make man         shadowctl(8) from shadowctl's own --help (help2man)
#   make install     shadowctl, its helper, the man page, the bpftrace
#                    scripts and the selftests under PREFIX (DESTDIR too)
#   make uninstall   exactly what make install installed (its manifest)
#   make dkms-install  the module with DKMS, for the running kernel and
#                    every later one (make dkms-uninstall removes it)
#   make deb         build/deb/shadowslab-dkms_*.deb and shadowctl_*.deb
#   make checkpatch  checkpatch.pl over the kernel C
#   make clean
#
# Variables (all optional):
#   KDIR=DIR         kernel build tree for "make kmod"; default: the running
#                    kernel's where it exists, else the headers of VM_KERNEL.
#                    The VM targets build against VM_KERNEL's headers unless
#                    KDIR is given on the command line.
#   VM_KERNEL=FILE   the kernel the VM boots; default: the newest /boot/vmlinuz-*
#                    that is not PREEMPT_RT (*-rt-*: "make check-rt" boots those)
#   VM_OPTS="..."    extra scripts/vm-run options, e.g. "--cpus 4 --mem 4G"
#   KERNEL=LANE      "make check": run only that lane's part (see above)
#   CONFIG_SHADOWSLAB_DEBUG=y   the Kconfig.example debug option
#   V=1              verbose module build
#   PREFIX=DIR       make install's prefix (default /usr/local)
#   DESTDIR=DIR      make install's staging root (default: none)
#   TOOLS_TESTING=OFF  make tools without the GoogleTest suite
#   TOOLS_DEBUG_INFO=0 make tools without -g (a third less compile time;
#                    .ci/run uses it, and debugs nothing it builds)
#
# Each target that needs packages installs its own group of them first
# (scripts/deps.sh GROUP; make deps installs them all).

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build

VM_KERNEL ?= $(shell ls -1 /boot/vmlinuz-* 2>/dev/null | grep -v -- '-rt-' | sort -V | tail -n 1)
VM_KVER = $(patsubst /boot/vmlinuz-%,%,$(VM_KERNEL))
VM_KDIR = /usr/src/linux-headers-$(VM_KVER)
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
KDIR ?= $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR),$(VM_KDIR))
# The VM targets need a module for the VM's kernel.
VM_TARGET_KDIR = $(if $(filter command line,$(origin KDIR)),$(KDIR),$(VM_KDIR))

CONFIG_SHADOWSLAB := m
CONFIG_SHADOWSLAB_DEBUG ?= n
KMOD_FLAGS = CONFIG_SHADOWSLAB=$(CONFIG_SHADOWSLAB) \
	     CONFIG_SHADOWSLAB_DEBUG=$(CONFIG_SHADOWSLAB_DEBUG) W=1

CMAKE_BUILD_TYPE ?= RelWithDebInfo
# The project's own builds treat warnings as errors (the CMake default,
# for packagers and users, does not).
TOOLS_CMAKE_FLAGS = -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) -DSHADOWSLAB_WERROR=ON
# RelWithDebInfo's flags, said each time so that the cache follows the
# setting either way; GCC's -g made the heaviest files ~45% slower to compile.
TOOLS_DEBUG_INFO ?= 1
ifeq ($(TOOLS_DEBUG_INFO),0)
TOOLS_CMAKE_FLAGS += "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -DNDEBUG"
else
TOOLS_CMAKE_FLAGS += "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g -DNDEBUG"
endif
TOOLS_TESTING ?= ON

# shadowslab's one version number (also MODULE_VERSION, shadowctl --version).
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(TOP)/dkms.conf)
PREFIX ?= /usr/local
DESTDIR ?=
DEPS = @$(TOP)/scripts/deps.sh

export VM_KERNEL VM_OPTS

.PHONY: all deps kmod vm-kmod vm-kmod-clean tools tools-bin unit man selftests \
	install uninstall dkms-source dkms-install dkms-uninstall deb check demo \
	bench matrix kernels debug-kernel check-debug check-rt checkpatch clean \
	version

all: kmod tools

deps:
	$(DEPS)

version:
	@echo $(VERSION)

kmod:
	@test -f $(KDIR)/Makefile || { echo "kmod: no kernel build tree at KDIR=$(KDIR); run 'make deps' or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP)/kmod $(KMOD_FLAGS) modules

vm-kmod:
	$(MAKE) kmod KDIR=$(VM_TARGET_KDIR)

vm-kmod-clean:
	$(MAKE) -C $(VM_TARGET_KDIR) M=$(TOP)/kmod clean

tools:
	cmake -S $(TOP)/tools -B $(BUILD)/tools $(TOOLS_CMAKE_FLAGS) -DBUILD_TESTING=$(TOOLS_TESTING) >/dev/null
	cmake --build $(BUILD)/tools -j $$(nproc)

unit: tools
	ctest --test-dir $(BUILD)/tools --output-on-failure

MAN_PAGE = $(BUILD)/man/shadowctl.8
SHADOWCTL_BIN = $(BUILD)/tools/shadowctl/shadowctl

man: tools
	@$(MAKE) --no-print-directory $(MAN_PAGE)

# Remade when shadowctl is relinked (its --help may have changed).
$(MAN_PAGE): $(SHADOWCTL_BIN) $(TOP)/docs/man/shadowctl.h2m $(TOP)/scripts/gen-man.sh
	$(TOP)/scripts/gen-man.sh $(SHADOWCTL_BIN) $@

selftests:
	$(MAKE) -C $(TOP)/selftests OUTPUT=$(BUILD)/selftests

install: tools man selftests
	PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) BUILD=$(BUILD) $(TOP)/scripts/install.sh install

uninstall:
	PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) $(TOP)/scripts/install.sh uninstall

# The module's source as DKMS and the shadowslab-dkms package want it.
dkms-source:
	DESTDIR=$(DESTDIR) $(TOP)/scripts/install.sh dkms-source

dkms-install:
	$(DEPS) box
	$(MAKE) dkms-source DESTDIR=
	dkms status -m shadowslab -v $(VERSION) | grep -q . || dkms add -m shadowslab -v $(VERSION)
	dkms install -m shadowslab -v $(VERSION)

dkms-uninstall:
	dkms remove -m shadowslab -v $(VERSION) --all
	rm -rf /usr/src/shadowslab-$(VERSION)

deb:
	$(DEPS) deb
	$(MAKE) tools man selftests
	BUILD=$(BUILD) $(TOP)/scripts/build-deb.sh

# KERNEL=stable|lts|newest: that lane's part of check.sh only.
CHECK_LANE_PARTS = $(or $(patsubst stable,selftests,$(KERNEL)),$(CHECK_PARTS))

check:
	$(DEPS) check
	$(MAKE) vm-kmod tools
	CHECK_PARTS="$(CHECK_LANE_PARTS)" $(TOP)/scripts/check.sh

# The binaries the guests run, without the unit tests.
tools-bin:
	cmake -S $(TOP)/tools -B $(BUILD)/tools $(TOOLS_CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD)/tools -j $$(nproc) --target shadowctl execbench-loop

matrix:
	$(DEPS) check
	$(MAKE) tools-bin
	$(TOP)/scripts/matrix.sh

kernels:
	$(DEPS) check
	for lane in stable lts newest; do $(TOP)/scripts/fetch-kernel.sh $$lane >/dev/null || exit 1; done

demo:
	$(DEPS) demo
	$(MAKE) vm-kmod tools TOOLS_TESTING=OFF
	$(TOP)/scripts/demo.sh

bench:
	$(DEPS) bench
	$(MAKE) vm-kmod tools TOOLS_TESTING=OFF
	$(TOP)/scripts/bench.sh

debug-kernel:
	$(DEPS) debug
	$(TOP)/scripts/build-debug-kernel.sh

check-debug:
	$(DEPS) debug
	$(MAKE) tools
	$(TOP)/scripts/check-debug.sh

check-rt:
	$(DEPS) rt
	$(MAKE) tools
	$(TOP)/scripts/check-rt.sh

checkpatch:
	$(TOP)/scripts/checkpatch.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP)/kmod clean
	rm -rf $(BUILD)
