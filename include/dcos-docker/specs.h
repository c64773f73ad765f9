/* The --mount and --port arguments of create (lib/specs.c). */
#ifndef DCOS_DOCKER_SPECS_H
#define DCOS_DOCKER_SPECS_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/error.h"

/* Exported by libdcos-docker (see error.h). */
#pragma GCC visibility push(default)

typedef struct dd_mount_spec {
	char *src; /* absolute host path */
	char *dst; /* absolute container path */
	bool ro;
} dd_mount_spec;

/* Parses SRC:DST[:ro|:rw]; SRC must exist (made absolute), DST absolute and
 * not a place the node needs (dd_mount_target_check; stored cleaned). Usage errors. */
int dd_mount_spec_parse(const char *spec, dd_mount_spec *ret, dd_error *err);
void dd_mount_spec_clear(dd_mount_spec *m);
/* A volume's node path (clean, absolute) that the node needs itself: "/",
 * what the node mounts and the directories above them, the kernel's
 * filesystems, the system directories (/etc, /usr, ...). Usage error. */
int dd_mount_target_check(const char *dst, dd_error *err);

/* PATH made absolute against the working directory and cleaned lexically
 * ("//", ".", ".." resolved; no symlinks followed, PATH need not exist).
 * NULL when the working directory cannot be told. */
char *dd_path_absolute(const char *path);

typedef struct dd_port_spec {
	char host_ip[48]; /* "" = all addresses */
	int host_port;
	int port;
	char proto[4]; /* tcp|udp */
} dd_port_spec;
/* [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]. Usage errors. */
int dd_port_spec_parse(const char *spec, dd_port_spec *ret, dd_error *err);
/* Whether the host port of a mapping is free on this host: bound and closed
 * again at once (TCP, or UDP for /udp). Racy by nature, so the daemon's own
 * refusal must still be handled; a usage error when taken. */
int dd_port_spec_check_free(const dd_port_spec *p, dd_error *err);
/* The mappings of one create: no host port twice, each free. Usage errors. */
int dd_port_specs_check(const dd_port_spec *ports, size_t n, dd_error *err);

/* A user's container label, KEY=VALUE (or KEY alone: an empty value, as
 * `docker run --label KEY` gives). */
typedef struct dd_label_spec {
	char *key;
	char *value;
} dd_label_spec;
/* Parses KEY[=VALUE]. Keys under "dcos-docker." are the tool's own (a
 * cluster is found and owned by them) and refused. Usage errors. */
int dd_label_spec_parse(const char *spec, dd_label_spec *ret, dd_error *err);
/* The same ownership rule for a label built by a library user. */
int dd_label_key_check(const char *key, dd_error *err);
void dd_label_spec_clear(dd_label_spec *l);

#pragma GCC visibility pop
#endif
