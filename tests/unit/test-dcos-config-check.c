/* dd_dcos_config_check: DC/OS 2.2's own config rules (gen/__init__.py,
 * gen/calc.py, gen/internals.py) applied to config.yaml as PyYAML 5.3.1's
 * safe_load types it. Each rule is tried accepted and refused; the YAML 1.1
 * typing of plain scalars is checked against a corpus whose expected types
 * were produced by PyYAML 5.3.1 itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dcos/config-internal.h"

/* What dcos-docker generates, cut to the keys the rules look at. Keys in a
 * test's extra text come after these; of equal keys PyYAML keeps the last. */
static const char base[] = "master_list:\n"
                           "- '172.17.0.2'\n"
                           "bootstrap_url: 'file:///opt/dcos_install_tmp'\n"
                           "exhibitor_storage_backend: 'static'\n"
                           "master_discovery: 'static'\n"
                           "resolvers:\n"
                           "- '8.8.8.8'\n"
                           "check_time: 'false'\n";

#define PREFIX "In the extra config file extra.yaml: "

static char *with_base(const char *extra)
{
	char *s = NULL;
	assert_true(asprintf(&s, "%s%s\n", base, extra) > 0);
	return s;
}

static void accepted(const char *extra)
{
	char *yaml = with_base(extra);
	dd_error err = {0};
	int r = dd_dcos_config_check(yaml, "extra.yaml", &err);
	if (r != 0)
		fail_msg("refused %s: %s", extra, err.msg);
	free(yaml);
}

static dd_error refused(const char *extra)
{
	char *yaml = with_base(extra);
	dd_error err = {0};
	int r = dd_dcos_config_check(yaml, "extra.yaml", &err);
	if (r >= 0)
		fail_msg("accepted: %s", extra);
	assert_int_equal(r, -EINVAL);
	assert_int_equal(err.code, r);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	if (strncmp(err.msg, PREFIX, strlen(PREFIX)) != 0)
		fail_msg("no origin in: %s", err.msg);
	if (strchr(err.msg, '\n'))
		fail_msg("not one line: %s", err.msg);
	free(yaml);
	return err;
}

/* Refused, with needle in the message. */
static void refused_with(const char *extra, const char *needle)
{
	dd_error err = refused(extra);
	if (!strstr(err.msg, needle))
		fail_msg("%s\n  message: %s\n  lacks:   %s", extra, err.msg, needle);
}

/* ---- what we generate ---- */

static void test_generated_config_passes(void **state)
{
	(void)state;
	static const char *const masters[] = {"172.17.0.2", "172.17.0.3", "172.17.0.4"};
	static const char *const agents[] = {"172.17.0.5"};
	static const char *const res[] = {"8.8.8.8", "8.8.4.4"};
	struct dd_dcos_config_input in = {
	    .cluster_name = "yes", /* quoted by the generator, so a string */
	    .master_ips = masters,
	    .n_master_ips = 3,
	    .agent_ips = agents,
	    .n_agent_ips = 1,
	    .resolvers = res,
	    .n_resolvers = 2,
	    .enterprise = true,
	    .security_mode = "strict",
	    .license_key_contents = "1234",
	};
	char *yaml = NULL;
	dd_error err = {0};
	assert_int_equal(dd_dcos_config_yaml(&in, &yaml, &err), 0);
	assert_int_equal(dd_dcos_config_check(yaml, NULL, &err), 0);
	free(yaml);
	accepted("");
}

/* Our own text (origin NULL) failing a rule is a bug, not a usage error. */
static void test_own_problem_is_a_bug(void **state)
{
	(void)state;
	char *yaml = with_base("check_time: 'False'");
	dd_error err = {0};
	assert_int_equal(dd_dcos_config_check(yaml, NULL, &err), -EINVAL);
	assert_int_equal(err.kind, DD_ERR_FAILED);
	assert_non_null(strstr(err.msg, "a bug in dcos-docker"));
	assert_non_null(strstr(err.msg, "'check_time'"));
	assert_null(strstr(err.msg, "extra config"));
	free(yaml);
}

/* ---- YAML 1.1 typing (PyYAML 5.3.1 resolver.py + constructor.py) ---- */

/* check_time: <text>, typed by PyYAML 5.3.1: b bool, s str, i int, f float,
 * n null, t date/timestamp, x safe_load or its constructor raises. */
