/* Loopback devices held by sidecar containers (see dcos-docker/loopback.h).
 *
 * DC/OS E2E ran `losetup` in a privileged sidecar and relied on privileged
 * nodes seeing the host's /dev. Neither holds here: --privileged does not
 * work on every host (design.md), and a container's /dev is its own tmpfs,
 * made when it starts. So the sidecar gets only what a loop device needs
 * (CAP_SYS_ADMIN and CAP_MKNOD, device rules for loop-control and block
 * major 7), and the agents, whose device rules already allow every device,
 * get the device node made in them (and again at boot, by the image's
 * agent-setup from /etc/dcos-docker/loop-devices, a file of their seed
 * directory on the host).
 *
 * The attaching is a perl-base script (in every Debian, the node image
 * included): LOOP_CTL_GET_FREE, LOOP_SET_FD, then LO_FLAGS_AUTOCLEAR with
 * LOOP_SET_STATUS64 (linux/loop.h), which losetup(8) cannot set. With
 * autoclear the kernel detaches the device when its last user closes it:
 * the sidecar holds it open until it ends, so removing the sidecar, even by
 * SIGKILL (destroy, clean), frees the device. */
#include "dcos-docker/loopback.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cluster-internal.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/exec.h"
#include "docker/objects.h"
#include "util.h"

#define LOOP_FILE   "/loopback/image"
#define DEVICE_FILE "/run/dcos-docker-loop-device"

/* The sidecar's PID 1: `perl -e SCRIPT SIZE`. Prints nothing; writes the
 * device's path to DEVICE_FILE once attached, then sleeps holding it. A
 * taken index (another process was faster) is retried. */
static const char attach_script[] =
    "use strict; use Fcntl;\n"
    "my $size = $ARGV[0];\n"
    "$SIG{TERM} = $SIG{INT} = sub { exit 0 };\n"
    "system('mknod', '/dev/loop-control', 'c', '10', '237') unless -e '/dev/loop-control';\n"
    "sysopen(my $img, '" LOOP_FILE "', O_RDWR | O_CREAT) or die \"" LOOP_FILE ": $!\\n\";\n"
    "truncate($img, $size) or die \"truncate: $!\\n\";\n"
    "sysopen(my $ctl, '/dev/loop-control', O_RDWR) or die \"/dev/loop-control: $!\\n\";\n"
    "my ($dev, $fh);\n"
    "for my $try (1 .. 20) {\n"
    /* LOOP_CTL_GET_FREE: a free index (the kernel makes the device). */
    "  my $n = ioctl($ctl, 0x4C82, 0); die \"no free loop device: $!\\n\" unless defined $n;\n"
    "  $n = int($n); $dev = \"/dev/loop$n\";\n"
    "  system('mknod', $dev, 'b', '7', $n) unless -e $dev;\n"
    "  sysopen($fh, $dev, O_RDWR) or die \"$dev: $!\\n\";\n"
    /* LOOP_SET_FD: EBUSY when another process took it meanwhile. */
    "  last if ioctl($fh, 0x4C00, fileno($img));\n"
    "  die \"$dev: $!\\n\" unless $!{EBUSY}; close($fh); undef $fh;\n"
    "}\n"
    "die \"no loop device could be attached\\n\" unless $fh;\n"
    /* struct loop_info64: lo_flags is the u32 at offset 52; 4 = AUTOCLEAR.
     * LOOP_GET_STATUS64 0x4C05, LOOP_SET_STATUS64 0x4C04. */
    "my $info = \"\\0\" x 232;\n"
    "ioctl($fh, 0x4C05, $info) or die \"LOOP_GET_STATUS64: $!\\n\";\n"
    "substr($info, 52, 4) = pack('L', unpack('L', substr($info, 52, 4)) | 4);\n"
    "ioctl($fh, 0x4C04, $info) or die \"LOOP_SET_STATUS64: $!\\n\";\n"
    "close($img);\n"
    "open(my $o, '>', '" DEVICE_FILE ".new') or die; print $o \"$dev\\n\"; close($o);\n"
    "rename('" DEVICE_FILE ".new', '" DEVICE_FILE "') or die;\n"
    "sleep 3600 while 1;\n";

/* An agent: `sh -c SCRIPT x add|remove SEEDLINE_NAME N`. The node is made (or
 * removed) now; the seed file on the host does it again at boot. */
static const char agent_script[] = "set -e\n"
                                   "n=$3\n"
                                   "if [ \"$1\" = add ]; then\n"
                                   "  [ -b /dev/loop$n ] || mknod -m 0660 /dev/loop$n b 7 $n\n"
                                   "  chgrp disk /dev/loop$n 2>/dev/null || :\n"
                                   "else\n"
                                   "  rm -f /dev/loop$n\n"
                                   "fi\n";

