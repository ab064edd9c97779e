/*
 * schedulers/registry.c: the list of scheduling policies and lookup by the
 * scenario's scheduler.name.
 *
 * A hand-maintained array, as Xen 2.0's schedule.c kept (facts 1.1, style
 * A1/A7): no linker-section magic. Unlike Xen, an unknown name is not
 * silently replaced by the last entry: sched_find returns NULL and the
 * caller reports sched_names().
 */
#include "schedulers/policies.h"

#include <stddef.h>
#include <string.h>

const struct sched_ops *const sched_registry[] = {
    &sched_rr_ops,
    &sched_bvt_ops,
    &sched_atropos_ops,
    &sched_credit_ops,
    &sched_credit2_ops,
    &sched_rtds_ops,
    &sched_sedf_ops,
    &sched_null_ops,
    &sched_arinc653_ops,
    NULL,
};

const struct sched_ops *sched_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; sched_registry[i]; i++)
        if (strcmp(sched_registry[i]->opt_name, name) == 0)
            return sched_registry[i];
    return NULL;
}

const char *sched_names(void)
{
    /* Built from the registry so it cannot drift from it. A name that
     * would not fit is left out rather than overrunning the buffer. */
    static char buf[128];
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; sched_registry[i]; i++) {
        const char *sep = i ? ", " : "";
        size_t need = strlen(sep) + strlen(sched_registry[i]->opt_name);
        if (len + need >= sizeof buf)
            break;
        strcpy(buf + len, sep);
        strcpy(buf + len + strlen(sep), sched_registry[i]->opt_name);
        len += need;
    }
    return buf;
}
