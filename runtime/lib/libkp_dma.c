// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libkp: DMA buffers, shaped like the commercial kit's calls so code
 * written for it maps one to one:
 *
 *	WDC_DMAContigBufLock(hDev, &pBuf, dwOptions, dwSize, &pDma)
 *		kp_dma_contig_lock(dev, &buf, flags, size, &dma)
 *	WDC_DMASGBufLock(hDev, pBuf, dwOptions, dwSize, &pDma)
 *		kp_dma_sg_lock(dev, buf, flags, size, &dma)
 *	WDC_DMABufUnlock(pDma)		kp_dma_unlock(dma)
 *	WDC_DMASyncCpu(pDma)		kp_dma_sync_cpu(dma)
 *	WDC_DMASyncIo(pDma)		kp_dma_sync_io(dma)
 *	pDma->Page[i].pPhysicalAddr	dma->segs[i].bus_addr
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "libkp_priv.h"

static int kp_dma_new(struct kp_dev *dev, uint32_t handle, uint32_t flags,
		      void *addr, uint64_t size, struct kp_dma **dmap)
{
	struct kp_dma_get_segs gs = { .argsz = sizeof(gs), .handle = handle };
	struct kp_dma *dma;
	int err;

	dma = calloc(1, sizeof(*dma));
	if (!dma)
		return -ENOMEM;
	/* how many segments, then all of them */
	err = kp_ioctl(dev, KP_DMA_GET_SEGS, &gs, "KP_DMA_GET_SEGS");
	if (err)
		goto err_free;
	dma->segs = calloc(gs.nsegs ? gs.nsegs : 1, sizeof(*dma->segs));
	if (!dma->segs) {
		err = -ENOMEM;
		goto err_free;
	}
	gs.segs = (uintptr_t)dma->segs;
	gs.max_segs = gs.nsegs;
	gs.flags = 0;
	err = kp_ioctl(dev, KP_DMA_GET_SEGS, &gs, "KP_DMA_GET_SEGS");
	if (err)
		goto err_free;
	dma->handle = handle;
	dma->flags = gs.flags | flags;
	dma->user_addr = addr;
	dma->size = size;
	dma->nsegs = gs.nsegs;
	dma->dev = kp_get(dev);
	*dmap = dma;
	return 0;

err_free:
	free(dma->segs);
	free(dma);
	return err;
}

static void kp_dma_unlock_handle(struct kp_dev *dev, uint32_t handle)
{
	struct kp_dma_unlock du = { .argsz = sizeof(du), .handle = handle };

	ioctl(dev->fd, KP_DMA_UNLOCK, &du);
}

int kp_dma_contig_lock(struct kp_dev *dev, void **buf, uint32_t flags,
		       size_t size, struct kp_dma **dmap)
{
	struct kp_dma_alloc da = { .argsz = sizeof(da), .flags = flags,
				   .size = size };
	void *p;
	int err;

	if (!dev || !buf || !dmap)
		return -EINVAL;
	*dmap = NULL;
	kp_get(dev);
	err = kp_ioctl(dev, KP_DMA_ALLOC, &da, "KP_DMA_ALLOC");
	if (err)
		goto out_put;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED, dev->fd, (off_t)da.mmap_offset);
	if (p == MAP_FAILED) {
		err = kp_set_error(dev, -errno, "mmap DMA buffer %u",
				   da.handle);
		kp_dma_unlock_handle(dev, da.handle);
		goto out_put;
	}
	err = kp_dma_new(dev, da.handle, 0, p, size, dmap);
	if (err) {
		munmap(p, size);
		kp_dma_unlock_handle(dev, da.handle);
		goto out_put;
	}
	*buf = p;
out_put:
	kp_put(dev);
	return err;
}

int kp_dma_sg_lock(struct kp_dev *dev, void *buf, uint32_t flags,
		   size_t size, struct kp_dma **dmap)
{
	struct kp_dma_lock dl = { .argsz = sizeof(dl), .flags = flags,
				  .addr = (uintptr_t)buf, .size = size };
	int err;

	if (!dev || !buf || !dmap)
		return -EINVAL;
	*dmap = NULL;
	kp_get(dev);
	err = kp_ioctl(dev, KP_DMA_LOCK, &dl, "KP_DMA_LOCK");
	if (!err) {
		err = kp_dma_new(dev, dl.handle, 0, buf, size, dmap);
		if (err)
			kp_dma_unlock_handle(dev, dl.handle);
	}
	kp_put(dev);
	return err;
}

int kp_dma_unlock(struct kp_dma *dma)
{
	struct kp_dma_unlock du = { .argsz = sizeof(du) };
	struct kp_dev *dev;
	int err;

	if (!dma)
		return -EINVAL;
	dev = dma->dev;
	du.handle = dma->handle;
	if (dma->flags & KP_DMA_F_CONTIG)
		munmap(dma->user_addr, dma->size);
	err = kp_ioctl(dev, KP_DMA_UNLOCK, &du, "KP_DMA_UNLOCK");
	free(dma->segs);
	free(dma);
	kp_put(dev);
	return err;
}

int kp_dma_sync_range(struct kp_dma *dma, uint64_t offset, uint64_t size,
		      int for_cpu)
{
	struct kp_dma_sync ds = {
		.argsz = sizeof(ds),
		.flags = for_cpu ? KP_DMA_SYNC_FOR_CPU :
				   KP_DMA_SYNC_FOR_DEVICE,
		.offset = offset,
		.size = size,
	};
	int err;

	if (!dma)
		return -EINVAL;
	ds.handle = dma->handle;
	kp_get(dma->dev);
	err = kp_ioctl(dma->dev, KP_DMA_SYNC, &ds, "KP_DMA_SYNC");
	kp_put(dma->dev);
	return err;
}

int kp_dma_sync_cpu(struct kp_dma *dma)
{
	return dma ? kp_dma_sync_range(dma, 0, dma->size, 1) : -EINVAL;
}

int kp_dma_sync_io(struct kp_dma *dma)
{
	return dma ? kp_dma_sync_range(dma, 0, dma->size, 0) : -EINVAL;
}
