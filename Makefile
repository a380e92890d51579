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
#   make kmod        the module, against KDIR
#   make tools       shadowctl and the tracer (CMake, in build/tools)
#   make unit        the tools' GoogleTest suite on the host
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
#   CONFIG_SHADOWSLAB_DEBUG=y   the Kconfig.example debug option
#   V=1              verbose module build

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

export VM_KERNEL VM_OPTS

.PHONY: all deps kmod vm-kmod vm-kmod-clean tools unit check demo bench \
	debug-kernel check-debug check-rt checkpatch clean

all: kmod tools

deps:
	@$(TOP)/scripts/deps.sh

kmod:
	@test -f $(KDIR)/Makefile || { echo "kmod: no kernel build tree at KDIR=$(KDIR); run 'make deps' or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP)/kmod $(KMOD_FLAGS) modules

vm-kmod:
	$(MAKE) kmod KDIR=$(VM_TARGET_KDIR)

vm-kmod-clean:
	$(MAKE) -C $(VM_TARGET_KDIR) M=$(TOP)/kmod clean

tools:
	cmake -S $(TOP)/tools -B $(BUILD)/tools -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) >/dev/null
	cmake --build $(BUILD)/tools -j $$(nproc)

unit: tools
	ctest --test-dir $(BUILD)/tools --output-on-failure

check: deps
	$(MAKE) vm-kmod tools
	$(TOP)/scripts/check.sh

demo: deps
	$(MAKE) vm-kmod tools
	$(TOP)/scripts/demo.sh

bench: deps
	$(MAKE) vm-kmod tools
	$(TOP)/scripts/bench.sh

debug-kernel: deps
	$(TOP)/scripts/build-debug-kernel.sh

check-debug: deps
	$(MAKE) tools
	$(TOP)/scripts/check-debug.sh

check-rt: deps
	$(MAKE) tools
	$(TOP)/scripts/check-rt.sh

checkpatch:
	$(TOP)/scripts/checkpatch.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP)/kmod clean
	rm -rf $(BUILD)
