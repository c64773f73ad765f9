/* Internal: not installed. The pure parts of fault injection (fault.c),
 * unit-tested. */
#ifndef DCOS_DOCKER_FAULT_INTERNAL_H
#define DCOS_DOCKER_FAULT_INTERNAL_H

#include <stddef.h>

#include "dcos-docker/cluster.h"

/* The most delay accepted: netem takes more, a cluster node never needs it. */
#define DD_DELAY_MAX_MS (10L * 60 * 1000)

/* "100ms", "1.5s", "2m", "250" (milliseconds), "0" or "off" (0). Whole
 * milliseconds in [0, DD_DELAY_MAX_MS]; -EINVAL otherwise. */
int dd_duration_ms_parse(const char *s, long *ret_ms);

/* From `iptables -S DD_PARTITION_CHAIN` output: the peers a node drops
 * ("-A CHAIN -s IP/32 -j DROP", "-d" likewise), as c's short names (an IP
 * of no node as it is), in c's node order then the others, comma
 * separated, each once. */
void dd_partition_rules_peers(const char *rules, const dd_cluster *c, char *buf, size_t size);

/* From `tc qdisc show` output: the delay of a netem qdisc ("100ms"), "" for none. */
void dd_netem_delay_of(const char *tc_show, char *buf, size_t size);

/* partition's command line: the index in argv (from 1) of the word that
 * starts the --from list ("--from" or "--from=NODE"), argc when there is none. */
int dd_partition_from_index(int argc, char *const *argv);

#endif
