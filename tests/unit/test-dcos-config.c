/* config.yaml as DC/OS's installer will read it: every check parses the
 * emitted text back with libyaml, because what matters is what a YAML 1.1
 * reader sees (a cluster named "yes" must stay the string "yes"). Also the
 * superuser password hash. */
#define _GNU_SOURCE
#include <crypt.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include <cmocka.h>

#include "dcos/config-internal.h"

/* ---- helpers ---- */

static const char *const one_master[] = {"172.17.0.2"};
static const char *const three_masters[] = {"172.17.0.2", "172.17.0.3", "172.17.0.4"};
static const char *const two_agents[] = {"172.17.0.5", "172.17.0.6"};
static const char *const one_public[] = {"172.17.0.7"};
/* IPv4 only: DC/OS refuses IPv6 resolvers (gen/calc.py validate_ip_port_list). */
static const char *const resolvers[] = {"8.8.8.8", "1.1.1.1:53"};

static struct dd_dcos_config_input base_input(void)
{
	return (struct dd_dcos_config_input){
	    .cluster_name = "dcos-docker",
	    .master_ips = one_master,
	    .n_master_ips = 1,
	    .agent_ips = two_agents,
	    .n_agent_ips = 2,
	    .public_agent_ips = one_public,
	    .n_public_agent_ips = 1,
	    .resolvers = resolvers,
	    .n_resolvers = 2,
	};
}

static char *must_generate(const struct dd_dcos_config_input *in)
{
	dd_error err = {0};
	char *yaml = NULL;
	int r = dd_dcos_config_yaml(in, &yaml, &err);
	if (r < 0)
		fail_msg("dd_dcos_config_yaml: %d %s", r, err.msg);
	assert_non_null(yaml);
	return yaml;
}

/* Runs the generator expecting failure; returns the error. */
static dd_error must_fail(const struct dd_dcos_config_input *in)
{
	dd_error err = {0};
	char *yaml = NULL;
	int r = dd_dcos_config_yaml(in, &yaml, &err);
	if (r >= 0)
		fail_msg("expected an error, got:\n%s", yaml);
	assert_null(yaml);
	assert_int_equal(err.code, r);
	assert_true(err.msg[0] != '\0');
	return err;
}

struct doc {
	yaml_document_t d;
};

static void load(struct doc *doc, const char *text)
{
	yaml_parser_t p;
	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&p, &doc->d))
		fail_msg("emitted YAML does not parse: %s (line %zu)\n%s", p.problem,
		         p.problem_mark.line + 1, text);
	yaml_parser_delete(&p);
	yaml_node_t *root = yaml_document_get_root_node(&doc->d);
	assert_non_null(root);
	assert_int_equal(root->type, YAML_MAPPING_NODE);
}

static void unload(struct doc *doc)
{
	yaml_document_delete(&doc->d);
}

static size_t n_keys(struct doc *doc)
{
	yaml_node_t *root = yaml_document_get_root_node(&doc->d);
	return (size_t)(root->data.mapping.pairs.top - root->data.mapping.pairs.start);
}

static const char *key_at(struct doc *doc, size_t i)
{
	yaml_node_t *root = yaml_document_get_root_node(&doc->d);
	yaml_node_t *k = yaml_document_get_node(&doc->d, root->data.mapping.pairs.start[i].key);
	return (const char *)k->data.scalar.value;
}

/* Position of a top-level key, -1 when absent. */
static int key_index(struct doc *doc, const char *key)
{
	for (size_t i = 0; i < n_keys(doc); i++)
		if (strcmp(key_at(doc, i), key) == 0)
			return (int)i;
	return -1;
}

static yaml_node_t *map_get(struct doc *doc, yaml_node_t *map, const char *key)
{
	assert_int_equal(map->type, YAML_MAPPING_NODE);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(&doc->d, p->key);
		if (k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(&doc->d, p->value);
	}
	return NULL;
}

static yaml_node_t *get(struct doc *doc, const char *key)
{
	return map_get(doc, yaml_document_get_root_node(&doc->d), key);
}

static bool is_quoted(const yaml_node_t *n)
{
	return n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
	       n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
}

/* A quoted string scalar: what a YAML 1.1 reader cannot mistake for anything else. */
static void assert_string(struct doc *doc, const char *key, const char *want)
{
	yaml_node_t *n = get(doc, key);
	if (!n)
		fail_msg("key %s missing", key);
	assert_int_equal(n->type, YAML_SCALAR_NODE);
	assert_string_equal((const char *)n->data.scalar.value, want);
	if (!is_quoted(n))
		fail_msg("%s: '%s' is not quoted (style %d)", key, want, n->data.scalar.style);
}

