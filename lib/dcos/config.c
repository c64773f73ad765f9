/* genconf/config.yaml: built as a libyaml document (so the user's extra config
 * can be merged as a tree), then dumped by libyaml's emitter. Also the host's
 * resolvers, which config.yaml needs. */
#define _GNU_SOURCE
#include "dcos/config-internal.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <yaml.h>

/* sha512-crypt of DD_DCOS_DEFAULT_SUPERUSER_PASSWORD. A fixed hash keeps
 * config.yaml the same from one run to the next; the password is public. */
static const char default_password_hash[] =
    "$6$QZwTX95b4ACtJsoq$Y2OFvqEWGxhQnJYKuTe4f6nK.Vzzm76."
    "yq1ziRq72vhPdZSaoFTDD1Zxezizjs9KwHXKWZpQhEMhaPzBtsZ19/";

#define MAX_GENERATED_KEYS 24

struct item {
	const char *key;
	int value; /* node id; 0 when libyaml refused the value (not UTF-8) */
};

struct gen {
	yaml_document_t doc;
	bool doc_live;
	const char *extra_path;
	yaml_node_pair_t *extra; /* the extra file's top-level pairs, in file order */
	size_t n_extra;
	bool *extra_used;
	struct item items[MAX_GENERATED_KEYS];
	size_t n_items;
};

static void gen_done(struct gen *g)
{
	if (g->doc_live)
		yaml_document_delete(&g->doc);
	free(g->extra);
	free(g->extra_used);
}

static int scalar(struct gen *g, const char *s, yaml_scalar_style_t style)
{
	return yaml_document_add_scalar(&g->doc, NULL, (yaml_char_t *)s, -1, style);
}

/* Quoted, so YAML 1.1 readers never turn "yes", "0123" or "" into something else. */
static int str(struct gen *g, const char *s)
{
	return scalar(g, s, YAML_SINGLE_QUOTED_SCALAR_STYLE);
}

static int list(struct gen *g, const char *const *v, size_t n)
{
	/* A block sequence without items is emitted as "[]", never as a null "- ". */
	int seq = yaml_document_add_sequence(&g->doc, NULL, YAML_BLOCK_SEQUENCE_STYLE);
	for (size_t i = 0; seq && i < n; i++) {
		int item = str(g, v[i]);
		if (!item || !yaml_document_append_sequence_item(&g->doc, seq, item))
			return 0;
	}
	return seq;
}

static void add(struct gen *g, const char *key, int value)
{
	/* The key list is fixed in this file; overflowing it is a programming error. */
	if (g->n_items >= MAX_GENERATED_KEYS)
		abort();
	g->items[g->n_items++] = (struct item){key, value};
}

static bool scalar_is(yaml_document_t *doc, int id, const char *s)
{
	yaml_node_t *n = yaml_document_get_node(doc, id);
	size_t len = strlen(s);
	return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
	       memcmp(n->data.scalar.value, s, len) == 0;
}

static int parse_error(yaml_parser_t *p, const char *path, dd_error *err)
{
	if (p->error == YAML_MEMORY_ERROR)
		return dd_error_set(err, -ENOMEM, "Out of memory parsing %s", path);
	if (p->error == YAML_READER_ERROR)
		return dd_error_usage(err, -EINVAL,
		                      "Failed to parse extra config %s: %s at byte %zu", path,
		                      p->problem, p->problem_offset);
	return dd_error_usage(err, -EINVAL,
	                      "Failed to parse extra config %s: line %zu, column %zu: %s%s%s%s",
	                      path, p->problem_mark.line + 1, p->problem_mark.column + 1,
	                      p->problem ? p->problem : "syntax error", p->context ? " (" : "",
	                      p->context ? p->context : "", p->context ? ")" : "");
}

/* libyaml's loader gives a scalar tagged !!str the tag every untagged scalar
 * gets, so the emitter writes `!!str 5` back as a plain 5, which YAML 1.1
 * readers (DC/OS's PyYAML) take for a number again, and `!!str yes` for a
 * boolean. The events still tell: such a scalar is re-emitted quoted, the
 * same string. The loader adds one node per scalar, sequence start and
 * mapping start event, in event order (loader.c), so the n-th such event is
 * node n. */
