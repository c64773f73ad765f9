/* download-installer's engine: one file over HTTP(S) with libcurl, into a
 * .part file that is resumed (HTTP Range) and renamed when complete.
 *
 * Why a sidecar: a Range request appends bytes to what the .part holds, which
 * is right only when those bytes came from the same file. "<output>.part.json"
 * records the URL and the validator (ETag, else Last-Modified) of the response
 * the bytes came from; the resume sends it as If-Range (RFC 9110 13.1.5), so a
 * server whose file changed answers 200 with the whole new file instead of
 * the rest of the old one, and another URL starts over. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dcos-docker/cancel.h"
#include "dcos-docker/fetch.h"
#include "image/sha256.h"
#include "util.h"

static inline void curl_easy_cleanupp(CURL **c)
{
	if (*c)
		curl_easy_cleanup(*c);
}

static inline void curl_slist_free_allp(struct curl_slist **l)
{
	curl_slist_free_all(*l);
}

#define INSTALLER_URL_BASE "https://downloads.dcos.io/dcos/stable"

char *dd_installer_url(const char *version, dd_error *err)
{
	if (version && strcmp(version, "stable") == 0)
		return dd_strdup(INSTALLER_URL_BASE "/dcos_generate_config.sh");
	/* A release: digits and dots (2.2.0), maybe a suffix (2.2.0-beta1).
	 * It becomes a path segment: nothing else. */
	bool ok = version && *version >= '0' && *version <= '9' && strlen(version) <= 32 &&
	          !strstr(version, "..");
	for (const char *p = version; ok && *p; p++)
		ok = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || *p == '.' || *p == '-';
	if (!ok) {
		dd_error_usage(
		    err, -EINVAL,
		    "invalid DC/OS version '%s': use 'stable' or a release such as 2.2.0",
		    version ? version : "");
		return NULL;
	}
	return dd_asprintf(INSTALLER_URL_BASE "/%s/dcos_generate_config.sh", version);
}

typedef struct transfer {
	const dd_fetch_opts *o;
	dd_event_cb cb;
	void *userdata;
	int fd;
	uint64_t offset; /* bytes in the .part before this attempt */
	uint64_t written;
	dd_fetch_progress p;
	/* From the response's head (the last one, after redirects). */
	long status;
	char reason[128];
	char etag[256];
	char last_modified[128];
	uint64_t range_total; /* TOTAL of Content-Range: bytes a-b/TOTAL */
	bool started;         /* the first body byte of this attempt came */
	bool restart;         /* a 200 to a Range request: the whole file again */
	int write_errno;
	const char *meta_path;
} transfer;

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static size_t on_header(char *buf, size_t size, size_t n, void *userdata)
{
	transfer *t = userdata;
	size_t len = size * n;
	char line[512];
	snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) - 1 ? len : sizeof(line) - 1),
	         buf);
	trim(line);
	if (strncmp(line, "HTTP/", 5) == 0) {
		/* A new response (a redirect's or the next hop's): forget the last. */
		const char *sp = strchr(line, ' ');
		t->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		const char *rs = sp ? strchr(sp + 1, ' ') : NULL;
		snprintf(t->reason, sizeof(t->reason), "%s", rs ? rs + 1 : "");
		t->etag[0] = t->last_modified[0] = '\0';
		t->range_total = 0;
	} else if (strncasecmp(line, "ETag:", 5) == 0) {
		snprintf(t->etag, sizeof(t->etag), "%s", line + 5 + strspn(line + 5, " "));
	} else if (strncasecmp(line, "Last-Modified:", 14) == 0) {
		snprintf(t->last_modified, sizeof(t->last_modified), "%s",
		         line + 14 + strspn(line + 14, " "));
	} else if (strncasecmp(line, "Content-Range:", 14) == 0) {
		const char *slash = strrchr(line, '/');
		if (slash && slash[1] != '*')
			t->range_total = strtoull(slash + 1, NULL, 10);
	}
	return len;
}

/* An HTTP response that carries the file (or, for file://, any). */
static bool is_http(const transfer *t)
{
	return dd_startswith(t->o->url, "http://") || dd_startswith(t->o->url, "https://");
}

static int meta_write(const transfer *t)
{
	_cleanup_json_ json_t *j = json_pack("{s:s, s:s, s:s}", "url", t->o->url, "etag", t->etag,
	                                     "last_modified", t->last_modified);
	_cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);
	return text ? dd_write_file(t->meta_path, text, strlen(text), 0644) : -ENOMEM;
}

