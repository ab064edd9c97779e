/*
 * schedulers/policies.h: the policy objects the registry lists.
 *
 * Each policy file (schedulers/rr.c, bvt.c, atropos.c) exports exactly one
 * symbol, its const ops table; everything else in it is static. Only the
 * registry and the policies' unit tests need these names: the core finds a
 * policy through sched_find().
 */
#ifndef XENSIM_SCHEDULERS_POLICIES_H
#define XENSIM_SCHEDULERS_POLICIES_H

#include "schedulers/sched.h"

extern const struct sched_ops sched_rr_ops;        /* Xen 2.0 sched_rrobin.c */
extern const struct sched_ops sched_bvt_ops;       /* Xen 2.0 sched_bvt.c */
extern const struct sched_ops sched_atropos_ops;   /* Xen 2.0 sched_atropos.c */
extern const struct sched_ops sched_credit_ops;    /* Xen 3.4 sched_credit.c */
extern const struct sched_ops sched_credit2_ops;   /* Xen 4.17.5 sched/credit2.c */
extern const struct sched_ops sched_rtds_ops;      /* Xen 4.17 sched/rt.c */
extern const struct sched_ops sched_sedf_ops;      /* Xen 4.5 sched_sedf.c */
extern const struct sched_ops sched_null_ops;      /* Xen 4.17 sched/null.c */
extern const struct sched_ops sched_arinc653_ops;  /* Xen 4.17 sched/arinc653.c */

#endif
