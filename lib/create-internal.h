/* The pure parts of creating a cluster (no Docker calls): the subnet choice
 * (subnet.c) and the nodes' container spec (node-spec.c). Not public. */
#ifndef DCOS_DOCKER_CREATE_INTERNAL_H
#define DCOS_DOCKER_CREATE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/create.h"

/* Labels everything one create run makes, so a failed run removes only its own. */
#define DD_LABEL_RUN "dcos-docker.create-run"
/* Where a node finds the notify socket of its create (sd_notify). */
#define DD_NOTIFY_TARGET "/run/host/notify"

/* ---- subnets ---- */
/* "a.b.c.d/p" into a host-order address and a prefix length. -EINVAL otherwise. */
int dd_parse_cidr(const char *s, uint32_t *addr, int *prefix);
void dd_fmt_ip(uint32_t a, char *buf, size_t size);

/* The subnets a cluster's may not overlap. Capped: what does not fit is dropped. */
struct dd_used_nets {
	uint32_t addr[512];
	int prefix[512];
	size_t n;
};
void dd_used_add(struct dd_used_nets *u, uint32_t addr, int prefix);
/* Adds the IPAM subnets of Docker's networks (the answer of GET /networks). */
void dd_used_add_networks(struct dd_used_nets *u, json_t *networks);
/* Adds the destinations of the host's routes (the text of /proc/net/route). */
void dd_used_add_routes(struct dd_used_nets *u, const char *proc_net_route);
/* The next free /24 from *cursor on (which it advances); false when none is left. */
bool dd_next_subnet(const struct dd_used_nets *u, uint32_t *cursor, uint32_t *ret);
/* For create --network: from the network's inspect answer, its first IPv4
 * subnet and gateway, and want free addresses in it (not the network, gateway
 * or broadcast address, nor one an attached container has), lowest first.
 * Usage errors: no IPv4 subnet, too few free addresses. */
int dd_user_network_addrs(json_t *net, size_t want, char *subnet, size_t subnet_size, char *gateway,
                          size_t gw_size, uint32_t *ret, dd_error *err);

/* ---- the container spec of a node ---- */
/* The volumes of a node, in the order of its Mounts (agents only have
 * DD_VOL_MESOS). */
enum { DD_VOL_DOCKER = 0, DD_VOL_JOURNAL, DD_VOL_OPT, DD_VOL_MESOS, DD_VOL_COUNT };
extern const char *const dd_node_volume_targets[DD_VOL_COUNT];
struct dd_node_spec {
	const dd_create_opts *opts;
	enum dd_role role;
	int index;
	const char *name;       /* container name and hostname: <cluster>-<short_name> */
	const char *short_name; /* master1: the network alias */
	const char *ip;
	const char *node_dir; /* the node's seed files (see create.c write_seed) */
	const char *workspace;
	const char *run_id;
	const char *network;
	bool privileged;           /* else everything the daemon holds but missing_caps */
	int cgroup_version;        /* the host's: 1 or 2 */
	char *const *missing_caps; /* NULL-terminated, may be NULL */
	const char *shape;         /* the DD_LABEL_NODES value; NULL: from opts->counts */
	const char *registry_ip;   /* master1's: registry.local in /etc/hosts; NULL: none */
	/* restore: the snapshot's committed image of the node (NULL: opts->image)
	 * and the named volumes made for it, per DD_VOL_* (NULL: an anonymous
	 * labelled volume, as create makes). */
	const char *image;
	const char *volumes[DD_VOL_COUNT];
};
/* The body of POST /containers/create for the node. */
json_t *dd_node_spec_body(const struct dd_node_spec *s);

/* ---- the nodes' storage driver (storage-driver.c) ---- */
/* Storage drivers usable for the nodes' inner Docker (an explicit choice). */
int dd_storage_driver_check(const char *driver, dd_error *err);
struct dd_storage_choice {
	char driver[32];
	bool slow; /* vfs: a full copy per image layer */
};
/* What "auto" picks from the host's driver and the filesystem the nodes'
 * volumes live on (NULL: unknown). */
void dd_storage_driver_auto(const char *host_driver, const char *backing_fs,
                            struct dd_storage_choice *ret);
/* The filesystem at path by statfs, in Docker's names; NULL: unknown. */
const char *dd_backing_fs_name(const char *path);
/* The daemon's "Backing Filesystem" from GET /info; NULL: not reported. */
const char *dd_info_backing_fs(json_t *info);
/* The one, else a statfs of the daemon's volumes directory. */
const char *dd_daemon_backing_fs(json_t *info);

#endif
