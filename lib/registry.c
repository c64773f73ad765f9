/* dd_registry_start: a private registry on master1 that every node trusts.
 *
 * The old tool (reference/dcos-docker.md, "Registry and certs") made a CA and
 * a server certificate with openssl on the host, ran registry:2 in master1's
 * inner Docker and bind-mounted the certificates into every node at create.
 * Nothing can be pulled here, and a cluster's nodes exist before anyone asks
 * for a registry, so: Debian's docker-registry (in the node image) runs as a
 * unit of master1's systemd, its certificates are made in master1 (openssl
 * comes with ca-certificates), and the CA goes to each node's
 * /etc/docker/certs.d, which Docker reads at every pull and push (no daemon
 * restart). Scripts get their values as arguments, never pasted in. */
#include "dcos-docker/registry.h"
#include "event-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dcos-docker/exec.h"
#include "pool.h"
#include "util.h"

#define STR_(x)  #x
#define STR(x)   STR_(x)
#define HOSTPORT DD_REGISTRY_HOST ":" STR(DD_REGISTRY_PORT)

/* master1: `sh -c SCRIPT dcos-docker-registry IP`. Prints "created=0|1" and
 * then the CA certificate. The CA is made once and kept (nodes that trust it
 * go on trusting it); the server certificate again when master1's IP is not
 * the one it was made for. ECDSA P-256: made in milliseconds, and what Go's
 * TLS (registry and Docker) handles. */
static const char master_script[] =
    "set -e\n"
    "ip=$1 d=" DD_REGISTRY_NODE_DIR "\n"
    "mkdir -p \"$d/data\"\n"
    "cd \"$d\"\n"
    "umask 077\n"
    "ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
    "ossl() { openssl \"$@\" 2>openssl.err || { cat openssl.err >&2; exit 1; }; }\n"
    "created=0\n"
    "if [ ! -s ca.crt ]; then\n"
    "  ossl req -x509 $ec -days 3650 -subj '/CN=dcos-docker registry CA' \\\n"
    "    -addext basicConstraints=critical,CA:TRUE \\\n"
    "    -addext keyUsage=critical,keyCertSign,cRLSign -keyout ca.key -out ca.crt\n"
    "  rm -f registry.crt\n"
    "  created=1\n"
    "fi\n"
    "if [ ! -s registry.crt ] || [ \"$(cat registry.ip 2>/dev/null)\" != \"$ip\" ]; then\n"
    "  ossl req -new $ec -subj '/CN=" DD_REGISTRY_HOST "' -keyout registry.key -out registry.csr\n"
    "  printf 'subjectAltName=DNS:" DD_REGISTRY_HOST ",IP:%s\\nextendedKeyUsage=serverAuth\\n' \\\n"
    "    \"$ip\" >registry.ext\n"
    "  ossl x509 -req -in registry.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \\\n"
    "    -extfile registry.ext -out registry.crt\n"
    "  printf '%s\\n' \"$ip\" >registry.ip\n"
    "fi\n"
    /* The registry runs as Debian's docker-registry user: its key and its
     * storage are that user's; the CA's key stays root's. */
    "printf 'version: 0.1\\nstorage:\\n  filesystem:\\n    rootdirectory: %s/data\\n"
    "  delete:\\n    enabled: true\\nhttp:\\n  addr: :" STR(
        DD_REGISTRY_PORT) "\\n"
                          "  tls:\\n    certificate: %s/registry.crt\\n    key: "
                          "%s/registry.key\\n' \\\n"
                          "  \"$d\" \"$d\" \"$d\" >config.yml\n"
                          "chown -R docker-registry data registry.key config.yml\n"
                          "chmod 644 ca.crt registry.crt\n"
                          "chmod 755 \"$d\"\n"
                          /* Debian's unit with our configuration; enabled, so that it comes back
                           * when master1 restarts. */
                          "u=/etc/systemd/system/docker-registry.service.d\n"
                          "mkdir -p \"$u\"\n"
                          "printf '[Service]\\nExecStart=\\nExecStart=/usr/bin/docker-registry "
                          "serve %s/config.yml\\n' \\\n"
                          "  \"$d\" >\"$u/dcos-docker.conf\"\n"
                          "chmod 644 \"$u/dcos-docker.conf\"\n"
                          "systemctl daemon-reload\n"
                          "systemctl enable -q docker-registry\n"
                          "systemctl restart docker-registry\n"
                          "i=0\n"
                          "until curl -fsS -o /dev/null --cacert ca.crt --resolve " HOSTPORT
                          ":\"$ip\" \\\n"
                          "  https://" HOSTPORT "/v2/ 2>curl.err; do\n"
                          "  i=$((i + 1))\n"
                          "  if [ $i -ge 300 ] || ! systemctl -q is-active docker-registry; then\n"
                          /* The journal first: the last line is the one the error shows. */
                          "    journalctl -q -u docker-registry -n 5 --no-pager >&2 || :\n"
                          "    echo \"the registry did not answer on https://" HOSTPORT
                          "/v2/: $(cat curl.err)\" >&2\n"
                          "    exit 1\n"
                          "  fi\n"
                          "  sleep 0.1\n"
                          "done\n"
                          "echo created=$created\n"
                          "cat ca.crt\n";