/* A plain scalar: a number or a boolean to the reader. */
static void assert_plain(struct doc *doc, const char *key, const char *want)
{
	yaml_node_t *n = get(doc, key);
	if (!n)
		fail_msg("key %s missing", key);
	assert_int_equal(n->type, YAML_SCALAR_NODE);
	assert_string_equal((const char *)n->data.scalar.value, want);
	assert_int_equal(n->data.scalar.style, YAML_PLAIN_SCALAR_STYLE);
}

static void assert_list(struct doc *doc, const char *key, const char *const *want, size_t n)
{
	yaml_node_t *seq = get(doc, key);
	if (!seq)
		fail_msg("key %s missing", key);
	assert_int_equal(seq->type, YAML_SEQUENCE_NODE);
	assert_int_equal(seq->data.sequence.items.top - seq->data.sequence.items.start, n);
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it =
		    yaml_document_get_node(&doc->d, seq->data.sequence.items.start[i]);
		assert_int_equal(it->type, YAML_SCALAR_NODE);
		assert_string_equal((const char *)it->data.scalar.value, want[i]);
		assert_true(is_quoted(it));
	}
}

static char tmpdir[] = "/tmp/test-dcos-config.XXXXXX";

static char *write_tmp(const char *name, const char *content)
{
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

/* ---- config.yaml ---- */

/* The whole file for the common case, so any change to what users get shows here. */
static void test_oss_one_master_exact(void **state)
{
	(void)state;
	struct dd_dcos_config_input in = base_input();
	char *yaml = must_generate(&in);
	assert_string_equal(yaml, "master_list:\n"
	                          "- '172.17.0.2'\n"
	                          "agent_list:\n"
	                          "- '172.17.0.5'\n"
	                          "- '172.17.0.6'\n"
	                          "public_agent_list:\n"
	                          "- '172.17.0.7'\n"
	                          "bootstrap_url: 'file:///opt/dcos_install_tmp'\n"
	                          "cluster_name: 'dcos-docker'\n"
	                          "exhibitor_storage_backend: 'static'\n"
	                          "master_discovery: 'static'\n"
	                          "process_timeout: 10000\n"
	                          "resolvers:\n"
	                          "- '8.8.8.8'\n"
	                          "- '1.1.1.1:53'\n"
	                          "ssh_port: 22\n"
	                          "ssh_user: 'root'\n"
	                          "check_time: 'false'\n"
	                          "platform: 'docker'\n");
	free(yaml);
}

static void test_three_masters_no_agents(void **state)
{
	(void)state;
	struct dd_dcos_config_input in = base_input();
	in.master_ips = three_masters;
	in.n_master_ips = 3;
	in.agent_ips = NULL;
	in.n_agent_ips = 0;
	in.public_agent_ips = NULL;
	in.n_public_agent_ips = 0;
	char *yaml = must_generate(&in);
	/* The original tool wrote "agent_list:\n- " here: a list holding one null. */
	assert_non_null(strstr(yaml, "\nagent_list: []\n"));
	assert_non_null(strstr(yaml, "\npublic_agent_list: []\n"));
	struct doc doc;
	load(&doc, yaml);
	assert_list(&doc, "master_list", three_masters, 3);
	assert_list(&doc, "agent_list", NULL, 0);
	assert_list(&doc, "public_agent_list", NULL, 0);
	assert_list(&doc, "resolvers", resolvers, 2);
	assert_plain(&doc, "process_timeout", "10000");
	assert_plain(&doc, "ssh_port", "22");
	assert_string(&doc, "check_time", "false");
	assert_string(&doc, "platform", "docker");
	assert_string(&doc, "bootstrap_url", "file:///opt/dcos_install_tmp");
	unload(&doc);
	free(yaml);
}

static const char *const enterprise_keys[] = {"superuser_username", "superuser_password_hash",
                                              "fault_domain_enabled", "license_key_contents",
                                              "security"};

static void test_enterprise_keys_only_for_enterprise(void **state)
{
	(void)state;
	struct dd_dcos_config_input in = base_input();
	/* Set for open source too: superuser and license are ignored there. */
	in.superuser_username = "admin";
	in.license_key_contents = "LICENSE";
	char *yaml = must_generate(&in);
	struct doc doc;
	load(&doc, yaml);
	for (size_t i = 0; i < sizeof(enterprise_keys) / sizeof(*enterprise_keys); i++)
		if (get(&doc, enterprise_keys[i]))
			fail_msg("open source config has %s", enterprise_keys[i]);
	unload(&doc);
	free(yaml);

	in.enterprise = true;
	in.license_key_contents = "ABC-123\n"; /* as read from a file */
	in.security_mode = "strict";
	yaml = must_generate(&in);
	load(&doc, yaml);
	assert_string(&doc, "superuser_username", "admin");
	assert_plain(&doc, "fault_domain_enabled", "false");
	assert_string(&doc, "license_key_contents", "ABC-123");
	assert_string(&doc, "security", "strict");
	/* Enterprise keys come after the common ones. */
	assert_true(key_index(&doc, "superuser_username") > key_index(&doc, "platform"));
	unload(&doc);
	free(yaml);
}

static void test_enterprise_defaults(void **state)
{
	(void)state;
	struct dd_dcos_config_input in = base_input();
	in.enterprise = true;
	char *yaml = must_generate(&in);
	struct doc doc;
	load(&doc, yaml);
	assert_string(&doc, "superuser_username", DD_DCOS_DEFAULT_SUPERUSER_USERNAME);
	/* The default hash must really be the default password's. */
	yaml_node_t *h = get(&doc, "superuser_password_hash");
	assert_non_null(h);
	const char *hash = (const char *)h->data.scalar.value;
	assert_true(strncmp(hash, "$6$", 3) == 0);
	struct crypt_data cd = {0};
	const char *again = crypt_r(DD_DCOS_DEFAULT_SUPERUSER_PASSWORD, hash, &cd);
	assert_non_null(again);
	assert_string_equal(again, hash);
	assert_null(get(&doc, "license_key_contents")); /* NULL: omitted */
	assert_null(get(&doc, "security"));
	unload(&doc);
	free(yaml);

	in.superuser_password_hash = "$6$x$y";
	yaml = must_generate(&in);
	load(&doc, yaml);
	assert_string(&doc, "superuser_password_hash", "$6$x$y");
	unload(&doc);
	free(yaml);
}

static void test_security_mode_checked(void **state)
{
	(void)state;
	struct dd_dcos_config_input in = base_input();
	in.security_mode = "strict"; /* open source has no security modes */
	dd_error err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, "Enterprise"));

	in.enterprise = true;
	in.security_mode = "lenient";
	err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, "lenient"));
}

