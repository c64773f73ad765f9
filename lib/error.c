#include "dcos-docker/error.h"

#include <stdio.h>
#include <string.h>

/* A NULL err is an error nobody reads: one per thread stands in for it, so
 * that dd_error_hint and dd_error_prefix return the code set before them
 * (`dd_error_set(err, ...); return dd_error_hint(err, ...)`) whether or not
 * the caller passed an err. */
static _Thread_local dd_error unread;

__attribute__((format(printf, 4, 0))) static int vset(dd_error *err, int code, int kind,
                                                      const char *fmt, va_list ap)
{
	if (!err)
		err = &unread;
	err->code = code;
	err->kind = kind;
	err->hint[0] = '\0';
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int dd_error_set(dd_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vset(err, code, DD_ERR_FAILED, fmt, ap);
	va_end(ap);
	return r;
}

int dd_error_usage(dd_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vset(err, code, DD_ERR_USAGE, fmt, ap);
	va_end(ap);
	return r;
}

int dd_error_hint(dd_error *err, const char *fmt, ...)
{
	if (!err)
		err = &unread;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
	return err->code;
}

int dd_error_prefix(dd_error *err, const char *fmt, ...)
{
	if (!err)
		err = &unread;
	char prefix[512];
	char old[DD_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s%s", prefix, old);
	return err->code;
}

void dd_error_clear(dd_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

void dd_error_copy(dd_error *dst, const dd_error *src)
{
	if (dst && src && dst != src)
		memcpy(dst, src, sizeof(*dst));
}