/* Every node: `sh -c SCRIPT dcos-docker-registry CA IP`. */
static const char node_script[] =
    "set -e\n"
    "ca=$1 ip=$2\n"
    "for h in " HOSTPORT
    " \"$ip:" STR(DD_REGISTRY_PORT) "\"; do\n"
                                    "  mkdir -p \"/etc/docker/certs.d/$h\"\n"
                                    "  printf '%s\\n' \"$ca\" >\"/etc/docker/certs.d/$h/ca.crt\"\n"
                                    "done\n"
                                    "grep -q '[[:space:]]" DD_REGISTRY_HOST "$' /etc/hosts ||\n"
                                    "  printf '%s\\t" DD_REGISTRY_HOST
                                    "\\n' \"$ip\" >>/etc/hosts\n";

struct trust_ctx {
	const dd_node *const *nodes;
	const char *ca, *ip;
	dd_event_cb on_event;
	void *userdata;
	dd_error *errs;
};

/* Runs argv on node; a non-zero exit is an error with stderr's last line. */
static int run_script(dd_docker *d, const dd_node *node, const char *const *argv, char **ret_out,
                      dd_error *err)
{
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int ec = 0;
	int r = dd_exec_capture(d, node->name, argv, 64u << 10, &out, &errout, &ec, err);
	if (r < 0)
		return r;
	if (ec != 0) {
		const char *e = errout ? dd_last_line(errout) : NULL;
		return dd_error_set(err, -EIO, "exit code %d%s%s", ec, e && *e ? ": " : "",
		                    e ? e : "");
	}
	if (ret_out)
		*ret_out = TAKE_PTR(out);
	return 0;
}

static int trust_job(void *userdata, size_t i, void *state)
{
	struct trust_ctx *ctx = userdata;
	dd_error *err = &ctx->errs[i];
	int r = 0;
	dd_docker *d = dd_pool_docker_get(state, &r, err);
	if (!d)
		return r;
	const char *argv[] = {"/bin/sh", "-c",    node_script, "dcos-docker-registry",
	                      ctx->ca,   ctx->ip, NULL};
	r = run_script(d, ctx->nodes[i], argv, NULL, err);
	dd_event_status(ctx->on_event, ctx->userdata, ctx->nodes[i]->short_name,
	                r < 0 ? "failed" : "trusts the registry", true);
	return r;
}

static int save_ca(const dd_cluster *c, const char *ca, dd_registry_result *res, dd_error *err)
{
	_cleanup_free_ char *dir = dd_asprintf("%s/registry", c->workspace);
	int r = dd_mkdir_p(dir, 0755);
	if (r < 0)
		return dd_error_set(err, r, "Failed to create %s: %s", dir, strerror(-r));
	if (dd_snprintf(res->ca_path, sizeof(res->ca_path), "%s/ca.crt", dir) < 0)
		return dd_error_set(err, -ENAMETOOLONG, "Workspace path too long: %s",
		                    c->workspace);
	_cleanup_free_ char *pem = dd_asprintf("%s\n", ca);
	r = dd_write_file(res->ca_path, pem, strlen(pem), 0644);
	if (r < 0)
		return dd_error_set(err, r, "Failed to write %s: %s", res->ca_path, strerror(-r));
	return 0;
}

