#define _GNU_SOURCE
#include "util.h"
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

int dd_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return (size_t)n >= size ? -ENAMETOOLONG : 0;
}

char *dd_asprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	return s;
}

char *dd_strdup(const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

void *dd_malloc0(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		abort();
	return p;
}

bool dd_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *dd_last_line(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
	char *nl = strrchr(s, '\n');
	return nl ? nl + 1 : s;
}

bool dd_endswith(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

int dd_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	_cleanup_buf_ dd_buf b = DD_BUF_HEAD(max);
	char chunk[8192];
	for (;;) {
		ssize_t k = read(fd, chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		if (dd_buf_add(&b, chunk, (size_t)k) < 0)
			return -EFBIG;
	}
	if (ret_len)
		*ret_len = b.len;
	*ret = dd_buf_take(&b);
	return 0;
}

int dd_write_file(const char *path, const void *data, size_t len, unsigned mode)
{
	_cleanup_free_ char *tmp = dd_asprintf("%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	/* open() honours the umask; the mode asked for is the mode wanted (0600 keys). */
	if (fchmod(fd, mode) < 0)
		goto fail;
	const char *p = data;
	while (len > 0) {
		ssize_t k = write(fd, p, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += k;
		len -= (size_t)k;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		int r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
fail:;
	int r = -errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

int dd_mkdir_p(const char *path, unsigned mode)
{
	char buf[4096];
	if (dd_snprintf(buf, sizeof(buf), "%s", path) < 0)
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int rm_one(const char *path, const struct stat *st _unused_, int flag _unused_,
                  struct FTW *ftw _unused_)
{
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

int dd_rm_rf(const char *path)
{
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

void dd_strip_ansi(char *s)
{
	char *o = s;
	for (const char *i = s; *i;) {
		if (*i != '\x1b') {
			*o++ = *i++;
			continue;
		}
		i++;
		if (*i == '[') { /* CSI: parameters and intermediates, then a final byte */
			i++;
			while (*i && !(*i >= 0x40 && *i <= 0x7e))
				i++;
		} else if (*i == ']') { /* OSC: up to BEL or ESC \ */
			while (*i && *i != '\a' && !(*i == '\x1b' && i[1] == '\\'))
				i++;
			if (*i == '\x1b')
				i++;
		}
		if (*i)
			i++; /* the final byte, or the one after a plain ESC */
	}
	*o = '\0';
}

double dd_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool dd_path_lookup(const char *prog, char *buf, size_t size)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	_cleanup_free_ char *copy = dd_strdup(path);
	char *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		struct stat st;
		if (dd_snprintf(buf, size, "%s/%s", d, prog) == 0 && stat(buf, &st) == 0 &&
		    S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return true;
	}
	return false;
}

bool dd_in_path(const char *prog)
{
	char buf[4096];
	return dd_path_lookup(prog, buf, sizeof(buf));
}

int dd_hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int dd_random_hex(char *buf, size_t nbytes)
{
	unsigned char raw[64];
	if (nbytes > sizeof(raw))
		return -EINVAL;
	for (size_t got = 0; got < nbytes;) {
		ssize_t n = getrandom(raw + got, nbytes - got, 0);
		if (n < 0 && errno != EINTR)
			return -errno;
		got += n > 0 ? (size_t)n : 0;
	}
	for (size_t i = 0; i < nbytes; i++)
		sprintf(buf + 2 * i, "%02x", raw[i]);
	buf[2 * nbytes] = '\0';
	return 0;
}