static const struct {
	const char *text;
	char kind;
} corpus[] = {
    {"yes", 'b'},
    {"Yes", 'b'},
    {"YES", 'b'},
    {"yEs", 's'},
    {"no", 'b'},
    {"No", 'b'},
    {"NO", 'b'},
    {"n", 's'},
    {"N", 's'},
    {"y", 's'},
    {"true", 'b'},
    {"True", 'b'},
    {"TRUE", 'b'},
    {"tRue", 's'},
    {"false", 'b'},
    {"on", 'b'},
    {"On", 'b'},
    {"ON", 'b'},
    {"off", 'b'},
    {"Off", 'b'},
    {"OFF", 'b'},
    {"oN", 's'},
    {"~", 'n'},
    {"null", 'n'},
    {"Null", 'n'},
    {"NULL", 'n'},
    {"nULL", 's'},
    {"nul", 's'},
    {"0", 'i'},
    {"00", 'i'},
    {"012", 'i'},
    {"08", 's'},
    {"09", 's'},
    {"0o17", 's'},
    {"0x1f", 'i'},
    {"0x", 's'},
    {"0xg", 's'},
    {"0X1F", 's'},
    {"0b101", 'i'},
    {"0b102", 's'},
    {"0b_", 'x'},
    {"0x_", 'x'},
    {"1_000", 'i'},
    {"_1", 's'},
    {"1_", 'i'},
    {"1__0", 'i'},
    {"-0", 'i'},
    {"+5", 'i'},
    {"-0x1f", 'i'},
    {"12:30", 'i'},
    {"1:60", 's'},
    {"0:30", 's'},
    {"12:30:59", 'i'},
    {"-12:30", 'i'},
    {"190:20:30.15", 'f'},
    {"1:30.5", 'f'},
    {"99999999999999999999999", 'i'},
    {"1.10", 'f'},
    {"1.", 'f'},
    {".5", 'f'},
    {"..", 's'},
    {"1.2.3", 's'},
    {"1e5", 's'},
    {"1E5", 's'},
    {"1e+5", 's'},
    {"1.0e5", 's'},
    {"1.0e+5", 'f'},
    {"1.0E-5", 'f'},
    {"-1.5", 'f'},
    {"+1.5", 'f'},
    {"+.5", 's'},
    {"-.5", 's'},
    {"1_0.5", 'f'},
    {".inf", 'f'},
    {".Inf", 'f'},
    {".INF", 'f'},
    {"-.inf", 'f'},
    {"+.inf", 'f'},
    {".iNf", 's'},
    {".nan", 'f'},
    {".NaN", 'f'},
    {".NAN", 'f'},
    {"-.nan", 's'},
    {"inf", 's'},
    {"nan", 's'},
    {"._", 'x'},
    {"._1", 'f'},
    {".__", 'x'},
    {"1._", 'f'},
    {"._e+5", 'x'},
    {"2001-12-14", 't'},
    {"2001-12-1", 's'},
    {"2001-1-14", 's'},
    {"2001-12-14t21:59:43.10-05:00", 't'},
    {"2001-12-14T21:59:43Z", 't'},
    {"2001-12-14T21:59:43", 't'},
    {"2001-12-14T21:59", 's'},
    {"2001-13-45", 'x'},
    {"20011214", 'i'},
    {"2001-12-14Z", 's'},
    {"=", 'x'},
    {"<<", 'x'},
    {"==", 's'},
    {"hello", 's'},
    {"1a", 's'},
    {"a1", 's'},
    {"8.8.8.8", 's'},
    {"1,000", 's'},
    {"0x1f_", 'i'},
    {"1.1.1.1:53", 's'},
    {"", 'n'},
    {"2001-12-14 21:59:43.10 -5", 't'},
    {"2001-12-14T21:59:43.10 +05:30", 't'},
};

/* check_time accepts only a boolean (or the strings 'true'/'false'); what
 * the message says about the rest tells which type it was read as. */
