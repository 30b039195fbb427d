/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_trace.h - tracepoints of kp_runtime.ko (TRACE_SYSTEM kp)
 *
 * The field lists are an ABI for bpf/ and kpstat (docs/design.md): all
 * fields are fixed-size and appear in the documented order.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kp

#if !defined(_KP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KP_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(kp_irq_entry,
	TP_PROTO(u32 dev, u32 vector, u32 irq),
	TP_ARGS(dev, vector, irq),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, vector)
		__field(u32, irq)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->vector = vector;
		__entry->irq = irq;
	),
	TP_printk("dev=%u vector=%u irq=%u",
		  __entry->dev, __entry->vector, __entry->irq)
);

TRACE_EVENT(kp_irq_exit,
	TP_PROTO(u32 dev, u32 vector, u32 irq, u32 handled, u32 dpc),
	TP_ARGS(dev, vector, irq, handled, dpc),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, vector)
		__field(u32, irq)
		__field(u32, handled)
		__field(u32, dpc)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->vector = vector;
		__entry->irq = irq;
		__entry->handled = handled;
		__entry->dpc = dpc;
	),
	TP_printk("dev=%u vector=%u irq=%u handled=%u dpc=%u",
		  __entry->dev, __entry->vector, __entry->irq,
		  __entry->handled, __entry->dpc)
);

TRACE_EVENT(kp_dpc_schedule,
	TP_PROTO(u32 dev, u32 vector, u32 pending),
	TP_ARGS(dev, vector, pending),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, vector)
		__field(u32, pending)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->vector = vector;
		__entry->pending = pending;
	),
	TP_printk("dev=%u vector=%u pending=%u",
		  __entry->dev, __entry->vector, __entry->pending)
);

TRACE_EVENT(kp_dpc_entry,
	TP_PROTO(u32 dev, u32 vector, u32 count),
	TP_ARGS(dev, vector, count),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, vector)
		__field(u32, count)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->vector = vector;
		__entry->count = count;
	),
	TP_printk("dev=%u vector=%u count=%u",
		  __entry->dev, __entry->vector, __entry->count)
);

TRACE_EVENT(kp_dpc_exit,
	TP_PROTO(u32 dev, u32 vector, u32 count, u32 ret),
	TP_ARGS(dev, vector, count, ret),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, vector)
		__field(u32, count)
		__field(u32, ret)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->vector = vector;
		__entry->count = count;
		__entry->ret = ret;
	),
	TP_printk("dev=%u vector=%u count=%u ret=%u",
		  __entry->dev, __entry->vector, __entry->count, __entry->ret)
);

TRACE_EVENT(kp_notify,
	TP_PROTO(u32 dev, u32 n, u64 total),
	TP_ARGS(dev, n, total),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, n)
		__field(u64, total)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->n = n;
		__entry->total = total;
	),
	TP_printk("dev=%u n=%u total=%llu",
		  __entry->dev, __entry->n, __entry->total)
);

/*
 * One event per batch of hard IRQs of one vector, the only kp event a
 * tracer needs on the interrupt path: it fires when the DPC of the batch
 * has run (in the tasklet, or inline in the hard IRQ), or at hard-IRQ
 * exit for an interrupt that requested no DPC.  @slot is a dense index
 * (< KP_TRACE_SLOTS) of the enabled vector, for per-CPU array maps;
 * @irqs hard IRQs (@handled of them ours) took @irq_ns in total; the DPC
 * got dwCount @count, returned @ret notifications, started @lat_ns after
 * the first request and ran @run_ns (all 0 without a DPC).  Timestamps
 * are only taken while the event is enabled; with trace_sample N, one
 * batch in N fires (the counters in sysfs stay exact).
 */
