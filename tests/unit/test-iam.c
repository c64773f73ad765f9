/* The pure parts of the Enterprise login (lib/dcos/iam.c): the login body,
 * the token answer, what a login's status means, ssl_enabled, the 401
 * report. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dcos/iam-internal.h"

static void test_login_body(void **state)
{
	(void)state;
	char *b = dd_iam_login_body("bootstrapuser", "deleteme");
	assert_string_equal(b, "{\"uid\":\"bootstrapuser\",\"password\":\"deleteme\"}");
	dd_iam_free_secret(b);
	/* Quotes, backslashes and control characters are JSON-escaped. */
	b = dd_iam_login_body("a\"b", "p\\w\n\x01");
	assert_string_equal(b, "{\"uid\":\"a\\\"b\",\"password\":\"p\\\\w\\n\\u0001\"}");
	dd_iam_free_secret(b);
	b = dd_iam_login_body("caf\xc3\xa9", "x");
	assert_non_null(b);
	dd_iam_free_secret(b);
	assert_null(dd_iam_login_body("bad\xff", "x")); /* not UTF-8 */
	assert_null(dd_iam_login_body(NULL, "x"));
	dd_iam_free_secret(NULL);
}

static void test_parse_token(void **state)
{
	(void)state;
	char *t = dd_iam_parse_token("{\"token\": \"eyJhbGciOiJSUzI1NiJ9.e30.c2ln\"}");
	assert_string_equal(t, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
	dd_iam_free_secret(t);
	t = dd_iam_parse_token("{\"token\":\"abc\",\"other\":1}");
	assert_string_equal(t, "abc");
	dd_iam_free_secret(t);
	assert_null(dd_iam_parse_token(NULL));
	assert_null(dd_iam_parse_token(""));
	assert_null(dd_iam_parse_token("<html>401</html>"));
	assert_null(dd_iam_parse_token("{}"));
	assert_null(dd_iam_parse_token("{\"token\": \"\"}"));
	assert_null(dd_iam_parse_token("{\"token\": 5}"));
	assert_null(dd_iam_parse_token("[\"token\"]"));
	/* It goes into a header: no blanks, no line breaks. */
	assert_null(dd_iam_parse_token("{\"token\": \"a\\r\\nX-Evil: 1\"}"));
	assert_null(dd_iam_parse_token("{\"token\": \"a b\"}"));
}

static void test_login_verdict(void **state)
{
	(void)state;
	assert_int_equal(dd_iam_login_verdict(200), DD_IAM_LOGGED_IN);
	assert_int_equal(dd_iam_login_verdict(401), DD_IAM_REFUSED);
	assert_int_equal(dd_iam_login_verdict(403), DD_IAM_REFUSED);
	assert_int_equal(dd_iam_login_verdict(400), DD_IAM_REFUSED);
	/* No answer (connection refused), the IAM not routed or starting. */
	assert_int_equal(dd_iam_login_verdict(0), DD_IAM_RETRY);
	assert_int_equal(dd_iam_login_verdict(404), DD_IAM_RETRY);
	assert_int_equal(dd_iam_login_verdict(500), DD_IAM_RETRY);
	assert_int_equal(dd_iam_login_verdict(502), DD_IAM_RETRY);
	assert_int_equal(dd_iam_login_verdict(503), DD_IAM_RETRY);
	assert_int_equal(dd_iam_login_verdict(504), DD_IAM_RETRY);
	assert_int_equal(dd_iam_login_verdict(307), DD_IAM_RETRY);
}

static void test_ssl_enabled(void **state)
{
	(void)state;
	assert_int_equal(dd_iam_ssl_enabled("{\"ssl_enabled\": false}"), 0);
	assert_int_equal(dd_iam_ssl_enabled("{\"ssl_enabled\": true, \"x\": 1}"), 1);
	assert_int_equal(dd_iam_ssl_enabled("{\"cluster_id_path\": \"/var/lib/dcos/cluster-id\"}"),
	                 1);
	assert_int_equal(dd_iam_ssl_enabled("{\"ssl_enabled\": \"false\"}"), 1);
	assert_int_equal(dd_iam_ssl_enabled("{\"ssl_enabled\": false}\n"), 0);
	assert_int_equal(dd_iam_ssl_enabled("cat: /opt/mesosphere/etc/bootstrap-config.json: No "
	                                    "such file or directory"),
	                 -1);
	assert_int_equal(dd_iam_ssl_enabled("[]"), -1);
	assert_int_equal(dd_iam_ssl_enabled(NULL), -1);
}

static void test_is_pem(void **state)
{
	(void)state;
	assert_true(
	    dd_iam_is_pem("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"));
	assert_false(dd_iam_is_pem("<html>404</html>"));
	assert_false(dd_iam_is_pem("-----BEGIN CERTIFICATE-----\nMIIB"));
	assert_false(dd_iam_is_pem(NULL));
}

static void test_explain_401(void **state)
{
	(void)state;
	char m[200];
	dd_iam_explain_401("acsjwt", true, false, m, sizeof(m));
	assert_string_equal(m,
	                    "Admin Router asks for a login (HTTP 401, WWW-Authenticate: acsjwt)");
	dd_iam_explain_401("acsjwt", true, true, m, sizeof(m));
	assert_string_equal(m, "Admin Router did not take the login's token (HTTP 401, "
	                       "WWW-Authenticate: acsjwt)");
	dd_iam_explain_401(NULL, false, false, m, sizeof(m));
	assert_string_equal(m, "Admin Router asks for a login (HTTP 401), which wait does on DC/OS "
	                       "Enterprise only: use --skip-http-checks");
	dd_iam_explain_401("", true, false, m, sizeof(m));
	assert_string_equal(m, "Admin Router asks for a login (HTTP 401)");
	char small[16];
	dd_iam_explain_401("acsjwt", true, false, small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_login_body),    cmocka_unit_test(test_parse_token),
	    cmocka_unit_test(test_login_verdict), cmocka_unit_test(test_ssl_enabled),
	    cmocka_unit_test(test_is_pem),        cmocka_unit_test(test_explain_401),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
