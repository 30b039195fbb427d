# SPDX-License-Identifier: GPL-2.0
#
# kpgen-project.mk - the body of every kpgen project's Makefile, shipped
# with the runtime (a kpgen clone's runtime/, kp-runtime-dkms's
# /usr/share/kp-runtime/): the generated Makefile sets NAME, PCI_ID and
# RUNTIME and includes it, so a fix here reaches every project.
#
#   make                  $(NAME)_kp.ko and $(NAME)_diag for the kernel `make load` uses
#   make load             load kp_runtime.ko (if needed) and $(NAME)_kp.ko, and bind
#                         the device even when another driver owns it (root,
#                         kp-bind, next to this file or in /usr/libexec/kp-runtime)
#   make unload           unbind, give the device back to its driver, rmmod
#   make load TARGET=qemu CMD='./$(NAME)_diag --script info'
#                         the same in a fresh QEMU target of the kpgen tree,
#                         then CMD there (extra devices: KP_QEMU_ARGS)
#   make TARGET=host      build for the running kernel (the default when its
#                         headers are installed), TARGET=qemu for the target's
#   make KDIR=/path/to/kernel/build RUNTIME=/path/to/runtime
# A project's additions go in its local.mk.

ifeq ($(NAME)$(PCI_ID),)
$(error kpgen-project.mk: set NAME, PCI_ID and RUNTIME before including it)
endif
MODULE		?= $(NAME)_kp

# an installed runtime (Debian's kp-runtime-dkms, libkp-dev) says where its
# parts are (its kp-runtime.mk); those of a clone's runtime/ follow
ifneq ($(wildcard $(RUNTIME)/kp-runtime.mk),)
include $(RUNTIME)/kp-runtime.mk
endif
KP_INCLUDE	?= $(abspath $(RUNTIME)/include)
KP_SYMVERS	?= $(abspath $(RUNTIME)/kernel/Module.symvers)
KP_RUNTIME_KO	?= $(abspath $(RUNTIME)/kernel/kp_runtime.ko)
LIBKP_DIR	?= $(abspath $(RUNTIME)/lib)
DIAG_CPPFLAGS	?= -I$(KP_INCLUDE)/uapi -I$(LIBKP_DIR) -I$(LIBKP_DIR)/diag
DIAG_LIBS	?= $(LIBKP_DIR)/diag/build/libkpdiag.a $(LIBKP_DIR)/build/libkp.a -lpthread
KP_RUNTIME_LOAD	?= insmod $(KP_RUNTIME_KO)
KP_RUNTIME_HINT	?= build the runtime first (make -C $(RUNTIME) modules KDIR=$(KDIR))
KP_BIND		?= $(abspath $(RUNTIME)/kp-bind)
KPGEN_ROOT	?= $(abspath $(RUNTIME)/..)

HOST_KDIR	:= /lib/modules/$(shell uname -r)/build
TARGET		?= $(if $(wildcard $(HOST_KDIR)/Makefile),host,$(if $(wildcard $(KPGEN_ROOT)/scripts/kdir.sh),qemu,host))
ifeq ($(TARGET),qemu)
KDIR		?= $(shell $(KPGEN_ROOT)/scripts/kdir.sh)
else
KDIR		?= $(HOST_KDIR)
endif

CFLAGS		?= -O2 -g -Wall -Wextra

-include local.mk

all: module diag

module:
	@test -f $(KDIR)/Makefile || { echo "no kernel build tree at $(KDIR): install" \
		"the headers of that kernel or set KDIR (TARGET=$(TARGET))" >&2; exit 1; }
ifeq ($(KBUILD_MODPOST_WARN),)
	@test -f $(KP_SYMVERS) || { echo "$(KP_SYMVERS) is missing:" \
		"$(KP_RUNTIME_HINT)" >&2; exit 1; }
endif
	$(MAKE) -C $(KDIR) M=$(CURDIR) KP_INCLUDE=$(KP_INCLUDE) \
		KBUILD_EXTRA_SYMBOLS="$(wildcard $(KP_SYMVERS))" modules

diag: $(NAME)_diag

$(NAME)_diag: $(NAME)_diag.c $(NAME)_msgs.h $(NAME)_regs.h
	$(CC) $(CPPFLAGS) $(DIAG_CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) \
		$(DIAG_LIBS)

ifeq ($(TARGET),qemu)
# the guest runs the host's files at the same paths
GUEST_CMD	:= cd $(CURDIR) && insmod $(KP_RUNTIME_KO) && insmod $(MODULE).ko && \
		   sh $(KP_BIND) bind $(NAME) $(PCI_ID) && $(or $(CMD),./$(NAME)_diag --script info)
load: module diag
	/usr/bin/python3 $(KPGEN_ROOT)/target/run.py -- '$(subst ','\'',$(GUEST_CMD))'

unload:
	@echo "TARGET=qemu: every \`make load\` boots a fresh target; nothing to unload"
else
load: module diag
	@grep -q '^kp_runtime ' /proc/modules || $(KP_RUNTIME_LOAD)
	@grep -q '^$(MODULE) ' /proc/modules || insmod $(MODULE).ko
	@sh $(KP_BIND) bind $(NAME) $(PCI_ID)

unload:
	@sh $(KP_BIND) unbind $(NAME) $(PCI_ID) $(MODULE)
endif

clean:
	@if [ -f $(KDIR)/Makefile ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) KP_INCLUDE=$(KP_INCLUDE) clean; fi
	rm -f $(NAME)_diag

.PHONY: all module diag load unload clean