static void test_bad_input(void **state)
{
	(void)state;
	struct dd_dcos_config_input in = base_input();
	in.n_master_ips = 0;
	assert_int_equal(must_fail(&in).kind, DD_ERR_USAGE);
	in = base_input();
	in.cluster_name = "";
	assert_int_equal(must_fail(&in).kind, DD_ERR_USAGE);
	in = base_input();
	in.cluster_name = "caf\xe9"; /* Latin-1, not UTF-8 */
	dd_error err = must_fail(&in);
	assert_non_null(strstr(err.msg, "cluster_name"));
}

/* Names that YAML 1.1 would read as booleans, numbers, null or dates. */
static void test_quoting_keeps_strings(void **state)
{
	(void)state;
	static const char *const names[] = {"yes",        "on",        "off",  "No",   "true",
	                                    "0123",       "1e3",       "0x1f", "null", "~",
	                                    "2001-12-14", "12:30",     ".inf", "- a",  "it's: #1",
	                                    " padded ",   "π cluster", "a\nb"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		struct dd_dcos_config_input in = base_input();
		in.cluster_name = names[i];
		/* values in lists too: agent_list, which DC/OS 2.2 no longer reads,
		 * so no rule of its refuses these */
		const char *const ips[] = {names[i]};
		in.agent_ips = ips;
		in.n_agent_ips = 1;
		char *yaml = must_generate(&in);
		struct doc doc;
		load(&doc, yaml);
		assert_string(&doc, "cluster_name", names[i]);
		assert_list(&doc, "agent_list", ips, 1);
		unload(&doc);
		free(yaml);
	}
}

/* ---- extra config ---- */

