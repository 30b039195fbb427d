# SPDX-License-Identifier: GPL-2.0
#
# runtime/plugin.mk - the Makefile of a plugin that lives in this tree:
#
#	include <path>/runtime/plugin.mk
#
# builds the module described by the plugin directory's Kbuild against the
# runtime (its Module.symvers, built first if needed), W=1.
#   make [modules] [KDIR=...]	make clean

KP_RUNTIME := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
KP_PLUGIN_DIR := $(patsubst %/,%,$(dir $(abspath $(firstword $(MAKEFILE_LIST)))))

ifeq ($(origin KDIR),undefined)
KDIR := $(shell $(KP_RUNTIME)/../scripts/kdir.sh)
endif

KP_RUNTIME_SYMVERS := $(KP_RUNTIME)/kernel/Module.symvers

.PHONY: all modules clean

all: modules

$(KP_RUNTIME_SYMVERS):
	$(MAKE) -C $(KP_RUNTIME) KDIR=$(KDIR) modules

# kbuild does not notice a changed KBUILD_EXTRA_SYMBOLS: when the runtime's
# symbol versions are newer, drop ours so modpost runs again.
modules: $(KP_RUNTIME_SYMVERS)
	@if [ $(KP_PLUGIN_DIR)/Module.symvers -ot $(KP_RUNTIME_SYMVERS) ]; then \
		rm -f $(KP_PLUGIN_DIR)/Module.symvers; fi
	$(MAKE) -C $(KDIR) M=$(KP_PLUGIN_DIR) W=1 \
		KBUILD_EXTRA_SYMBOLS=$(KP_RUNTIME_SYMVERS) modules

clean:
	$(MAKE) -C $(KDIR) M=$(KP_PLUGIN_DIR) clean