static size_t on_data(char *buf, size_t size, size_t n, void *userdata)
{
	transfer *t = userdata;
	size_t len = size * n;
	if (!t->started) {
		t->started = true;
		if (is_http(t) && t->status >= 300)
			return 0; /* an error page is not the file: reported by status */
		if (is_http(t) && t->offset > 0 && t->status == 200) {
			/* The server ignored the Range (or If-Range found the file
			 * changed): this is the whole file, from byte 0. */
			t->restart = true;
			if (ftruncate(t->fd, 0) < 0 || lseek(t->fd, 0, SEEK_SET) < 0) {
				t->write_errno = errno;
				return 0;
			}
			t->offset = 0;
			t->p.resumed = 0;
		}
		if (meta_write(t) < 0) {
			t->write_errno = errno ? errno : EIO;
			return 0;
		}
	}
	for (size_t done = 0; done < len;) {
		ssize_t k = write(t->fd, buf + done, len - done);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			t->write_errno = errno;
			return 0;
		}
		done += (size_t)k;
	}
	t->written += len;
	return len;
}

static void report(dd_event_cb cb, void *userdata, const dd_fetch_progress *p)
{
	if (cb)
		cb(&(dd_event){.kind = DD_EVENT_FETCH, .fetch = p}, userdata);
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	transfer *t = userdata;
	if (dd_cancelled())
		return 1;
	t->p.have = t->offset + t->written;
	/* dltotal is what this response carries: the rest of the file for a
	 * resumed one. */
	if (t->range_total)
		t->p.total = t->range_total;
	else if (dltotal > 0 && (!is_http(t) || t->status == 200 || t->status == 206))
		t->p.total = t->offset + (uint64_t)dltotal;
	report(t->cb, t->userdata, &t->p);
	return 0;
}

/* The validator to resume with: what the .part's bytes came from. */
static void meta_read(const char *path, const char *url, char *validator, size_t size, bool *same)
{
	_cleanup_free_ char *text = NULL;
	*same = false;
	validator[0] = '\0';
	if (dd_read_file(path, 64u << 10, &text, NULL) < 0)
		return;
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);
	const char *u = json_string_value(json_object_get(j, "url"));
	const char *etag = json_string_value(json_object_get(j, "etag"));
	const char *lm = json_string_value(json_object_get(j, "last_modified"));
	*same = u && strcmp(u, url) == 0;
	/* A weak ETag (W/"...") must not be used in If-Range (RFC 9110 13.1.5). */
	if (etag && *etag && !dd_startswith(etag, "W/"))
		snprintf(validator, size, "%s", etag);
	else if (lm && *lm)
		snprintf(validator, size, "%s", lm);
}

/* Errors after which the rest can still come: the connection dropped or
 * stalled. Anything else (DNS, refused, TLS, an HTTP error) is reported. */
static bool resumable(CURLcode c)
{
	return c == CURLE_PARTIAL_FILE || c == CURLE_RECV_ERROR || c == CURLE_OPERATION_TIMEDOUT ||
	       c == CURLE_GOT_NOTHING || c == CURLE_SEND_ERROR || c == CURLE_HTTP2_STREAM ||
	       c == CURLE_HTTP2;
}

static int verify(const char *path, const char *want, dd_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dd_error_set(err, -errno, "Cannot read %s: %s", path, strerror(errno));
	dd_sha256 s;
	dd_sha256_init(&s);
	char buf[1 << 16];
	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return dd_error_set(err, -errno, "Cannot read %s: %s", path,
			                    strerror(errno));
		if (k == 0)
			break;
		dd_sha256_update(&s, buf, (size_t)k);
	}
	unsigned char digest[DD_SHA256_SIZE];
	dd_sha256_final(&s, digest);
	char hex[2 * DD_SHA256_SIZE + 1];
	dd_sha256_hex(digest, hex);
	if (strcasecmp(hex, want) != 0)
		return dd_error_set(err, -EBADMSG, "SHA-256 mismatch: expected %s, got %s", want,
		                    hex);
	return 0;
}

static bool valid_sha256(const char *s)
{
	if (strlen(s) != 2 * DD_SHA256_SIZE)
		return false;
	for (; *s; s++)
		if (dd_hex_digit(*s) < 0)
			return false;
	return true;
}

