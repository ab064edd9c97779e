/*
 * models/mm.h: machine memory of a Xen-style host in direct (paravirtual)
 * paging mode: machine frames owned by domains, each domain's P2M
 * (pseudo-physical -> machine) and the global M2P (machine -> (domain,
 * pseudo-physical)), page types with type and reference counts, and the
 * validated mmu_update hypercall; plus the page tables pinned for the
 * domains whose workloads update them (workloads/mmu.c, workloads/trace.c)
 * and their metrics.
 *
 * What is modelled: every domain gets memory / 4 KiB
 * frames when the host is built, CONTIGUOUS in machine memory in scenario
 * order (domain 0 owns mfns 0 .. n0-1, domain 1 the next n1, ...), with
 * pfn k of a domain at its k-th frame (so P2M is the identity plus an
 * offset, and M2P its inverse: computed from the ranges, not stored, as
 * they never change; host memory goes only to the frames in use, see
 * mm.c). A frame has a type: none, writable (mapped writable by
 * some page-table entry) or page table (pinned by its owner with
 * mm_pin_table), a type count (writable: number of writable mappings;
 * page table: the pin) and a reference count (number of page-table
 * entries that map it, read-only or writable). The type rule: a frame in
 * use as a page table is never writable-mapped, and a writable-mapped
 * frame cannot become a page table. A guest changes its page tables only
 * through mmu_update (mm_update), a batch of entries (target page-table
 * frame, entry index, new mapping: a machine frame and a writable flag, or
 * none). Each entry is validated: the target must be a page-table frame
 * owned by the caller and the index within the table (else
 * MM_REJ_TABLE), the mapped frame must exist and be owned by the caller
 * (else MM_REJ_FOREIGN), and a writable mapping of a page-table frame is
 * refused (MM_REJ_TYPE). A valid entry takes the new mapping's references,
 * drops the old one's and updates the table; a rejected entry changes
 * nothing and is counted.
 *
 * Source: Xen's direct-mode page-table validation as described in Barham
 * et al., "Xen and the Art of Virtualization" (SOSP 2003) sections 2.1.1
 * and 3.3 (guest page tables are read-only to the guest, updates are
 * validated by the hypervisor and may be batched; frame types and
 * reference counts guarantee that a page-table frame is never writable),
 * and the public semantics of MMU_NORMAL_PT_UPDATE, MMUEXT_PIN_L1_TABLE and
 * the machine_to_phys / phys_to_machine tables (facts only, no Xen code).
 *
 * Simplified: one level of page tables (every table is an L1 table of
 * MM_PT_ENTRIES entries, pinned explicitly; no L2-L4, no linear page
 * tables, no grant or foreign mappings, no ballooning or page transfer,
 * so P2M and M2P never change after construction); a batch goes on after
 * a rejected entry (Xen's do_mmu_update stops at the first failure and
 * reports how many succeeded; a guest that resubmits the rest behaves the
 * same here, minus the extra hypercall entry); the hypercall takes no
 * simulated time in this model: its CPU cost (costs.hypercall + entries *
 * costs.pte_validate, cycles converted at the nominal tsc_hz) is spent by
 * the workload as guest computation.
 *
 * Usage (sim/host builds it, once the workloads are installed in h):
 *   if (mm_host_needed(s, h)) { m = mm_new(s, err, errlen);
 *                               mm_install(m, h, s, err, errlen); }   (before hv_start)
 *   wl_attach(w, &(struct wl_devs){ .mm = m }, ...) for each workload that needs it
 *   ... ev_run; hv_stats_reset(h); mm_stats_reset(m); ev_run ...
 *   mm_dom_stats(m, d, &st); mm_free(m) (after hv_free).
 *
 * Ownership: mm_install borrows the scenario; the workloads attached to it
 * belong to the hv and use the mm while the simulation runs.
 * Errors: 0 or a negative enum sim_err (sim/err.h).
 */
#ifndef XENSIM_MODELS_MM_H
#define XENSIM_MODELS_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/scenario.h"
#include "sim/types.h"

#define MM_PAGE_BYTES 4096          /* B per machine frame */
#define MM_PT_ENTRIES 512           /* entries per page-table frame */
#define MM_MFN_NONE UINT64_MAX      /* "no frame": an entry that maps nothing */

struct hv;
struct mm;

enum mm_type {
    MM_TYPE_NONE,                   /* not mapped writable, not a page table */
    MM_TYPE_WRITABLE,               /* mapped writable by type_count entries */
    MM_TYPE_PT,                     /* a pinned page table */
};

/* One entry of an mmu_update batch. */
struct mm_entry {
    uint64_t table;                 /* mfn of the target page-table frame */
    uint32_t index;                 /* entry within it, 0 .. MM_PT_ENTRIES-1 */
    uint64_t mfn;                   /* frame to map, or MM_MFN_NONE to clear */
    bool writable;
};

/* Validation outcome of one entry. */
enum mm_verdict {
    MM_OK,
    MM_REJ_TABLE,                   /* target not a page table owned by the caller */
    MM_REJ_FOREIGN,                 /* mapped frame missing or not the caller's */
    MM_REJ_TYPE,                    /* writable mapping of a page-table frame */
    MM_VERDICT_COUNT
};

struct mm_batch_result {
    int applied;                    /* entries that changed the tables */
    int rejected;                   /* entries refused (nothing changed) */
    int by_verdict[MM_VERDICT_COUNT];
};

/* Whether a workload installed in h needs the memory model (WL_NEEDS_MM:
 * an mmu domain, a trace with page-table batches). */
bool mm_host_needed(const struct scn *s, struct hv *h);

