/* The container spec of a node: what POST /containers/create gets. Pure. */
#define _GNU_SOURCE
#include <string.h>

#include "cluster-internal.h"
#include "create-internal.h"
#include "dcos-docker/create.h"
#include "dcos-docker/registry.h"
#include "dcos-docker/specs.h"
#include "util.h"

const char *const dd_node_volume_targets[DD_VOL_COUNT] = {"/var/lib/docker", "/var/log/journal",
                                                          "/opt", "/var/lib/mesos/slave"};

static json_t *mount_volume(const struct dd_node_spec *s, int vol)
{
	const char *target = dd_node_volume_targets[vol];
	/* restore made (and labelled) the volume itself. */
	if (s->volumes[vol])
		return json_pack("{s:s, s:s, s:s}", "Type", "volume", "Source", s->volumes[vol],
		                 "Target", target);
	/* Anonymous volumes with labels: destroy finds them by cluster, a failed
	 * run removes only its own by run id. */
	return json_pack("{s:s, s:s, s:{s:{s:s, s:s}}}", "Type", "volume", "Target", target,
	                 "VolumeOptions", "Labels", DD_LABEL_CLUSTER, s->opts->name, DD_LABEL_RUN,
	                 s->run_id);
}

static json_t *bind_json(const char *src, const char *dst, bool ro)
{
	_cleanup_free_ char *b = dd_asprintf("%s:%s%s", src, dst, ro ? ":ro" : "");
	return json_string(b);
}

