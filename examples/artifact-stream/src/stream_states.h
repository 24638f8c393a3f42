/* SPDX-License-Identifier: GPL-2.0 */
/* The system states of one vendor's livepatch stream, shared by every release. */
#ifndef STREAM_STATES_H
#define STREAM_STATES_H

/* nf_tables: shadow variable added to struct nft_set (layout 2 from r3 on) */
#define NFT_SET_SHADOW_STATE 0x6e6574f117c60001UL
/* io_uring: sq-thread accounting switched to a shadow counter (from r2 on) */
#define IO_URING_SQ_STATE 0x696f75726e670002UL

#endif