/* The machine memory of the scenario's domains (memory / 4 KiB frames
 * each, contiguous in scenario order); its cost grows with the frames in
 * use, not with their number. NULL with a message on failure. */
struct mm *mm_new(const struct scn *s, char *err, size_t errlen);
void mm_free(struct mm *m);                 /* accepts NULL */

uint64_t mm_nframes(const struct mm *m);    /* machine frames in all */
int mm_ndomains(const struct mm *m);
/* Frames owned by domain dom, and its first machine frame (contiguous
 * layout); -SIM_EINVAL for a bad dom. */
int64_t mm_dom_frames(const struct mm *m, int dom);
int64_t mm_dom_first_mfn(const struct mm *m, int dom);

/* P2M: the mfn of pfn of dom, MM_MFN_NONE if out of range. */
uint64_t mm_p2m(const struct mm *m, int dom, uint64_t pfn);
/* M2P: owner and pfn of mfn; -SIM_EINVAL if mfn does not exist. */
int mm_m2p(const struct mm *m, uint64_t mfn, int *dom, uint64_t *pfn);

/* Type, type count and reference count of a frame; -SIM_EINVAL if none. */
int mm_frame_info(const struct mm *m, uint64_t mfn, enum mm_type *type, uint32_t *type_count,
                  uint32_t *ref_count);
/* Entry index of page-table frame table: *mfn (MM_MFN_NONE if empty) and
 * *writable; -SIM_EINVAL if table is not a page table or index is out of
 * range. */
int mm_pte(const struct mm *m, uint64_t table, uint32_t index, uint64_t *mfn, bool *writable);

/* MMUEXT_PIN_L1_TABLE: domain dom makes its frame mfn an (empty) page
 * table. -SIM_EINVAL if mfn is not dom's, -SIM_ESTATE if it is already a
 * page table, mapped writable (type rule) or mapped at all. */
int mm_pin_table(struct mm *m, int dom, uint64_t mfn);
/* Unpin: drop every entry of the table (releasing its references), then
 * the frame's type returns to none. -SIM_EINVAL if not dom's page table. */
int mm_unpin_table(struct mm *m, int dom, uint64_t mfn);

/* Validate one entry for domain dom without applying it. */
enum mm_verdict mm_validate(const struct mm *m, int dom, const struct mm_entry *e);

/*
 * The mmu_update hypercall of domain dom: validate and apply the n entries
 * in order (a valid entry is applied before the next is validated); a
 * rejected entry changes nothing. Fills *res if not NULL; counts the batch,
 * the entries and the rejections in dom's statistics; then calls the batch
 * hook if one is set. 0, or -SIM_EINVAL for a bad dom or n < 0.
 */
int mm_update(struct mm *m, int dom, const struct mm_entry *e, int n,
              struct mm_batch_result *res);

/* Called at the end of every mm_update with its entries and result (tests
 * check consistency and isolation there). */
typedef void (*mm_batch_hook)(void *arg, struct mm *m, int dom, const struct mm_entry *e, int n,
                              const struct mm_batch_result *r);
void mm_set_batch_hook(struct mm *m, mm_batch_hook fn, void *arg);

/*
 * Full consistency check, O(domains + frames in use + page-table entries):
 * the domains' ranges tile machine memory in order (so P2M and M2P are
 * inverse of each other and agree with ownership); every frame kept in use
 * is found by lookup and differs from its construction state; every
 * page-table entry maps a frame of the table's owner; every frame's
 * reference count equals the entries mapping it; a writable frame's type
 * count equals its writable mappings, a page table has none, a frame of
 * type none has a type count of 0. 0 if consistent, else -SIM_ESTATE with
 * a description in msg (if msg is not NULL and msglen > 0).
 */
int mm_check_consistency(const struct mm *m, char *msg, size_t msglen);

/* Per-domain counters (since the last mm_stats_reset). */
struct mm_dom_stats {
    bool has_mmu;                   /* the domain runs an mmu workload */
    uint64_t updates;               /* entries submitted (mmu_updates) */
    uint64_t applied;               /* of those, applied */
    uint64_t rejected;              /* of those, rejected (mmu_rejected) */
    uint64_t rejected_by[MM_VERDICT_COUNT];
    uint64_t batches;               /* mmu_update hypercalls (mmu_batches) */
    int64_t validate_ns;            /* ns of guest CPU spent in those hypercalls,
                                       entry and validation (mmu_validate_ns) */
};
int mm_dom_stats(const struct mm *m, int dom, struct mm_dom_stats *out);
void mm_stats_reset(struct mm *m);           /* accepts NULL */
/* Report the window's metrics through k (sim/metric.h): per mmu
 * domain mmu_updates, mmu_batches, mmu_rejected and mmu_validate_ns.
 * Accepts m NULL. */
struct metric_sink;
int mm_report(const struct mm *m, const struct metric_sink *k);

/* Account ns of hypercall CPU to dom (the mmu workload, when a hypercall
 * has been paid for). */
void mm_account_cpu(struct mm *m, int dom, int64_t ns);

/*
 * Prepare the memory of every domain with a workload that needs it
 * (WL_NEEDS_MM, asked of the workloads installed in h): each such domain
 * pins its first MM_WL_TABLES frames as page tables (fewer if the domain is
 * small; at least one frame is kept for data), and mm_dom_stats then has
 * has_mmu. The workloads get m handed to them by whoever builds the host.
 * Call after the workloads are installed, before hv_start. 0, or a
 * negative sim_err with a message.
 */
#define MM_WL_TABLES 16
int mm_install(struct mm *m, struct hv *h, const struct scn *s, char *err, size_t errlen);

#endif
