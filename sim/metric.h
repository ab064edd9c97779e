/*
 * sim/metric.h: the one interface through which a model reports its
 * scalars and statistics for the results database, so that the model does
 * not know the store and the store does not know the models.
 *
 * A model's report function (blk_report, net_report, br_report, mm_report,
 * hv_report; sim/host/host.h host_report calls them in order) calls the sink
 * once per row, in the order the rows are to be written. A row belongs to
 * either
 *  - domain dom (dom >= 0): module is the domain's name; the sink may
 *    route the row by dom rather than by name (sim/host/run.c applies the
 *    scenario's `record:` rules and adds it to the domain's count group);
 *  - a module of no domain (dom = METRIC_NO_DOM): a device, "pcpuN" or
 *    "machine", written as it is.
 * Names are string literals (the sink may keep the pointer), a module
 * only lasts the call (a pCPU's is formatted on the stack); a statistic
 * may be NULL (no samples kept: written as an empty statistic). Each call
 * returns 0 or a negative sim_err (sim/err.h). The helpers below keep the
 * first error in *rc and make no further call once one is there, so a
 * report function writes its rows in a row and returns *rc once.
 *
 * Source: none; an interface between layers.
 * Simplified: nothing.
 */
#ifndef XENSIM_ANALYSIS_METRIC_H
#define XENSIM_ANALYSIS_METRIC_H

struct st_rec;

#define METRIC_NO_DOM (-1)

struct metric_sink {
    int (*scalar)(void *ctx, int dom, const char *module, const char *name, double v);
    int (*stat)(void *ctx, int dom, const char *module, const char *name, struct st_rec *r);
    void *ctx;
};

static inline void metric_scalar(const struct metric_sink *k, int *rc, int dom,
                                 const char *module, const char *name, double v)
{
    if (*rc == 0)
        *rc = k->scalar(k->ctx, dom, module, name, v);
}

static inline void metric_stat(const struct metric_sink *k, int *rc, int dom,
                               const char *module, const char *name, struct st_rec *r)
{
    if (*rc == 0)
        *rc = k->stat(k->ctx, dom, module, name, r);
}

#endif