static int keep_tagged_strings(yaml_document_t *doc, const char *text, size_t len)
{
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	yaml_node_t *node = doc->nodes.start;
	for (bool done = false; !done;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev))
			break; /* cannot happen: the same text just loaded */
		done = ev.type == YAML_DOCUMENT_END_EVENT || ev.type == YAML_STREAM_END_EVENT;
		yaml_node_type_t want = ev.type == YAML_SCALAR_EVENT           ? YAML_SCALAR_NODE
		                        : ev.type == YAML_SEQUENCE_START_EVENT ? YAML_SEQUENCE_NODE
		                        : ev.type == YAML_MAPPING_START_EVENT  ? YAML_MAPPING_NODE
		                                                               : YAML_NO_NODE;
		if (want != YAML_NO_NODE) {
			if (node >= doc->nodes.top || node->type != want) {
				done = true; /* not the loader this was written for: leave it */
			} else if (want == YAML_SCALAR_NODE && ev.data.scalar.tag &&
			           strcmp((const char *)ev.data.scalar.tag, YAML_STR_TAG) == 0 &&
			           node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
				node->data.scalar.style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
			}
			node++;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return 0;
}

/* Loads the extra config into g->doc and takes its top-level pairs out of the
 * root mapping, so the generated keys can be put back in their order. */
static int load_extra(struct gen *g, const char *path, dd_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = dd_read_file(path, DD_DCOS_EXTRA_CONFIG_MAX, &text, &len);
	if (r == -ENOENT)
		return dd_error_usage(err, r, "extra config file not found: %s", path);
	if (r == -EFBIG)
		return dd_error_usage(err, r, "extra config file %s is larger than %u KiB", path,
		                      DD_DCOS_EXTRA_CONFIG_MAX >> 10);
	if (r < 0)
		return dd_error_set(err, r, "Failed to read extra config file %s: %s", path,
		                    strerror(-r));

	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return dd_error_set(err, -ENOMEM, "Out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &g->doc)) { /* the parser deleted the document */
		r = parse_error(&p, path, err);
		yaml_parser_delete(&p);
		return r;
	}
	g->doc_live = true;
	if (keep_tagged_strings(&g->doc, text, len) < 0) {
		yaml_parser_delete(&p);
		return dd_error_set(err, -ENOMEM, "Out of memory");
	}
	yaml_document_t next;
	if (!yaml_parser_load(&p, &next)) {
		r = parse_error(&p, path, err);
		yaml_parser_delete(&p);
		return r;
	}
	bool more = yaml_document_get_root_node(&next) != NULL;
	yaml_document_delete(&next);
	yaml_parser_delete(&p);
	if (more)
		return dd_error_usage(err, -EINVAL,
		                      "extra config %s holds more than one YAML document", path);

	yaml_node_t *root = yaml_document_get_root_node(&g->doc);
	if (!root) { /* an empty file: nothing to add */
		yaml_document_delete(&g->doc);
		g->doc_live = false;
		return 0;
	}
	if (root->type != YAML_MAPPING_NODE)
		return dd_error_usage(
		    err, -EINVAL,
		    "extra config %s must hold a YAML mapping (key: value lines), not a %s", path,
		    root->type == YAML_SEQUENCE_NODE ? "list" : "single value");
	/* A flow-style root ({a: 1}) would turn the whole config into one line. */
	root->data.mapping.style = YAML_BLOCK_MAPPING_STYLE;

	yaml_node_pair_t *start = root->data.mapping.pairs.start;
	g->n_extra = (size_t)(root->data.mapping.pairs.top - start);
	g->extra = dd_malloc0(g->n_extra * sizeof(*g->extra));
	g->extra_used = dd_malloc0(g->n_extra * sizeof(*g->extra_used));
	memcpy(g->extra, start, g->n_extra * sizeof(*g->extra));
	root->data.mapping.pairs.top = start;

	for (size_t i = 0; i < g->n_extra; i++) {
		yaml_node_t *k = yaml_document_get_node(&g->doc, g->extra[i].key);
		if (k->type != YAML_SCALAR_NODE)
			return dd_error_usage(err, -EINVAL,
			                      "extra config %s: line %zu: keys must be plain "
			                      "values, not lists or mappings",
			                      path, k->start_mark.line + 1);
		for (size_t j = 0; j < i; j++)
			if (scalar_is(&g->doc, g->extra[j].key, (const char *)k->data.scalar.value))
				return dd_error_usage(
				    err, -EINVAL, "extra config %s: line %zu: duplicate key '%s'",
				    path, k->start_mark.line + 1, k->data.scalar.value);
	}
	return 0;
}