static void test_typing_corpus(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(corpus) / sizeof(*corpus); i++) {
		char extra[128];
		snprintf(extra, sizeof(extra), "check_time: %s", corpus[i].text);
		if (corpus[i].kind == 'b') {
			accepted(extra);
			continue;
		}
		dd_error err = refused(extra);
		char want[160];
		const char *needle = NULL;
		switch (corpus[i].kind) {
		case 's':
			snprintf(want, sizeof(want), "not '%s'", corpus[i].text);
			needle = want;
			break;
		case 'i': needle = "(an integer to YAML)"; break;
		case 'f': needle = "floating-point"; break;
		case 'n': needle = "null"; break;
		case 't': needle = "date"; break;
		default: break;
		}
		if (needle && !strstr(err.msg, needle))
			fail_msg("'%s' should read as '%c': %s", corpus[i].text, corpus[i].kind,
			         err.msg);
	}
}

/* stringify_configuration (gen/__init__.py): None, float, dates, bytes and
 * sets are a traceback; the message names the key and says how to fix it. */
static void test_top_level_types(void **state)
{
	(void)state;
	refused_with("version: 1.10",
	             "'version' is 1.10, which YAML reads as a floating-point number");
	refused_with("version: 1.10", "quote it ('1.10')");
	refused_with("dns_search:", "'dns_search' has no value, which YAML reads as null");
	refused_with("dns_search:", "write '' for an empty string");
	refused_with("x: ~", "'x' is ~, which YAML reads as null");
	refused_with("x: !!null ''", "'x'");
	refused_with("day: 2001-12-14", "'day' is 2001-12-14, which YAML reads as a date");
	refused_with("day: 2001-12-14", "quote it ('2001-12-14')");
	refused_with("day: !!timestamp 2001-12-14", "!!timestamp");
	refused_with("blob: !!binary aGVsbG8=", "!!binary");
	refused_with("s: !!set {a, b}", "a set");
	refused_with("t: !local 1", "!local");
	refused_with("t: !!python/name:os.system", "!!python/name:os.system");
	refused_with("t: !!bool maybe", "boolean");
	refused_with("t: !!int twelve", "integer");
	refused_with("e: =", "quote it ('=')");
	refused_with("e: <<", "quote it ('<<')");
	refused_with("t: !!str {a: 1}", "'t'");
	/* the non-specific tag "!" types like a plain scalar, even quoted */
	refused_with("v: ! '1.5'", "floating-point");

	/* Unknown keys with values gen can take are fine. */
	accepted("version: '1.10'\n"
	         "v2: \"1.10\"\n"
	         "v3: !!str 1.10\n"
	         "empty: ''\n"
	         "tilde: '~'\n"
	         "exp: 1e5\n"
	         "octal: 0o17\n"
	         "hex: 0x1f\n"
	         "day: '2001-12-14'\n"
	         "flag: yes\n"
	         "n: ! 5\n"
	         "big: 99999999999999999999999\n"
	         "eq: '='\n"
	         "pairs: !!omap [a: 1, b: 2]");
}

/* Top-level lists and mappings become JSON (json.dumps): null and floats
 * are fine inside, dates, bytes, sets and self-reference are not; PyYAML
 * refuses lists or mappings as mapping keys. */
static void test_nested_values(void **state)
{
	(void)state;
	accepted("a: [1.5, ~, .nan, {b: .inf, 1: x, ~: y, 2.5: z, true: w}, [yes]]\n"
	         "m: {<<: {b: 1}, c: 2}\n"
	         "shared: &s [x]\n"
	         "again: [*s, *s]");
	refused_with("a: [1, 2001-12-14]", "'a' holds 2001-12-14, which YAML reads as a date");
	refused_with("a: {2001-12-14: x}", "'a' holds 2001-12-14");
	refused_with("a: {? [1]: 2}", "a list as a key");
	refused_with("a: &x [*x]", "contains itself");
	refused_with("a: [!!set {x}]", "a set");
	refused_with("a: {b: [!!binary aGk=]}", "!!binary");
	refused_with("a: {<<: 5}", "merge key");
	refused_with("a: !!omap [a, b]", "not mappings of one key");
	refused_with("a: [x, !foo y]", "!foo");
	/* of repeated keys in a mapping only the last becomes JSON... */
	accepted("b: {k: !!set {a}, k: []}");
	/* ...but PyYAML builds every value first, also an overridden one */
	refused_with("c: {k: !foo x, k: 1}", "!foo");
	refused_with("c: [!foo x]\nc: []", "!foo");
	refused_with("b: !!float x\nb: 1", "cannot read it as a number");
	/* an empty !!omap is an empty list */
	accepted("resolvers: !!omap []");
	refused_with("resolvers: !!omap [a: b]", "must list strings, not pairs");
}

