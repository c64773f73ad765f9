/* The pure parts of create: a node's container spec (privileged or
 * capability mode, cgroup v1 or v2), the subnet choice around used and
 * overlapping subnets, parse_cidr, and reading a node back from a listing. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cluster-internal.h"
#include "create-internal.h"
#include "dcos-docker/create.h"
#include "dcos-docker/specs.h"
#include "util.h"

/* ---- the container spec ---- */

static const dd_port_spec ports[] = {{"127.0.0.1", 8443, 443, "tcp"}};
/* An agent's labels as the CLI merges them: every node's, then the agents' own. */
static const dd_label_spec agent_labels[] = {{"owner", "me"}, {"tier", "all"}, {"tier", "agents"}};
static const dd_create_opts opts = {
    .labels = {NULL, agent_labels, NULL},
    .n_labels = {0, 3, 0},
    .name = "t1",
    .counts = {1, 2, 0},
    .image = "img:1",
    .ports = ports,
    .n_ports = 1,
    .cpus = {0, 1.5, 0},
    .memory = {0, 1 << 30, 0},
};

static json_t *spec(enum dd_role role, int index, bool privileged, int cgroup)
{
	static char *const missing[] = {"CAP_BPF", NULL};
	struct dd_node_spec s = {.opts = &opts,
	                         .role = role,
	                         .index = index,
	                         .name = "t1-x",
	                         .short_name = "x",
	                         .ip = "172.31.0.2",
	                         .node_dir = "/ws/nodes/x",
	                         .workspace = "/ws",
	                         .run_id = "run1",
	                         .network = "t1",
	                         .privileged = privileged,
	                         .cgroup_version = cgroup,
	                         .missing_caps = missing,
	                         .registry_ip = "172.31.0.2"};
	json_t *j = dd_node_spec_body(&s);
	assert_non_null(j);
	return j;
}

