/* The pure parts of fault injection (lib/fault.c): durations, the sides of
 * a partition, reading a node's rules and qdiscs back, and partition's
 * --from split of the command line. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dcos-docker/cluster.h"
#include "dcos-docker/fault.h"
#include "fault-internal.h"

/* master1 .2, agent1 .3, agent2 .4, pubagent1 .5 */
static dd_cluster *cluster(void)
{
	static dd_node nodes[4];
	static dd_cluster c;
	static const struct {
		enum dd_role role;
		int index;
		const char *short_name;
	} spec[] = {{DD_ROLE_MASTER, 1, "master1"},
	            {DD_ROLE_AGENT, 1, "agent1"},
	            {DD_ROLE_AGENT, 2, "agent2"},
	            {DD_ROLE_PUBLIC_AGENT, 1, "pubagent1"}};
	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "t");
	for (size_t i = 0; i < 4; i++) {
		memset(&nodes[i], 0, sizeof(nodes[i]));
		nodes[i].role = spec[i].role;
		nodes[i].index = spec[i].index;
		snprintf(nodes[i].short_name, sizeof(nodes[i].short_name), "%s",
		         spec[i].short_name);
		snprintf(nodes[i].name, sizeof(nodes[i].name), "t-%s", spec[i].short_name);
		snprintf(nodes[i].ip, sizeof(nodes[i].ip), "172.30.0.%zu", i + 2);
		snprintf(nodes[i].state, sizeof(nodes[i].state), "running");
	}
	c.nodes = nodes;
	c.n_nodes = 4;
	return &c;
}