static void test_extra_config_merge(void **state)
{
	(void)state;
	char *path = write_tmp("extra.yaml", "# the user's own settings\n"
	                                     "dns_search: yes\n"
	                                     "cluster_name: from-extra\n"
	                                     "nested:\n"
	                                     "  list: [1, 'two']\n"
	                                     "  map: {quoted: \"on\", plain: off}\n"
	                                     "resolvers:\n"
	                                     "- 1.1.1.1\n"
	                                     "tagged: !!str 5\n");
	struct dd_dcos_config_input in = base_input();
	in.extra_config_path = path;
	char *yaml = must_generate(&in);
	struct doc doc;
	load(&doc, yaml);

	/* Replaced in place: same position as without extra config. */
	struct dd_dcos_config_input plain_in = base_input();
	char *plain_yaml = must_generate(&plain_in);
	struct doc plain;
	load(&plain, plain_yaml);
	assert_int_equal(key_index(&doc, "cluster_name"), key_index(&plain, "cluster_name"));
	assert_int_equal(key_index(&doc, "resolvers"), key_index(&plain, "resolvers"));
	for (size_t i = 0; i < n_keys(&plain); i++)
		assert_string_equal(key_at(&doc, i), key_at(&plain, i));
	/* New keys appended, in the file's order. */
	size_t n = n_keys(&plain);
	assert_int_equal(n_keys(&doc), n + 3);
	assert_string_equal(key_at(&doc, n), "dns_search");
	assert_string_equal(key_at(&doc, n + 1), "nested");
	assert_string_equal(key_at(&doc, n + 2), "tagged");
	assert_string(&doc, "tagged", "5"); /* !!str: still a string to DC/OS */

	/* The user's values as written: plain stays plain (yes is the user's boolean). */
	yaml_node_t *cn = get(&doc, "cluster_name");
	assert_string_equal((const char *)cn->data.scalar.value, "from-extra");
	assert_plain(&doc, "dns_search", "yes");
	yaml_node_t *res = get(&doc, "resolvers");
	assert_int_equal(res->data.sequence.items.top - res->data.sequence.items.start, 1);

	yaml_node_t *nested = get(&doc, "nested");
	assert_non_null(nested);
	yaml_node_t *l = map_get(&doc, nested, "list");
	assert_non_null(l);
	assert_int_equal(l->type, YAML_SEQUENCE_NODE);
	assert_int_equal(l->data.sequence.items.top - l->data.sequence.items.start, 2);
	yaml_node_t *two = yaml_document_get_node(&doc.d, l->data.sequence.items.start[1]);
	assert_string_equal((const char *)two->data.scalar.value, "two");
	assert_true(is_quoted(two));
	yaml_node_t *m = map_get(&doc, nested, "map");
	yaml_node_t *q = map_get(&doc, m, "quoted");
	assert_string_equal((const char *)q->data.scalar.value, "on");
	assert_true(is_quoted(q));
	yaml_node_t *p = map_get(&doc, m, "plain");
	assert_string_equal((const char *)p->data.scalar.value, "off");
	assert_int_equal(p->data.scalar.style, YAML_PLAIN_SCALAR_STYLE);
	/* Comments are not carried over; the generated text has none of its own. */
	assert_null(strstr(yaml, "#"));

	unload(&plain);
	unload(&doc);
	free(plain_yaml);
	free(yaml);
	free(path);
}

static void test_extra_config_empty_and_flow(void **state)
{
	(void)state;
	struct dd_dcos_config_input in = base_input();
	char *want = must_generate(&in);

	char *path = write_tmp("empty.yaml", "# nothing yet\n");
	in.extra_config_path = path;
	char *yaml = must_generate(&in);
	assert_string_equal(yaml, want);
	free(yaml);
	free(path);

	/* A flow-style file must not make the whole config one line. */
	path = write_tmp("flow.yaml", "--- {cluster_name: flow, extra_key: [a, b]}\n");
	in.extra_config_path = path;
	yaml = must_generate(&in);
	assert_non_null(strstr(yaml, "\ncluster_name: flow\n"));
	assert_non_null(strstr(yaml, "\nplatform: 'docker'\n"));
	assert_true(strncmp(yaml, "master_list:\n", 13) == 0);
	free(yaml);
	free(path);
	free(want);
}