static bool has_string(json_t *array, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach (array, i, v) {
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

#define HOST(j)     json_object_get(j, "HostConfig")
#define STR(o, k)   json_string_value(json_object_get(o, k))
#define CGROUP_BIND "/sys/fs/cgroup:/sys/fs/cgroup:rw"

static void test_spec_privileged_v2(void **state)
{
	(void)state;
	_cleanup_json_ json_t *j = spec(DD_ROLE_MASTER, 1, true, 2);
	json_t *h = HOST(j);
	/* Its own cgroup namespace, and no host hierarchy bound over it. */
	assert_string_equal(STR(h, "CgroupnsMode"), "private");
	assert_false(has_string(json_object_get(h, "Binds"), CGROUP_BIND));
	assert_true(json_is_true(json_object_get(h, "Privileged")));
	assert_null(json_object_get(h, "CapAdd"));
	assert_null(json_object_get(h, "MaskedPaths"));
	assert_string_equal(STR(json_object_get(j, "Labels"), DD_LABEL_PRIVILEGE), "privileged");
}

static void test_spec_privileged_v1(void **state)
{
	(void)state;
	_cleanup_json_ json_t *j = spec(DD_ROLE_MASTER, 1, true, 1);
	assert_string_equal(STR(HOST(j), "CgroupnsMode"), "host");
	assert_true(has_string(json_object_get(HOST(j), "Binds"), CGROUP_BIND));
}

static void test_spec_capabilities(void **state)
{
	(void)state;
	for (int cg = 1; cg <= 2; cg++) {
		_cleanup_json_ json_t *j = spec(DD_ROLE_AGENT, 2, false, cg);
		json_t *h = HOST(j);
		/* Without privilege the host's hierarchy is bound on v2 as well. */
		assert_string_equal(STR(h, "CgroupnsMode"), "host");
		assert_true(has_string(json_object_get(h, "Binds"), CGROUP_BIND));
		assert_null(json_object_get(h, "Privileged"));
		assert_true(has_string(json_object_get(h, "CapAdd"), "ALL"));
		json_t *drop = json_object_get(h, "CapDrop");
		assert_int_equal(json_array_size(drop), 1);
		assert_true(has_string(drop, "CAP_BPF"));
		assert_int_equal(json_array_size(json_object_get(h, "MaskedPaths")), 0);
		assert_true(json_is_array(json_object_get(h, "ReadonlyPaths")));
		assert_string_equal(STR(json_object_get(j, "Labels"), DD_LABEL_PRIVILEGE),
		                    "capabilities");
	}
}

static void test_spec_common(void **state)
{
	(void)state;
	/* registry.local is master1 on every role (the old tool: 127.0.0.1 on
	 * masters other than master1). */
	for (int role = 0; role < DD_ROLE_COUNT; role++) {
		_cleanup_json_ json_t *r = spec((enum dd_role)role, 2, false, 1);
		json_t *eh = json_object_get(HOST(r), "ExtraHosts");
		assert_int_equal(json_array_size(eh), 1);
		assert_true(has_string(eh, "registry.local:172.31.0.2"));
	}
	_cleanup_json_ json_t *j = spec(DD_ROLE_AGENT, 2, false, 2);
	json_t *h = HOST(j);
	json_t *labels = json_object_get(j, "Labels");
	assert_string_equal(STR(labels, DD_LABEL_CLUSTER), "t1");
	assert_string_equal(STR(labels, DD_LABEL_ROLE), "agent");
	assert_string_equal(STR(labels, DD_LABEL_INDEX), "2");
	assert_string_equal(STR(labels, DD_LABEL_WORKSPACE), "/ws");
	assert_string_equal(STR(labels, DD_LABEL_RUN), "run1");
	assert_string_equal(STR(j, "Image"), "img:1");
	assert_string_equal(STR(j, "Hostname"), "t1-x");
	json_t *tmpfs = json_object_get(h, "Tmpfs");
	assert_int_equal(json_object_size(tmpfs), 3);
	assert_non_null(STR(tmpfs, "/run"));
	assert_non_null(STR(tmpfs, "/run/lock"));
	assert_non_null(STR(tmpfs, "/tmp"));
	/* The notify directory is the one writable seed; the rest is read-only. */
	json_t *binds = json_object_get(h, "Binds");
	assert_true(has_string(binds, "/ws/nodes/x/notify:" DD_NOTIFY_TARGET));
	assert_true(has_string(binds, "/ws/nodes/x/machine-id:/etc/machine-id:ro"));
	assert_true(has_string(binds, "/ws/genconf/ssh_key.pub:/root/.ssh/authorized_keys:ro"));
	assert_true(has_string(binds, "/ws/genconf/serve:" DD_NODE_INSTALL_DIR ":ro"));
	/* An agent has a volume for the Mesos sandbox too, each labelled with the run. */
	json_t *mounts = json_object_get(h, "Mounts");
	assert_int_equal(json_array_size(mounts), 4);
	json_t *vl =
	    json_object_get(json_object_get(json_array_get(mounts, 0), "VolumeOptions"), "Labels");
	assert_string_equal(STR(vl, DD_LABEL_RUN), "run1");
	assert_int_equal(json_integer_value(json_object_get(h, "NanoCpus")), 1500000000);
	assert_int_equal(json_integer_value(json_object_get(h, "Memory")), 1 << 30);
	/* Ports are published on master1 only. */
	assert_null(json_object_get(h, "PortBindings"));
	json_t *ep = json_object_get(
	    json_object_get(json_object_get(j, "NetworkingConfig"), "EndpointsConfig"), "t1");
	assert_string_equal(STR(json_object_get(ep, "IPAMConfig"), "IPv4Address"), "172.31.0.2");

	_cleanup_json_ json_t *m = spec(DD_ROLE_MASTER, 1, false, 2);
	assert_int_equal(json_array_size(json_object_get(HOST(m), "Mounts")), 3);
	json_t *pb = json_object_get(json_object_get(HOST(m), "PortBindings"), "443/tcp");
	assert_string_equal(STR(json_array_get(pb, 0), "HostPort"), "8443");
	assert_string_equal(STR(json_array_get(pb, 0), "HostIp"), "127.0.0.1");
	assert_non_null(json_object_get(json_object_get(m, "ExposedPorts"), "443/tcp"));
	assert_null(json_object_get(HOST(m), "NanoCpus"));
}

/* ---- subnets ---- */

/* The user's labels are on the node, a role's own value wins, and ours stay. */
static void test_spec_user_labels(void **state)
{
	(void)state;
	_cleanup_json_ json_t *j = spec(DD_ROLE_AGENT, 1, false, 1);
	json_t *labels = json_object_get(j, "Labels");
	assert_string_equal(STR(labels, "owner"), "me");
	assert_string_equal(STR(labels, "tier"), "agents");
	assert_string_equal(STR(labels, DD_LABEL_CLUSTER), "t1");
	_cleanup_json_ json_t *m = spec(DD_ROLE_MASTER, 1, false, 1);
	assert_null(json_object_get(json_object_get(m, "Labels"), "owner"));
}

static void test_label_parse(void **state)
{
	(void)state;
	dd_label_spec l = {0};
	dd_error err = {0};
	assert_int_equal(dd_label_spec_parse("a.b=c=d", &l, &err), 0);
	assert_string_equal(l.key, "a.b");
	assert_string_equal(l.value, "c=d");
	dd_label_spec_clear(&l);
	/* KEY alone: an empty value, as docker run --label KEY. */
	assert_int_equal(dd_label_spec_parse("flag", &l, &err), 0);
	assert_string_equal(l.value, "");
	dd_label_spec_clear(&l);
	const char *bad[] = {"=x",    "", "a b=c", "dcos-docker.cluster=other", "dcos-docker.x",
	                     "k=\xff"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		dd_error e = {0};
		assert_int_equal(dd_label_spec_parse(bad[i], &l, &e), -EINVAL);
		assert_int_equal(e.kind, DD_ERR_USAGE);
		assert_null(l.key);
	}
	/* A library user's own options get the same rule. */
	dd_create_opts o = opts;
	const dd_label_spec ours[] = {{"dcos-docker.role", "master"}};
	o.labels[DD_ROLE_MASTER] = ours;
	o.n_labels[DD_ROLE_MASTER] = 1;
	dd_error e = {0};
	assert_int_equal(dd_create_opts_check(&o, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "tool's own"));
}

/* auto: the host's driver when the nodes can use it, else by the filesystem
 * the nodes' volumes live on; vfs (marked slow) when nothing better works. */
static void test_storage_auto(void **state)
{
	(void)state;
	static const struct {
		const char *host, *fs, *want;
		bool slow;
	} cases[] = {
	    {"overlay2", "extfs", "overlay2", false},
	    {"fuse-overlayfs", NULL, "fuse-overlayfs", false},
	    {"btrfs", "btrfs", "overlay2", false},
	    {"vfs", "xfs", "overlay2", false},
	    {"devicemapper", "extfs", "overlay2", false},
	    {"zfs", "zfs", "vfs", true},
	    {"vfs", "overlayfs", "vfs", true},
	    {"vfs", NULL, "vfs", true},
	    {NULL, NULL, "vfs", true},
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct dd_storage_choice c;
		dd_storage_driver_auto(cases[i].host, cases[i].fs, &c);
		assert_string_equal(c.driver, cases[i].want);
		assert_int_equal(c.slow, cases[i].slow);
	}
	/* An explicit vfs is allowed; devicemapper cannot work inside a node. */
	dd_error err = {0};
	assert_int_equal(dd_storage_driver_check("vfs", &err), 0);
	assert_int_equal(dd_storage_driver_check("devicemapper", &err), -EINVAL);
	assert_int_equal(err.kind, DD_ERR_USAGE);
}

static void test_info_backing_fs(void **state)
{
	(void)state;
	_cleanup_json_ json_t *o = json_loads(
	    "{\"Driver\":\"overlay2\",\"DriverStatus\":[[\"Backing Filesystem\",\"xfs\"],"
	    "[\"Supports d_type\",\"true\"]]}",
	    0, NULL);
	assert_string_equal(dd_info_backing_fs(o), "xfs");
	_cleanup_json_ json_t *z =
	    json_loads("{\"Driver\":\"zfs\",\"DriverStatus\":[[\"Zpool\",\"tank\"]]}", 0, NULL);
	assert_string_equal(dd_info_backing_fs(z), "zfs");
	_cleanup_json_ json_t *v = json_loads("{\"Driver\":\"vfs\",\"DriverStatus\":[]}", 0, NULL);
	assert_null(dd_info_backing_fs(v));
	/* This machine's /proc is no overlay upper: not a name we map. */
	assert_null(dd_backing_fs_name("/proc"));
	assert_null(dd_backing_fs_name("/does/not/exist"));
}

/* Every place a node mounts itself is refused as a user's volume target
 * (lib/specs.c keeps its own list: this keeps the two in step). */
static void test_node_mounts_refused(void **state)
{
	(void)state;
	for (int role = 0; role < DD_ROLE_COUNT; role++)
		for (int mode = 0; mode < 3; mode++) {
			_cleanup_json_ json_t *j =
			    spec((enum dd_role)role, 1, mode != 0, mode == 2 ? 2 : 1);
			json_t *h = HOST(j), *v;
			size_t i, n = 0;
			const char *dsts[64];
			json_array_foreach (json_object_get(h, "Binds"), i, v) {
				const char *b = strchr(json_string_value(v), ':');
				assert_non_null(b);
				static char buf[64][256];
				snprintf(buf[n], sizeof(buf[n]), "%s", b + 1);
				char *colon = strchr(buf[n], ':');
				if (colon)
					*colon = '\0';
				dsts[n] = buf[n];
				n++;
			}
			json_array_foreach (json_object_get(h, "Mounts"), i, v)
				dsts[n++] = STR(v, "Target");
			const char *key;
			json_object_foreach (json_object_get(h, "Tmpfs"), key, v)
				dsts[n++] = key;
			assert_true(n > 5);
			for (size_t k = 0; k < n; k++) {
				dd_error err = {0};
				if (dd_mount_target_check(dsts[k], &err) != -EINVAL)
					fail_msg("role %d: the node's own %s is allowed as a "
					         "volume target",
					         role, dsts[k]);
			}
		}
}

/* --network: free addresses of the user's subnet, around the gateway and
 * the containers already on it; refused without an IPv4 subnet or room. */
static void test_user_network_addrs(void **state)
{
	(void)state;
	_cleanup_json_ json_t *net =
	    json_loads("{\"Name\":\"u\",\"IPAM\":{\"Config\":[{\"Subnet\":\"fd00::/64\"},"
	               "{\"Subnet\":\"10.9.0.0/29\",\"Gateway\":\"10.9.0.3\"}]},"
	               "\"Containers\":{\"x\":{\"IPv4Address\":\"10.9.0.2/29\"}}}",
	               0, NULL);
	assert_non_null(net);
	char subnet[32], gw[20];
	uint32_t a[4];
	dd_error err = {0};
	assert_int_equal(
	    dd_user_network_addrs(net, 3, subnet, sizeof(subnet), gw, sizeof(gw), a, &err), 0);
	assert_string_equal(subnet, "10.9.0.0/29");
	assert_string_equal(gw, "10.9.0.3");
	char ip[20];
	const char *want[] = {"10.9.0.1", "10.9.0.4", "10.9.0.5"};
	for (int i = 0; i < 3; i++) {
		dd_fmt_ip(a[i], ip, sizeof(ip));
		assert_string_equal(ip, want[i]);
	}
	/* .6 is the last usable one (.7 is the broadcast): five nodes do not fit. */
	uint32_t b[5];
	assert_int_equal(
	    dd_user_network_addrs(net, 5, subnet, sizeof(subnet), gw, sizeof(gw), b, &err),
	    -EADDRNOTAVAIL);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	_cleanup_json_ json_t *v6 = json_loads(
	    "{\"Name\":\"s\",\"IPAM\":{\"Config\":[{\"Subnet\":\"fd00::/64\"}]}}", 0, NULL);
	dd_error e = {0};
	assert_int_equal(
	    dd_user_network_addrs(v6, 1, subnet, sizeof(subnet), gw, sizeof(gw), b, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "no IPv4 subnet"));
}

static void test_parse_cidr(void **state)
{
	(void)state;
	uint32_t a = 0;
	int p = -1;
	assert_int_equal(dd_parse_cidr("172.31.4.0/24", &a, &p), 0);
	assert_int_equal(a, 0xac1f0400u);
	assert_int_equal(p, 24);
	assert_int_equal(dd_parse_cidr("0.0.0.0/0", &a, &p), 0);
	assert_int_equal(p, 0);
	assert_int_equal(dd_parse_cidr("10.1.2.3/32", &a, &p), 0);
	static const char *const bad[] = {
	    "",
	    "10.0.0.0",
	    "10.0.0.0/33",
	    "10.0.0.0/-1",
	    "300.0.0.0/8",
	    "10.0.0/8",
	    "fd00::/8",
	    "/24",
	    "10.0.0.0/24.................................................................."};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (dd_parse_cidr(bad[i], &a, &p) != -EINVAL)
			fail_msg("'%s' parsed", bad[i]);
	char buf[20];
	dd_fmt_ip(0xac1f0401u, buf, sizeof(buf));
	assert_string_equal(buf, "172.31.4.1");
}

static uint32_t ip(const char *cidr)
{
	uint32_t a;
	int p;
	assert_int_equal(dd_parse_cidr(cidr, &a, &p), 0);
	return a;
}

static void test_next_subnet(void **state)
{
	(void)state;
	struct dd_used_nets u = {0};
	uint32_t cursor = 0, a = 0;
	/* From 172.31.0.0/24 on, one /24 after the other. */
	assert_true(dd_next_subnet(&u, &cursor, &a));
	assert_int_equal(a, ip("172.31.0.0/24"));
	assert_true(dd_next_subnet(&u, &cursor, &a));
	assert_int_equal(a, ip("172.31.1.0/24"));

	/* A used /16 skips all of it; a smaller subnet inside a /24 blocks that /24;
	 * a bigger one around it too. */
	memset(&u, 0, sizeof(u));
	dd_used_add(&u, ip("172.31.0.0/16"), 16);
	dd_used_add(&u, ip("172.30.0.128/25"), 25);
	cursor = 0;
	assert_true(dd_next_subnet(&u, &cursor, &a));
	assert_int_equal(a, ip("172.30.1.0/24"));
	dd_used_add(&u, ip("172.28.0.0/14"), 14);
	cursor = 0;
	assert_true(dd_next_subnet(&u, &cursor, &a));
	assert_int_equal(a, ip("172.27.0.0/24"));

	/* Nothing left in 172.16.0.0/12. */
	memset(&u, 0, sizeof(u));
	dd_used_add(&u, ip("172.16.0.0/12"), 12);
	cursor = 0;
	assert_false(dd_next_subnet(&u, &cursor, &a));
	/* The last candidate is 172.16.255.0/24. */
	memset(&u, 0, sizeof(u));
	cursor = 16 * 256 - 1;
	assert_true(dd_next_subnet(&u, &cursor, &a));
	assert_int_equal(a, ip("172.16.255.0/24"));
	assert_false(dd_next_subnet(&u, &cursor, &a));
}

static void test_used_sources(void **state)
{
	(void)state;
	struct dd_used_nets u = {0};
	_cleanup_json_ json_t *nets = json_loads(
	    "[{\"Name\":\"bridge\",\"IPAM\":{\"Config\":[{\"Subnet\":\"172.31.0.0/16\"}]}},"
	    "{\"Name\":\"v6\",\"IPAM\":{\"Config\":[{\"Subnet\":\"fd00::/64\"}]}},"
	    "{\"Name\":\"none\",\"IPAM\":{\"Config\":[]}}]",
	    0, NULL);
	dd_used_add_networks(&u, nets);
	assert_int_equal(u.n, 1);
	/* /proc/net/route: little-endian hex; the header and the default route do not count. */
	dd_used_add_routes(&u,
	                   "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\n"
	                   "eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\n"
	                   "wg0\t00001EAC\t00000000\t0001\t0\t0\t0\t0080FFFF\t0\n"
	                   "short\t00001DAC\n");
	assert_int_equal(u.n, 2);
	assert_int_equal(u.addr[1], ip("172.30.0.0/17"));
	assert_int_equal(u.prefix[1], 17);
	uint32_t cursor = 0, a = 0;
	assert_true(dd_next_subnet(&u, &cursor, &a));
	assert_int_equal(a, ip("172.30.128.0/24"));
	/* The cap drops what does not fit instead of overflowing. */
	for (int i = 0; i < 600; i++)
		dd_used_add(&u, 0, 32);
	assert_int_equal(u.n, ELEMENTSOF(u.addr));
}

/* ---- a node from a listing ---- */

static void test_node_from_json(void **state)
{
	(void)state;
	_cleanup_json_ json_t *c = json_loads(
	    "{\"Id\":\"abc\",\"Names\":[\"/t1-agent2\"],\"State\":\"running\","
	    "\"Labels\":{\"dcos-docker.role\":\"agent\",\"dcos-docker.index\":\"2\"},"
	    "\"NetworkSettings\":{\"Networks\":{"
	    "\"other\":{\"IPAddress\":\"10.0.0.5\"},"
	    "\"t1\":{\"IPAMConfig\":{\"IPv4Address\":\"172.31.0.4\"},\"IPAddress\":\"\"}}}}",
	    0, NULL);
	dd_node n = {0};
	assert_int_equal(dd_node_from_json(c, "t1", &n), 0);
	assert_int_equal(n.role, DD_ROLE_AGENT);
	assert_int_equal(n.index, 2);
	assert_string_equal(n.short_name, "agent2");
	assert_string_equal(n.name, "t1-agent2");
	assert_string_equal(n.id, "abc");
	assert_string_equal(n.state, "running");
	/* The static address is kept in IPAMConfig even while the node is stopped. */
	assert_string_equal(n.ip, "172.31.0.4");
	/* Another network's address only without IPAM config there. */
	assert_int_equal(dd_node_from_json(c, "other", &n), 0);
	assert_string_equal(n.ip, "10.0.0.5");

	_cleanup_json_ json_t *bare =
	    json_loads("{\"Names\":[\"x\"],\"Labels\":{\"dcos-docker.role\":\"public_agent\"},"
	               "\"NetworkSettings\":{\"Networks\":{\"n\":{\"IPAddress\":\"172.31.0.9\"}}}}",
	               0, NULL);
	assert_int_equal(dd_node_from_json(bare, NULL, &n), 0);
	assert_int_equal(n.role, DD_ROLE_PUBLIC_AGENT);
	assert_string_equal(n.short_name, "pubagent0");
	assert_string_equal(n.name, "x");
	assert_string_equal(n.state, "unknown");
	assert_string_equal(n.ip, "172.31.0.9");

	/* Not a node: no role label, or an unknown role. */
	_cleanup_json_ json_t *other =
	    json_loads("{\"Labels\":{\"dcos-docker.role\":\"x\"}}", 0, NULL);
	assert_int_equal(dd_node_from_json(other, NULL, &n), -EINVAL);
	_cleanup_json_ json_t *empty = json_object();
	assert_int_equal(dd_node_from_json(empty, NULL, &n), -EINVAL);
}

/* add-node's nodes carry the shape after it, not one made from their counts. */
static void test_spec_shape(void **state)
{
	(void)state;
	_cleanup_json_ json_t *j = spec(DD_ROLE_AGENT, 1, false, 1);
	assert_string_equal(STR(json_object_get(j, "Labels"), DD_LABEL_NODES),
	                    "master1,agent1,agent2");
	struct dd_node_spec s = {.opts = &opts,
	                         .role = DD_ROLE_AGENT,
	                         .index = 3,
	                         .name = "t1-agent3",
	                         .short_name = "agent3",
	                         .ip = "172.31.0.5",
	                         .node_dir = "/ws/nodes/agent3",
	                         .workspace = "/ws",
	                         .run_id = "run2",
	                         .network = "t1",
	                         .shape = "master1,agent2,agent3"};
	_cleanup_json_ json_t *a = dd_node_spec_body(&s);
	assert_string_equal(STR(json_object_get(a, "Labels"), DD_LABEL_NODES),
	                    "master1,agent2,agent3");
}

/* The shape record: written atomically, read back in order; a missing or
 * damaged one leaves the caller's (the label's) shape. */
static void test_nodes_record(void **state)
{
	(void)state;
	char dir[] = "/tmp/dd-test-record.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char buf[256] = "from-label";
	assert_false(dd_nodes_record_read(dir, buf, sizeof(buf)));
	assert_string_equal(buf, "from-label");
	dd_error err = {0};
	assert_int_equal(dd_nodes_record_write(dir, "master1,agent2,pubagent1", &err), 0);
	assert_true(dd_nodes_record_read(dir, buf, sizeof(buf)));
	assert_string_equal(buf, "master1,agent2,pubagent1");
	_cleanup_free_ char *path = dd_asprintf("%s/" DD_NODES_RECORD_FILE, dir);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	_cleanup_free_ char *text = NULL;
	assert_int_equal(dd_read_file(path, 4096, &text, NULL), 0);
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "nodes")), 3);
	/* Every node removed but the master: still a record, not "none". */
	assert_int_equal(dd_nodes_record_write(dir, "master1", &err), 0);
	assert_true(dd_nodes_record_read(dir, buf, sizeof(buf)));
	assert_string_equal(buf, "master1");
	assert_int_equal(dd_write_file(path, "{not json", 9, 0644), 0);
	snprintf(buf, sizeof(buf), "from-label");
	assert_false(dd_nodes_record_read(dir, buf, sizeof(buf)));
	assert_string_equal(buf, "from-label");
	assert_int_equal(dd_rm_rf(dir), 0);
}