/* What DC/OS open source calculates itself and so refuses to take from
 * config.yaml: "KEY must be calculated, but was explicitly set in the
 * configuration" (gen/internals.py Resolver._calculate). These are the
 * 'must' keys of gen/calc.py's entry and gen/build_deploy/bash.py's
 * onprem_source and the builtins of gen/__init__.py that 2.2 uses: the list
 * is what running gen 2.2 refuses. Enterprise calculates differently (it
 * takes fault_domain_enabled, for one, which we write for it), and its
 * source is not public: no list for it. num_masters is the config check's
 * (calculated only with static master discovery). */
static const char *const oss_calculated[] = {"adminrouter_tls_cipher_override",
                                             "adminrouter_tls_version_override",
                                             "check_config_contents",
                                             "check_ld_library_path",
                                             "check_search_path",
                                             "cluster_docker_registry_enabled",
                                             "cluster_package_list_id",
                                             "config_package_names",
                                             "config_yaml",
                                             "config_yaml_full",
                                             "curly_pound",
                                             "custom_auth",
                                             "custom_check_bins_dir",
                                             "custom_check_bins_hash",
                                             "custom_check_bins_package_id",
                                             "custom_check_bins_package_name",
                                             "custom_check_bins_provided",
                                             "dcos_gen_resolvconf_search_str",
                                             "dcos_image_commit",
                                             "dcos_l4lb_forward_metrics",
                                             "dcos_l4lb_max_named_ip6_erltuple",
                                             "dcos_l4lb_max_named_ip_erltuple",
                                             "dcos_l4lb_min_named_ip6_erltuple",
                                             "dcos_l4lb_min_named_ip_erltuple",
                                             "dcos_variant",
                                             "dcos_version",
                                             "dns_bind_ip_blacklist_json",
                                             "exhibitor_admin_password_enabled",
                                             "exhibitor_port",
                                             "exhibitor_static_ensemble",
                                             "expanded_config",
                                             "expanded_config_full",
                                             "fair_sharing_excluded_resource_names",
                                             "fault_domain_enabled",
                                             "has_marathon_gpu_scheduling_behavior",
                                             "has_marathon_new_group_enforce_role",
                                             "has_master_external_loadbalancer",
                                             "has_mesos_default_container_shm_size",
                                             "has_mesos_seccomp_profile_name",
                                             "has_metronome_gpu_scheduling_behavior",
                                             "licensing_enabled",
                                             "marathon_port",
                                             "master_quorum",
                                             "mesos_agent_log_file",
                                             "mesos_agent_port",
                                             "mesos_dns_port",
                                             "mesos_dns_resolvers_str",
                                             "mesos_hooks",
                                             "mesos_isolation",
                                             "mesos_log_directory_max_files",
                                             "mesos_log_retention_count",
                                             "mesos_master_log_file",
                                             "mesos_master_port",
                                             "metronome_port",
                                             "package_ids",
                                             "profile_symlink_source",
                                             "profile_symlink_target",
                                             "profile_symlink_target_dir",
                                             "provider",
                                             "resolvers_str",
                                             "rexray_config_contents",
                                             "template_filenames",
                                             "ui_branding",
                                             "ui_external_links",
                                             "ui_telemetry_metadata",
                                             "use_mesos_hooks",
                                             NULL};

static int check_extra_keys(struct gen *g, const char *path, bool enterprise, dd_error *err)
{
	if (enterprise)
		return 0;
	for (size_t i = 0; i < g->n_extra; i++)
		for (const char *const *k = oss_calculated; *k; k++)
			if (scalar_is(&g->doc, g->extra[i].key, *k))
				return dd_error_usage(err, -EINVAL,
				                      "In the extra config file %s: '%s' cannot be "
				                      "set: DC/OS open source "
				                      "calculates it itself%s",
				                      path, *k,
				                      strcmp(*k, "fault_domain_enabled") == 0
				                          ? " (Enterprise takes it)"
				                          : "");
	return 0;
}