/* validate_arguments_strings (gen/internals.py): string keys only. Merge
 * keys (<<) at the top are resolved as PyYAML does: own keys win, and of a
 * list of mappings the first. */
static void test_keys_and_merges(void **state)
{
	(void)state;
	refused_with("1: a", "the key 1 is an integer to YAML");
	refused_with("1: a", "quote it ('1')");
	refused_with("true: a", "the key true is a boolean to YAML");
	refused_with("~: a", "the key ~ is null to YAML");
	refused_with("1.5: a", "floating-point");
	accepted("'1': a\n'true': b");

	refused_with("<<: {oauth_enabled: 'no'}",
	             "'oauth_enabled' must be 'true' or 'false', not 'no'");
	accepted("<<: {oauth_enabled: 'no'}\noauth_enabled: false"); /* own key wins */
	accepted("<<: {check_time: 'no'}"); /* base's own check_time wins */
	accepted("<<: [{oauth_enabled: 'true'}, {oauth_enabled: 'bad'}]");
	refused_with("<<: [{oauth_enabled: 'bad'}, {oauth_enabled: 'true'}]", "not 'bad'");
	refused_with("d: &d {oauth_enabled: 'bad'}\n<<: *d", "'oauth_enabled'");
	refused_with("<<: 5", "merge key");
	/* of two equal keys the later one counts */
	accepted("check_time: 'bad'\ncheck_time: true");
}

/* ---- gen/calc.py ---- */

/* validate_true_false: a YAML boolean, or exactly 'true' or 'false'. */
static void test_true_false(void **state)
{
	(void)state;
	static const char *const keys[] = {"check_time",
	                                   "oauth_enabled",
	                                   "fault_domain_enabled",
	                                   "dcos_overlay_enable",
	                                   "enable_gpu_isolation",
	                                   "calico_vxlan_enabled",
	                                   "mesos_http_executor_domain_sockets",
	                                   "enable_docker_gc"};
	static const char *const good[] = {"true",   "false",     "True",      "FALSE",
	                                   "yes",    "No",        "On",        "off",
	                                   "'true'", "\"false\"", "!!bool YES"};
	static const char *const bad[] = {"'True'", "'yes'",  "'False'", "enabled", "1",
	                                  "0",      "[true]", "{a: b}",  "'TRUE'",  "\" true\""};
	char extra[128];
	for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++) {
		for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
			snprintf(extra, sizeof(extra), "%s: %s", keys[k], good[i]);
			accepted(extra);
		}
		for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
			snprintf(extra, sizeof(extra), "%s: %s", keys[k], bad[i]);
			char want[128];
			snprintf(want, sizeof(want), "'%s' must be 'true' or 'false', not ",
			         keys[k]);
			refused_with(extra, want);
		}
	}
	/* The exact message, and the hint. */
	dd_error err = refused("check_time: 'False'");
	assert_string_equal(err.msg, PREFIX "'check_time' must be 'true' or 'false', not 'False'");
	assert_non_null(strstr(err.hint, "without quotes"));
	refused_with("check_time: 1", "not 1 (an integer to YAML)");
	refused_with("check_time: [true]", "not a list");
	/* a key gen does not validate may hold anything */
	accepted("some_flag: 'True'");
	/* gen never reads aws_masters_have_public_ip in 2.2, so never checks it */
	accepted("aws_masters_have_public_ip: 'yes'");
	/* used (and so checked) only where gen uses them */
	refused_with("exhibitor_tls_enabled: 'yes'", "'exhibitor_tls_enabled' must be");
	accepted("exhibitor_storage_backend: agent_only_group_no_exhibitor\nexhibitor_tls_enabled: "
	         "'yes'");
	refused_with("cluster_docker_credentials_write_to_etc: 'yes'", "must be 'true' or 'false'");
	accepted("cluster_docker_credentials: {auths: "
	         "{}}\ncluster_docker_credentials_write_to_etc: 'yes'");
	accepted("cluster_docker_credentials_dcos_owned: true\n"
	         "cluster_docker_credentials_write_to_etc: 'yes'");
	refused_with(
	    "cluster_docker_credentials: {}\ncluster_docker_credentials_write_to_etc: 'yes'",
	    "must be 'true' or 'false'");
	/* use_proxy's case needs the proxies and no_proxy as a list */
	refused_with(
	    "use_proxy: true",
	    "'use_proxy' is true, which needs 'http_proxy', 'https_proxy' and 'no_proxy' set too");
	accepted(
	    "use_proxy: true\nhttp_proxy: http://p:3128\nhttps_proxy: http://p:3128\nno_proxy: []");
	refused_with("use_proxy: true\nhttp_proxy: x\nhttps_proxy: y\nno_proxy: .example.com",
	             "'no_proxy' must be a list");
	accepted("use_proxy: false\nno_proxy: .example.com");
	refused_with("use_proxy: 'True'", "'use_proxy' must be 'true' or 'false'");
}

