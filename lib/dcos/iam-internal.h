/* Internal: not installed. */
/* The pure parts of the Enterprise login `wait` does before its cluster
 * checks (unit-tested). The contract, from dcos-test-utils
 * (dcos_test_utils/dcos_api.py _authenticate_default_user, enterprise.py
 * EnterpriseUser, EnterpriseApiSession) and DC/OS E2E (dcos_e2e/cluster.py
 * wait_for_dcos_ee): POST /acs/api/v1/auth/login with the JSON
 * {"uid": ..., "password": ...}; the answer {"token": "..."}; later requests
 * carry "Authorization: token=<token>" (dcos_api.py DcosAuth). */
#ifndef DCOS_DOCKER_IAM_INTERNAL_H
#define DCOS_DOCKER_IAM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#define DD_IAM_LOGIN_PATH "/acs/api/v1/auth/login"
/* Where E2E reads ssl_enabled from, on any master. */
#define DD_IAM_BOOTSTRAP_CONFIG "/opt/mesosphere/etc/bootstrap-config.json"
/* What EnterpriseApiSession.set_ca_cert fetches, unverified. */
#define DD_IAM_CA_PATH "/ca/dcos-ca.crt"

/* The login request's body, {"uid":U,"password":P} (compact JSON). It holds
 * the password: free it with dd_iam_free_secret. NULL on a string that is
 * not UTF-8. */
char *dd_iam_login_body(const char *uid, const char *password);

/* Zeroes, then frees a string that holds a secret (NULL is fine). */
void dd_iam_free_secret(char *s);

/* The token of a login answer ({"token": "...", ...}), or NULL when body is
 * not such an answer; free it with dd_iam_free_secret. A token is sent in a
 * header, so one with a control character or a blank is refused too. */
char *dd_iam_parse_token(const char *body);

/* What a login's answer means. */
typedef enum {
	DD_IAM_LOGGED_IN, /* 200 */
	DD_IAM_REFUSED,   /* 400, 401, 403: the credentials are wrong; asking again will not help */
	DD_IAM_RETRY,     /* none (connection refused ...), 404, 5xx, ...: the IAM is starting */
} dd_iam_verdict;
dd_iam_verdict dd_iam_login_verdict(long status);

/* ssl_enabled of bootstrap-config.json (E2E: config['ssl_enabled']). -1
 * when json is not a JSON object; a missing or non-boolean key counts as
 * true, as dcos-test-utils' DCOS_SSL_ENABLED defaults to 'true'. */
int dd_iam_ssl_enabled(const char *json);

/* Whether body is a PEM certificate (what /ca/dcos-ca.crt answers). */
bool dd_iam_is_pem(const char *body);

/* The reason for a report when a cluster check got 401, from the
 * WWW-Authenticate header's value (NULL: none): "acsjwt" is Admin Router's
 * (packages/adminrouter/extra/src/lib/auth/common.lua). enterprise: the
 * cluster is Enterprise (where wait logs in); logged_in: it had a token. */
void dd_iam_explain_401(const char *www_authenticate, bool enterprise, bool logged_in, char *out,
                        size_t size);

#endif
