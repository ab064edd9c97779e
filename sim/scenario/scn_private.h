/*
 * sim/scenario/scn_private.h: what the pieces of the scenario loader share,
 * and for the loader alone (the rest of xensim includes sim/scenario.h).
 *
 * The YAML file is read whole with libyaml's document API (scenarios are
 * small; traces, which are large, are never YAML) and walked against tables
 * that say, for every mapping, which keys exist, how each value is parsed
 * and where it is stored. The walk is schema-first: a key that is not in
 * the table is an error that names the nearest valid key, and a value is
 * parsed by the handler of its key, so "10" for a time is refused for want
 * of a unit rather than guessed at.
 *
 * Overrides (--set and the values of a sweep point) are not applied by
 * editing the document. Each override is a path plus a value node (parsed
 * from the argument, or a node of the file's own sweep block); when the walk
 * reaches a mapping, overrides whose path names one of its keys replace that
 * key's value, or add the key if absent. So an override is validated by the
 * same handler as the file, and an error in it points at the argument or
 * sweep entry that supplied it. Overrides may add keys to fixed mappings but
 * never invent a new domain or device: a misspelt name there is an error.
 *
 * Errors are collected (up to SCN_MAX_DIAGS) rather than stopping at the
 * first, so one run of `xensim check` shows everything that is wrong.
 *
 * The pieces: load.c (the entry points: parse, build, sweep points) reads
 * the text with sweep.c (the YAML parse, the sweep block and --set), walks
 * it with walk.c (YAML nodes and the walk of a mapping) against the tables
 * of schema.c (the language itself) whose values values.c parses, and
 * finishes with resolve.c (cross-references and the files a scenario
 * reads); diag.c keeps the diagnostics and print.c writes the canonical
 * form and the summary. What one piece lends another is declared here,
 * prefixed scnp_; the rest is static to its file.
 */
#ifndef XENSIM_SIM_SCENARIO_SCN_PRIVATE_H
#define XENSIM_SIM_SCENARIO_SCN_PRIVATE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "sim/scenario.h"

#define SCN_MAX_DIAGS 20
#define SCN_NAME_MAX 63

#define NS(x) ((int64_t)(x))
#define US(x) ((int64_t)(x) * 1000)
#define MS(x) ((int64_t)(x) * 1000000)
#define SEC(x) ((int64_t)(x) * 1000000000)

/* ------------------------------------------------------------------------
 * Sources and diagnostics (diag.c)
 */

/* A text that locations point into: the scenario file or one --set argument. */
struct src {
    char *name;                     /* file path, or "--set" */
    char *text;
    size_t len;
    struct src *next;               /* list owned by the loader context */
};

struct diag {
    char *head;                     /* "FILE:LINE:COL: message" */
    char *line;                     /* source line, NULL if unknown */
    int lineno;                     /* 1-based line number */
    int col;                        /* 1-based column of the caret */
};

struct scn_diags {
    struct diag *v;
    size_t n, cap;
    bool truncated;
};

/* A reference to a YAML node together with what its marks are relative to.
 * node == NULL stands for an absent mapping (created by an override path);
 * then line0/col0 are the absolute 0-based location to report. */
struct nref {
    yaml_document_t *doc;
    yaml_node_t *node;
    struct src *src;
    int line0, col0;                /* added to the node's marks */
};

struct override {
    char *path;                     /* dotted path */
    struct nref key;                /* where the path was written (node may be NULL) */
    struct nref val;
    bool used;
};

struct ctx {
    struct scn *s;
    struct scn_diags *diags;
    struct src *srcs;
    yaml_document_t *docs[64];      /* override documents to free */
    int ndocs;
    struct override *ovr;
    int novr;
    char path[512];                 /* dotted path of the mapping being walked */
    struct walk *w;                 /* state of the walk in progress */
    struct scn_file *seen;          /* files digested by this load, each read once */
    int nseen;
    bool oom;
};

/* Growable string for the text outputs. */
struct sbuf {
    char *p;
    size_t n, cap;
    bool oom;
};

void scnp_diags_push(struct ctx *c, const char *file, int line, int col,
                     const char *linetext, size_t linelen, const char *msg);
const char *scnp_src_line(const struct src *src, int line, size_t *len);
void scnp_ref_loc(const struct nref *r, int *line, int *col);
void scnp_verr_at(struct ctx *c, struct src *src, int line, int col,
                  const char *fmt, va_list ap);
