/*
 * traces/trace.c: xensim's native trace format (traces/trace.h): the binary
 * and text encodings, their streaming writer and reader.
 *
 * Binary layout (all integers little-endian; docs/traces.md has the table):
 *   header   "XSTRACE\0", u32 version, u32 header length (bytes, the CRC
 *            included), u64 clock_hz, char source[64] (NUL-padded),
 *            u32 ndomains, per domain {u8 name length, name, u16 vcpus},
 *            u32 CRC-32 of every header byte before it;
 *   blocks   "XSBK", u32 records, u32 payload bytes (<= TR_BLOCK_MAX),
 *            u64 base time (ns: the time of the last record before the
 *            block), u32 CRC-32 of the 20 bytes before it and the payload;
 *            the payload is the records, each a tag byte (version 2: op
 *            in bits 0-3, TR_F_WRITE in bit 4; version 1: op in bits
 *            0-2, TR_F_WRITE in bit 3) then LEB128 varints: the time delta (ns)
 *            from the previous record, dom, vcpu, and a and b where the op
 *            has them;
 *   end      "XSEN", u64 records in the trace, u32 blocks, u32 CRC-32 of
 *            the 16 bytes before it; nothing may follow.
 * Every byte is covered by a checksum or a magic, the base time chains the
 * blocks and the end marker counts them, so truncation, corruption, lost
 * and reordered blocks are all detected and named by byte offset.
 *
 * Text: `# key value` header lines, then one `TIME_NS DOMAIN VCPU OP
 * ARGS...` line per record. A text trace has no end marker, so a cut at a
 * line boundary cannot be told from the end (a cut inside a line can: every
 * line must end in a newline).
 *
 * CRC-32 is the IEEE 802.3 polynomial (as zlib's crc32), table-driven, own
 * code. Simplifications: a trace is read front to back (rewind is the only
 * seek); the reader holds one block (<= 64 KiB) or one line at a time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"
#include "traces/trace.h"

#define TR_MAGIC "XSTRACE"                 /* 8 bytes with its NUL */
#define TR_BLOCK_MAGIC "XSBK"
#define TR_END_MAGIC "XSEN"
#define TR_TEXT_MAGIC "# xensim-trace"
#define TR_HDR_FIXED 92                     /* bytes of the header before the domains */
#define TR_HDR_MAX (TR_HDR_FIXED + TR_MAX_DOMAINS * (1 + TR_NAME_MAX + 2) + 4)
#define TR_BLOCK_HDR 24                     /* bytes of a block header */
#define TR_END_LEN 20                       /* bytes of the end marker */
#define TR_BLOCK_MAX 65536                  /* payload bytes of one block, at most */
#define TR_REC_MAX (1 + 5 * 10)             /* bytes of one encoded record, at most */
#define TR_PAD 64                           /* zero bytes after a payload (decoder overrun) */
#define TR_REC_MIN 4                        /* bytes of the smallest record (yield) */
#define TR_LINE_MAX 4096                    /* bytes of a text line */
#define TR_TEXT_BUF 65536                   /* text reader's buffer, bytes */
#define TR_ERR_LEN 512

/* Which ops carry a and b (the text form lists exactly these); sized for
 * every value of a version 2 tag's op field. */
static const uint8_t op_nargs[16] = {
    [TR_COMPUTE] = 1, [TR_BLOCK_IO] = 2, [TR_NET_SEND] = 1, [TR_SLEEP] = 1,
    [TR_PT_BATCH] = 2, [TR_YIELD] = 0, [TR_ARRIVAL] = 1,
    [TR_WAIT] = 1, [TR_BLOCK_SUBMIT] = 2, [TR_NET_REPLY] = 1,
};

static const char *const op_names[TR_OP_COUNT] = {
    [TR_COMPUTE] = "compute", [TR_BLOCK_IO] = "block_io", [TR_NET_SEND] = "net_send",
    [TR_SLEEP] = "sleep", [TR_PT_BATCH] = "pt_batch", [TR_YIELD] = "yield",
    [TR_ARRIVAL] = "arrival", [TR_WAIT] = "wait", [TR_BLOCK_SUBMIT] = "block_submit",
    [TR_NET_REPLY] = "net_reply",
};

#define OP_LIST "compute, block_io, net_send, sleep, pt_batch, yield, arrival, wait, " \
                "block_submit, net_reply"

/* The ops a version knows: 1..7 in version 1, all in version 2. */
static int ops_of_version(uint32_t version)
{
    return version >= 2 ? TR_OP_COUNT : TR_ARRIVAL + 1;
}

static bool is_block_op(unsigned op)
{
    return op == TR_BLOCK_IO || op == TR_BLOCK_SUBMIT;
}

const char *tr_op_name(int op)
{
    return op >= 1 && op < TR_OP_COUNT ? op_names[op] : NULL;
}

/* ---- CRC-32 ---- */

static uint32_t crc_table[8][256];
static int crc_ready;

static void crc_init(void)
{
    if (crc_ready)
        return;
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
    crc_ready = 1;
}

/* Continue a CRC-32 (start with 0) over n bytes; slice-by-8. */
static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n >= 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24);
        crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
              crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
              crc_table[3][p[4]] ^ crc_table[2][p[5]] ^ crc_table[1][p[6]] ^ crc_table[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n--)
        crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ---- little-endian and varints ---- */

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Decode a varint of at most 10 bytes; *bad set if it is longer or
 * overflows 64 bits. Reads past the payload only into its zero padding. */
static inline const uint8_t *get_varint(const uint8_t *p, uint64_t *v, int *bad)
{
    uint64_t b = *p++;
    if (b < 0x80) {
        *v = b;
        return p;
    }
    uint64_t x = b & 0x7f;
    for (int shift = 7; shift < 70; shift += 7) {
        b = *p++;
        if (shift == 63 && b > 1) {
            *bad = 1;
            break;
        }
        x |= (b & 0x7f) << shift;
        if (b < 0x80) {
            *v = x;
            return p;
        }
    }
    *bad = 1;
    *v = 0;
    return p;
}

/* ---- validation shared by writer and readers ---- */

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n > TR_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

