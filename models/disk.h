/*
 * models/disk.h: a block device (spinning disk or flash) with a request
 * queue, served one request at a time on the event engine.
 *
 * Source: the classic service-time decomposition of a disk access (seek +
 * rotational latency + transfer; Ruemmler and Wilkes, "An introduction to
 * disk drive modeling", IEEE Computer 1994) and the elevator of the Linux
 * and BSD block layers taken as LOOK (a SCAN that reverses at the last
 * pending request rather than at the edge of the disk). No code from either.
 *
 * Service time of a request, in integer ns:
 *
 *   service = latency + seek(d) + rotation + transfer
 *
 *   transfer = bytes * 8 / bandwidth (bit/s), rounded to the nearest ns
 *              (half up).
 *   latency  = the configured flash access latency (cfg->latency; a
 *              spinning disk has none).
 *   Flash (cfg->rpm == 0): seek = rotation = 0; service = latency + transfer
 *   whatever the position.
 *
 *   Spinning disk (cfg->rpm > 0): positions are 512-byte sectors on a disk
 *   of `capacity` sectors; the head rests after the last sector of the
 *   request it served (it starts at sector 0). d = |target - head|.
 *     seek(0) = 0, rotation = 0: a request that starts where the last one
 *       ended is sequential and streams on without repositioning.
 *     seek(d) = a + b * sqrt(d / capacity) for d > 0, with a = seek/4 (the
 *       settle time of a short seek) and b = 45/32 * seek. Seek time grows
 *       as the square root of distance over short and medium seeks
 *       (constant-acceleration arm; Ruemmler and Wilkes); for two
 *       independent uniform positions E[sqrt(|X-Y|)] = 8/15, so the mean
 *       over random requests is a + b*8/15 = seek/4 + 3/4*seek = seek, the
 *       configured average seek, as data sheets quote it. Rounded to the
 *       nearest ns. The linear long-seek regime is folded into the curve.
 *     rotation = half a revolution, 30e9/rpm ns (rounded), by default: the
 *       mean rotational latency, deterministic. With opts->random_rotation
 *       it is instead a uniform draw in [0, 60e9/rpm) ns from the named
 *       stream "disk:<name>/seek", mean half a revolution.
 *
 * Queue policies (cfg->queue):
 *   fifo:      requests are served in submission order.
 *   elevator:  LOOK. The head sweeps in one direction (upwards at start)
 *              serving the pending request with the nearest start sector at
 *              or beyond the head in that direction (ties: earliest
 *              submitted); when none is left in that direction it reverses.
 *
 * Completion: at the completion instant (engine time) the disk records the
 * request, starts the next one (so it is chosen among the requests pending
 * before the callback runs), then calls the request's callback. A callback
 * may submit; it must not free the disk.
 *
 * Statistics, all exact integer ns (request-ns for the depth area), since
 * creation or the last disk_stats_reset():
 *   busy       ns with a request in service; utilization = busy / elapsed
 *   depth area integral of the number in system (waiting + in service) over
 *              time; queue_depth_mean = area / elapsed
 *   depth max  largest number in system (starting from the number present
 *              at the reset)
 *   completed, bytes, reads, writes, and time in system (submit to
 *   completion, ns) of each request completed in the window, in an st_rec.
 * Little's law: area = sum over requests of their time in system inside the
 * window, so queue_depth_mean = throughput x mean time in system up to the
 * requests present at the window's two edges.
 *
 * Simplified: no zones (constant bandwidth across the disk), no track or
 * cylinder geometry (a position is a sector number; rotational position is
 * not tracked, so a non-sequential request waits a mean or random
 * rotation), no on-disk cache, read-ahead or write-back, no command queueing
 * inside the drive (one request in service), reads and writes cost the same,
 * and a sequential request after an idle period still streams without a
 * rotation wait. The elevator scans the pending list linearly (O(n) per
 * dispatch; queues are bounded by the I/O rings).
 *
 * Ownership: the disk borrows the loop (and the cfg only during disk_new;
 * the name is copied); it owns its queue, RNG stream and recorder.
 */
#ifndef XENSIM_MODELS_DISK_H
#define XENSIM_MODELS_DISK_H

#include <stdbool.h>
#include <stdint.h>
#include "sim/stats.h"
#include "sim/ev.h"
#include "sim/scenario.h"
#include "sim/types.h"