static void test_extra_config_errors(void **state)
{
	(void)state;
	struct dd_dcos_config_input in = base_input();
	dd_error err;

	char *path = write_tmp("list.yaml", "- a\n- b\n");
	in.extra_config_path = path;
	err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "mapping"));
	free(path);

	path = write_tmp("scalar.yaml", "just a string\n");
	in.extra_config_path = path;
	err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, path));
	free(path);

	path = write_tmp("syntax.yaml", "a: 1\nb: 2\n  c: 3\n");
	in.extra_config_path = path;
	err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, path));
	if (!strstr(err.msg, "line 3"))
		fail_msg("no line number: %s", err.msg);
	free(path);

	path = write_tmp("dup.yaml", "a: 1\ncluster_name: x\ncluster_name: y\n");
	in.extra_config_path = path;
	err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, "duplicate key 'cluster_name'"));
	assert_non_null(strstr(err.msg, "line 3"));
	free(path);

	path = write_tmp("two.yaml", "a: 1\n---\nb: 2\n");
	in.extra_config_path = path;
	err = must_fail(&in);
	assert_non_null(strstr(err.msg, "more than one"));
	free(path);

	path = write_tmp("complex.yaml", "? [a, b]\n: c\n");
	in.extra_config_path = path;
	err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	free(path);

	in.extra_config_path = "/nonexistent/extra config.yaml";
	err = must_fail(&in);
	assert_int_equal(err.code, -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/extra config.yaml"));
	assert_non_null(strstr(err.msg, "not found"));

	/* Bigger than the cap: refused, not read into memory without bound. */
	char *big = malloc(DD_DCOS_EXTRA_CONFIG_MAX + 100);
	assert_non_null(big);
	memset(big, '#', DD_DCOS_EXTRA_CONFIG_MAX + 99);
	big[DD_DCOS_EXTRA_CONFIG_MAX + 99] = '\0';
	path = write_tmp("big.yaml", big);
	free(big);
	in.extra_config_path = path;
	err = must_fail(&in);
	assert_int_equal(err.code, -EFBIG);
	free(path);
}

/* DC/OS's own rules on the merged config (dd_dcos_config_check): what the
 * extra config breaks is a usage error naming the file and the key; what
 * our input breaks is refused before, or reported as our bug. */
static void test_extra_config_checked(void **state)
{
	(void)state;
	struct dd_dcos_config_input in = base_input();
	dd_error err;
	char want[512];

	/* the extra config replaces master_list: two masters are refused */
	char *path = write_tmp("two-masters.yaml", "master_list: ['10.0.0.1', '10.0.0.2']\n");
	in.extra_config_path = path;
	err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	snprintf(want, sizeof(want), "In the extra config file %s: 'master_list' holds 2 masters",
	         path);
	if (!strstr(err.msg, want))
		fail_msg("%s", err.msg);
	free(path);

	path = write_tmp("check-time.yaml", "check_time: 'False'\n");
	in.extra_config_path = path;
	err = must_fail(&in);
	snprintf(want, sizeof(want),
	         "In the extra config file %s: 'check_time' must be 'true' or 'false', not 'False'",
	         path);
	assert_string_equal(err.msg, want);
	free(path);

	path = write_tmp("float.yaml", "dns_search: example.com\nversion: 1.10\n");
	in.extra_config_path = path;
	err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, "'version' is 1.10"));
	assert_non_null(strstr(err.msg, "quote it ('1.10')"));
	free(path);

	/* our generated keys are fine alone; the combination is the extra's */
	path = write_tmp("lb.yaml", "master_discovery: master_http_loadbalancer\n"
	                            "exhibitor_address: 10.0.0.100\nnum_masters: 1\n");
	in.extra_config_path = path;
	err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "'exhibitor_storage_backend' must not be 'static'"));
	free(path);

	/* keys DC/OS does not know are fine, but not a null, whatever the key */
	path = write_tmp("unknown.yaml", "some_future_key: [1, 2]\n");
	in.extra_config_path = path;
	free(must_generate(&in));
	free(path);
	path = write_tmp("null.yaml", "some_future_key:\n");
	in.extra_config_path = path;
	err = must_fail(&in);
	assert_non_null(strstr(err.msg, "'some_future_key' has no value"));
	free(path);

	/* open source calculates fault_domain_enabled; Enterprise takes it */
	path = write_tmp("fault-domain.yaml", "fault_domain_enabled: true\n");
	in.extra_config_path = path;
	err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, "'fault_domain_enabled' cannot be set"));
	in.enterprise = true;
	char *yaml = must_generate(&in);
	assert_non_null(strstr(yaml, "\nfault_domain_enabled: true\n"));
	free(yaml);
	in.enterprise = false;
	free(path);
}