int dd_loopback_parse_size(const char *s, uint64_t *ret, dd_error *err)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = s && isdigit((unsigned char)*s) ? strtoull(s, &end, 10) : 0;
	int shift = 0;
	if (end && *end) {
		const char *units = "KMGT";
		const char *u = strchr(units, toupper((unsigned char)*end));
		if (u && *end) {
			shift = 10 * (int)(u - units + 1);
			end++;
			if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0 ||
			    strcmp(end, "ib") == 0)
				end += strlen(end);
		}
	}
	if (!end || *end || errno || v == 0 || v > (DD_LOOPBACK_MAX_SIZE >> shift) ||
	    (v << shift) < (1ull << 20)) {
		dd_error_usage(err, -EINVAL, "Invalid size '%s'", s ? s : "");
		return dd_error_hint(err, "give bytes or K, M, G, T (powers of 1024), from 1M to "
		                          "1T, e.g. --size 256M");
	}
	*ret = (uint64_t)v << shift;
	return 0;
}

static void loopback_from_json(json_t *ctr, dd_loopback *l)
{
	json_t *labels = json_object_get(ctr, "Labels");
	*l = (dd_loopback){0};
	snprintf(l->name, sizeof(l->name), "%s",
	         json_string_value(json_object_get(labels, DD_LABEL_LOOPBACK)) ?: "");
	const char *size = json_string_value(json_object_get(labels, DD_LABEL_LOOPBACK_SIZE));
	l->size = size ? strtoull(size, NULL, 10) : 0;
	const char *name = json_string_value(json_array_get(json_object_get(ctr, "Names"), 0));
	snprintf(l->container, sizeof(l->container), "%s",
	         name ? (name[0] == '/' ? name + 1 : name) : "");
	snprintf(l->state, sizeof(l->state), "%s",
	         json_string_value(json_object_get(ctr, "State")) ?: "unknown");
}

/* The device the sidecar holds, from its DEVICE_FILE; "" when none. */
static void read_device(dd_docker *d, dd_loopback *l)
{
	l->device[0] = '\0';
	if (strcmp(l->state, "running") != 0)
		return;
	const char *argv[] = {"cat", DEVICE_FILE, NULL};
	_cleanup_free_ char *out = NULL;
	int ec = 1;
	dd_error ignored = {0};
	if (dd_exec_capture(d, l->container, argv, 64, &out, NULL, &ec, &ignored) == 0 && ec == 0 &&
	    dd_startswith(out, "/dev/loop"))
		snprintf(l->device, sizeof(l->device), "%.*s", (int)strcspn(out, "\n"), out);
	dd_error_clear(&ignored);
}

static int cmp_loopback(const void *a, const void *b)
{
	return strcmp(((const dd_loopback *)a)->name, ((const dd_loopback *)b)->name);
}

int dd_loopback_list(dd_docker *d, const char *cluster, dd_loopback **ret, size_t *ret_n,
                     dd_error *err)
{
	*ret = NULL;
	*ret_n = 0;
	_cleanup_json_ json_t *ctrs = NULL;
	int r = dd_container_list(d, DD_LABEL_CLUSTER, cluster, &ctrs, err);
	if (r < 0)
		return r;
	dd_loopback *l = dd_malloc0((json_array_size(ctrs) + 1) * sizeof(*l));
	size_t n = 0, i;
	json_t *ctr;
	json_array_foreach (ctrs, i, ctr) {
		if (!json_object_get(json_object_get(ctr, "Labels"), DD_LABEL_LOOPBACK))
			continue;
		loopback_from_json(ctr, &l[n]);
		read_device(d, &l[n]);
		n++;
	}
	qsort(l, n, sizeof(*l), cmp_loopback);
	*ret = l;
	*ret_n = n;
	return 0;
}

static bool is_agent(const dd_node *n)
{
	return n->role == DD_ROLE_AGENT || n->role == DD_ROLE_PUBLIC_AGENT;
}

/* <workspace>/nodes/<node>/etc/loop-devices: "NAME N" lines, which the
 * agent's /etc/dcos-docker/loop-devices shows (a bind of the directory). */