void scnp_err_at(struct ctx *c, struct src *src, int line, int col,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* An error at r's node; returns -SIM_EBADINPUT. */
int scnp_err(struct ctx *c, const struct nref *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int scnp_err_off(struct ctx *c, const struct nref *r, size_t off,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void scnp_sb_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The text built, malloc'ed (NULL out of memory). */
char *scnp_sb_take(struct sbuf *b);

/* ------------------------------------------------------------------------
 * Nodes, key tables and the mapping walk (walk.c)
 */

struct keydef;
typedef int key_fn(struct ctx *c, const struct keydef *k, struct nref v, void *dst);

struct keydef {
    const char *name;
    key_fn *fn;
    size_t off;                     /* where the value goes, within dst */
    const void *aux;                /* handler-specific limits or nested table */
    unsigned flags;
};
#define K_REQ 0x1u

struct entry {
    char *key;
    struct nref kref;               /* where the key was written */
    struct nref val;
};

struct entries {
    struct entry *v;
    int n;
};

bool scnp_is_map(const struct nref *r);
bool scnp_is_seq(const struct nref *r);
const char *scnp_sval(const struct nref *r, size_t *len);
bool scnp_is_null(const struct nref *r);
bool scnp_is_scalar(const struct nref *r);
const char *scnp_found(const struct nref *r);
struct nref scnp_child(const struct nref *parent, int index);
const char *scnp_nearest(const char *word, const char *const *cands, size_t n);
void scnp_entries_free(struct entries *e);
struct entry *scnp_entries_find(const struct entries *e, const char *key);
size_t scnp_path_push(struct ctx *c, const char *key);
void scnp_path_pop(struct ctx *c, size_t old);
const char *scnp_where(const struct ctx *c);
int scnp_collect(struct ctx *c, struct nref map, bool allow_new, const char *entity,
                 struct entries *out);
int scnp_walk_entries(struct ctx *c, const struct nref *map, struct entries *es,
                      const struct keydef *tab, void *dst);
int scnp_walk_map(struct ctx *c, struct nref v, const struct keydef *tab, void *dst);

/* ------------------------------------------------------------------------
 * Value handlers (values.c)
 */

struct ilim { int64_t min, max; };
struct qlim { enum unit_kind kind; unsigned uflags; int64_t min, max; };

int scnp_get_int(struct ctx *c, const struct keydef *k, const struct nref *v,
                 const struct ilim *lim, int64_t *out);
int scnp_get_number(struct ctx *c, const struct keydef *k, const struct nref *v,
                    const char *what, double *out);
int scnp_get_qty(struct ctx *c, const struct keydef *k, const struct nref *v,
                 const struct qlim *lim, struct quantity *q);
key_fn scnp_k_int, scnp_k_i64, scnp_k_seed, scnp_k_bool, scnp_k_str, scnp_k_fraction,
    scnp_k_qty, scnp_k_cost, scnp_k_enum, scnp_k_map, scnp_k_dist;

/* ------------------------------------------------------------------------
 * The key tables (schema.c)
 */

/* Per-pCPU lists are kept raw until pcpus is known (it may come later in
 * the file, or from an override). */
struct rawlist {
    int64_t *v;
    int n;
    struct nref ref;
    bool given;
};

struct machine_tmp {
    struct rawlist ppb, offset;
    int sockets, cores, threads;    /* machine.topology as written, 0 if not */
};

/* What one walk of the document builds besides the struct scn itself. */
struct dom_tmp {
    struct scn_domain d;
    int count;                      /* -1 if not given */
    struct rawlist cpus;
    struct rawlist cpus_soft;
};

struct walk {
    struct scn *s;
    struct machine_tmp mtmp;
    struct dom_tmp *doms;
    int ndoms;
};

/* Value names, in the order of the enums they map to. */
extern const char *const scnp_op_names[];
extern const char *const scnp_pattern_names[];
extern const char *const scnp_queue_names[];
extern const char *const scnp_kind_names[];
extern const char *const scnp_wl_names[];
extern const char *const scnp_numbering_names[];
extern const char *const scnp_credit_version_names[];
extern const char *const scnp_credit2_runqueue_names[];
extern const char *const scnp_timer_order_names[];
extern const char *const scnp_system_time_names[];
extern const char *const scnp_slop_rule_names[];
extern const char *const scnp_unpause_order_names[];
extern const char *const scnp_rec_per_names[];
/* The top of the language: every other table is reached from it. */
extern const struct keydef scnp_top_keys[];

int scnp_set_loc(struct ctx *c, const struct nref *r, struct scn_loc *loc);

/* ------------------------------------------------------------------------
 * After the walk, and the files a scenario reads (resolve.c)
 */

extern const char *const scnp_file_keys[];

char *scnp_resolve_path(const char *scn_file, const char *path);
int scnp_digest_file(struct ctx *c, const char *path, struct scn_file *out);
int scnp_add_file(struct ctx *c, struct scn *s, const struct scn_file *f);
/* What is checked and expanded once the whole document is walked. */
int scnp_finish(struct ctx *c, struct walk *w);

/* ------------------------------------------------------------------------
 * Sweep, overrides and the YAML parse (sweep.c)
 */

struct axis_tmp {
    struct nref key;
    yaml_node_item_t *items;        /* the values' node indices */
    int n;
};

/* The sweep block, read before the walk: its values become overrides. */
int scnp_read_sweep(struct ctx *c, struct nref root, struct scn *s, struct axis_tmp **axes);
struct src *scnp_src_new(struct ctx *c, const char *name, const char *text, size_t len);
int scnp_add_override(struct ctx *c, const char *path, struct nref key, struct nref val,
                      bool front);
void scnp_drop_front(struct ctx *c, int n);
int scnp_push_point(struct ctx *c, struct nref root, const struct scn *base,
                    const struct axis_tmp *axes, const int *idx);
int scnp_check_tabs(struct ctx *c, struct src *src);
yaml_document_t *scnp_parse_doc(struct ctx *c, struct src *src, int line0, int col0,
                                bool single);
int scnp_parse_set(struct ctx *c, const char *arg);

#endif
