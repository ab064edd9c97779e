/*
 * sim/topo.c: pCPU numbers to (socket, core, thread) and back, in the two
 * layouts of sim/topo.h.
 */
#include "sim/topo.h"

struct topo topo_flat(int pcpus)
{
    return (struct topo){ .sockets = 1, .cores = pcpus, .threads = 1,
                          .numbering = TOPO_SPLIT };
}

int topo_pcpus(const struct topo *t)
{
    return t->sockets * t->cores * t->threads;
}

struct topo_place topo_place(const struct topo *t, int cpu)
{
    struct topo_place p;
    if (t->numbering == TOPO_ADJACENT) {
        p.thread = cpu % t->threads;
        cpu /= t->threads;
        p.core = cpu % t->cores;
        p.socket = cpu / t->cores;
    } else {
        int per_thread = t->sockets * t->cores;
        p.thread = cpu / per_thread;
        cpu %= per_thread;
        p.core = cpu % t->cores;
        p.socket = cpu / t->cores;
    }
    return p;
}

int topo_cpu(const struct topo *t, struct topo_place p)
{
    if (t->numbering == TOPO_ADJACENT)
        return (p.socket * t->cores + p.core) * t->threads + p.thread;
    return p.thread * t->sockets * t->cores + p.socket * t->cores + p.core;
}

bool topo_same_core(const struct topo *t, int a, int b)
{
    struct topo_place x = topo_place(t, a), y = topo_place(t, b);
    return x.socket == y.socket && x.core == y.core;
}

bool topo_same_socket(const struct topo *t, int a, int b)
{
    return topo_place(t, a).socket == topo_place(t, b).socket;
}