static int seed_update(const dd_cluster *c, const dd_node *node, const char *name, int index,
                       dd_error *err)
{
	_cleanup_free_ char *path =
	    dd_asprintf("%s/nodes/%s/etc/loop-devices", c->workspace, node->short_name);
	_cleanup_free_ char *old = NULL;
	int r = dd_read_file(path, 64u << 10, &old, NULL);
	if (r < 0 && r != -ENOENT)
		return dd_error_set(err, r, "Failed to read %s: %s", path, strerror(-r));
	_cleanup_buf_ dd_buf out = DD_BUF_HEAD(128u << 10);
	size_t nl = strlen(name);
	for (char *save = NULL, *line = old ? strtok_r(old, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (!(strncmp(line, name, nl) == 0 && line[nl] == ' '))
			dd_buf_addf(&out, "%s\n", line);
	if (index >= 0)
		dd_buf_addf(&out, "%s %d\n", name, index);
	r = dd_write_file(path, dd_buf_str(&out), out.len, 0644);
	if (r < 0)
		return dd_error_set(err, r, "Failed to write %s: %s", path, strerror(-r));
	return 0;
}

/* The device node in every agent (add) or out of it (remove): running
 * agents now, all of them at their next boot. */
static int agents_update(dd_docker *d, const dd_cluster *c, const char *name, int index, bool add,
                         dd_error *err)
{
	char n[16];
	snprintf(n, sizeof(n), "%d", index);
	for (size_t i = 0; i < c->n_nodes; i++) {
		const dd_node *node = &c->nodes[i];
		if (!is_agent(node))
			continue;
		int r = seed_update(c, node, name, add ? index : -1, err);
		if (r < 0)
			return r;
		if (strcmp(node->state, "running") != 0)
			continue;
		const char *argv[] = {
		    "/bin/sh", "-c", agent_script, "dcos-docker-loopback", add ? "add" : "rm",
		    name,      n,    NULL};
		_cleanup_free_ char *errout = NULL;
		int ec = 0;
		r = dd_exec_capture(d, node->name, argv, 4096, NULL, &errout, &ec, err);
		if (r >= 0 && ec != 0)
			r = dd_error_set(err, -EIO, "exit code %d: %s", ec, errout ? errout : "");
		if (r < 0)
			return dd_error_prefix(err, "The device node in %s: ", node->short_name);
	}
	return 0;
}

static int find(dd_docker *d, const dd_cluster *c, const char *name, dd_loopback *ret,
                dd_error *err)
{
	_cleanup_free_ dd_loopback *all = NULL;
	size_t n = 0;
	int r = dd_loopback_list(d, c->name, &all, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].name, name) == 0) {
			*ret = all[i];
			return 0;
		}
	return -ENOENT;
}

static json_t *sidecar_body(const dd_cluster *c, const char *name, uint64_t size)
{
	char sz[32];
	snprintf(sz, sizeof(sz), "%" PRIu64, size);
	return json_pack(
	    "{s:s, s:b, s:[s,s,s,s], s:{s:s, s:s, s:s}, s:s, s:{s:[{s:s, s:s, s:{s:{s:s}}}], "
	    "s:[s,s], s:[s,s], s:[s,s], s:{s:s}, s:b}}",
	    "Image", c->image, "Tty", 1, "Cmd", "perl", "-e", attach_script, sz, "Labels",
	    DD_LABEL_CLUSTER, c->name, DD_LABEL_LOOPBACK, name, DD_LABEL_LOOPBACK_SIZE, sz,
	    "StopSignal", "SIGTERM", "HostConfig", "Mounts", "Type", "volume", "Target",
	    "/loopback", "VolumeOptions", "Labels", DD_LABEL_CLUSTER, c->name, "CapAdd",
	    "SYS_ADMIN", "MKNOD", "DeviceCgroupRules", "c 10:237 rwm", "b 7:* rwm", "SecurityOpt",
	    "apparmor=unconfined", "seccomp=unconfined", "RestartPolicy", "Name", "no", "Init", 0);
}

static int loopback_name_check(const char *name, dd_error *err)
{
	size_t n = strlen(name);
	bool ok = n > 0 && n < 40 && isalnum((unsigned char)name[0]);
	for (size_t i = 0; ok && i < n; i++)
		ok = islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) ||
		     name[i] == '-';
	if (!ok) {
		dd_error_usage(err, -EINVAL, "Invalid loopback name '%s'", name);
		return dd_error_hint(err, "use 1 to 39 lowercase letters, digits and '-', starting "
		                          "with a letter or digit");
	}
	return 0;
}

