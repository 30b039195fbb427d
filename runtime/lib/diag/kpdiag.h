/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * kpdiag - the diagnostics app of a kpgen project, as a library.
 *
 * A generated <name>_diag.c holds only the device's tables (registers,
 * KP_Call messages and their payload fields, interrupt modes, the
 * acknowledge transfer commands, the raise steps, events, DMA) in a
 * struct kpdiag_device, and calls kpdiag_main().  Everything else - the
 * menu, script mode, the register / BAR / config / call / interrupt /
 * event commands and their output - is here, so a fix reaches every
 * project at its next build.
 *
 * Tables are read-only and must outlive kpdiag_main().  struct
 * kpdiag_device only grows at its end; @version tells the library which
 * members the caller knows (KPDIAG_VERSION at build time).
 */
#ifndef KPDIAG_H
#define KPDIAG_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kp.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KPDIAG_VERSION		2	/* 2: dma_mask_bits, dma_user */

/* struct kpdiag_reg.flags */
#define KPDIAG_REG_READ		(1U << 0)
#define KPDIAG_REG_WRITE	(1U << 1)
#define KPDIAG_REG_SIDE_EFFECTS	(1U << 2)	/* reading changes the device */

struct kpdiag_reg {
	const char	*name;
	unsigned int	bar;
	uint64_t	offset;
	unsigned int	width;		/* bytes: 1, 2, 4 or 8 */
	unsigned int	flags;		/* KPDIAG_REG_* */
	const char	*description;
};

enum kpdiag_type {
	KPDIAG_U8, KPDIAG_U16, KPDIAG_U32, KPDIAG_U64,
	KPDIAG_S8, KPDIAG_S16, KPDIAG_S32, KPDIAG_S64, KPDIAG_CHAR,
};

/* struct kpdiag_field.flags */
#define KPDIAG_FIELD_OUT	(1U << 0)	/* filled by the plugin */

struct kpdiag_field {
	const char	*name;
	enum kpdiag_type type;
	size_t		offset;
	unsigned int	count;		/* 0: a scalar */
	unsigned int	flags;		/* KPDIAG_FIELD_* */
};

struct kpdiag_msg {
	const char	*name;
	uint32_t	id;
	size_t		size;		/* payload bytes, 0: none */
	const struct kpdiag_field *fields;
	unsigned int	nfields;
	const char	*description;
};

/* A register write of interrupts.raise. */
struct kpdiag_step {
	unsigned int	bar;
	uint64_t	offset;
	unsigned int	width;		/* bytes */
	uint64_t	value;
};

/*
 * KP_IntEnable data of a kpgen plugin (struct <name>_int_enable of its
 * <name>_msgs.h has this layout).
 */
struct kpdiag_int_enable {
	uint32_t	flags;
#define KPDIAG_INT_F_TRANS_ACK	(1U << 0)	/* the runtime acknowledges */
	uint32_t	reserved;
};

struct kpdiag_device {
	unsigned int	version;	/* KPDIAG_VERSION */
	const char	*driver;	/* cDriverName: /dev/kp/<driver><n> */
	const char	*description;
	uint16_t	vendor, device;	/* the description's PCI match */
	const struct kpdiag_reg *regs;
	unsigned int	nregs;
	const struct kpdiag_msg *msgs;
	unsigned int	nmsgs;
	const char *const *results;	/* dwResult names, by value */
	unsigned int	nresults;
	uint32_t	result_ok;
	const uint32_t	*int_modes;	/* KP_INT_MODE_*, best first */
	unsigned int	nint_modes;	/* 0: no interrupts */
	unsigned int	vectors;	/* MSI/MSI-X vectors wanted */
	const struct kp_trans_cmd *ack;	/* acknowledge as transfer commands */
	unsigned int	nack;		/* 0: not expressible / none */
	const char	*ack_note;	/* why there are none, or NULL */
	const struct kpdiag_step *raise;
	unsigned int	nraise;
	uint32_t	events;		/* KP_EVENT_* the plugin passes on */
	/* version 2 */
	unsigned int	dma_mask_bits;	/* dma.mask; 0: no dma section */
	unsigned int	dma_user;	/* KPDIAG_DMA_*: what `buffer` takes */
#define KPDIAG_DMA_CONTIG	(1U << 0)	/* dma alloc buffers */
#define KPDIAG_DMA_SG		(1U << 1)	/* dma lock buffers */
};

/*
 * Runs the diagnostics app: `<driver>_diag [OPTIONS] [COMMAND [ARGS]]`,
 * a menu without a command at a terminal, commands from standard input
 * with --script.  Returns the exit status (0 ok, 1 failed, 2 usage).
 */
int kpdiag_main(const struct kpdiag_device *dev, int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif /* KPDIAG_H */
