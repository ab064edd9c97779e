/*
 * sim/cli/cmd_complete.c: `xensim _complete WHAT`, the hidden command the bash
 * completion (completion/xensim.bash) asks, so the completion never goes
 * stale: it lists, one a line,
 *   commands             the commands (sim/cli/xensim.c's table)
 *   options COMMAND      that command's options, from the same table
 *   schedulers           the scheduler names the scenario language takes
 *   keys [SCENARIO]      every path --set takes (the scenario loader's key
 *                        tables); with a SCENARIO that loads, the domains'
 *                        and devices' names replace "*" in their paths.
 * Exit status 0, or 2 for anything else (nothing printed).
 */
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"

struct key_list {
    char **v;
    size_t n, cap;
    bool oom;
};

static void add_key(void *ctx, const char *path)
{
    struct key_list *l = ctx;
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], path))
            return;
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 64;
        char **nv = realloc(l->v, nc * sizeof *nv);
        if (!nv) {
            l->oom = true;
            return;
        }
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n] = strdup(path);
    if (l->v[l->n])
        l->n++;
    else
        l->oom = true;
}

/* Print path with its "*" (after "domains." or "devices.") replaced by each
 * name; a group of counted domains once, by the name as written; a device
 * only with the keys of its kind. */
static void print_key(const char *path, const struct scn *s)
{
    const char *star = strstr(path, ".*");
    if (!s || !star) {
        printf("%s\n", path);
        return;
    }
    int head = (int)(star - path);
    bool dom = !strncmp(path, "domains", 7);
    int n = dom ? s->ndomains : s->ndevices;
    for (int i = 0; i < n; i++) {
        const char *name = dom ? s->domains[i].group : s->devices[i].name;
        if (dom && s->domains[i].index > 0)
            continue;               /* its group was printed with index 0 */
        if (!dom && star[2] == '.' && !scn_device_takes(s->devices[i].kind, star + 3))
            continue;               /* a disk's key on a nic, or the reverse */
        printf("%.*s.%s%s\n", head, path, name, star + 2);
    }
}

static int list_keys(const char *scenario)
{
    struct scn *s = NULL;
    if (scenario) {
        /* Quietly: a scenario that does not load gives the generic paths. */
        struct scn_load_opts opts = { 0 };
        struct scn_diags *d = NULL;
        s = scn_load(scenario, &opts, &d);
        scn_diags_free(d);
    }
    struct key_list l = { 0 };
    scn_key_paths(add_key, &l);
    for (size_t i = 0; i < l.n; i++) {
        print_key(l.v[i], s);
        free(l.v[i]);
    }
    free(l.v);
    scn_free(s);
    return l.oom ? EXIT_BADINPUT : 0;
}

/* Each name of an option, "-j, --jobs" giving two. */
static void print_names(const char *names)
{
    for (const char *p = names; p;) {
        size_t n = strcspn(p, ",");
        printf("%.*s\n", (int)n, p);
        p = p[n] ? p + n + 2 : NULL;
    }
}

int cmd_complete(int argc, char **argv)
{
    const char *what = argc > 0 ? argv[0] : "";
    if (!strcmp(what, "commands") && argc == 1) {
        for (const struct cli_command *c = cli_commands; c->name; c++)
            printf("%s\n", c->name);
        return 0;
    }
    if (!strcmp(what, "options") && argc == 2) {
        for (const struct cli_command *c = cli_commands; c->name; c++)
            if (!strcmp(c->name, argv[1])) {
                for (const struct cli_opt *o = c->opts; o->name; o++)
                    print_names(o->name);
                printf("-h\n--help\n");
                return 0;
            }
        return EXIT_BADINPUT;
    }
    if (!strcmp(what, "schedulers") && argc == 1) {
        for (const char *const *n = scn_sched_names; *n; n++)
            printf("%s\n", *n);
        return 0;
    }
    if (!strcmp(what, "keys") && argc <= 2)
        return list_keys(argc == 2 ? argv[1] : NULL);
    return EXIT_BADINPUT;
}