int dd_loopback_create(dd_docker *d, const dd_cluster *c, const char *name, uint64_t size,
                       dd_loopback *ret, dd_error *err)
{
	*ret = (dd_loopback){0};
	int r = loopback_name_check(name, err);
	if (r < 0)
		return r;
	if (size < (1ull << 20) || size > DD_LOOPBACK_MAX_SIZE)
		return dd_error_usage(err, -EINVAL, "Invalid loopback size %" PRIu64, size);
	if (!c->image[0] || !c->workspace[0])
		return dd_error_set(err, -ENOENT, "Cluster '%s' has no node to take its image from",
		                    c->name);
	dd_loopback old;
	if ((r = find(d, c, name, &old, err)) == 0) {
		dd_error_usage(err, -EEXIST, "Loopback '%s' exists already in cluster '%s' (%s)",
		               name, c->name, old.device[0] ? old.device : old.state);
		return dd_error_hint(
		    err, "remove it first: dcos-docker loopback destroy --cluster %s %s", c->name,
		    name);
	}
	if (r != -ENOENT)
		return r;

	char cname[160];
	if (dd_snprintf(cname, sizeof(cname), "%s-loopback-%s", c->name, name) < 0)
		return dd_error_usage(err, -ENAMETOOLONG, "Loopback name too long: %s", name);
	_cleanup_json_ json_t *body = sidecar_body(c, name, size);
	char id[72];
	r = dd_container_create(d, cname, body, id, sizeof(id), err);
	if (r == -EEXIST)
		dd_error_hint(err, "a container named %s exists: remove it", cname);
	if (r < 0)
		return r;
	r = dd_container_start(d, id, err);
	/* The device file appears once attached; the sidecar ending first is
	 * its error (perl's die). */
	snprintf(ret->name, sizeof(ret->name), "%s", name);
	snprintf(ret->container, sizeof(ret->container), "%s", cname);
	snprintf(ret->state, sizeof(ret->state), "running");
	ret->size = size;
	double start = dd_now();
	while (r >= 0 && !ret->device[0]) {
		if (dd_cancelled()) {
			r = dd_error_set(err, -ECANCELED, "Interrupted");
			break;
		}
		read_device(d, ret);
		if (ret->device[0])
			break;
		_cleanup_json_ json_t *info = NULL;
		if ((r = dd_container_inspect(d, id, &info, err)) < 0)
			break;
		json_t *st = json_object_get(info, "State");
		if (!json_is_true(json_object_get(st, "Running"))) {
			_cleanup_buf_ dd_buf out = DD_BUF_TAIL(512);
			dd_error ignored = {0};
			dd_container_logs(d, id, 5, 5000, dd_buf_sink, &out, &ignored);
			dd_error_clear(&ignored);
			_cleanup_free_ char *tail = dd_tail_text(&out, 1, 300, 400, "");
			r = dd_error_set(err, -EIO, "The loopback sidecar ended: %s", tail);
			if (strstr(tail, "loop-control"))
				dd_error_hint(err, "the host kernel has no loop devices "
				                   "('modprobe loop' on the host)");
			break;
		}
		if (dd_now() - start > 30) {
			r = dd_error_set(err, -ETIMEDOUT,
			                 "The loopback sidecar attached no device within 30 s");
			break;
		}
		usleep(50 * 1000);
	}
	int index = -1;
	if (r >= 0 && sscanf(ret->device, "/dev/loop%d", &index) != 1)
		r = dd_error_set(err, -EPROTO, "Unexpected device '%s'", ret->device);
	if (r >= 0)
		r = agents_update(d, c, name, index, true, err);
	if (r < 0) {
		/* Nothing half-made stays: the device goes with its sidecar. */
		dd_error ignored = {0};
		dd_container_remove(d, id, DD_RM_FORCE | DD_RM_VOLUMES | DD_RM_MISSING_OK,
		                    &ignored);
		if (index >= 0)
			agents_update(d, c, name, index, false, &ignored);
		dd_error_clear(&ignored);
		return r;
	}
	return 0;
}

int dd_loopback_destroy(dd_docker *d, const dd_cluster *c, const char *name, dd_error *err)
{
	dd_loopback l;
	int r = find(d, c, name, &l, err);
	if (r == -ENOENT) {
		dd_error_usage(err, -ENOENT, "Cluster '%s' has no loopback '%s'", c->name, name);
		return dd_error_hint(err,
		                     "'dcos-docker loopback list --cluster %s' shows its "
		                     "loopbacks",
		                     c->name);
	}
	if (r < 0)
		return r;
	int index = -1;
	sscanf(l.device, "/dev/loop%d", &index);
	/* The agents' nodes first: once the sidecar is gone the index may be
	 * another's. A stopped sidecar's device is unknown: its seed lines go. */
	if (index >= 0 && (r = agents_update(d, c, name, index, false, err)) < 0)
		return r;
	for (size_t i = 0; index < 0 && i < c->n_nodes; i++)
		if (is_agent(&c->nodes[i]) && (r = seed_update(c, &c->nodes[i], name, -1, err)) < 0)
			return r;
	return dd_container_remove(d, l.container, DD_RM_FORCE | DD_RM_VOLUMES | DD_RM_MISSING_OK,
	                           err);
}