json_t *dd_node_spec_body(const struct dd_node_spec *s)
{
	const dd_create_opts *o = s->opts;
	char index[16];
	snprintf(index, sizeof(index), "%d", s->index);

	/* On cgroup v2 a privileged node gets a cgroup namespace of its own,
	 * where Docker mounts the node's part of the hierarchy writable as its
	 * /sys/fs/cgroup: the host's tree bound over it would not match the
	 * namespace, and systemd dies at boot ("Failed to create /init.scope
	 * control group"; found in the cgroup v2 VM, tests/vm). Otherwise the
	 * host's hierarchy is bound writable, which systemd needs. */
	bool private_cgroupns = s->privileged && s->cgroup_version == 2;
	json_t *binds = json_array();
	if (!private_cgroupns)
		json_array_append_new(binds, json_string("/sys/fs/cgroup:/sys/fs/cgroup:rw"));
	static const struct {
		const char *file, *target;
	} seeds[] = {
	    {"notify", DD_NOTIFY_TARGET},
	    {"etc", "/etc/dcos-docker"},
	    {"machine-id", "/etc/machine-id"},
	    {"ssh_host_ed25519_key", "/etc/ssh/ssh_host_ed25519_key"},
	    {"ssh_host_ed25519_key.pub", "/etc/ssh/ssh_host_ed25519_key.pub"},
	    {"daemon.json", "/etc/docker/daemon.json"},
	};
	for (size_t i = 0; i < ELEMENTSOF(seeds); i++) {
		_cleanup_free_ char *src = dd_asprintf("%s/%s", s->node_dir, seeds[i].file);
		json_array_append_new(binds, bind_json(src, seeds[i].target, i > 0));
	}
	_cleanup_free_ char *authorized = dd_asprintf("%s/genconf/ssh_key.pub", s->workspace);
	json_array_append_new(binds, bind_json(authorized, "/root/.ssh/authorized_keys", true));
	_cleanup_free_ char *serve = dd_asprintf("%s/genconf/serve", s->workspace);
	json_array_append_new(binds, bind_json(serve, DD_NODE_INSTALL_DIR, true));
	for (size_t i = 0; i < o->n_mounts[s->role]; i++) {
		const dd_mount_spec *m = &o->mounts[s->role][i];
		json_array_append_new(binds, bind_json(m->src, m->dst, m->ro));
	}
	json_t *mounts = json_array();
	for (int v = 0; v < DD_VOL_COUNT; v++)
		if (v != DD_VOL_MESOS || s->role != DD_ROLE_MASTER)
			json_array_append_new(mounts, mount_volume(s, v));

	json_t *host = json_pack(
	    "{s:o, s:o, s:[s,s], s:[s], s:{s:s, s:s, s:s}, s:s, s:{s:s}, s:b}", "Binds", binds,
	    "Mounts", mounts, "SecurityOpt", "seccomp=unconfined", "apparmor=unconfined",
	    "DeviceCgroupRules", "a *:* rwm", "Tmpfs", "/run", "rw,exec,nosuid,size=2g",
	    "/run/lock", "rw,noexec,nosuid,size=64m", "/tmp", "rw,exec,nosuid,size=2g",
	    "CgroupnsMode", private_cgroupns ? "private" : "host", "RestartPolicy", "Name", "no",
	    "Init", 0);
	if (s->privileged) {
		json_object_set_new(host, "Privileged", json_true());
	} else {
		/* Everything the daemon itself holds: privileged mode would ask for
		 * capabilities the daemon lacks and fail ("unable to apply caps"). */
		json_object_set_new(host, "CapAdd", json_pack("[s]", "ALL"));
		json_t *drop = json_array();
		for (char *const *c = s->missing_caps; c && *c; c++)
			json_array_append_new(drop, json_string(*c));
		json_object_set_new(host, "CapDrop", drop);
		/* What --privileged also gives: writable /proc/sys and no masked
		 * /proc files (inner Docker and DC/OS set sysctls). */
		json_object_set_new(host, "MaskedPaths", json_array());
		json_object_set_new(host, "ReadonlyPaths", json_array());
	}
	/* registry.local is master1 on every node, where `dcos-docker registry`
	 * serves: an ExtraHosts line, which Docker writes into the node's
	 * /etc/hosts at every start (a line added later would not survive a
	 * restart). The old tool's --add-host gave masters other than master1
	 * 127.0.0.1 (reference/dcos-docker.md). */
	if (s->registry_ip) {
		_cleanup_free_ char *line = dd_asprintf(DD_REGISTRY_HOST ":%s", s->registry_ip);
		json_object_set_new(host, "ExtraHosts", json_pack("[s]", line));
	}
	if (o->cpus[s->role] > 0)
		json_object_set_new(host, "NanoCpus",
		                    json_integer((json_int_t)(o->cpus[s->role] * 1e9)));
	if (o->memory[s->role] > 0)
		json_object_set_new(host, "Memory", json_integer(o->memory[s->role]));
	if (s->role == DD_ROLE_MASTER && s->index == 1 && o->n_ports > 0) {
		json_t *pb = json_object();
		for (size_t i = 0; i < o->n_ports; i++) {
			char key[32];
			snprintf(key, sizeof(key), "%d/%s", o->ports[i].port, o->ports[i].proto);
			char hp[16];
			snprintf(hp, sizeof(hp), "%d", o->ports[i].host_port);
			json_t *list = json_object_get(pb, key);
			if (!list) {
				list = json_array();
				json_object_set_new(pb, key, list);
			}
			json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp",
			                                      o->ports[i].host_ip, "HostPort", hp));
		}
		json_object_set_new(host, "PortBindings", pb);
	}

	json_t *exposed = json_object();
	for (size_t i = 0; s->role == DD_ROLE_MASTER && s->index == 1 && i < o->n_ports; i++) {
		char key[32];
		snprintf(key, sizeof(key), "%d/%s", o->ports[i].port, o->ports[i].proto);
		json_object_set_new(exposed, key, json_object());
	}
	_cleanup_free_ char *notify_env =
	    dd_asprintf("NOTIFY_SOCKET=%s/notify.sock", DD_NOTIFY_TARGET);
	json_t *body = json_pack(
	    "{s:s, s:s, s:b, s:[s,s], s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:[s], s:o, s:o, "
	    "s:{s:{s:{s:{s:s}, s:[s]}}}}",
	    "Hostname", s->name, "Image", s->image ? s->image : o->image, "Tty", 1, "Env",
	    "container=docker", notify_env, "Labels", DD_LABEL_CLUSTER, o->name, DD_LABEL_ROLE,
	    dd_role_label(s->role), DD_LABEL_INDEX, index, DD_LABEL_WORKSPACE, s->workspace,
	    DD_LABEL_PRIVILEGE, s->privileged ? "privileged" : "capabilities", DD_LABEL_RUN,
	    s->run_id, "StopSignal", "SIGRTMIN+3", "Cmd", "/sbin/init", "ExposedPorts", exposed,
	    "HostConfig", host, "NetworkingConfig", "EndpointsConfig", s->network, "IPAMConfig",
	    "IPv4Address", s->ip, "Aliases", s->short_name);
	json_t *labels = json_object_get(body, "Labels");
	_cleanup_free_ char *shape =
	    s->shape ? dd_strdup(s->shape) : dd_cluster_shape_label(o->counts);
	json_object_set_new(labels, DD_LABEL_NODES, json_string(shape));
	json_object_set_new(labels, DD_LABEL_NETWORK, json_string(s->network));
	if (s->image)
		json_object_set_new(labels, DD_LABEL_IMAGE, json_string(o->image));
	/* The user's labels (their keys were checked: none is one of ours),
	 * global ones first, so a role's own value for a key wins. */
	for (size_t i = 0; i < o->n_labels[s->role]; i++)
		json_object_set_new(labels, o->labels[s->role][i].key,
		                    json_string(o->labels[s->role][i].value));
	return body;
}