static int check_list(const char *what, const char *const *v, size_t n, dd_error *err)
{
	if (n > 0 && !v)
		return dd_error_set(err, -EINVAL, "%s: %zu entries but no array", what, n);
	for (size_t i = 0; i < n; i++)
		if (!v[i] || !*v[i])
			return dd_error_set(err, -EINVAL, "%s: entry %zu is empty", what, i);
	return 0;
}

static int check_input(const struct dd_dcos_config_input *in, dd_error *err)
{
	int r;
	if (!in->cluster_name || !*in->cluster_name)
		return dd_error_usage(err, -EINVAL, "The DC/OS cluster name must not be empty");
	if (in->n_master_ips == 0)
		return dd_error_usage(err, -EINVAL, "DC/OS needs at least one master");
	/* gen/calc.py validate_num_masters */
	if (in->n_master_ips % 2 == 0 || in->n_master_ips > 9)
		return dd_error_usage(err, -EINVAL, "DC/OS needs 1, 3, 5, 7 or 9 masters, not %zu",
		                      in->n_master_ips);
	if ((r = check_list("master IPs", in->master_ips, in->n_master_ips, err)) < 0 ||
	    (r = check_list("agent IPs", in->agent_ips, in->n_agent_ips, err)) < 0 ||
	    (r = check_list("public agent IPs", in->public_agent_ips, in->n_public_agent_ips,
	                    err)) < 0 ||
	    (r = check_list("resolvers", in->resolvers, in->n_resolvers, err)) < 0)
		return r;
	if (in->security_mode) {
		if (!in->enterprise)
			return dd_error_usage(err, -EINVAL,
			                      "Security mode '%s' needs DC/OS Enterprise; this "
			                      "installer is open source",
			                      in->security_mode);
		if (strcmp(in->security_mode, "disabled") != 0 &&
		    strcmp(in->security_mode, "permissive") != 0 &&
		    strcmp(in->security_mode, "strict") != 0)
			return dd_error_usage(
			    err, -EINVAL,
			    "Unknown security mode '%s' (expected disabled, permissive or strict)",
			    in->security_mode);
	}
	return 0;
}

static int emit(yaml_document_t *doc, char **ret, dd_error *err)
{
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f) {
		yaml_document_delete(doc);
		return dd_error_set(err, -ENOMEM, "Out of memory");
	}
	yaml_emitter_t e;
	if (!yaml_emitter_initialize(&e)) {
		fclose(f);
		yaml_document_delete(doc);
		return dd_error_set(err, -ENOMEM, "Out of memory");
	}
	yaml_emitter_set_output_file(&e, f);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1); /* never fold long values such as a license key */
	/* yaml_emitter_dump destroys the document, even when it fails. */
	bool ok = yaml_emitter_open(&e) && yaml_emitter_dump(&e, doc) && yaml_emitter_close(&e) &&
	          yaml_emitter_flush(&e);
	int r = ok ? 0
	           : dd_error_set(err, -EINVAL, "Failed to write config.yaml: %s",
	                          e.problem ? e.problem : "YAML emitter error");
	yaml_emitter_delete(&e);
	if (fclose(f) != 0 && r == 0)
		r = dd_error_set(err, -ENOMEM, "Out of memory");
	if (r < 0)
		return r;
	*ret = TAKE_PTR(out);
	return 0;
}