/* `!!str 5` must reach DC/OS as a string: libyaml's loader forgets the
 * tag of a plain scalar, so the merge re-emits it quoted. */
static void test_extra_config_keeps_tagged_strings(void **state)
{
	(void)state;
	char *path = write_tmp("tagged.yaml", "version: !!str 1.10\n"
	                                      "flag: !!str yes\n"
	                                      "nested: [!!str 5, 6, ! 7]\n"
	                                      "plain: 5\n");
	struct dd_dcos_config_input in = base_input();
	in.extra_config_path = path;
	char *yaml = must_generate(&in);
	struct doc doc;
	load(&doc, yaml);
	assert_string(&doc, "version", "1.10");
	assert_string(&doc, "flag", "yes");
	assert_plain(&doc, "plain", "5");
	yaml_node_t *nested = get(&doc, "nested");
	yaml_node_t *five = yaml_document_get_node(&doc.d, nested->data.sequence.items.start[0]);
	yaml_node_t *six = yaml_document_get_node(&doc.d, nested->data.sequence.items.start[1]);
	yaml_node_t *seven = yaml_document_get_node(&doc.d, nested->data.sequence.items.start[2]);
	assert_true(is_quoted(five));
	assert_int_equal(six->data.scalar.style, YAML_PLAIN_SCALAR_STYLE);
	/* "!" is no string tag: PyYAML types "! 7" as the integer, as plain 7 */
	assert_int_equal(seven->data.scalar.style, YAML_PLAIN_SCALAR_STYLE);
	unload(&doc);
	free(yaml);
	free(path);
}

/* What our input breaks: node counts DC/OS refuses are usage errors; an
 * address DC/OS refuses is our bug (the CLI passes only Docker's IPv4
 * addresses and IPv4 resolvers). */
static void test_input_checked(void **state)
{
	(void)state;
	struct dd_dcos_config_input in = base_input();
	in.master_ips = three_masters;
	in.n_master_ips = 2;
	dd_error err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, "1, 3, 5, 7 or 9 masters, not 2"));

	in = base_input();
	static const char *const v6[] = {"2001:4860:4860::8888"};
	in.resolvers = v6;
	in.n_resolvers = 1;
	err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_FAILED);
	assert_non_null(strstr(err.msg, "a bug in dcos-docker"));
	assert_non_null(strstr(err.msg, "an IPv6 address"));

	in = base_input();
	static const char *const named[] = {"master1"};
	in.master_ips = named;
	err = must_fail(&in);
	assert_int_equal(err.kind, DD_ERR_FAILED);
	assert_non_null(strstr(err.msg, "'master_list' holds 'master1'"));
}

/* ---- password hash ---- */

static void test_password_hash(void **state)
{
	(void)state;
	dd_error err = {0};
	char *a = NULL, *b = NULL;
	assert_int_equal(dd_dcos_password_hash("s3cret pass", &a, &err), 0);
	assert_int_equal(dd_dcos_password_hash("s3cret pass", &b, &err), 0);
	/* $6$<16 salt chars>$<86 hash chars> */
	assert_true(strncmp(a, "$6$", 3) == 0);
	assert_int_equal(strchr(a + 3, '$') - (a + 3), 16);
	assert_int_equal(strlen(strchr(a + 3, '$') + 1), 86);
	assert_string_not_equal(a, b); /* a fresh salt each time */
	struct crypt_data cd = {0};
	assert_string_equal(crypt_r("s3cret pass", a, &cd), a);
	assert_string_not_equal(crypt_r("s3cret pasS", a, &cd), a);
	free(a);
	free(b);

	char *c = NULL;
	assert_int_equal(dd_dcos_password_hash("", &c, &err), -EINVAL);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_null(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_oss_one_master_exact),
	    cmocka_unit_test(test_three_masters_no_agents),
	    cmocka_unit_test(test_enterprise_keys_only_for_enterprise),
	    cmocka_unit_test(test_enterprise_defaults),
	    cmocka_unit_test(test_security_mode_checked),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_quoting_keeps_strings),
	    cmocka_unit_test(test_extra_config_merge),
	    cmocka_unit_test(test_extra_config_empty_and_flow),
	    cmocka_unit_test(test_extra_config_errors),
	    cmocka_unit_test(test_extra_config_checked),
	    cmocka_unit_test(test_extra_config_keeps_tagged_strings),
	    cmocka_unit_test(test_input_checked),
	    cmocka_unit_test(test_password_hash),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