int dd_registry_start(dd_docker *d, const dd_cluster *c, dd_event_cb progress, void *userdata,
                      dd_registry_result *res, dd_error *err)
{
	*res = (dd_registry_result){0};
	const dd_node *master1 = NULL;
	for (size_t i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].role == DD_ROLE_MASTER && c->nodes[i].index == 1)
			master1 = &c->nodes[i];
	if (!master1)
		return dd_error_set(err, -ENOENT, "Cluster '%s' has no master1 for the registry",
		                    c->name);
	if (strcmp(master1->state, "running") != 0) {
		dd_error_set(err, -EHOSTDOWN, "master1 is %s, not running: the registry runs there",
		             master1->state);
		return dd_error_hint(err, "start it first: dcos-docker start --cluster %s master1",
		                     c->name);
	}
	snprintf(res->ip, sizeof(res->ip), "%s", master1->ip);

	const char *argv[] = {"/bin/sh", "-c", master_script, "dcos-docker-registry",
	                      res->ip,   NULL};
	_cleanup_free_ char *out = NULL;
	int r = run_script(d, master1, argv, &out, err);
	if (r < 0)
		return dd_error_prefix(err, "Starting the registry on master1 failed: ");
	const char *pem = strstr(out, "-----BEGIN CERTIFICATE-----");
	if (strncmp(out, "created=", 8) != 0 || !pem)
		return dd_error_set(err, -EPROTO,
		                    "Starting the registry on master1 printed no CA certificate");
	res->created = out[8] == '1';
	_cleanup_free_ char *ca = dd_strdup(pem);
	dd_last_line(ca); /* trailing newlines off: the node script adds one */
	dd_event_status(progress, userdata, master1->short_name, "registry serving on " HOSTPORT,
	                true);
	if ((r = save_ca(c, ca, res, err)) < 0)
		return r;

	/* Every running node trusts it; a stopped one is told about. */
	_cleanup_free_ const dd_node **nodes = dd_malloc0((c->n_nodes + 1) * sizeof(*nodes));
	size_t n = 0, stopped = 0;
	for (size_t i = 0; i < c->n_nodes; i++) {
		if (strcmp(c->nodes[i].state, "running") == 0)
			nodes[n++] = &c->nodes[i];
		else
			stopped++;
	}
	_cleanup_free_ dd_error *errs = dd_malloc0((n + 1) * sizeof(*errs));
	_cleanup_free_ int *results = dd_malloc0((n + 1) * sizeof(*results));
	struct trust_ctx ctx = {.nodes = nodes,
	                        .ca = ca,
	                        .ip = res->ip,
	                        .on_event = progress,
	                        .userdata = userdata,
	                        .errs = errs};
	dd_pool pool = {.n = n, .job = trust_job, .userdata = &ctx, .docker = d};
	int pr = dd_pool_run(&pool, results);
	size_t first, failed;
	int ret = dd_pool_first_failure(results, errs, n, &first, &failed, err);
	res->n_nodes = n - failed;
	if (ret < 0)
		dd_error_prefix(
		    err, "Installing the registry's CA on %s failed: ", nodes[first]->short_name);
	if (failed > 1)
		dd_error_hint(err, "%zu nodes failed in all", failed);
	if (ret == 0 && pr < 0)
		return dd_error_set(err, pr, "Interrupted");
	if (ret == 0 && stopped > 0) {
		dd_error_set(err, -EHOSTDOWN,
		             "%zu node%s not running and do%s not trust the registry yet", stopped,
		             stopped == 1 ? " is" : "s are", stopped == 1 ? "es" : "");
		return dd_error_hint(err,
		                     "start them and run 'dcos-docker registry --cluster %s' "
		                     "again",
		                     c->name);
	}
	return ret;
}