/* Sleeps ms, or less when cancelled. */
static void pause_cancellable(int ms)
{
	for (int i = 0; i < ms / 50 && !dd_cancelled(); i++)
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
}

static int check_opts(const dd_fetch_opts *o, dd_error *err)
{
	if (!o->url || !*o->url)
		return dd_error_usage(err, -EINVAL, "no URL to download");
	if (!dd_startswith(o->url, "http://") && !dd_startswith(o->url, "https://") &&
	    !dd_startswith(o->url, "file://"))
		return dd_error_usage(
		    err, -EINVAL, "unsupported URL '%s': use http://, https:// or file://", o->url);
	if (!o->output || !*o->output)
		return dd_error_usage(err, -EINVAL, "no output path");
	if (o->sha256 && !valid_sha256(o->sha256))
		return dd_error_usage(err, -EINVAL,
		                      "invalid SHA-256 '%s': 64 hexadecimal digits expected",
		                      o->sha256);
	struct stat st;
	if (stat(o->output, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return dd_error_usage(err, -EISDIR,
			                      "%s is a directory: give the file's path", o->output);
		if (!o->replace) {
			dd_error_usage(err, -EEXIST, "%s already exists", o->output);
			return dd_error_hint(err,
			                     "use --force to download it again (it is replaced "
			                     "only once the new download is complete)");
		}
	}
	_cleanup_free_ char *dir = dd_strdup(o->output);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*(slash == dir ? slash + 1 : slash) = '\0';
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return dd_error_usage(err, -ENOENT, "directory %s does not exist", dir);
	}
	return 0;
}

static int finish(const dd_fetch_opts *o, const char *part, const char *meta, int fd, dd_error *err)
{
	if (fsync(fd) < 0)
		return dd_error_set(err, -errno, "Cannot write %s: %s", part, strerror(errno));
	if (o->sha256) {
		int r = verify(part, o->sha256, err);
		if (r == -EBADMSG) {
			/* Those bytes are wrong: a resume would only keep them. */
			unlink(part);
			unlink(meta);
			dd_error_hint(err, "the download was removed; check the checksum, or the "
			                   "URL, and run again");
		}
		if (r < 0)
			return r;
	}
	if (rename(part, o->output) < 0)
		return dd_error_set(err, -errno, "Cannot rename %s to %s: %s", part, o->output,
		                    strerror(errno));
	unlink(meta);
	return 0;
}

