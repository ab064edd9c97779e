/*
 * analysis/record.h: one replication of a scenario, simulated by the run
 * driver (sim/host/run.h) and written into the results database
 * (analysis/store.h) under its deterministic name, inside one transaction,
 * so an interrupted or failed run leaves nothing. The sweep point is also
 * recorded as runItervar rows. Running a run that is already in the
 * database is skipped (a run is deterministic, so it would write the same
 * rows), which also makes re-running a scenario after an interruption
 * complete only what is missing; with --xentrace or --record-trace such a
 * run is simulated again for its files, not recorded again.
 */
#ifndef XENSIM_ANALYSIS_RECORD_H
#define XENSIM_ANALYSIS_RECORD_H

#include <stddef.h>

#include "analysis/store.h"
#include "sim/host/run.h"
#include "sim/scenario.h"

/* Above this many domains, a scenario without `record:` records its count
 * groups' metrics per group and only the scalars per domain
 * (docs/results.md, "Count groups"). */
#define RUN_GROUP_DEFAULT_DOMAINS 1000

/*
 * Simulate one replication and record it in db (NULL: simulate only). 0 on
 * success (out filled, and out->skipped if the run was already recorded);
 * -SIM_EBADINPUT if the host cannot be built from the scenario, -SIM_EDB
 * for a database error, -SIM_ESTATE if interrupted, with a message in err.
 * On any failure nothing is written. Free out with run_result_free.
 */
int run_replication(const struct scn *s, const struct run_opts *o, struct store *db,
                    struct run_result *out, char *err, size_t errlen);

#endif