/* source: printable ASCII without spaces, NUL-terminated within 64 bytes. */
static int valid_source(const char *s)
{
    size_t n = strnlen(s, 64);
    if (n >= 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

/* The header is well-formed (names valid and distinct, counts in range);
 * else a message in msg. Quadratic duplicate check only for small headers;
 * larger ones use a hash set. */
static int check_header(const struct tr_header *h, char *msg, size_t n)
{
    if (h->ndomains < 1 || h->ndomains > TR_MAX_DOMAINS) {
        snprintf(msg, n, "%" PRIu32 " domains (expected 1 to %d)", h->ndomains, TR_MAX_DOMAINS);
        return -SIM_EINVAL;
    }
    if (!h->domains) {
        snprintf(msg, n, "no domains array");
        return -SIM_EINVAL;
    }
    if (!valid_source(h->source)) {
        snprintf(msg, n, "source must be printable ASCII without spaces, at most 63 bytes");
        return -SIM_EINVAL;
    }
    for (uint32_t i = 0; i < h->ndomains; i++) {
        const struct tr_domain *d = &h->domains[i];
        size_t len = strnlen(d->name, TR_NAME_MAX + 1);
        if (!valid_name(d->name, len)) {
            snprintf(msg, n, "domain %" PRIu32 ": invalid name (use [A-Za-z0-9_.-], 1 to %d bytes)",
                     i, TR_NAME_MAX);
            return -SIM_EINVAL;
        }
        if (d->vcpus < 1 || d->vcpus > TR_MAX_VCPUS) {
            snprintf(msg, n, "domain '%s': %" PRIu32 " vCPUs (expected 1 to %d)", d->name,
                     d->vcpus, TR_MAX_VCPUS);
            return -SIM_EINVAL;
        }
    }
    return 0;
}

/* Domain-name lookup: open addressing over the header's names. */
struct name_index {
    uint32_t mask;
    int32_t *slot;                          /* domain index or -1 */
};

static uint32_t name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static int name_find(const struct name_index *ix, const struct tr_domain *doms, const char *s,
                     size_t n)
{
    for (uint32_t k = name_hash(s, n) & ix->mask;; k = (k + 1) & ix->mask) {
        int32_t d = ix->slot[k];
        if (d < 0)
            return -1;
        if (strlen(doms[d].name) == n && !memcmp(doms[d].name, s, n))
            return d;
    }
}

/* Build the index; returns the index of a duplicate name, -1 if none, or
 * -2 if out of memory. */
static int name_index_build(struct name_index *ix, const struct tr_domain *doms, uint32_t nd)
{
    uint32_t cap = 16;
    while (cap < 2 * nd)
        cap <<= 1;
    ix->mask = cap - 1;
    ix->slot = malloc(cap * sizeof *ix->slot);
    if (!ix->slot)
        return -2;
    for (uint32_t i = 0; i < cap; i++)
        ix->slot[i] = -1;
    for (uint32_t i = 0; i < nd; i++) {
        size_t n = strlen(doms[i].name);
        if (name_find(ix, doms, doms[i].name, n) >= 0)
            return (int)i;
        uint32_t k = name_hash(doms[i].name, n) & ix->mask;
        while (ix->slot[k] >= 0)
            k = (k + 1) & ix->mask;
        ix->slot[k] = (int32_t)i;
    }
    return -1;
}

/* A record is well-formed for the header; else a message in msg. */
static int check_record(const struct tr_header *h, const struct tr_record *r, char *msg,
                        size_t n)
{
    if (r->op < 1 || r->op >= TR_OP_COUNT) {
        snprintf(msg, n, "unknown op %u", (unsigned)r->op);
        return -SIM_EINVAL;
    }
    if (r->t < 0) {
        snprintf(msg, n, "negative time %" PRId64 " ns", r->t);
        return -SIM_EINVAL;
    }
    if (r->dom >= h->ndomains) {
        snprintf(msg, n, "domain %u out of range (the header has %" PRIu32 ")", (unsigned)r->dom,
                 h->ndomains);
        return -SIM_EINVAL;
    }
    const struct tr_domain *d = &h->domains[r->dom];
    if (r->vcpu >= d->vcpus) {
        snprintf(msg, n, "vCPU %u out of range: domain '%s' has %" PRIu32 " vCPUs",
                 (unsigned)r->vcpu, d->name, d->vcpus);
        return -SIM_EINVAL;
    }
    if (r->flags & ~(is_block_op(r->op) ? TR_F_WRITE : 0u)) {
        snprintf(msg, n, "%s: flags 0x%x not allowed", op_names[r->op], (unsigned)r->flags);
        return -SIM_EINVAL;
    }
    int na = op_nargs[r->op];
    if ((na < 1 && r->a) || (na < 2 && r->b)) {
        snprintf(msg, n, "%s: takes %d argument%s, unused ones must be 0", op_names[r->op], na,
                 na == 1 ? "" : "s");
        return -SIM_EINVAL;
    }
    if (r->op == TR_PT_BATCH && r->b > r->a) {
        snprintf(msg, n, "pt_batch: %" PRIu64 " forbidden entries out of %" PRIu64, r->b, r->a);
        return -SIM_EINVAL;
    }
    return 0;
}

/* ---- writer ---- */

struct tr_writer {
    FILE *f;
    char *path;
    enum tr_encoding enc;
    struct tr_header h;                     /* a copy; domains owned */
    sim_time_t last_t;                      /* ns: time of the last record written */
    sim_time_t block_base;                  /* ns: last time before the current block */
    uint64_t nrec;                          /* records written */
    uint32_t nblocks;                       /* blocks flushed */
    uint32_t block_nrec;                    /* records in the buffered block */
    size_t block_len;                       /* payload bytes buffered */
    int failed;                             /* an I/O error happened */
    char err[TR_ERR_LEN];
    uint8_t buf[TR_BLOCK_HDR + TR_BLOCK_MAX];
};

const char *tr_writer_error(const struct tr_writer *w)
{
    return w ? w->err : "";
}

static int copy_header(struct tr_header *dst, const struct tr_header *src)
{
    *dst = *src;
    dst->domains = malloc(src->ndomains * sizeof *dst->domains);
    if (!dst->domains)
        return -SIM_ENOMEM;
    memcpy(dst->domains, src->domains, src->ndomains * sizeof *dst->domains);
    return 0;
}

static int write_binary_header(struct tr_writer *w)
{
    const struct tr_header *h = &w->h;
    size_t len = TR_HDR_FIXED + 4;
    for (uint32_t i = 0; i < h->ndomains; i++)
        len += 1 + strlen(h->domains[i].name) + 2;
    uint8_t *b = calloc(1, len);
    if (!b)
        return -SIM_ENOMEM;
    memcpy(b, TR_MAGIC, 8);
    put_u32(b + 8, TR_VERSION);
    put_u32(b + 12, (uint32_t)len);
    put_u64(b + 16, h->clock_hz);
    memcpy(b + 24, h->source, strlen(h->source));
    put_u32(b + 88, h->ndomains);
    uint8_t *p = b + TR_HDR_FIXED;
    for (uint32_t i = 0; i < h->ndomains; i++) {
        size_t n = strlen(h->domains[i].name);
        *p++ = (uint8_t)n;
        memcpy(p, h->domains[i].name, n);
        p += n;
        put_u16(p, (uint16_t)h->domains[i].vcpus);
        p += 2;
    }
    put_u32(p, crc_update(0, b, len - 4));
    int rc = fwrite(b, 1, len, w->f) == len ? 0 : -SIM_EIO;
    free(b);
    return rc;
}

static int write_text_header(struct tr_writer *w)
{
    const struct tr_header *h = &w->h;
    fprintf(w->f, "%s %d\n# clock_hz %" PRIu64 "\n# source %s\n", TR_TEXT_MAGIC, TR_VERSION,
            h->clock_hz, h->source);
    for (uint32_t i = 0; i < h->ndomains; i++)
        fprintf(w->f, "# domain %s %" PRIu32 "\n", h->domains[i].name, h->domains[i].vcpus);
    return ferror(w->f) ? -SIM_EIO : 0;
}

struct tr_writer *tr_writer_open(const char *path, const struct tr_header *h,
                                 enum tr_encoding enc, char *err, size_t errlen)
{
    char msg[TR_ERR_LEN];
    crc_init();
    if (!path || !h || (enc != TR_BINARY && enc != TR_TEXT)) {
        sim_errmsg(err, errlen, "tr_writer_open: invalid arguments");
        return NULL;
    }
    if (check_header(h, msg, sizeof msg)) {
        sim_errmsg(err, errlen, "%s: invalid trace header: %s", path, msg);
        return NULL;
    }
    struct name_index ix;
    int dup = name_index_build(&ix, h->domains, h->ndomains);
    free(ix.slot);
    if (dup == -2) {
        sim_errmsg(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (dup >= 0) {
        sim_errmsg(err, errlen, "%s: invalid trace header: duplicate domain name '%s'", path,
                   h->domains[dup].name);
        return NULL;
    }
    struct tr_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path)) || copy_header(&w->h, h)) {
        if (w)
            free(w->path);
        free(w);
        sim_errmsg(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    w->h.version = TR_VERSION;
    w->enc = enc;
    w->f = fopen(path, "wb");
    if (!w->f) {
        sim_errmsg(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        free(w->h.domains);
        free(w->path);
        free(w);
        return NULL;
    }
    if (enc == TR_TEXT)
        setvbuf(w->f, NULL, _IOFBF, 1 << 16);
    int rc = enc == TR_BINARY ? write_binary_header(w) : write_text_header(w);
    if (rc) {
        sim_errmsg(err, errlen, "%s: cannot write the header: %s", path,
                   rc == -SIM_ENOMEM ? "out of memory" : strerror(errno));
        fclose(w->f);
        free(w->h.domains);
        free(w->path);
        free(w);
        return NULL;
    }
    return w;
}

static int flush_block(struct tr_writer *w)
{
    if (w->block_nrec == 0)
        return 0;
    uint8_t *b = w->buf;
    memcpy(b, TR_BLOCK_MAGIC, 4);
    put_u32(b + 4, w->block_nrec);
    put_u32(b + 8, (uint32_t)w->block_len);
    put_u64(b + 12, (uint64_t)w->block_base);
    uint32_t crc = crc_update(0, b, 20);
    crc = crc_update(crc, b + TR_BLOCK_HDR, w->block_len);
    put_u32(b + 20, crc);
    size_t n = TR_BLOCK_HDR + w->block_len;
    if (fwrite(b, 1, n, w->f) != n) {
        snprintf(w->err, sizeof w->err, "%s: write failed: %s", w->path, strerror(errno));
        w->failed = 1;
        return -SIM_EIO;
    }
    w->nblocks++;
    w->block_nrec = 0;
    w->block_len = 0;
    w->block_base = w->last_t;
    return 0;
}

int tr_write(struct tr_writer *w, const struct tr_record *r)
{
    if (!w || !r)
        return -SIM_EINVAL;
    if (w->failed)
        return -SIM_EIO;
    char msg[256];
    if (check_record(&w->h, r, msg, sizeof msg)) {
        snprintf(w->err, sizeof w->err, "record %" PRIu64 ": %s", w->nrec, msg);
        return -SIM_EINVAL;
    }
    if (r->t < w->last_t) {
        snprintf(w->err, sizeof w->err,
                 "record %" PRIu64 ": time goes backwards (%" PRId64 " ns after %" PRId64 " ns)",
                 w->nrec, r->t, w->last_t);
        return -SIM_EINVAL;
    }
    if (w->enc == TR_TEXT) {
        const char *dn = w->h.domains[r->dom].name;
        int na = op_nargs[r->op];
        if (is_block_op(r->op))
            fprintf(w->f, "%" PRId64 " %s %u %s %s %" PRIu64 " %" PRIu64 "\n", r->t, dn,
                    (unsigned)r->vcpu, op_names[r->op], r->flags & TR_F_WRITE ? "write" : "read",
                    r->a, r->b);
        else if (na == 2)
            fprintf(w->f, "%" PRId64 " %s %u %s %" PRIu64 " %" PRIu64 "\n", r->t, dn,
                    (unsigned)r->vcpu, op_names[r->op], r->a, r->b);
        else if (na == 1)
            fprintf(w->f, "%" PRId64 " %s %u %s %" PRIu64 "\n", r->t, dn, (unsigned)r->vcpu,
                    op_names[r->op], r->a);
        else
            fprintf(w->f, "%" PRId64 " %s %u %s\n", r->t, dn, (unsigned)r->vcpu,
                    op_names[r->op]);
        if (ferror(w->f)) {
            snprintf(w->err, sizeof w->err, "%s: write failed: %s", w->path, strerror(errno));
            w->failed = 1;
            return -SIM_EIO;
        }
    } else {
        if (w->block_len + TR_REC_MAX > TR_BLOCK_MAX && flush_block(w))
            return -SIM_EIO;
        uint8_t *p = w->buf + TR_BLOCK_HDR + w->block_len, *p0 = p;
        *p++ = (uint8_t)(r->op | (r->flags & TR_F_WRITE) << 4);
        p = put_varint(p, (uint64_t)(r->t - w->last_t));
        p = put_varint(p, r->dom);
        p = put_varint(p, r->vcpu);
        int na = op_nargs[r->op];
        if (na >= 1)
            p = put_varint(p, r->a);
        if (na >= 2)
            p = put_varint(p, r->b);
        w->block_len += (size_t)(p - p0);
        w->block_nrec++;
    }
    w->last_t = r->t;
    w->nrec++;
    return 0;
}

int tr_writer_close(struct tr_writer *w)
{
    if (!w)
        return 0;
    int rc = w->failed ? -SIM_EIO : 0;
    if (!rc && w->enc == TR_BINARY) {
        rc = flush_block(w);
        if (!rc) {
            uint8_t e[TR_END_LEN];
            memcpy(e, TR_END_MAGIC, 4);
            put_u64(e + 4, w->nrec);
            put_u32(e + 12, w->nblocks);
            put_u32(e + 16, crc_update(0, e, 16));
            if (fwrite(e, 1, sizeof e, w->f) != sizeof e)
                rc = -SIM_EIO;
        }
    }
    if (fflush(w->f) != 0 || ferror(w->f))
        rc = -SIM_EIO;
    if (fclose(w->f) != 0)
        rc = -SIM_EIO;
    free(w->h.domains);
    free(w->path);
    free(w);
    return rc;
}

/* ---- reader ---- */

struct tr_reader {
    FILE *f;
    char *name;                             /* the file's name, for messages */
    enum tr_encoding enc;
    struct tr_header h;                     /* domains owned */
    struct name_index ix;                   /* text: domain names */
    long data_off;                          /* byte offset of the first block / record line */
    long data_line;                         /* text: line number of data_off */
    sim_time_t last_t;                      /* ns: time of the last record read */
    uint64_t nrec;                          /* records read */
    int err_code;                           /* sticky error (negative), 0 if none */
    int done;                               /* the clean end was reached */
    char err[TR_ERR_LEN];
    /* binary */
    uint8_t *blk;                           /* payload of the current block + TR_PAD zeros */
    const uint8_t *p, *end;                 /* next record, end of payload */
    uint32_t left;                          /* records left in the current block */
    uint32_t blk_nrec;                      /* records in the current block */
    uint32_t nblocks;                       /* blocks read (the current one included) */
    long pos;                               /* byte offset of the next unread file byte */
    long blk_off;                           /* byte offset of the current block's header */
    /* text */
    char *tbuf;                             /* TR_TEXT_BUF bytes */
    size_t tpos, tlen;                      /* next unread byte, bytes held */
    long tbase;                             /* byte offset of tbuf[0] */
    long line;                              /* number of the last line returned */
    int teof;                               /* fread reached the end of the file */
};

static int rfail(struct tr_reader *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The reader's error: the message, for tr_reader_error, and the code, which
 * makes it sticky (every later tr_read returns it until tr_rewind). The
 * code is why this is not a bare sim_errmsg. */
static int rfail(struct tr_reader *r, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->err_code = code;
    return code;
}

const char *tr_reader_error(const struct tr_reader *r)
{
    return r ? r->err : "";
}

const struct tr_header *tr_reader_header(const struct tr_reader *r)
{
    return &r->h;
}

enum tr_encoding tr_reader_encoding(const struct tr_reader *r)
{
    return r->enc;
}

size_t tr_reader_footprint(const struct tr_reader *r)
{
    if (!r)
        return 0;
    size_t n = sizeof *r + strlen(r->name) + 1 + r->h.ndomains * sizeof *r->h.domains;
    if (r->blk)
        n += TR_BLOCK_MAX + TR_PAD;
    if (r->tbuf)
        n += TR_TEXT_BUF;
    if (r->ix.slot)
        n += (r->ix.mask + 1) * sizeof *r->ix.slot;
    return n;
}

void tr_reader_close(struct tr_reader *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    free(r->name);
    free(r->h.domains);
    free(r->ix.slot);
    free(r->blk);
    free(r->tbuf);
    free(r);
}

/* Read up to n bytes; the count read (short only at the end of the file or
 * on an error, which rfail reports). */
static size_t rd(struct tr_reader *r, void *buf, size_t n)
{
    size_t got = fread(buf, 1, n, r->f);
    r->pos += (long)got;
    return got;
}

/* ---- binary ---- */

static int bin_open(struct tr_reader *r)
{
    uint8_t fixed[16];
    size_t n = rd(r, fixed, sizeof fixed);
    if (ferror(r->f))
        return rfail(r, -SIM_EIO, "%s: read error: %s", r->name, strerror(errno));
    if (n < 16)
        return rfail(r, -SIM_EBADINPUT, "%s: byte %zu: truncated header (the file ends there)",
                     r->name, n);
    uint32_t version = get_u32(fixed + 8);
    if (version < TR_VERSION_MIN || version > TR_VERSION)
        return rfail(r, -SIM_EBADINPUT,
                     "%s: byte 8: unsupported trace version %" PRIu32
                     " (this build reads versions %d to %d)",
                     r->name, version, TR_VERSION_MIN, TR_VERSION);
    uint32_t hlen = get_u32(fixed + 12);
    if (hlen < TR_HDR_FIXED + 1 + 1 + 2 + 4 || hlen > TR_HDR_MAX)
        return rfail(r, -SIM_EBADINPUT,
                     "%s: byte 12: damaged header: header length %" PRIu32 " out of range",
                     r->name, hlen);
    uint8_t *b = malloc(hlen);
    if (!b)
        return rfail(r, -SIM_ENOMEM, "%s: out of memory", r->name);
    memcpy(b, fixed, 16);
    n = rd(r, b + 16, hlen - 16);
    if (ferror(r->f)) {
        free(b);
        return rfail(r, -SIM_EIO, "%s: read error: %s", r->name, strerror(errno));
    }
    if (n < hlen - 16) {
        free(b);
        return rfail(r, -SIM_EBADINPUT,
                     "%s: byte %ld: truncated header (%" PRIu32 " bytes expected)", r->name,
                     r->pos, hlen);
    }
    if (crc_update(0, b, hlen - 4) != get_u32(b + hlen - 4)) {
        free(b);
        return rfail(r, -SIM_EBADINPUT, "%s: byte 0: header checksum mismatch", r->name);
    }
    /* From here on the bytes are what a writer wrote: damage means a bad writer. */
    int rc = 0;
    r->h.version = version;
    r->h.clock_hz = get_u64(b + 16);
    memcpy(r->h.source, b + 24, 64);
    r->h.ndomains = get_u32(b + 88);
    size_t slen = strnlen(r->h.source, 64);
    int pad_ok = slen < 64;
    for (size_t i = slen; i < 64; i++)
        pad_ok &= r->h.source[i] == 0;
    if (!pad_ok || !valid_source(r->h.source)) {
        rc = rfail(r, -SIM_EBADINPUT, "%s: byte 24: damaged header: invalid source", r->name);
        goto out;
    }
    if (r->h.ndomains < 1 || r->h.ndomains > TR_MAX_DOMAINS) {
        rc = rfail(r, -SIM_EBADINPUT,
                   "%s: byte 88: damaged header: %" PRIu32 " domains (expected 1 to %d)",
                   r->name, r->h.ndomains, TR_MAX_DOMAINS);
        goto out;
    }
    r->h.domains = calloc(r->h.ndomains, sizeof *r->h.domains);
    if (!r->h.domains) {
        rc = rfail(r, -SIM_ENOMEM, "%s: out of memory", r->name);
        goto out;
    }
    size_t off = TR_HDR_FIXED;
    for (uint32_t i = 0; i < r->h.ndomains; i++) {
        size_t nl = off < hlen - 4 ? b[off] : 0;
        if (off + 1 + nl + 2 > hlen - 4 || !valid_name((const char *)b + off + 1, nl)) {
            rc = rfail(r, -SIM_EBADINPUT, "%s: byte %zu: damaged header: domain %" PRIu32
                       " has no valid name", r->name, off, i);
            goto out;
        }
        memcpy(r->h.domains[i].name, b + off + 1, nl);
        r->h.domains[i].vcpus = get_u16(b + off + 1 + nl);
        if (r->h.domains[i].vcpus < 1 || r->h.domains[i].vcpus > TR_MAX_VCPUS) {
            rc = rfail(r, -SIM_EBADINPUT,
                       "%s: byte %zu: damaged header: domain '%s' has %" PRIu32 " vCPUs",
                       r->name, off + 1 + nl, r->h.domains[i].name, r->h.domains[i].vcpus);
            goto out;
        }
        off += 1 + nl + 2;
    }
    if (off != hlen - 4) {
        rc = rfail(r, -SIM_EBADINPUT, "%s: byte %zu: damaged header: %zu bytes after the domains",
                   r->name, off, (size_t)(hlen - 4 - off));
        goto out;
    }
    int dup = name_index_build(&r->ix, r->h.domains, r->h.ndomains);
    if (dup == -2) {
        rc = rfail(r, -SIM_ENOMEM, "%s: out of memory", r->name);
        goto out;
    }
    if (dup >= 0) {
        rc = rfail(r, -SIM_EBADINPUT, "%s: byte %d: damaged header: duplicate domain name '%s'",
                   r->name, TR_HDR_FIXED, r->h.domains[dup].name);
        goto out;
    }
    r->blk = calloc(1, TR_BLOCK_MAX + TR_PAD);
    if (!r->blk)
        rc = rfail(r, -SIM_ENOMEM, "%s: out of memory", r->name);
    r->data_off = (long)hlen;
out:
    free(b);
    return rc;
}

/* Read the next block header and payload (or the end marker: 0). */
static int bin_next_block(struct tr_reader *r)
{
    uint8_t hd[TR_BLOCK_HDR];
    r->blk_off = r->pos;
    size_t n = rd(r, hd, 4);
    if (ferror(r->f))
        return rfail(r, -SIM_EIO, "%s: read error: %s", r->name, strerror(errno));
    if (n == 0 && r->nblocks == 0)
        return rfail(r, -SIM_EBADINPUT,
                     "%s: byte %ld: truncated trace: no end marker after the header", r->name,
                     r->blk_off);
    if (n == 0)
        return rfail(r, -SIM_EBADINPUT,
                     "%s: byte %ld: truncated trace: no end marker after block %" PRIu32,
                     r->name, r->blk_off, r->nblocks - 1);
    if (n == 4 && !memcmp(hd, TR_END_MAGIC, 4)) {
        n = rd(r, hd + 4, TR_END_LEN - 4);
        if (n < TR_END_LEN - 4)
            return rfail(r, -SIM_EBADINPUT, "%s: byte %ld: truncated end marker", r->name,
                         r->blk_off);
        if (crc_update(0, hd, 16) != get_u32(hd + 16))
            return rfail(r, -SIM_EBADINPUT, "%s: byte %ld: end marker checksum mismatch",
                         r->name, r->blk_off);
        uint64_t total = get_u64(hd + 4);
        uint32_t nb = get_u32(hd + 12);
        if (total != r->nrec || nb != r->nblocks)
            return rfail(r, -SIM_EBADINPUT,
                         "%s: byte %ld: the end marker counts %" PRIu64 " records in %" PRIu32
                         " blocks, the file holds %" PRIu64 " in %" PRIu32,
                         r->name, r->blk_off, total, nb, r->nrec, r->nblocks);
        if (fgetc(r->f) != EOF)
            return rfail(r, -SIM_EBADINPUT, "%s: byte %ld: data after the end marker", r->name,
                         r->pos);
        r->done = 1;
        return 0;
    }
    if (n < 4 || memcmp(hd, TR_BLOCK_MAGIC, 4))
        return rfail(r, -SIM_EBADINPUT,
                     n < 4 ? "%s: byte %ld: truncated block header (block %" PRIu32 ")"
                           : "%s: byte %ld: expected a block or the end marker (block %" PRIu32 ")",
                     r->name, r->blk_off, r->nblocks);
    n = rd(r, hd + 4, TR_BLOCK_HDR - 4);
    if (n < TR_BLOCK_HDR - 4)
        return rfail(r, -SIM_EBADINPUT, "%s: byte %ld: truncated block header (block %" PRIu32 ")",
                     r->name, r->blk_off, r->nblocks);
    uint32_t nrec = get_u32(hd + 4), len = get_u32(hd + 8);
    if (len > TR_BLOCK_MAX || nrec == 0 || (uint64_t)nrec * TR_REC_MIN > len)
        return rfail(r, -SIM_EBADINPUT,
                     "%s: byte %ld: damaged block header (block %" PRIu32 ": %" PRIu32
                     " records in %" PRIu32 " bytes)",
                     r->name, r->blk_off, r->nblocks, nrec, len);
    n = rd(r, r->blk, len);
    if (ferror(r->f))
        return rfail(r, -SIM_EIO, "%s: read error: %s", r->name, strerror(errno));
    if (n < len)
        return rfail(r, -SIM_EBADINPUT,
                     "%s: byte %ld: truncated block (block %" PRIu32 ": %" PRIu32
                     " bytes expected, %zu in the file)",
                     r->name, r->blk_off, r->nblocks, len, n);
    uint32_t crc = crc_update(crc_update(0, hd, 20), r->blk, len);
    if (crc != get_u32(hd + 20))
        return rfail(r, -SIM_EBADINPUT, "%s: byte %ld: block checksum mismatch (block %" PRIu32 ")",
                     r->name, r->blk_off, r->nblocks);
    uint64_t base = get_u64(hd + 12);
    if (base != (uint64_t)r->last_t)
        return rfail(r, -SIM_EBADINPUT,
                     "%s: byte %ld: block %" PRIu32 " starts after %" PRIu64
                     " ns, the previous block ended at %" PRId64
                     " ns (a block is missing or out of order)",
                     r->name, r->blk_off, r->nblocks, base, r->last_t);
    memset(r->blk + len, 0, TR_PAD);
    r->p = r->blk;
    r->end = r->blk + len;
    r->left = r->blk_nrec = nrec;
    r->nblocks++;
    return 1;
}

static int bin_bad_record(struct tr_reader *r, const uint8_t *rec, const char *what)
{
    return rfail(r, -SIM_EBADINPUT, "%s: byte %ld: record %" PRIu32 " of block %" PRIu32 ": %s",
                 r->name, r->blk_off + TR_BLOCK_HDR + (long)(rec - r->blk),
                 r->blk_nrec - r->left, r->nblocks - 1, what);
}

static int bin_read(struct tr_reader *r, struct tr_record *out)
{
    if (r->left == 0) {
        int rc = bin_next_block(r);
        if (rc <= 0)
            return rc;
    }
    const uint8_t *p = r->p, *rec = p;
    if (p >= r->end)
        return bin_bad_record(r, rec, "the block ends before its last record");
    unsigned tag = *p++;
    /* Version 1: op in bits 0-2, TR_F_WRITE in bit 3; version 2: op in bits
     * 0-3, TR_F_WRITE in bit 4. Higher bits are zero. */
    unsigned v2 = r->h.version >= 2;
    unsigned op = tag & (v2 ? 15u : 7u);
    unsigned wr = (tag >> (3 + v2)) & 1, high = tag >> (4 + v2);
    int bad = 0;
    uint64_t dt, dom, vcpu, a = 0, b = 0;
    p = get_varint(p, &dt, &bad);
    p = get_varint(p, &dom, &bad);
    p = get_varint(p, &vcpu, &bad);
    int na = op_nargs[op];
    if (na >= 1)
        p = get_varint(p, &a, &bad);
    if (na >= 2)
        p = get_varint(p, &b, &bad);
    if (__builtin_expect(bad || p > r->end || op == 0 || op >= TR_OP_COUNT || high ||
                         (wr && !is_block_op(op)) || dom >= r->h.ndomains ||
                         vcpu >= r->h.domains[dom].vcpus ||
                         dt > (uint64_t)(INT64_MAX - r->last_t) ||
                         (op == TR_PT_BATCH && b > a),
                         0)) {
        char msg[200];
        if (bad || p > r->end)
            snprintf(msg, sizeof msg, "malformed record");
        else if (op == 0 || op >= TR_OP_COUNT || high || (wr && !is_block_op(op)))
            snprintf(msg, sizeof msg, "invalid op byte 0x%02x", tag);
        else if (dom >= r->h.ndomains)
            snprintf(msg, sizeof msg, "domain %" PRIu64 " out of range (the header has %" PRIu32 ")",
                     dom, r->h.ndomains);
        else if (vcpu >= r->h.domains[dom].vcpus)
            snprintf(msg, sizeof msg, "vCPU %" PRIu64 " out of range for domain '%s'", vcpu,
                     r->h.domains[dom].name);
        else if (op == TR_PT_BATCH)
            snprintf(msg, sizeof msg, "pt_batch: %" PRIu64 " forbidden entries out of %" PRIu64,
                     b, a);
        else
            snprintf(msg, sizeof msg, "time overflows");
        return bin_bad_record(r, rec, msg);
    }
    r->left--;
    if (r->left == 0 && p != r->end)
        return bin_bad_record(r, rec, "bytes left over after the block's last record");
    r->p = p;
    r->last_t += (sim_time_t)dt;
    out->t = r->last_t;
    out->dom = (uint16_t)dom;
    out->vcpu = (uint16_t)vcpu;
    out->op = (uint8_t)op;
    out->flags = (uint8_t)wr;
    out->a = a;
    out->b = b;
    r->nrec++;
    return 1;
}

/* ---- text ---- */

/* The next line (NUL-free view, without its newline): 1, 0 at the end, or
 * an error. */
static int text_line(struct tr_reader *r, char **line, size_t *len)
{
    for (;;) {
        char *s = r->tbuf + r->tpos;
        char *nl = memchr(s, '\n', r->tlen - r->tpos);
        if (nl) {
            *line = s;
            *len = (size_t)(nl - s);
            r->tpos += *len + 1;
            r->line++;
            return 1;
        }
        size_t rest = r->tlen - r->tpos;
        if (rest >= TR_LINE_MAX)
            return rfail(r, -SIM_EBADINPUT, "%s:%ld:1: line longer than %d bytes", r->name,
                         r->line + 1, TR_LINE_MAX);
        if (r->teof) {
            if (rest == 0)
                return 0;
            return rfail(r, -SIM_EBADINPUT,
                         "%s:%ld:%zu: the last line does not end with a newline (truncated file?)",
                         r->name, r->line + 1, rest + 1);
        }
        memmove(r->tbuf, s, rest);
        r->tbase += (long)r->tpos;
        r->tpos = 0;
        r->tlen = rest;
        size_t got = fread(r->tbuf + rest, 1, TR_TEXT_BUF - rest, r->f);
        r->tlen += got;
        if (got == 0) {
            if (ferror(r->f))
                return rfail(r, -SIM_EIO, "%s: read error: %s", r->name, strerror(errno));
            r->teof = 1;
        }
    }
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The next token of line[0..len) from *pos: its start (NULL at the end). */
static const char *token(const char *line, size_t len, size_t *pos, size_t *tlen)
{
    size_t i = *pos;
    while (i < len && is_blank(line[i]))
        i++;
    if (i == len) {
        *pos = i;
        *tlen = 0;
        return NULL;
    }
    size_t j = i;
    while (j < len && !is_blank(line[j]))
        j++;
    *pos = j;
    *tlen = j - i;
    return line + i;
}

static int parse_u64(const char *s, size_t n, uint64_t *v)
{
    if (n == 0 || n > 20)
        return 0;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return 0;
        x = x * 10 + d;
    }
    *v = x;
    return 1;
}

/* A token quoted for a message: at most 40 bytes, non-printables as '?'. */
static const char *quote(const char *s, size_t n, char *buf, size_t cap)
{
    if (!s)
        return "end of line";
    size_t k = 0;
    buf[k++] = '\'';
    for (size_t i = 0; i < n && i < 40 && k + 5 < cap; i++)
        buf[k++] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
    if (n > 40 && k + 5 < cap) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k++] = '\'';
    buf[k] = 0;
    return buf;
}

#define TFAIL(col, ...) text_fail(r, (col), __VA_ARGS__)

static int text_fail(struct tr_reader *r, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int text_fail(struct tr_reader *r, size_t col, const char *fmt, ...)
{
    char msg[TR_ERR_LEN - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rfail(r, -SIM_EBADINPUT, "%s:%ld:%zu: %s", r->name, r->line, col, msg);
}

static int text_reset(struct tr_reader *r, long off, long line)
{
    if (fseek(r->f, off, SEEK_SET) != 0)
        return rfail(r, -SIM_EIO, "%s: cannot seek: %s", r->name, strerror(errno));
    clearerr(r->f);
    r->tpos = r->tlen = 0;
    r->tbase = off;
    r->line = line;
    r->teof = 0;
    return 0;
}

static int text_open(struct tr_reader *r)
{
    r->tbuf = malloc(TR_TEXT_BUF);
    if (!r->tbuf)
        return rfail(r, -SIM_ENOMEM, "%s: out of memory", r->name);
    text_reset(r, 0, 0);
    char *line, q[64];
    size_t len, pos, tl;
    int rc = text_line(r, &line, &len);
    if (rc < 0)
        return rc;
    size_t ml = strlen(TR_TEXT_MAGIC);
    if (rc == 0 || len < ml || memcmp(line, TR_TEXT_MAGIC, ml))
        return TFAIL(1, "expected '%s %d'", TR_TEXT_MAGIC, TR_VERSION);
    pos = ml;
    const char *t = token(line, len, &pos, &tl);
    uint64_t v;
    if (!t || !parse_u64(t, tl, &v))
        return TFAIL(t ? (size_t)(t - line) + 1 : len + 1, "expected a format version, found %s",
                     quote(t, tl, q, sizeof q));
    if (v < TR_VERSION_MIN || v > TR_VERSION)
        return TFAIL((size_t)(t - line) + 1,
                     "unsupported trace version %" PRIu64 " (this build reads versions %d to %d)",
                     v, TR_VERSION_MIN, TR_VERSION);
    if (len != ml + 2 || line[ml] != ' ')
        return TFAIL(1, "expected exactly '%s %d'", TR_TEXT_MAGIC, (int)v);
    r->h.version = (uint32_t)v;
    uint32_t cap = 0;
    int have_clock = 0, have_source = 0;
    for (;;) {
        long off = r->tbase + (long)r->tpos;
        rc = text_line(r, &line, &len);
        if (rc < 0)
            return rc;
        pos = 0;
        t = rc ? token(line, len, &pos, &tl) : NULL;
        if (rc && !t)
            continue;                       /* blank */
        if (!rc || t[0] != '#') {
            if (r->h.ndomains == 0)
                return TFAIL(1, "no '# domain NAME VCPUS' line before the %s",
                             rc ? "first record" : "end of the trace");
            r->data_off = off;
            r->data_line = r->line - (rc ? 1 : 0);
            break;
        }
        /* "#key" or "# key" */
        if (tl > 1) {
            t++;
            tl--;
        } else {
            t = token(line, len, &pos, &tl);
            if (!t)
                continue;
        }
        size_t kcol = (size_t)(t - line) + 1;
        if (tl == 8 && !memcmp(t, "clock_hz", 8)) {
            if (have_clock++)
                return TFAIL(kcol, "duplicate '# clock_hz' line");
            t = token(line, len, &pos, &tl);
            if (!t || !parse_u64(t, tl, &r->h.clock_hz))
                return TFAIL(t ? (size_t)(t - line) + 1 : len + 1,
                             "clock_hz: expected a whole number of Hz, found %s",
                             quote(t, tl, q, sizeof q));
            if ((t = token(line, len, &pos, &tl)))
                return TFAIL((size_t)(t - line) + 1, "unexpected %s after clock_hz",
                             quote(t, tl, q, sizeof q));
        } else if (tl == 6 && !memcmp(t, "source", 6)) {
            if (have_source++)
                return TFAIL(kcol, "duplicate '# source' line");
            t = token(line, len, &pos, &tl);
            if (t) {
                if (tl > 63)
                    return TFAIL((size_t)(t - line) + 1, "source: longer than 63 bytes");
                memcpy(r->h.source, t, tl);
                r->h.source[tl] = 0;
                if (!valid_source(r->h.source))
                    return TFAIL((size_t)(t - line) + 1, "source: must be printable ASCII");
                if ((t = token(line, len, &pos, &tl)))
                    return TFAIL((size_t)(t - line) + 1,
                                 "unexpected %s after the source (one word, no spaces)",
                                 quote(t, tl, q, sizeof q));
            }
        } else if (tl == 6 && !memcmp(t, "domain", 6)) {
            const char *nm = token(line, len, &pos, &tl);
            size_t nl = tl;
            if (!nm || !valid_name(nm, nl))
                return TFAIL(nm ? (size_t)(nm - line) + 1 : len + 1,
                             "domain: expected a name of 1 to %d letters, digits, '_', '.' or "
                             "'-', found %s",
                             TR_NAME_MAX, quote(nm, nl, q, sizeof q));
            t = token(line, len, &pos, &tl);
            if (!t || !parse_u64(t, tl, &v) || v < 1 || v > TR_MAX_VCPUS)
                return TFAIL(t ? (size_t)(t - line) + 1 : len + 1,
                             "domain: expected a vCPU count from 1 to %d, found %s",
                             TR_MAX_VCPUS, quote(t, tl, q, sizeof q));
            for (uint32_t i = 0; i < r->h.ndomains; i++)
                if (strlen(r->h.domains[i].name) == nl && !memcmp(r->h.domains[i].name, nm, nl))
                    return TFAIL((size_t)(nm - line) + 1, "duplicate domain '%.*s'", (int)nl, nm);
            if (r->h.ndomains == TR_MAX_DOMAINS)
                return TFAIL(kcol, "more than %d domains", TR_MAX_DOMAINS);
            if (r->h.ndomains == cap) {
                cap = cap ? 2 * cap : 8;
                struct tr_domain *d = realloc(r->h.domains, cap * sizeof *d);
                if (!d)
                    return rfail(r, -SIM_ENOMEM, "%s: out of memory", r->name);
                r->h.domains = d;
            }
            struct tr_domain *d = &r->h.domains[r->h.ndomains++];
            memset(d, 0, sizeof *d);
            memcpy(d->name, nm, nl);
            d->vcpus = (uint32_t)v;
            if ((t = token(line, len, &pos, &tl)))
                return TFAIL((size_t)(t - line) + 1, "unexpected %s after the vCPU count",
                             quote(t, tl, q, sizeof q));
        }
        /* any other '#' line is a comment */
    }
    if (name_index_build(&r->ix, r->h.domains, r->h.ndomains) == -2)
        return rfail(r, -SIM_ENOMEM, "%s: out of memory", r->name);
    return text_reset(r, r->data_off, r->data_line);
}

static int text_read(struct tr_reader *r, struct tr_record *out)
{
    char *line, q[64];
    size_t len, pos, tl;
    const char *t;
    for (;;) {
        int rc = text_line(r, &line, &len);
        if (rc <= 0) {
            if (rc == 0)
                r->done = 1;
            return rc;
        }
        pos = 0;
        t = token(line, len, &pos, &tl);
        if (!t)
            continue;
        if (t[0] == '#') {
            size_t p2 = pos;
            const char *k = tl > 1 ? t + 1 : token(line, len, &p2, &tl);
            size_t kl = tl > 1 && k == t + 1 ? tl - 1 : tl;
            if (k && ((kl == 6 && !memcmp(k, "domain", 6)) ||
                      (kl == 8 && !memcmp(k, "clock_hz", 8)) ||
                      (kl == 6 && !memcmp(k, "source", 6))))
                return TFAIL((size_t)(t - line) + 1,
                             "'# %.*s' lines must come before the first record", (int)kl, k);
            continue;
        }
        break;
    }
#define COL(tok) ((tok) ? (size_t)((tok) - line) + 1 : len + 1)
    uint64_t v;
    if (!parse_u64(t, tl, &v) || v > INT64_MAX)
        return TFAIL(COL(t), "expected a time in ns, found %s", quote(t, tl, q, sizeof q));
    if ((sim_time_t)v < r->last_t)
        return TFAIL(COL(t), "time goes backwards (%" PRIu64 " ns after %" PRId64 " ns)", v,
                     r->last_t);
    sim_time_t time = (sim_time_t)v;
    t = token(line, len, &pos, &tl);
    int dom = t ? name_find(&r->ix, r->h.domains, t, tl) : -1;
    if (dom < 0)
        return TFAIL(COL(t), t ? "unknown domain %s (not declared in the header)"
                               : "expected a domain name, found %s",
                     quote(t, tl, q, sizeof q));
    t = token(line, len, &pos, &tl);
    if (!t || !parse_u64(t, tl, &v))
        return TFAIL(COL(t), "expected a vCPU number, found %s", quote(t, tl, q, sizeof q));
    if (v >= r->h.domains[dom].vcpus)
        return TFAIL(COL(t), "vCPU %" PRIu64 " out of range: domain '%s' has %" PRIu32 " vCPUs",
                     v, r->h.domains[dom].name, r->h.domains[dom].vcpus);
    unsigned vcpu = (unsigned)v;
    t = token(line, len, &pos, &tl);
    int op = 0;
    for (int i = 1; t && i < TR_OP_COUNT; i++)
        if (strlen(op_names[i]) == tl && !memcmp(op_names[i], t, tl))
            op = i;
    if (!op)
        return TFAIL(COL(t), "%s op %s (expected one of " OP_LIST ")", t ? "unknown" : "missing",
                     quote(t, tl, q, sizeof q));
    if (op >= ops_of_version(r->h.version))
        return TFAIL(COL(t), "op %s needs trace format version 2 (the header says %" PRIu32 ")",
                     op_names[op], r->h.version);
    const char *opn = op_names[op];
    uint8_t flags = 0;
    if (is_block_op((unsigned)op)) {
        t = token(line, len, &pos, &tl);
        if (t && tl == 5 && !memcmp(t, "write", 5))
            flags = TR_F_WRITE;
        else if (!t || tl != 4 || memcmp(t, "read", 4))
            return TFAIL(COL(t), "%s: expected read or write, found %s", op_names[op],
                         quote(t, tl, q, sizeof q));
    }
    static const char *const what[TR_OP_COUNT][2] = {
        [TR_COMPUTE] = { "ns of CPU", NULL }, [TR_BLOCK_IO] = { "bytes", "a sector" },
        [TR_NET_SEND] = { "bytes", NULL },    [TR_SLEEP] = { "ns to sleep", NULL },
        [TR_PT_BATCH] = { "a number of page-table entries", "a number of forbidden entries" },
        [TR_ARRIVAL] = { "bytes", NULL },     [TR_WAIT] = { "ns of timeout (0: none)", NULL },
        [TR_BLOCK_SUBMIT] = { "bytes", "a sector" }, [TR_NET_REPLY] = { "bytes", NULL },
    };
    uint64_t args[2] = { 0, 0 };
    for (int i = 0; i < op_nargs[op]; i++) {
        t = token(line, len, &pos, &tl);
        if (!t || !parse_u64(t, tl, &args[i]))
            return TFAIL(COL(t), "%s: expected %s, found %s", opn, what[op][i],
                         quote(t, tl, q, sizeof q));
    }
    if (op == TR_PT_BATCH && args[1] > args[0])
        return TFAIL(COL(t), "pt_batch: %" PRIu64 " forbidden entries out of %" PRIu64, args[1],
                     args[0]);
    if ((t = token(line, len, &pos, &tl)))
        return TFAIL(COL(t), "unexpected %s after the arguments of %s", quote(t, tl, q, sizeof q),
                     opn);
#undef COL
    out->t = time;
    out->dom = (uint16_t)dom;
    out->vcpu = (uint16_t)vcpu;
    out->op = (uint8_t)op;
    out->flags = flags;
    out->a = args[0];
    out->b = args[1];
    r->last_t = time;
    r->nrec++;
    return 1;
}

/* ---- reader entry points ---- */

struct tr_reader *tr_reader_open_file(FILE *f, const char *name, char *err, size_t errlen)
{
    crc_init();
    if (!f) {
        sim_errmsg(err, errlen, "%s: no stream", name ? name : "-");
        return NULL;
    }
    struct tr_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->name = strdup(name ? name : "-"))) {
        if (f)
            fclose(f);
        free(r);
        sim_errmsg(err, errlen, "%s: out of memory", name ? name : "-");
        return NULL;
    }
    r->f = f;
    uint8_t probe[16];
    size_t n = rd(r, probe, sizeof probe);
    int rc = 0;
    size_t tm = strlen(TR_TEXT_MAGIC);
    if (ferror(f))
        rc = rfail(r, -SIM_EIO, "%s: read error: %s", r->name, strerror(errno));
    else if (n == 0)
        rc = rfail(r, -SIM_EBADINPUT, "%s: byte 0: empty file (expected a trace header)",
                   r->name);
    else if (n >= 8 && !memcmp(probe, TR_MAGIC, 8)) {
        r->enc = TR_BINARY;
        if (fseek(f, 0, SEEK_SET) != 0)
            rc = rfail(r, -SIM_EIO, "%s: cannot seek: %s", r->name, strerror(errno));
        else {
            r->pos = 0;
            rc = bin_open(r);
        }
    } else if (n >= tm && !memcmp(probe, TR_TEXT_MAGIC, tm)) {
        r->enc = TR_TEXT;
        rc = text_open(r);
    } else if (n < 8 && !memcmp(probe, TR_MAGIC, n))
        rc = rfail(r, -SIM_EBADINPUT, "%s: byte %zu: truncated header (the file ends there)",
                   r->name, n);
    else
        rc = rfail(r, -SIM_EBADINPUT,
                   "%s: byte 0: not an xensim trace (expected the magic XSTRACE or a first "
                   "line '%s %d')",
                   r->name, TR_TEXT_MAGIC, TR_VERSION);
    if (rc) {
        sim_errmsg(err, errlen, "%s", r->err);
        tr_reader_close(r);
        return NULL;
    }
    return r;
}

struct tr_reader *tr_reader_open(const char *path, char *err, size_t errlen)
{
    if (!path) {
        sim_errmsg(err, errlen, "tr_reader_open: no path");
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        sim_errmsg(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    return tr_reader_open_file(f, path, err, errlen);
}

int tr_read(struct tr_reader *r, struct tr_record *out)
{
    if (__builtin_expect(r->err_code != 0, 0))
        return r->err_code;
    if (__builtin_expect(r->done, 0))
        return 0;
    return r->enc == TR_BINARY ? bin_read(r, out) : text_read(r, out);
}

int tr_rewind(struct tr_reader *r)
{
    if (!r)
        return -SIM_EINVAL;
    r->err_code = 0;
    r->err[0] = 0;
    r->done = 0;
    r->last_t = 0;
    r->nrec = 0;
    if (r->enc == TR_TEXT)
        return text_reset(r, r->data_off, r->data_line);
    if (fseek(r->f, r->data_off, SEEK_SET) != 0)
        return rfail(r, -SIM_EIO, "%s: cannot seek: %s", r->name, strerror(errno));
    clearerr(r->f);
    r->pos = r->data_off;
    r->left = 0;
    r->nblocks = 0;
    r->p = r->end = r->blk;
    return 0;
}