/* config.yaml from in, with the extra config file merged when extra_path is set. */
static int render(const struct dd_dcos_config_input *in, const char *extra_path, char **ret_yaml,
                  dd_error *err)
{
	_cleanup_(gen_done) struct gen g = {0};
	int r;
	if (extra_path && ((r = load_extra(&g, extra_path, err)) < 0 ||
	                   (r = check_extra_keys(&g, extra_path, in->enterprise, err)) < 0))
		return r;

	int root;
	if (g.doc_live) {
		root = 1; /* the loader adds the root node first */
	} else {
		if (!yaml_document_initialize(&g.doc, NULL, NULL, NULL, 1, 1))
			return dd_error_set(err, -ENOMEM, "Out of memory");
		g.doc_live = true;
		root = yaml_document_add_mapping(&g.doc, NULL, YAML_BLOCK_MAPPING_STYLE);
		if (!root)
			return dd_error_set(err, -ENOMEM, "Out of memory");
	}
	/* No "---" even when the user's file had one. */
	g.doc.start_implicit = 1;
	g.doc.end_implicit = 1;

	add(&g, "master_list", list(&g, in->master_ips, in->n_master_ips));
	add(&g, "agent_list", list(&g, in->agent_ips, in->n_agent_ips));
	add(&g, "public_agent_list", list(&g, in->public_agent_ips, in->n_public_agent_ips));
	add(&g, "bootstrap_url", str(&g, "file:///opt/dcos_install_tmp"));
	add(&g, "cluster_name", str(&g, in->cluster_name));
	add(&g, "exhibitor_storage_backend", str(&g, "static"));
	add(&g, "master_discovery", str(&g, "static"));
	add(&g, "process_timeout", scalar(&g, "10000", YAML_PLAIN_SCALAR_STYLE));
	add(&g, "resolvers", list(&g, in->resolvers, in->n_resolvers));
	add(&g, "ssh_port", scalar(&g, "22", YAML_PLAIN_SCALAR_STYLE));
	add(&g, "ssh_user", str(&g, "root"));
	/* A string, as DC/OS E2E wrote it; nodes in containers share the host's clock. */
	add(&g, "check_time", str(&g, "false"));
	add(&g, "platform", str(&g, "docker"));
	_cleanup_free_ char *license = NULL;
	if (in->enterprise) {
		add(&g, "superuser_username",
		    str(&g, in->superuser_username ? in->superuser_username
		                                   : DD_DCOS_DEFAULT_SUPERUSER_USERNAME));
		add(&g, "superuser_password_hash",
		    str(&g, in->superuser_password_hash ? in->superuser_password_hash
		                                        : default_password_hash));
		add(&g, "fault_domain_enabled", scalar(&g, "false", YAML_PLAIN_SCALAR_STYLE));
		if (in->license_key_contents) {
			/* A key read from a file ends with a newline that is not part of it. */
			license = dd_strdup(in->license_key_contents);
			size_t n = strlen(license);
			while (n > 0 && strchr(" \t\r\n", license[n - 1]))
				license[--n] = '\0';
			add(&g, "license_key_contents", str(&g, license));
		}
		if (in->security_mode)
			add(&g, "security", str(&g, in->security_mode));
	}

	for (size_t i = 0; i < g.n_items; i++) {
		const struct item *it = &g.items[i];
		ssize_t found = -1;
		for (size_t j = 0; j < g.n_extra && found < 0; j++)
			if (scalar_is(&g.doc, g.extra[j].key, it->key))
				found = (ssize_t)j;
		int key, value;
		if (found >= 0) {
			g.extra_used[found] = true;
			key = g.extra[found].key;
			value = g.extra[found].value;
		} else {
			if (!it->value)
				return dd_error_usage(
				    err, -EINVAL,
				    "The value of config.yaml key %s is not valid UTF-8", it->key);
			key = scalar(&g, it->key, YAML_PLAIN_SCALAR_STYLE);
			value = it->value;
		}
		if (!key || !yaml_document_append_mapping_pair(&g.doc, root, key, value))
			return dd_error_set(err, -ENOMEM, "Out of memory");
	}
	for (size_t j = 0; j < g.n_extra; j++)
		if (!g.extra_used[j] && !yaml_document_append_mapping_pair(
		                            &g.doc, root, g.extra[j].key, g.extra[j].value))
			return dd_error_set(err, -ENOMEM, "Out of memory");

	g.doc_live = false; /* emit() owns it now */
	return emit(&g.doc, ret_yaml, err);
}

int dd_dcos_config_yaml(const struct dd_dcos_config_input *in, char **ret_yaml, dd_error *err)
{
	int r = check_input(in, err);
	if (r < 0)
		return r;
	/* Ours alone first, so that DC/OS's rules tell our mistakes (a bug) from
	 * the user's: whatever breaks them only once the extra config is merged
	 * comes from the extra config. Rendering is cheap; genconf is not. */
	_cleanup_free_ char *own = NULL;
	if ((r = render(in, NULL, &own, err)) < 0 || (r = dd_dcos_config_check(own, NULL, err)) < 0)
		return r;
	if (!in->extra_config_path) {
		*ret_yaml = TAKE_PTR(own);
		return 0;
	}
	_cleanup_free_ char *merged = NULL;
	if ((r = render(in, in->extra_config_path, &merged, err)) < 0 ||
	    (r = dd_dcos_config_check(merged, in->extra_config_path, err)) < 0)
		return r;
	*ret_yaml = TAKE_PTR(merged);
	return 0;
}
