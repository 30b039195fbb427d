// SPDX-License-Identifier: GPL-2.0
/*
 * kp_plugin.c - plugin registration: KP_Init, name checks and one
 * pci_driver per plugin, named after its cDriverName and owned by the
 * plugin module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kp_internal.h"

static LIST_HEAD(kp_plugins);
static DEFINE_MUTEX(kp_plugins_lock);

/*
 * cDriverName: NUL within 12 bytes, [A-Za-z_][A-Za-z0-9_]*, not ending
 * in a digit: the nodes are /dev/kp/<name><index>, and "dev" + 10 would
 * be "dev1" + 0.  Returns what is wrong, or NULL.
 */
static const char *kp_name_problem(const char *name)
{
	size_t len = strnlen(name, KP_DRIVER_NAME_LEN);
	size_t i;

	if (!len)
		return "is empty";
	if (len == KP_DRIVER_NAME_LEN)
		return "has no NUL within 12 bytes";
	if (!isalpha(name[0]) && name[0] != '_')
		return "does not start with a letter or '_'";
	for (i = 1; i < len; i++)
		if (!isalnum(name[i]) && name[i] != '_')
			return "has a character other than [A-Za-z0-9_]";
	if (isdigit(name[len - 1]))
		return "ends with a digit (nodes are /dev/kp/<name><index>)";
	return NULL;
}

/* One line per matching device another driver owns: nothing binds it. */
static void kp_report_owned(struct kp_plugin *plugin,
			    const struct pci_device_id *ids)
{
	struct pci_dev *pdev = NULL;

	for_each_pci_dev(pdev) {
		struct device_driver *drv = READ_ONCE(pdev->dev.driver);

		if (!drv || drv == &plugin->pdrv.driver ||
		    !pci_match_id(ids, pdev))
			continue;
		pci_info(pdev, "plugin %s matches this device, but driver %s owns it: unbind it and set driver_override to %s to use it\n",
			 plugin->name, drv->name, plugin->name);
	}
}

static struct kp_plugin *kp_plugin_find(const char *name)
{
	struct kp_plugin *plugin;

	lockdep_assert_held(&kp_plugins_lock);
	list_for_each_entry(plugin, &kp_plugins, node)
		if (!strcmp(plugin->name, name))
			return plugin;
	return NULL;
}

int kp_plugin_register(struct module *owner,
		       const struct pci_device_id *id_table,
		       KP_FUNC_INIT_T init, struct kp_plugin **out)
{
	KP_INIT kpinit = { .dwVerWD = WD_VER };
	struct kp_plugin *plugin;
	int ret;

	const char *problem;

	if (!owner || !id_table || !init || !out) {
		pr_err("%s: %s() without %s\n", owner ? owner->name : "?",
		       __func__,
		       !id_table ? "an id table" : !init ? "KP_Init" :
		       "a plugin pointer");
		return -EINVAL;
	}

	if (!init(&kpinit)) {
		pr_err("%s: KP_Init returned FALSE\n", owner->name);
		return -EINVAL;
	}
	problem = kp_name_problem(kpinit.cDriverName);
	if (problem) {
		pr_err("%s: cDriverName \"%.*s\" %s\n", owner->name,
		       KP_DRIVER_NAME_LEN, kpinit.cDriverName, problem);
		return -EINVAL;
	}
	if (!kpinit.funcOpen) {
		pr_err("%s: KP_Init set no funcOpen\n", owner->name);
		return -EINVAL;
	}

	plugin = kzalloc(sizeof(*plugin), GFP_KERNEL);
	if (!plugin)
		return -ENOMEM;

	plugin->owner = owner;
	plugin->open = kpinit.funcOpen;
	strscpy(plugin->name, kpinit.cDriverName, sizeof(plugin->name));
	ida_init(&plugin->index_ida);
	plugin->pdrv.name = plugin->name;
	plugin->pdrv.id_table = id_table;
	plugin->pdrv.probe = kp_pci_probe;
	plugin->pdrv.remove = kp_pci_remove;
	plugin->pdrv.driver.pm = &kp_pm_ops;

	mutex_lock(&kp_plugins_lock);
	if (kp_plugin_find(plugin->name)) {
		mutex_unlock(&kp_plugins_lock);
		pr_err("%s: driver name %s already registered\n",
		       owner->name, plugin->name);
		ret = -EEXIST;
		goto err_free_plugin;
	}
	list_add_tail(&plugin->node, &kp_plugins);
	mutex_unlock(&kp_plugins_lock);

	ret = __pci_register_driver(&plugin->pdrv, owner, owner->name);
	if (ret)
		goto err_del_plugin;

	*out = plugin;
	pr_info("plugin %s registered by module %s\n", plugin->name,
		owner->name);
	kp_report_owned(plugin, id_table);
	return 0;

err_del_plugin:
	mutex_lock(&kp_plugins_lock);
	list_del(&plugin->node);
	mutex_unlock(&kp_plugins_lock);
err_free_plugin:
	ida_destroy(&plugin->index_ida);
	kfree(plugin);
	return ret;
}
EXPORT_SYMBOL_GPL(kp_plugin_register);

void kp_plugin_unregister(struct kp_plugin *plugin)
{
	if (!plugin)
		return;

	/* removes every device; no session can exist (module refs) */
	pci_unregister_driver(&plugin->pdrv);

	mutex_lock(&kp_plugins_lock);
	list_del(&plugin->node);
	mutex_unlock(&kp_plugins_lock);

	pr_info("plugin %s unregistered\n", plugin->name);
	ida_destroy(&plugin->index_ida);
	kfree(plugin);
}
EXPORT_SYMBOL_GPL(kp_plugin_unregister);