/* validate_resolvers: a JSON list of strings, no duplicates, none of
 * 198.51.100.1-3, each IPv4 or IPv4:port. */
static void test_resolvers(void **state)
{
	(void)state;
	accepted("resolvers: ['1.1.1.1', '8.8.4.4:53']");
	accepted("resolvers: [8.8.8.8, 1.1.1.1:5353]"); /* plain, still strings */
	accepted("resolvers: []");
	accepted("resolvers: '[\"8.8.8.8\"]'"); /* a JSON list in a string works too */
	refused_with("resolvers: 8.8.8.8", "'resolvers' must be a list, not '8.8.8.8'");
	refused_with("resolvers: {a: b}", "must be a list, not a mapping");
	refused_with("resolvers: true", "must be a list");
	refused_with("resolvers: '[8]'", "must list strings");
	refused_with("resolvers: [1.1]", "'resolvers' must list strings; 1.1 (a floating-point "
	                                 "number to YAML) is not: quote it ('1.1')");
	refused_with("resolvers: [1]", "must list strings");
	refused_with("resolvers: [~]", "must list strings");
	refused_with("resolvers: [[a]]", "must list strings, not a list");
	refused_with("resolvers: ['8.8.8.8', '1.1.1.1', '8.8.8.8']",
	             "'resolvers' lists '8.8.8.8' 2 times");
	refused_with("resolvers: ['198.51.100.1']",
	             "'resolvers' holds '198.51.100.1', an address of DC/OS's own DNS");
	refused_with("resolvers: ['198.51.100.3:53']", "dcos-net");
	refused_with("resolvers: ['2001:4860:4860::8888']", "an IPv6 address");
	refused_with("resolvers: ['1.1.1.1:0']", "port from 1 to 65535");
	refused_with("resolvers: ['1.1.1.1:65536']", "port from 1 to 65535");
	refused_with("resolvers: ['1.1.1.1:dns']", "port from 1 to 65535");
	refused_with("resolvers: ['dns.example.com']", "not an IPv4 address");
	refused_with("resolvers: ['01.1.1.1']", "not an IPv4 address");
	refused_with("resolvers:", "'resolvers' has no value");
}

/* validate_master_list -> validate_ip_list, and validate_num_masters on the
 * count static discovery calculates (entry['conditional']). */
static void test_master_list(void **state)
{
	(void)state;
	accepted("master_list: ['10.0.0.1', '10.0.0.2', '10.0.0.3']");
	accepted("master_list: '[\"10.0.0.1\"]'");
	accepted("master_list: [10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6, "
	         "10.0.0.7, 10.0.0.8, 10.0.0.9]");
	refused_with("master_list: ['10.0.0.1', '10.0.0.2']",
	             "'master_list' holds 2 masters; DC/OS needs 1, 3, 5, 7 or 9");
	refused_with("master_list: []", "holds 0 masters");
	refused_with("master_list: ['10.0.0.1', '10.0.0.1', '10.0.0.2']",
	             "lists '10.0.0.1' 2 times");
	refused_with("master_list: ['master1']",
	             "'master_list' holds 'master1', which is not an IPv4 address");
	refused_with("master_list: ['10.0.0.1:80']", "not an IPv4 address");
	refused_with("master_list: ['::1']", "not an IPv4 address");
	refused_with("master_list: 10.0.0.1", "'master_list' must be a list");
	/* num_masters is calculated with static discovery */
	refused_with("num_masters: 1", "'num_masters' must not be set");
}

