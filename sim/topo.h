/*
 * sim/topo.h: the CPU topology of the modelled machine: sockets, cores
 * per socket and hardware threads per core, and which pCPU number each
 * thread gets.
 *
 * Xen numbers pCPUs in the order the firmware lists the local APICs (its
 * MADT): the boot CPU is 0 and every other enabled processor takes the
 * lowest free number in table order (Xen 3.4: acpi/boot.c acpi_parse_lapic,
 * mpparse.c MP_processor_info, smpboot.c smp_boot_cpus and alloc_cpu_id;
 * the same order at parse time in current Xen, mpparse.c
 * MP_processor_info_x). Xen never reorders by topology, so which numbers
 * are siblings is the firmware's choice. Two layouts cover the usual
 * tables:
 *   split     thread 0 of every core, socket by socket, then every thread
 *             1, ...: the siblings of pCPU n are n, n + C, n + 2C, ... for
 *             C = sockets * cores (typical of server firmware);
 *   adjacent  the threads of a core are consecutive, the cores of a socket
 *             too (APIC-ID order).
 * Socket, core and thread indices are 0-based; core is within its socket.
 */
#ifndef XENSIM_SIM_TOPO_H
#define XENSIM_SIM_TOPO_H

#include <stdbool.h>

enum topo_numbering { TOPO_SPLIT, TOPO_ADJACENT };

struct topo {
    int sockets;                    /* >= 1 */
    int cores;                      /* cores per socket, >= 1 */
    int threads;                    /* hardware threads per core, >= 1 */
    enum topo_numbering numbering;
};

struct topo_place {
    int socket, core, thread;
};

/* Every pCPU on its own core of one socket. */
struct topo topo_flat(int pcpus);

/* The number of pCPUs t has. */
int topo_pcpus(const struct topo *t);

/* Where pCPU cpu (0 .. topo_pcpus - 1) sits. */
struct topo_place topo_place(const struct topo *t, int cpu);

/* The pCPU at a place. */
int topo_cpu(const struct topo *t, struct topo_place p);

/* Threads of one core (Xen's cpu_sibling_map), of one socket (cpu_core_map). */
bool topo_same_core(const struct topo *t, int a, int b);
bool topo_same_socket(const struct topo *t, int a, int b);

#endif
