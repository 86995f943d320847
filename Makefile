# SPDX-License-Identifier: GPL-2.0
#
# ksrv: `make` builds ksrv.ko for KDIR and the user-space tools.
#   make KDIR=/lib/modules/<release>/build   build for another kernel
#   make install [INSTALL_MOD_PATH=dir]       the built ksrv.ko into
#                                             dir/lib/modules/<release>/updates/,
#                                             then depmod (KREL=<release>
#                                             instead of KDIR)
#   make uninstall [INSTALL_MOD_PATH=dir]     takes it out again
#   make dkms-source [DKMS_SOURCE_TREE=/usr/src] the sources DKMS builds from,
#                                             in /usr/src/ksrv-<version>/
#   make check [QUICK=1] [KERNELS="6.1 6.12"] the test suite, in QEMU guests: stock
#                                             kernels and the debug kernel (not
#                                             with QUICK=1 or DEBUG=0)
#   make check-fresh                          prove tests/deps.sh on a new Debian root
#   make lint                                 W=1, sparse and checkpatch, both kernels
#   make run                                  ksrv in a VM, ports forwarded to the host
#   make bench / make bench-http              benchmarks in a VM (ratios)

# The running kernel's build tree if there is one, else the newest Debian
# headers installed.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V)))
# The release the module's vermagic names, which is what `uname -r` says.
KREL = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
# Objects of different kernels must not mix: each kernel builds in its own
# build/<release>/, a tree of symbolic links to the sources (grep -r does not
# follow them, so each source is found once). A link whose source is gone is
# removed, and so is a plain copy an older Makefile left there.
BUILD = build/$(KREL)
TREE = $(BUILD)
# The one place the version is written; Kbuild and dkms.conf read it too.
VERSION := $(shell cat VERSION)

# VERSION: Kbuild reads it into MODULE_VERSION.
SOURCES = VERSION $(shell find Kbuild src include -name Kbuild -o -name '*.[ch]')

.PHONY: all module tree userspace install uninstall dkms-source check \
	check-fresh lint run bench bench-http unit fuzz debug-kernel clean

all: module userspace

need-krel = @test -n "$(KREL)" || { echo "no kernel build tree at KDIR=$(KDIR)" >&2; exit 1; }

module:
	$(need-krel)
	@$(MAKE) --no-print-directory tree TREE=$(BUILD)
	$(MAKE) -C $(KDIR) M=$(abspath $(BUILD)) modules
	@ln -sf $(BUILD)/ksrv.ko ksrv.ko

# Like the kernel's modules_install, install does not build: it installs
# what `make module` left in build/<release>/, so that it works where the
# tree is read-only (the test guests). KREL=<release> stands for the KDIR
# of that release. updates/ comes before the kernel's own modules in
# depmod's search order.
MODDIR = $(INSTALL_MOD_PATH)/lib/modules/$(KREL)/updates
DEPMOD = depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KREL)

install:
	$(need-krel)
	@test -f $(BUILD)/ksrv.ko || { echo "$(BUILD)/ksrv.ko is not built:" \
		"make module KDIR=<build tree of $(KREL)> first" >&2; exit 1; }
	install -D -m 0644 $(BUILD)/ksrv.ko $(MODDIR)/ksrv.ko
	$(DEPMOD)

uninstall:
	$(need-krel)
	rm -f $(MODDIR)/ksrv.ko
	@rmdir $(MODDIR) 2>/dev/null || true
	@if [ -d $(INSTALL_MOD_PATH)/lib/modules/$(KREL) ]; then \
		echo "$(DEPMOD)"; $(DEPMOD); fi

# What dkms.conf builds with, copied to DKMS_SOURCE_TREE/ksrv-<version>/,
# where `dkms add ksrv/<version>` looks for it.
DKMS_SOURCE_TREE ?= /usr/src
DKMS_SRC = $(DKMS_SOURCE_TREE)/ksrv-$(VERSION)

dkms-source:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	@echo "cp --parents Makefile dkms.conf VERSION Kbuild src include $(DKMS_SRC)/"
	@cp --parents Makefile dkms.conf $(SOURCES) $(DKMS_SRC)/

userspace:
	$(MAKE) -C userspace

# The link tree alone, in TREE (tests/lint.sh builds in one of its own).
tree:
	@mkdir -p $(TREE)
	@find $(TREE) -path '$(TREE)/src/*' -type f -name '*.[ch]' -delete
	@find $(TREE) -path '$(TREE)/include/*' -type f -name '*.[ch]' -delete
	@for f in $(SOURCES); do \
		[ -L $(TREE)/$$f ] && continue; \
		mkdir -p $(TREE)/$$(dirname $$f) && ln -srf $$f $(TREE)/$$f || exit 1; \
	done
	@find $(TREE) -xtype l -delete

check:
	@tests/check.sh

check-fresh:
	@tests/check-fresh.sh

lint:
	@tests/lint.sh

# The VM uses the 6.12 kernel unless KERNEL=6.1; HTTP_ROOT=/dir serves a
# directory of this machine (seen read-only by the guest).
KERNEL ?= 6.12
run:
	@tests/deps.sh
	@kver=$$(tests/vm/kernels.sh $(KERNEL)) && \
	$(MAKE) --no-print-directory module KDIR=/usr/src/linux-headers-$$kver && \
	tests/vm/run.sh -k $$kver -i -p 12345:12345 -p 8081:8081 \
		-e HTTP_ROOT=$(HTTP_ROOT) -e KSRV_ARGS="$(ARGS)" -- tests/vm/demo.sh

# BENCH_ARGS: options of tests/bench/*-bench.sh, e.g. "-k 6.1 -n 5".
bench:
	@tests/bench/echo-bench.sh $(BENCH_ARGS)

bench-http:
	@tests/bench/http-bench.sh $(BENCH_ARGS)

# The KASAN/kmemleak/lockdep kernels of `make check` (cached; built on
# first use): both series; DEBUG_KERNELS=6.1 only the 6.1 one.
DEBUG_KERNELS ?= 6.1 6.12
debug-kernel:
	@for s in $(DEBUG_KERNELS); do tests/debugkernel/build.sh -s $$s || exit 1; done

unit:
	$(MAKE) -C tests/unit

fuzz:
	@tests/fuzz/run.sh

# A DKMS source tree has no userspace/.
clean:
	rm -rf build ksrv.ko
	-[ ! -d userspace ] || $(MAKE) -C userspace clean