/* validate_exhibitor_storage_master_discovery, the switch cases of
 * gen/dcos-config.yaml, and num_masters with a load balancer. */
static void test_master_discovery(void **state)
{
	(void)state;
#define LB "master_discovery: master_http_loadbalancer\nexhibitor_address: 10.0.0.100\n"
#define ZK                                                                                         \
	"exhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: "                               \
	"10.0.0.50:2181\nexhibitor_zk_path: /dcos\n"
	refused_with(LB "num_masters: 3",
	             "'exhibitor_storage_backend' must not be 'static' when 'master_discovery' is "
	             "'master_http_loadbalancer'");
	accepted(LB ZK "num_masters: 3");
	/* with a load balancer, gen reads no master_list: it checks none */
	accepted(LB ZK "master_list: ['10.0.0.1', '10.0.0.2']\nnum_masters: 3");
	refused_with(LB ZK "num_masters: 2", "'num_masters' must be 1, 3, 5, 7 or 9, not 2");
	/* what the cases need ("Must set ..., no way to calculate value") */
	refused_with("master_discovery: master_http_loadbalancer\n" ZK,
	             "'master_discovery' is 'master_http_loadbalancer', which needs "
	             "'exhibitor_address' and 'num_masters' set too");
	refused_with(
	    LB "num_masters: 3\nexhibitor_storage_backend: zookeeper",
	    "'exhibitor_storage_backend' is 'zookeeper', which needs 'exhibitor_zk_hosts' and "
	    "'exhibitor_zk_path' set too");
	refused_with(LB "num_masters: 3\nexhibitor_storage_backend: azure",
	             "needs 'exhibitor_azure_account_name' and 'exhibitor_azure_prefix'");
	refused_with("exhibitor_storage_backend: shared_filesystem",
	             "needs 'exhibitor_fs_config_dir'");
	accepted("exhibitor_storage_backend: shared_filesystem\nexhibitor_fs_config_dir: /x");
	accepted("exhibitor_storage_backend: agent_only_group_no_exhibitor");
	refused_with("exhibitor_storage_backend: aws_s3",
	             "needs 'aws_region', 's3_bucket', 's3_prefix' and 'exhibitor_explicit_keys'");
#define S3 "exhibitor_storage_backend: aws_s3\naws_region: us-west-2\ns3_bucket: b\ns3_prefix: p\n"
	accepted(S3 "exhibitor_explicit_keys: false");
	refused_with(S3 "exhibitor_explicit_keys: true", "needs 'aws_access_key_id' set too");
	accepted(S3 "exhibitor_explicit_keys: true\naws_access_key_id: k");
	refused_with(S3 "exhibitor_explicit_keys: 'yes'",
	             "'exhibitor_explicit_keys' must be 'true' or 'false'");
	refused_with("exhibitor_storage_backend: aws_s3\naws_region: us-west-2\ns3_bucket: b\n"
	             "s3_prefix: p/\nexhibitor_explicit_keys: false",
	             "'s3_prefix' must not end in '/'");
	/* validate_zk_hosts, validate_zk_path */
	refused_with(
	    "exhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: zk://10.0.0.50:2181\n"
	    "exhibitor_zk_path: /dcos",
	    "'exhibitor_zk_hosts' must be host:port,host:port without zk://");
	refused_with("exhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.50:2181\n"
	             "exhibitor_zk_path: dcos",
	             "'exhibitor_zk_path' must be a path such as /dcos, not 'dcos'");
	refused_with(
	    "master_discovery: dns",
	    "'master_discovery' must be 'master_http_loadbalancer' or 'static', not 'dns'");
	refused_with("exhibitor_storage_backend: s3",
	             "'exhibitor_storage_backend' must be 'agent_only_group_no_exhibitor', "
	             "'aws_s3', 'shared_filesystem', 'static', 'zookeeper' or 'azure', not 's3'");
}

