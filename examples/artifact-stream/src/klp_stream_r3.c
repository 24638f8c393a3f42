// SPDX-License-Identifier: GPL-2.0
/*
 * klp-verify example: release 3 of a cumulative livepatch stream for nf_tables.
 * Built from a branch that lost the io_uring fix, and with it the io_uring state
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include "stream_states.h"

static int klp_stream_r3_newsetelem(void)
{
	return 0;
}


static struct klp_func nf_tables_funcs[] = {
	{
		.old_name = "nf_tables_newsetelem",
		.new_func = klp_stream_r3_newsetelem,
	}, { }
};

static struct klp_object objs[] = {
	{
		.name = "nf_tables",
		.funcs = nf_tables_funcs,
	},
	{ }
};

static struct klp_state states[] = {
	{
		.id = NFT_SET_SHADOW_STATE,
		.version = 2,
	},
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
	.states = states,
	.replace = true,
};

static int klp_stream_r3_init(void)
{
	return klp_enable_patch(&patch);
}

static void klp_stream_r3_exit(void)
{
}

module_init(klp_stream_r3_init);
module_exit(klp_stream_r3_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("klp-verify example: livepatch stream, release 3");