#define DISK_SECTOR_BYTES 512u
/* Default capacity: 2^31 sectors = 1 TiB. */
#define DISK_CAPACITY_DEFAULT ((uint64_t)1 << 31)
/* Largest single request (bytes): keeps bytes*8*1e9 well inside 128 bits
 * and any one service time far below SIM_TIME_MAX. */
#define DISK_REQ_MAX_BYTES ((uint64_t)1 << 30)

struct disk;

enum disk_op { DISK_READ, DISK_WRITE };

struct disk_req;
/* Completion callback, called at the completion time. req is the disk's
 * copy, valid only during the call. */
typedef void disk_done_fn(const struct disk_req *req, void *arg);

struct disk_req {
    uint64_t id;            /* caller's tag, returned untouched */
    enum disk_op op;
    uint64_t sector;        /* first sector (512 B units) */
    uint64_t bytes;         /* B, > 0 */
    disk_done_fn *done;     /* may be NULL */
    void *arg;              /* passed to done */
};

struct disk_opts {
    uint64_t capacity;      /* sectors; 0: DISK_CAPACITY_DEFAULT */
    bool random_rotation;   /* uniform rotation draw instead of its mean */
};

struct disk_stats {
    sim_time_t elapsed;     /* ns since creation or the last reset */
    sim_time_t busy;        /* ns with a request in service */
    int64_t depth_area;     /* request-ns: integral of number in system */
    double utilization;     /* busy / elapsed (0 if elapsed == 0) */
    double queue_depth_mean;/* depth_area / elapsed (0 if elapsed == 0) */
    uint64_t queue_depth_max; /* requests in system (waiting + in service) */
    uint64_t completed;     /* requests */
    uint64_t bytes;         /* B completed */
    uint64_t reads, writes; /* requests completed, by op */
    uint64_t sequential;    /* completed requests that needed no seek */
    double throughput;      /* completed / elapsed, requests per s */
};

/*
 * A disk from a scenario device of kind disk: rpm > 0 and seek >= 0 for a
 * spinning disk, rpm == 0 and latency >= 0 for flash; bandwidth > 0 (bit/s).
 * The RNG stream "disk:<name>/seek" is keyed by (master_seed, replication).
 * opts may be NULL (defaults). Returns NULL on invalid configuration or out
 * of memory.
 */
struct disk *disk_new(struct ev_loop *loop, const struct scn_device *cfg,
                      uint64_t master_seed, uint32_t replication,
                      const struct disk_opts *opts);
void disk_free(struct disk *d);

/*
 * Submit a request (copied). If the disk is idle it starts now, else it
 * waits. -SIM_EINVAL for bytes == 0 or > DISK_REQ_MAX_BYTES, or a range
 * beyond the capacity; -SIM_ENOMEM; -SIM_ESTATE if the disk stopped on an
 * engine error (see disk_status); errors from ev_at. On error nothing is
 * queued.
 */
int disk_submit(struct disk *d, const struct disk_req *req);

/* 0, or the negative error that stopped service (a completion event that
 * could not be scheduled). */
int disk_status(const struct disk *d);

/* Requests in system now (waiting + in service), and waiting only. */
uint64_t disk_in_system(const struct disk *d);
uint64_t disk_waiting(const struct disk *d);
/* Head position (sector) and sweep direction (+1 up, -1 down). */
uint64_t disk_head(const struct disk *d);
int disk_direction(const struct disk *d);

/* Statistics up to ev_now(). */
void disk_stats(const struct disk *d, struct disk_stats *out);
/* Time in system (ns) of each completed request (borrowed; the disk owns it). */
struct st_rec *disk_time_in_system(struct disk *d);
/* Start a new statistics window at ev_now() (warm-up exclusion). Requests
 * in the system stay; those completing later are counted. */
void disk_stats_reset(struct disk *d);

/* The model's components, in ns, as disk_submit uses them. */
sim_time_t disk_seek_ns(const struct disk *d, uint64_t distance);  /* sectors */
sim_time_t disk_rotation_mean_ns(const struct disk *d);            /* 0 for flash */
sim_time_t disk_transfer_ns(const struct disk *d, uint64_t bytes);
bool disk_is_flash(const struct disk *d);
uint64_t disk_capacity(const struct disk *d);                      /* sectors */

#endif