/* validate_bootstrap_url: longer than one character, no '/' at the end. */
static void test_bootstrap_url(void **state)
{
	(void)state;
	accepted("bootstrap_url: http://example.com/bar");
	accepted("bootstrap_url: file:///opt/dcos_install_tmp");
	accepted("bootstrap_url: 55");
	refused_with("bootstrap_url: http://example.com/bar/",
	             "'bootstrap_url' must not end in '/': 'http://example.com/bar/'");
	refused_with("bootstrap_url: 'file:///opt/dcos_install_tmp/'", "must not end in '/'");
	refused_with("bootstrap_url: x", "must be a URL");
	refused_with("bootstrap_url: 'é'", "must be a URL"); /* one character, two bytes */
	refused_with("bootstrap_url: 5", "must be a URL");
}

/* validate_int_in_range and the other int() rules. */
static void test_integers(void **state)
{
	(void)state;
	accepted("dcos_overlay_mtu: 552");
	accepted("dcos_overlay_mtu: '1500'");
	accepted("dcos_overlay_mtu: ' 9000 '"); /* Python's int() strips */
	accepted("dcos_overlay_mtu: '1_500'");
	accepted("dcos_overlay_mtu: 0x228"); /* 552 */
	accepted("dcos_overlay_mtu: 99999999999999999999999");
	refused_with("dcos_overlay_mtu: 551", "'dcos_overlay_mtu' must be at least 552, not 551");
	refused_with("dcos_overlay_mtu: '500'", "at least 552, not '500'");
	refused_with("dcos_overlay_mtu: abc", "'dcos_overlay_mtu' must be an integer, not 'abc'");
	refused_with("dcos_overlay_mtu: '1.5e3'", "must be an integer");
	refused_with("dcos_overlay_mtu: true", "must be an integer");
	refused_with("dcos_overlay_mtu: -99999999999999999999999", "at least 552");
	accepted("dcos_overlay_config_attempts: 0\ndcos_net_push_ops_timeout: 120000");
	refused_with("dcos_overlay_config_attempts: 11", "must be between 0 and 10, not 11");
	refused_with("dcos_overlay_config_attempts: -1", "between 0 and 10");
	refused_with("dcos_net_push_ops_timeout: 49", "between 50 and 120000");
	accepted("calico_vxlan_port: 1025\ncalico_vxlan_vni: 16777215\ncalico_veth_mtu: 1500");
	refused_with("calico_vxlan_port: 1024", "between 1025 and 65535");
	/* gen validates only the calico settings it uses: none without calico,
	 * the IP-in-IP MTU only without VXLAN, the VXLAN ones only with it */
	accepted("calico_enabled: false\ncalico_vxlan_port: 1\ncalico_veth_mtu: 1\n"
	         "calico_vxlan_enabled: maybe");
	accepted("calico_ipinip_mtu: 100");
	refused_with("calico_vxlan_enabled: false\ncalico_ipinip_mtu: 100", "at least 552");
	accepted("calico_vxlan_enabled: false\ncalico_vxlan_port: 1\ncalico_vxlan_mtu: 1");
	refused_with("calico_vxlan_enabled: 'no'",
	             "'calico_vxlan_enabled' must be 'true' or 'false'");
	refused_with("calico_vxlan_port: 99999999999999999999999", "between 1025 and 65535");
	refused_with("calico_vxlan_vni: 0", "between 1 and 16777215");
	/* validate_vxlan_vni's "!= 1024" compares a string with an int: never refuses */
	accepted("calico_vxlan_vni: 1024");
	refused_with("calico_vxlan_mtu: 100", "at least 552");
	refused_with("adminrouter_grpc_proxy_port: 0", "between 1 and 65535");
	refused_with("mesos_log_retention_mb: 1023", "at least 1024 MB of logs");
	accepted("mesos_log_retention_mb: 4000\nmesos_max_completed_frameworks: 50");
	refused_with("mesos_max_completed_frameworks: ten", "must be an integer");
	refused_with("mesos_logrotate_file_size_mb: 2MB", "must be an integer");
	refused_with("mesos_max_completed_tasks_per_framework: [1]",
	             "must be an integer, not a list");
}