static int download(const dd_fetch_opts *o, const char *part, const char *meta, dd_event_cb cb,
                    void *userdata, dd_error *err)
{
	char validator[256];
	bool same;
	meta_read(meta, o->url, validator, sizeof(validator), &same);
	/* O_APPEND is not used: a 200 to a resume rewinds. */
	_cleanup_close_ int fd = open(part, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return dd_error_set(err, -errno, "Cannot create %s: %s", part, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		return dd_error_set(err, -errno, "Cannot stat %s: %s", part, strerror(errno));
	uint64_t offset = (uint64_t)st.st_size;
	if (!same && offset > 0) {
		/* Bytes of another URL, or of unknown origin: not ours to resume. */
		if (ftruncate(fd, 0) < 0)
			return dd_error_set(err, -errno, "Cannot truncate %s: %s", part,
			                    strerror(errno));
		offset = 0;
		validator[0] = '\0';
	}
	_cleanup_(curl_easy_cleanupp) CURL *curl = curl_easy_init();
	if (!curl)
		return dd_error_set(err, -ENOMEM, "Cannot initialise libcurl");
	int retries = o->retries > 0 ? o->retries : 0;
	long stall = o->stall_s > 0 ? o->stall_s : 60;
	uint64_t resumed = offset;
	for (int attempt = 1;; attempt++) {
		transfer t = {.o = o,
		              .cb = cb,
		              .userdata = userdata,
		              .fd = fd,
		              .offset = offset,
		              .meta_path = meta,
		              .p = {.have = offset, .resumed = resumed, .attempt = attempt}};
		if (lseek(fd, (off_t)offset, SEEK_SET) < 0)
			return dd_error_set(err, -errno, "Cannot seek in %s: %s", part,
			                    strerror(errno));
		char errbuf[CURL_ERROR_SIZE] = "";
		_cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
		if (offset > 0 && validator[0]) {
			_cleanup_free_ char *h = dd_asprintf("If-Range: %s", validator);
			headers = curl_slist_append(NULL, h);
		}
		curl_easy_reset(curl);
		curl_easy_setopt(curl, CURLOPT_URL, o->url);
		curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
		/* A stall (fewer than 1 byte/s for stall seconds) is a drop. */
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, stall);
		/* CURLOPT_RANGE, not RESUME_FROM: a resume that the server
		 * answers with the whole file (200: no ranges, or If-Range found
		 * it changed) is taken, not failed (on_data rewinds). */
		char range[32] = "";
		if (offset > 0)
			snprintf(range, sizeof(range), "%llu-", (unsigned long long)offset);
		curl_easy_setopt(curl, CURLOPT_RANGE, range[0] ? range : NULL);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(curl, CURLOPT_USERAGENT, "dcos-docker/" DD_VERSION);
		curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
		CURLcode c = curl_easy_perform(curl);
		uint64_t have = t.offset + t.written;
		if (t.restart)
			resumed = 0;
		if (c == CURLE_ABORTED_BY_CALLBACK || dd_cancelled()) {
			dd_error_set(err, -ECANCELED, "Interrupted with %llu bytes in %s",
			             (unsigned long long)have, part);
			return dd_error_hint(err, "run the same command again to resume");
		}
		if (t.write_errno)
			return dd_error_set(err, -t.write_errno, "Cannot write %s: %s", part,
			                    strerror(t.write_errno));
		if (is_http(&t) && t.status == 416 && offset > 0) {
			/* Nothing after what the .part holds: complete when it
			 * holds exactly the whole file, else start over. */
			if (t.range_total == offset) {
				t.p.have = t.p.total = offset;
				t.p.done = true;
				report(cb, userdata, &t.p);
				return finish(o, part, meta, fd, err);
			}
			if (ftruncate(fd, 0) < 0)
				return dd_error_set(err, -errno, "Cannot truncate %s: %s", part,
				                    strerror(errno));
			offset = resumed = 0;
			validator[0] = '\0';
			if (attempt <= retries)
				continue;
		}
		if (is_http(&t) && t.status >= 400) {
			dd_error_set(err, -EREMOTEIO, "HTTP %ld%s%s from %s", t.status,
			             t.reason[0] ? " " : "", t.reason, o->url);
			if (t.status == 404)
				dd_error_hint(err,
				              "nothing is published at that address: check the "
				              "version or the URL");
			return err ? err->code : -EREMOTEIO;
		}
		uint64_t total = t.p.total;
		bool complete = c == CURLE_OK && (total == 0 || have == total);
		if (complete) {
			t.p.have = have;
			t.p.total = total ? total : have;
			t.p.done = true;
			report(cb, userdata, &t.p);
			return finish(o, part, meta, fd, err);
		}
		if (c != CURLE_OK && !resumable(c))
			return dd_error_set(err, -EIO, "Cannot download %s: %s", o->url,
			                    errbuf[0] ? errbuf : curl_easy_strerror(c));
		/* Cut short: go on from what arrived (with the validator of the
		 * response it came from). */
		offset = have;
		if (t.etag[0] && !dd_startswith(t.etag, "W/"))
			snprintf(validator, sizeof(validator), "%s", t.etag);
		else if (t.last_modified[0])
			snprintf(validator, sizeof(validator), "%s", t.last_modified);
		if (attempt > retries) {
			dd_error_set(err, -EIO,
			             "Download of %s cut short after %d attempts (%s); %llu "
			             "bytes are in %s",
			             o->url, attempt, errbuf[0] ? errbuf : curl_easy_strerror(c),
			             (unsigned long long)have, part);
			return dd_error_hint(err, "run the same command again to resume");
		}
		pause_cancellable(attempt < 5 ? 200 * attempt : 1000);
	}
}

int dd_fetch(const dd_fetch_opts *o, dd_event_cb cb, void *userdata, dd_error *err)
{
	int r = check_opts(o, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *part = dd_asprintf("%s.part", o->output);
	_cleanup_free_ char *meta = dd_asprintf("%s.part.json", o->output);
	r = download(o, part, meta, cb, userdata, err);
	struct stat st;
	if (r < 0 && stat(part, &st) == 0 && st.st_size == 0) {
		/* Nothing came (an HTTP error, a refused connection): nothing
		 * to resume, so nothing is left behind. */
		unlink(part);
		unlink(meta);
	}
	return r;
}
