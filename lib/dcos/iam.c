/* The pure parts of the Enterprise login (iam-internal.h). */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcos/iam-internal.h"
#include "util.h"

void dd_iam_free_secret(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

char *dd_iam_login_body(const char *uid, const char *password)
{
	if (!uid || !password)
		return NULL;
	/* EnterpriseUser.auth_json: {'uid': uid, 'password': password}. */
	json_t *j = json_pack("{s:s, s:s}", "uid", uid, "password", password);
	if (!j)
		return NULL;
	char *body = json_dumps(j, JSON_COMPACT);
	/* j's copy of the password is freed here, not zeroed: jansson's memory
	 * is its own. */
	json_decref(j);
	return body;
}

char *dd_iam_parse_token(const char *body)
{
	if (!body)
		return NULL;
	json_t *j = json_loads(body, 0, NULL);
	const char *t = json_string_value(json_object_get(j, "token"));
	char *token = NULL;
	if (t && *t) {
		/* Sent as "Authorization: token=<t>": a header value. */
		bool ok = true;
		for (const unsigned char *p = (const unsigned char *)t; *p && ok; p++)
			ok = *p > ' ' && *p != 0x7f;
		if (ok)
			token = dd_strdup(t);
	}
	json_decref(j);
	return token;
}

dd_iam_verdict dd_iam_login_verdict(long status)
{
	if (status == 200)
		return DD_IAM_LOGGED_IN;
	/* Bouncer answers 401 for wrong credentials (dcos-test-utils raises on
	 * it: r.raise_for_status()); 400 for a body it does not take; 403 for a
	 * user who may not log in. None changes by asking again. */
	if (status == 400 || status == 401 || status == 403)
		return DD_IAM_REFUSED;
	/* No answer, 404 (Admin Router without its IAM route yet), 502/503/504
	 * (the IAM starting): dcos-test-utils retries the login for 120 s. */
	return DD_IAM_RETRY;
}

int dd_iam_ssl_enabled(const char *json)
{
	json_t *j = json ? json_loads(json, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		return -1;
	}
	json_t *v = json_object_get(j, "ssl_enabled");
	int r = json_is_false(v) ? 0 : 1;
	json_decref(j);
	return r;
}

bool dd_iam_is_pem(const char *body)
{
	return body && strstr(body, "-----BEGIN CERTIFICATE-----") &&
	       strstr(body, "-----END CERTIFICATE-----");
}

void dd_iam_explain_401(const char *www_authenticate, bool enterprise, bool logged_in, char *out,
                        size_t size)
{
	char seen[96] = "";
	if (www_authenticate && *www_authenticate)
		snprintf(seen, sizeof(seen), ", WWW-Authenticate: %.60s", www_authenticate);
	if (logged_in)
		snprintf(out, size, "Admin Router did not take the login's token (HTTP 401%s)",
		         seen);
	else if (enterprise)
		snprintf(out, size, "Admin Router asks for a login (HTTP 401%s)", seen);
	else
		snprintf(out, size,
		         "Admin Router asks for a login (HTTP 401%s), which wait does on DC/OS "
		         "Enterprise only: use --skip-http-checks",
		         seen);
}