TRACE_EVENT(kp_irq_batch,
	TP_PROTO(u32 slot, u32 dev, u32 vector, u32 irq, u32 irqs,
		 u32 handled, u32 count, u32 ret, u64 irq_ns, u64 lat_ns,
		 u64 run_ns),
	TP_ARGS(slot, dev, vector, irq, irqs, handled, count, ret, irq_ns,
		lat_ns, run_ns),
	TP_STRUCT__entry(
		__field(u32, slot)
		__field(u32, dev)
		__field(u32, vector)
		__field(u32, irq)
		__field(u32, irqs)
		__field(u32, handled)
		__field(u32, count)
		__field(u32, ret)
		__field(u64, irq_ns)
		__field(u64, lat_ns)
		__field(u64, run_ns)
	),
	TP_fast_assign(
		__entry->slot = slot;
		__entry->dev = dev;
		__entry->vector = vector;
		__entry->irq = irq;
		__entry->irqs = irqs;
		__entry->handled = handled;
		__entry->count = count;
		__entry->ret = ret;
		__entry->irq_ns = irq_ns;
		__entry->lat_ns = lat_ns;
		__entry->run_ns = run_ns;
	),
	TP_printk("slot=%u dev=%u vector=%u irq=%u irqs=%u handled=%u count=%u ret=%u irq_ns=%llu lat_ns=%llu run_ns=%llu",
		  __entry->slot, __entry->dev, __entry->vector, __entry->irq,
		  __entry->irqs, __entry->handled, __entry->count,
		  __entry->ret, __entry->irq_ns, __entry->lat_ns,
		  __entry->run_ns)
);

TRACE_EVENT(kp_call_entry,
	TP_PROTO(u32 dev, u32 message, u32 size),
	TP_ARGS(dev, message, size),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, message)
		__field(u32, size)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->message = message;
		__entry->size = size;
	),
	TP_printk("dev=%u message=%u size=%u",
		  __entry->dev, __entry->message, __entry->size)
);

TRACE_EVENT(kp_call_exit,
	TP_PROTO(u32 dev, u32 message, u32 result, s32 err),
	TP_ARGS(dev, message, result, err),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, message)
		__field(u32, result)
		__field(s32, err)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->message = message;
		__entry->result = result;
		__entry->err = err;
	),
	TP_printk("dev=%u message=%u result=%u err=%d",
		  __entry->dev, __entry->message, __entry->result,
		  __entry->err)
);

TRACE_EVENT(kp_lock_init,
	TP_PROTO(u64 lock, u64 caller, const char *owner),
	TP_ARGS(lock, caller, owner),
	TP_STRUCT__entry(
		__field(u64, lock)
		__field(u64, caller)
		__array(char, owner, 56)
	),
	TP_fast_assign(
		__entry->lock = lock;
		__entry->caller = caller;
		strscpy(__entry->owner, owner, sizeof(__entry->owner));
	),
	TP_printk("lock=%llu caller=%pS owner=%s",
		  __entry->lock, (void *)(unsigned long)__entry->caller,
		  __entry->owner)
);

TRACE_EVENT(kp_lock_contended,
	TP_PROTO(u64 lock, u64 caller),
	TP_ARGS(lock, caller),
	TP_STRUCT__entry(
		__field(u64, lock)
		__field(u64, caller)
	),
	TP_fast_assign(
		__entry->lock = lock;
		__entry->caller = caller;
	),
	TP_printk("lock=%llu caller=%pS", __entry->lock,
		  (void *)(unsigned long)__entry->caller)
);

TRACE_EVENT(kp_lock_acquired,
	TP_PROTO(u64 lock, u64 caller, u64 wait_ns, u32 contended),
	TP_ARGS(lock, caller, wait_ns, contended),
	TP_STRUCT__entry(
		__field(u64, lock)
		__field(u64, caller)
		__field(u64, wait_ns)
		__field(u32, contended)
	),
	TP_fast_assign(
		__entry->lock = lock;
		__entry->caller = caller;
		__entry->wait_ns = wait_ns;
		__entry->contended = contended;
	),
	TP_printk("lock=%llu caller=%pS wait_ns=%llu contended=%u",
		  __entry->lock, (void *)(unsigned long)__entry->caller,
		  __entry->wait_ns, __entry->contended)
);

TRACE_EVENT(kp_lock_uninit,
	TP_PROTO(u64 lock),
	TP_ARGS(lock),
	TP_STRUCT__entry(
		__field(u64, lock)
	),
	TP_fast_assign(
		__entry->lock = lock;
	),
	TP_printk("lock=%llu", __entry->lock)
);

#endif /* _KP_TRACE_H */

/* This part must be outside the include guard */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kp_trace
#include <trace/define_trace.h>