/* validate_json_dictionary */
static void test_json_dictionaries(void **state)
{
	(void)state;
	accepted("cluster_docker_credentials: {auths: {'https://registry': {auth: x}}}\n"
	         "rexray_config: {rexray: {loglevel: info}}");
	accepted("cluster_docker_credentials: '{\"auths\": {}}'");
	refused_with("cluster_docker_credentials: [a]",
	             "'cluster_docker_credentials' must be a mapping (or a JSON object in a "
	             "string), not a list");
	refused_with("cluster_docker_credentials: 'http://x'", "must be a mapping");
	refused_with("rexray_config: 5", "'rexray_config' must be a mapping");
	refused_with("rexray_config_preset: ''\nrexray_config: 5", "must be a mapping");
	refused_with("rexray_config_preset: other\nrexray_config: 5", "must be a mapping");
	accepted("rexray_config_preset: aws");
	refused_with("rexray_config_preset: aws\nrexray_config: {a: 1}",
	             "'rexray_config' must not be set");
}

/* Rules that combine keys, with gen's defaults (entry['default']). */
static void test_combined_rules(void **state)
{
	(void)state;
	/* validate_dcos_l4lb_enable_ipv6: dcos_l4lb_enable_ipv6 defaults to true */
	refused_with("enable_ipv6: false",
	             "'dcos_l4lb_enable_ipv6' must be false when 'enable_ipv6' is false");
	accepted("enable_ipv6: false\ndcos_l4lb_enable_ipv6: false");
	accepted("enable_ipv6: 'true'\ndcos_l4lb_enable_ipv6: true");
	/* validate_adminrouter_tls_version_present: 1.2 defaults to true */
	refused_with("adminrouter_tls_1_2_enabled: false", "must be true");
	accepted("adminrouter_tls_1_2_enabled: false\nadminrouter_tls_1_1_enabled: true");
	/* a key that is itself wrong is reported once, not again combined */
	dd_error err = refused("enable_ipv6: 'no'");
	assert_null(strstr(err.msg, "dcos_l4lb_enable_ipv6"));
}

/* Several problems in one line; the rest counted. */
static void test_many_problems(void **state)
{
	(void)state;
	dd_error err = refused("check_time: 'False'\nversion: 1.10\ndns_search:\n"
	                       "bootstrap_url: x/\nday: 2001-12-14");
	assert_non_null(strstr(err.msg, "; "));
	assert_non_null(strstr(err.msg, "and 2 more"));
	/* control characters do not break the line */
	refused_with("check_time: \"a\\nb\"", "not 'a?b'");
	/* a long value is cut */
	char extra[400];
	snprintf(extra, sizeof(extra), "check_time: '%0300d'", 1);
	err = refused(extra);
	assert_non_null(strstr(err.msg, "...'"));
	assert_true(strlen(err.msg) < 200);
}

static void test_not_a_config(void **state)
{
	(void)state;
	dd_error err = {0};
	assert_int_equal(dd_dcos_config_check("- a\n- b\n", "extra.yaml", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "mapping"));
	assert_int_equal(dd_dcos_config_check("a: 1\n---\nb: 2\n", "extra.yaml", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "more than one"));
	assert_int_equal(dd_dcos_config_check("a: [1\n", "extra.yaml", &err), -EINVAL);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_int_equal(dd_dcos_config_check("a: *nope\n", "extra.yaml", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "undefined anchor"));
	assert_int_equal(dd_dcos_config_check("a: &x 1\nb: &x 2\n", "extra.yaml", &err), -EINVAL);
	assert_int_equal(dd_dcos_config_check("", "extra.yaml", &err), -EINVAL);
	assert_int_equal(dd_dcos_config_check("- a\n", NULL, &err), -EINVAL);
	assert_int_equal(err.kind, DD_ERR_FAILED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_generated_config_passes),
	    cmocka_unit_test(test_own_problem_is_a_bug),
	    cmocka_unit_test(test_typing_corpus),
	    cmocka_unit_test(test_top_level_types),
	    cmocka_unit_test(test_nested_values),
	    cmocka_unit_test(test_keys_and_merges),
	    cmocka_unit_test(test_true_false),
	    cmocka_unit_test(test_resolvers),
	    cmocka_unit_test(test_master_list),
	    cmocka_unit_test(test_master_discovery),
	    cmocka_unit_test(test_bootstrap_url),
	    cmocka_unit_test(test_integers),
	    cmocka_unit_test(test_json_dictionaries),
	    cmocka_unit_test(test_combined_rules),
	    cmocka_unit_test(test_many_problems),
	    cmocka_unit_test(test_not_a_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