/* restore: the spec create gives, with the snapshot's image and the named
 * volumes restore made in place of anonymous ones; the node image the node
 * was first made of in a label (inspect shows it). */
static void test_spec_restore(void **state)
{
	(void)state;
	struct dd_node_spec s = {
	    .opts = &opts,
	    .role = DD_ROLE_AGENT,
	    .index = 1,
	    .name = "t1-agent1",
	    .short_name = "agent1",
	    .ip = "172.31.0.3",
	    .node_dir = "/ws/nodes/agent1",
	    .workspace = "/ws",
	    .run_id = "run2",
	    .network = "t1",
	    .privileged = true,
	    .cgroup_version = 1,
	    .image = "dcos-docker-snapshot/s:agent1",
	    .volumes = {[DD_VOL_OPT] = "vol-opt", [DD_VOL_MESOS] = "vol-mesos"}};
	_cleanup_json_ json_t *j = dd_node_spec_body(&s);
	assert_non_null(j);
	assert_string_equal(STR(j, "Image"), "dcos-docker-snapshot/s:agent1");
	json_t *labels = json_object_get(j, "Labels");
	assert_string_equal(STR(labels, "dcos-docker.image"), "img:1");
	assert_string_equal(STR(labels, "dcos-docker.cluster"), "t1");
	assert_string_equal(STR(labels, "dcos-docker.create-run"), "run2");
	json_t *mounts = json_object_get(HOST(j), "Mounts");
	assert_int_equal(json_array_size(mounts), 4);
	size_t i;
	json_t *m;
	int named = 0, anonymous = 0;
	json_array_foreach (mounts, i, m) {
		const char *target = STR(m, "Target");
		const char *source = STR(m, "Source");
		if (strcmp(target, "/opt") == 0)
			assert_string_equal(source, "vol-opt");
		else if (strcmp(target, "/var/lib/mesos/slave") == 0)
			assert_string_equal(source, "vol-mesos");
		else
			assert_null(source);
		if (source) {
			named++;
			/* restore labelled it itself; no VolumeOptions for a named one */
			assert_null(json_object_get(m, "VolumeOptions"));
		} else {
			anonymous++;
			assert_non_null(json_object_get(m, "VolumeOptions"));
		}
	}
	assert_int_equal(named, 2);
	assert_int_equal(anonymous, 2);
	/* create's nodes carry no such label, and their image is opts' */
	_cleanup_json_ json_t *c = spec(DD_ROLE_AGENT, 1, true, 1);
	assert_null(json_object_get(json_object_get(c, "Labels"), "dcos-docker.image"));
	assert_string_equal(STR(c, "Image"), "img:1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spec_shape),          cmocka_unit_test(test_nodes_record),
	    cmocka_unit_test(test_spec_privileged_v2),  cmocka_unit_test(test_spec_privileged_v1),
	    cmocka_unit_test(test_spec_capabilities),   cmocka_unit_test(test_spec_common),
	    cmocka_unit_test(test_node_mounts_refused), cmocka_unit_test(test_user_network_addrs),
	    cmocka_unit_test(test_storage_auto),        cmocka_unit_test(test_info_backing_fs),
	    cmocka_unit_test(test_spec_restore),        cmocka_unit_test(test_spec_user_labels),
	    cmocka_unit_test(test_label_parse),         cmocka_unit_test(test_parse_cidr),
	    cmocka_unit_test(test_next_subnet),         cmocka_unit_test(test_used_sources),
	    cmocka_unit_test(test_node_from_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