static void test_duration(void **state)
{
	(void)state;
	long ms = -1;
	assert_int_equal(dd_duration_ms_parse("100ms", &ms), 0);
	assert_int_equal(ms, 100);
	assert_int_equal(dd_duration_ms_parse("1.5s", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(dd_duration_ms_parse("250", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(dd_duration_ms_parse("2m", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(dd_duration_ms_parse("0", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(dd_duration_ms_parse("off", &ms), 0);
	assert_int_equal(ms, 0);
	const char *bad[] = {"", "-5ms", "1x", "ms", "1.5ms", "11m", "1e9", "nan", "1 s", "inf"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dd_duration_ms_parse(bad[i], &ms), -EINVAL);
	assert_int_equal(dd_duration_ms_parse(NULL, &ms), -EINVAL);
}

static void test_sides_default_is_everyone_else(void **state)
{
	(void)state;
	dd_cluster *c = cluster();
	const char *group[] = {"agent1"};
	const dd_node **a = NULL, **b = NULL;
	size_t na = 0, nb = 0;
	dd_error err = {0};
	assert_int_equal(dd_partition_sides(c, group, 1, NULL, 0, &a, &na, &b, &nb, &err), 0);
	assert_int_equal(na, 1);
	assert_string_equal(a[0]->short_name, "agent1");
	assert_int_equal(nb, 3);
	assert_string_equal(b[0]->short_name, "master1");
	assert_string_equal(b[1]->short_name, "agent2");
	assert_string_equal(b[2]->short_name, "pubagent1");
	free(a);
	free(b);
}

static void test_sides_groups_and_from(void **state)
{
	(void)state;
	dd_cluster *c = cluster();
	const char *group[] = {"masters", "t-master1", "172.30.0.2"}; /* one node, once */
	const char *from[] = {"agents"};
	const dd_node **a = NULL, **b = NULL;
	size_t na = 0, nb = 0;
	dd_error err = {0};
	assert_int_equal(dd_partition_sides(c, group, 3, from, 1, &a, &na, &b, &nb, &err), 0);
	assert_int_equal(na, 1);
	assert_int_equal(nb, 2);
	assert_string_equal(b[0]->short_name, "agent1");
	assert_string_equal(b[1]->short_name, "agent2");
	free(a);
	free(b);
}

static void test_sides_errors(void **state)
{
	(void)state;
	dd_cluster *c = cluster();
	const dd_node **a = NULL, **b = NULL;
	size_t na = 0, nb = 0;
	dd_error err = {0};
	const char *unknown[] = {"agent9"};
	assert_int_equal(dd_partition_sides(c, unknown, 1, NULL, 0, &a, &na, &b, &nb, &err),
	                 -ENOENT);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.hint, "master1, agent1, agent2, pubagent1"));

	dd_error_clear(&err);
	const char *g[] = {"agent1"}, *f[] = {"agents"};
	assert_int_equal(dd_partition_sides(c, g, 1, f, 1, &a, &na, &b, &nb, &err), -EINVAL);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	assert_non_null(strstr(err.msg, "agent1 is on both sides"));

	dd_error_clear(&err);
	const char *all[] = {"all"};
	assert_int_equal(dd_partition_sides(c, all, 1, NULL, 0, &a, &na, &b, &nb, &err), -EINVAL);
	assert_int_equal(err.kind, DD_ERR_USAGE);

	dd_error_clear(&err);
	const char *badfrom[] = {"nosuch"};
	assert_int_equal(dd_partition_sides(c, g, 1, badfrom, 1, &a, &na, &b, &nb, &err), -ENOENT);
	assert_int_equal(err.kind, DD_ERR_USAGE);
}

static void test_rules_peers(void **state)
{
	(void)state;
	dd_cluster *c = cluster();
	char buf[256];
	const char *rules = "-N DCOS-DOCKER-PARTITION\n"
	                    "-A DCOS-DOCKER-PARTITION -s 172.30.0.5/32 -j DROP\n"
	                    "-A DCOS-DOCKER-PARTITION -d 172.30.0.5/32 -j DROP\n"
	                    "-A DCOS-DOCKER-PARTITION -s 172.30.0.2/32 -j DROP\n"
	                    "-A DCOS-DOCKER-PARTITION -d 172.30.0.2/32 -j DROP\n"
	                    "-A DCOS-DOCKER-PARTITION -s 10.9.9.9/32 -j DROP\n"
	                    "-A DCOS-DOCKER-PARTITION -d 10.9.9.9/32 -j DROP\n"
	                    "-A OTHER -s 172.30.0.3/32 -j DROP\n"
	                    "-A DCOS-DOCKER-PARTITION -s 172.30.0.4/32 -j ACCEPT\n";
	dd_partition_rules_peers(rules, c, buf, sizeof(buf));
	assert_string_equal(buf, "master1,pubagent1,10.9.9.9");
	dd_partition_rules_peers("", c, buf, sizeof(buf));
	assert_string_equal(buf, "");
	dd_partition_rules_peers(NULL, c, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_netem_delay(void **state)
{
	(void)state;
	char buf[32];
	dd_netem_delay_of("qdisc noqueue 0: dev lo root refcnt 2\n"
	                  "qdisc netem 8001: dev eth0 root refcnt 2 limit 1000 delay 100ms\n",
	                  buf, sizeof(buf));
	assert_string_equal(buf, "100ms");
	dd_netem_delay_of("qdisc noqueue 0: dev eth0 root refcnt 2\n", buf, sizeof(buf));
	assert_string_equal(buf, "");
	dd_netem_delay_of(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_from_index(void **state)
{
	(void)state;
	char *a1[] = {"partition", "agent1", "--from", "master1", "agent2", NULL};
	assert_int_equal(dd_partition_from_index(5, a1), 2);
	char *a2[] = {"partition", "-c", "x", "agent1", NULL};
	assert_int_equal(dd_partition_from_index(4, a2), 4);
	char *a3[] = {"partition", "agent1", "--from=master1", NULL};
	assert_int_equal(dd_partition_from_index(3, a3), 2);
	/* After "--" every word is a node name. */
	char *a4[] = {"partition", "--", "--from", NULL};
	assert_int_equal(dd_partition_from_index(3, a4), 3);
	/* --fromage is no --from. */
	char *a5[] = {"partition", "--fromage", NULL};
	assert_int_equal(dd_partition_from_index(2, a5), 2);
}

static void test_op_names(void **state)
{
	(void)state;
	assert_string_equal(dd_node_op_name(DD_NODE_PAUSE), "pause");
	assert_string_equal(dd_node_op_name(DD_NODE_RESTART), "restart");
	assert_string_equal(dd_node_op_name(DD_NODE_OP_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_sides_default_is_everyone_else),
	    cmocka_unit_test(test_sides_groups_and_from),
	    cmocka_unit_test(test_sides_errors),
	    cmocka_unit_test(test_rules_peers),
	    cmocka_unit_test(test_netem_delay),
	    cmocka_unit_test(test_from_index),
	    cmocka_unit_test(test_op_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
