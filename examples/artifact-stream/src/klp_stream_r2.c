// SPDX-License-Identifier: GPL-2.0
/*
 * klp-verify example: release 2 of a cumulative livepatch stream for nf_tables and io_uring
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include "stream_states.h"

static int klp_stream_r2_newsetelem(void)
{
	return 0;
}

static int klp_stream_r2_sq_thread(void)
{
	return 0;
}
static struct klp_func nf_tables_funcs[] = {
	{
		.old_name = "nf_tables_newsetelem",
		.new_func = klp_stream_r2_newsetelem,
	}, { }
};

static struct klp_func io_uring_funcs[] = {
	{
		.old_name = "io_sq_thread",
		.new_func = klp_stream_r2_sq_thread,
	}, { }
};
static struct klp_object objs[] = {
	{
		.name = "nf_tables",
		.funcs = nf_tables_funcs,
	}, {
		.funcs = io_uring_funcs,
	},
	{ }
};

static struct klp_state states[] = {
	{
		.id = NFT_SET_SHADOW_STATE,
		.version = 1,
	}, {
		.id = IO_URING_SQ_STATE,
		.version = 1,
	},
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
	.states = states,
	.replace = true,
};

static int klp_stream_r2_init(void)
{
	return klp_enable_patch(&patch);
}

static void klp_stream_r2_exit(void)
{
}

module_init(klp_stream_r2_init);
module_exit(klp_stream_r2_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("klp-verify example: livepatch stream, release 2");
