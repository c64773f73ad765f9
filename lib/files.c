/* send-file / download-file: cp -r semantics over tar streams.
 *
 * A tar stream is produced by one thread and consumed by another through a
 * socketpair, so nothing is held in memory whole and either side failing
 * unblocks the other (EPIPE, EOF). Where the stream goes:
 *   - the Docker archive API (PUT/GET /containers/{id}/archive) when the
 *     daemon sees the same files as the node: the node is stopped, or the
 *     directory is on the image layer or on a Docker-managed mount
 *     (volume, bind);
 *   - `tar` run in the node (exec, stdin/stdout) otherwise: tmpfs mounts
 *     (/tmp, /run) and anything the node mounted itself exist only in the
 *     node's mount namespace; the archive API would silently write beneath
 *     them (moby#22020, which lost files in the original tool). */
#define _GNU_SOURCE
#include "dcos-docker/files.h"
#include "event-internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <limits.h>
#include <nettle/base64.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cancel-internal.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/exec.h"
#include "docker/objects.h"
#include "files-internal.h"
#include "pool.h"
#include "util.h"

#define IO_BUF (64u << 10)
/* Output of the probe script and stderr of tar in the node: small, capped. */
#define MAX_PROBE_OUTPUT (256u << 10)
#define MAX_STDERR       (16u << 10)
/* Go's os.FileMode bits, as the daemon reports them in the path stat. */
#define GO_MODE_DIR     (1ull << 31)
#define GO_MODE_SYMLINK (1ull << 27)

static void strv_free(char **v)
{
	strvfreep(&v);
}

/* ---- cp -r planning ---- */

char **dd_path_lineage(const char *path)
{
	if (!path || !*path)
		return NULL;
	size_t len = strlen(path), o = 0, slashes = 0;
	char *norm = dd_malloc0(len + 1);
	for (size_t i = 0; i < len; i++) {
		if (path[i] == '/' && o > 0 && norm[o - 1] == '/')
			continue;
		if (path[i] == '/')
			slashes++;
		norm[o++] = path[i];
	}
	while (o > 1 && norm[o - 1] == '/')
		o--;
	norm[o] = '\0';
	char **v = dd_malloc0((slashes + 3) * sizeof(char *));
	size_t n = 0;
	char *cur = norm;
	for (;;) {
		v[n++] = cur;
		if (strcmp(cur, "/") == 0 || strcmp(cur, ".") == 0)
			break;
		char *slash = strrchr(cur, '/');
		if (!slash)
			cur = dd_strdup(".");
		else if (slash == cur)
			cur = dd_strdup("/");
		else {
			cur = strndup(cur, (size_t)(slash - cur));
			if (!cur)
				abort();
		}
	}
	v[n] = NULL;
	return v;
}

char *dd_copy_src_name(const char *src)
{
	if (!src || !*src)
		return NULL;
	size_t len = strlen(src);
	while (len > 0 && src[len - 1] == '/')
		len--;
	if (len == 0)
		return NULL; /* "/" */
	size_t start = len;
	while (start > 0 && src[start - 1] != '/')
		start--;
	char *name = strndup(src + start, len - start);
	if (!name)
		abort();
	if (strcmp(name, "..") == 0) {
		free(name);
		return dd_strdup(".");
	}
	return name;
}

void dd_copy_plan_clear(dd_copy_plan *p)
{
	free(p->anchor);
	free(p->name);
	free(p->target);
	memset(p, 0, sizeof(*p));
}

static char *path_join(const char *dir, const char *name)
{
	if (strcmp(name, ".") == 0)
		return dd_strdup(dir);
	if (strcmp(dir, "/") == 0)
		return dd_asprintf("/%s", name);
	return dd_asprintf("%s/%s", dir, name);
}

/* Drops "." components; false when a ".." component is present. */
static bool clean_relative(const char *in, char **ret)
{
	size_t len = strlen(in);
	char *out = dd_malloc0(len + 1);
	size_t o = 0;
	const char *p = in;
	while (*p) {
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			return false;
		}
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = *e ? e + 1 : e;
	}
	out[o] = '\0';
	*ret = out;
	return true;
}

int dd_copy_plan_make(const char *src, bool src_is_dir, const char *dst, const dd_path_kind *kinds,
                      size_t n, dd_path_kind inner_kind, dd_copy_plan *ret, dd_error *err)
{
	_cleanup_free_ char *src_name = dd_copy_src_name(src);
	if (!src_name)
		return dd_error_usage(
		    err, -EINVAL, "Refusing to copy a whole root directory ('%s')", src ? src : "");
	_cleanup_strv_ char **lineage = dd_path_lineage(dst);
	if (!lineage)
		return dd_error_usage(err, -EINVAL, "The destination path is empty");
	size_t depth = 0;
	while (lineage[depth])
		depth++;
	if (n != depth)
		return dd_error_set(err, -EINVAL, "Internal error: %zu path kinds for %zu paths", n,
		                    depth);
	size_t dlen = strlen(dst);
	bool trailing_slash = dlen > 1 && dst[dlen - 1] == '/';
	const char *norm = lineage[0];
	dd_copy_plan p = {0};

	if (kinds[0] == DD_PATH_DIR) {
		p.anchor = dd_strdup(norm);
		if (strcmp(src_name, ".") == 0) {
			/* "SRC/." : the contents go straight into DST. */
			p.name = dd_strdup(".");
			p.target = dd_strdup(norm);
			p.target_kind = DD_PATH_DIR;
		} else {
			p.name = dd_strdup(src_name);
			p.target = path_join(norm, src_name);
			p.target_kind = inner_kind;
		}
	} else if (kinds[0] == DD_PATH_OTHER) {
		if (trailing_slash)
			return dd_error_set(err, -ENOTDIR, "'%s' is not a directory", norm);
		if (src_is_dir)
			return dd_error_set(
			    err, -EISDIR, "Cannot overwrite non-directory '%s' with directory '%s'",
			    norm, src);
		p.anchor = dd_strdup(depth > 1 ? lineage[1] : ".");
		p.name = dd_copy_src_name(norm);
		p.target = dd_strdup(norm);
		p.target_kind = DD_PATH_OTHER;
	} else {
		if (trailing_slash && !src_is_dir)
			return dd_error_set(
			    err, -ENOENT,
			    "Directory '%s' does not exist (a file cannot be copied to a "
			    "path ending in '/' unless that directory exists)",
			    dst);
		size_t i = 1;
		while (i < depth && kinds[i] == DD_PATH_MISSING)
			i++;
		if (i >= depth)
			return dd_error_set(err, -ENOENT,
			                    "No existing directory on the way to '%s'", norm);
		if (kinds[i] != DD_PATH_DIR)
			return dd_error_set(err, -ENOTDIR, "'%s' is not a directory", lineage[i]);
		const char *anchor = lineage[i];
		const char *rest;
		size_t alen = strlen(anchor);
		if (strcmp(anchor, "/") == 0)
			rest = norm + 1;
		else if (strncmp(norm, anchor, alen) == 0 && norm[alen] == '/')
			rest = norm + alen + 1;
		else
			rest = norm; /* anchor "." for a relative path without "./" */
		_cleanup_free_ char *clean = NULL;
		if (!clean_relative(rest, &clean))
			return dd_error_usage(err, -EINVAL,
			                      "The part of '%s' that does not exist yet may not "
			                      "contain '..'",
			                      dst);
		if (!*clean)
			return dd_error_set(err, -EINVAL, "Cannot work out where '%s' goes", dst);
		p.anchor = dd_strdup(anchor);
		p.name = TAKE_PTR(clean);
		p.target = dd_strdup(norm);
		p.target_kind = DD_PATH_MISSING;
	}

	if (p.target_kind == DD_PATH_OTHER && src_is_dir) {
		dd_error_set(err, -EISDIR,
		             "Cannot overwrite non-directory '%s' with directory '%s'", p.target,
		             src);
		dd_copy_plan_clear(&p);
		return err ? err->code : -EISDIR;
	}
	if (p.target_kind == DD_PATH_DIR && !src_is_dir) {
		dd_error_set(err, -EISDIR,
		             "Cannot overwrite directory '%s' with non-directory '%s'", p.target,
		             src);
		dd_copy_plan_clear(&p);
		return err ? err->code : -EISDIR;
	}
	*ret = p;
	return 0;
}

/* ---- tar entries ---- */

int dd_tar_entry_split(const char *entry, char **ret_top, char **ret_rest)
{
	if (!entry || !*entry || strlen(entry) > DD_FILES_PATH_MAX)
		return -EINVAL;
	if (entry[0] == '/')
		return -EINVAL;
	_cleanup_free_ char *clean = NULL;
	if (!clean_relative(entry, &clean))
		return -EINVAL;
	if (!*clean)
		return -EINVAL; /* "." or "./": names nothing */
	char *slash = strchr(clean, '/');
	char *top = slash ? strndup(clean, (size_t)(slash - clean)) : dd_strdup(clean);
	if (!top)
		abort();
	*ret_rest = dd_strdup(slash ? slash + 1 : "");
	*ret_top = top;
	return 0;
}

/* ---- writing a tar stream ---- */

struct fd_sink {
	int fd;
	bool sock;
	int error;
};

static la_ssize_t sink_write(struct archive *a, void *userdata, const void *buf, size_t len)
{
	struct fd_sink *s = userdata;
	size_t off = 0;
	if (dd_cancelled()) {
		s->error = -ECANCELED;
		archive_set_error(a, ECANCELED, "Interrupted");
		return -1;
	}
	while (off < len) {
		ssize_t n = s->sock ? send(s->fd, (const char *)buf + off, len - off, MSG_NOSIGNAL)
		                    : write(s->fd, (const char *)buf + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			s->error = -errno;
			archive_set_error(a, errno, "%s", strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	return (la_ssize_t)len;
}

static int tar_fail(struct archive *a, struct fd_sink *s, const char *what, dd_error *err)
{
	if (s->error == -ECANCELED)
		return dd_error_set(err, -ECANCELED, "Interrupted");
	if (s->error == -EPIPE || s->error == -ECONNRESET)
		return dd_error_set(err, -EPIPE, "The receiving side stopped reading the archive");
	return dd_error_set(err, -EIO, "Failed to write %s to the archive: %s", what,
	                    archive_error_string(a) ? archive_error_string(a) : "unknown error");
}

/* Zeros for the holes of a sparse entry: libarchive's pax writer takes the
 * whole logical contents and drops what falls in a hole, so holes cost no
 * reading and no bytes on the wire. */
static const char zeros[IO_BUF];

static int tar_copy_range(struct archive *a, struct fd_sink *s, int fd, const char *path, char *buf,
                          int64_t off, int64_t len, dd_error *err)
{
	while (len > 0) {
		size_t want = len < (int64_t)IO_BUF ? (size_t)len : IO_BUF;
		ssize_t got = pread(fd, buf, want, off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return dd_error_set(err, -errno, "Cannot read '%s': %s", path,
			                    strerror(errno));
		/* Shrank while we read it: libarchive pads the entry with zeros. */
		if (got == 0)
			return 1;
		if (archive_write_data(a, buf, (size_t)got) < 0)
			return tar_fail(a, s, path, err);
		off += got;
		len -= got;
	}
	return 0;
}

/* The data regions of a file (SEEK_DATA/SEEK_HOLE), as sparse entries of e.
 * Nothing is added for a file without holes, or where the file system
 * cannot tell: then it is sent whole. Returns whether e is sparse. */
static bool tar_sparse_map(int fd, int64_t size, const struct stat *st, struct archive_entry *e)
{
	/* Fewer blocks than bytes is the cheap sign of a hole. */
	if (size <= 0 || (int64_t)st->st_blocks * 512 >= size)
		return false;
	int64_t off = 0;
	bool any = false;
	while (off < size) {
		off_t data = lseek(fd, off, SEEK_DATA);
		if (data < 0 && errno != ENXIO) {
			/* Cannot tell (or changed under us): whole, with no map. */
			archive_entry_sparse_clear(e);
			return false;
		}
		if (data < 0 || data >= size)
			break; /* ENXIO: only a hole up to the end */
		off_t hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || hole > size)
			hole = size;
		archive_entry_sparse_add_entry(e, data, hole - data);
		any = true;
		off = hole;
	}
	if (!any) /* all hole: one empty region at the end keeps the size */
		archive_entry_sparse_add_entry(e, size, 0);
	return true;
}

static int tar_zeros(struct archive *a, struct fd_sink *s, const char *path, int64_t len,
                     dd_error *err)
{
	while (len > 0) {
		size_t n = len < (int64_t)IO_BUF ? (size_t)len : IO_BUF;
		if (archive_write_data(a, zeros, n) < 0)
			return tar_fail(a, s, path, err);
		len -= (int64_t)n;
	}
	return 0;
}

static int tar_file_data(struct archive *a, struct fd_sink *s, int fd, const char *path,
                         int64_t size, struct archive_entry *e, dd_error *err)
{
	_cleanup_free_ char *buf = dd_malloc0(IO_BUF);
	if (archive_entry_sparse_reset(e) == 0) {
		int r = tar_copy_range(a, s, fd, path, buf, 0, size, err);
		return r < 0 ? r : 0;
	}
	/* Data regions are read; the holes between them are zeros. */
	int64_t off = 0;
	la_int64_t soff, slen;
	int r = 0;
	while (r == 0 && archive_entry_sparse_next(e, &soff, &slen) == ARCHIVE_OK) {
		r = tar_zeros(a, s, path, soff - off, err);
		if (r == 0)
			r = tar_copy_range(a, s, fd, path, buf, soff, slen, err);
		off = soff + slen;
	}
	if (r == 0)
		r = tar_zeros(a, s, path, size - off, err);
	return r < 0 ? r : 0;
}

int dd_tar_write_fd(const char *src, const char *name, int fd, dd_error *err)
{
	return dd_tar_write_fd_opts(src, name, &(dd_tar_write_opts){0}, fd, err);
}

/* Directory entries for the first `parents` components of name: the missing
 * parents of the copy, so that they get the copy's owner. */
static int tar_write_parents(struct archive *a, struct fd_sink *s, const char *name,
                             const dd_tar_write_opts *o, dd_error *err)
{
	const char *p = name;
	for (size_t i = 0; i < o->parents; i++) {
		const char *slash = strchr(p, '/');
		if (!slash)
			break;
		_cleanup_free_ char *dir = strndup(name, (size_t)(slash - name));
		if (!dir)
			abort();
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, dir);
		archive_entry_set_mode(e, S_IFDIR | 0755);
		archive_entry_set_uid(e, o->uid);
		archive_entry_set_gid(e, o->gid);
		archive_entry_set_mtime(e, time(NULL), 0);
		int ar = archive_write_header(a, e);
		archive_entry_free(e);
		if (ar < ARCHIVE_WARN)
			return tar_fail(a, s, dir, err);
		p = slash + 1;
	}
	return 0;
}

int dd_tar_write_fd_opts(const char *src, const char *name, const dd_tar_write_opts *o, int fd,
                         dd_error *err)
{
	struct stat fst;
	struct fd_sink sink = {.fd = fd, .sock = fstat(fd, &fst) == 0 && S_ISSOCK(fst.st_mode)};
	struct archive *a = archive_write_new();
	if (!a)
		return dd_error_set(err, -ENOMEM, "Out of memory");
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open(a, &sink, NULL, sink_write, NULL) != ARCHIVE_OK) {
		int r = tar_fail(a, &sink, "the header", err);
		archive_write_free(a);
		return r;
	}
	bool contents_only = strcmp(name, ".") == 0;
	int pr = tar_write_parents(a, &sink, name, o, err);
	if (pr < 0) {
		archive_write_free(a);
		return pr;
	}
	char *roots[] = {(char *)src, NULL};
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_COMFOLLOW | FTS_NOCHDIR, NULL);
	if (!fts) {
		int e = errno;
		archive_write_free(a);
		return dd_error_set(err, -e, "Cannot read '%s': %s", src, strerror(e));
	}
	size_t rootlen = 0;
	int r = 0;
	_cleanup_free_ char *link = dd_malloc0(PATH_MAX + 1);
	while (r == 0) {
		errno = 0;
		FTSENT *f = fts_read(fts);
		if (!f) {
			if (errno != 0)
				r = dd_error_set(err, -errno, "Cannot read '%s': %s", src,
				                 strerror(errno));
			break;
		}
		if (f->fts_level == 0)
			rootlen = f->fts_pathlen;
		switch (f->fts_info) {
		case FTS_DP: continue;
		case FTS_DNR:
		case FTS_ERR:
		case FTS_NS:
			r = dd_error_set(err, -f->fts_errno, "Cannot read '%s': %s", f->fts_path,
			                 strerror(f->fts_errno));
			continue;
		default: break;
		}
		const struct stat *st = f->fts_statp;
		if (S_ISSOCK(st->st_mode))
			continue; /* a tar cannot hold a socket: skipped, as tar does */
		const char *rel = f->fts_path + (f->fts_level == 0 ? f->fts_pathlen : rootlen);
		while (*rel == '/')
			rel++;
		if (contents_only && !*rel)
			continue;
		_cleanup_free_ char *ename = contents_only ? dd_strdup(rel)
		                             : *rel        ? dd_asprintf("%s/%s", name, rel)
		                                           : dd_strdup(name);
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, ename);
		archive_entry_set_mode(e, st->st_mode);
		archive_entry_set_uid(e, o->uid);
		archive_entry_set_gid(e, o->gid);
		archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
		_cleanup_close_ int dfd = -1;
		if (S_ISREG(st->st_mode)) {
			archive_entry_set_size(e, st->st_size);
			/* Opened before the header: the header carries the sparse map. */
			dfd = open(f->fts_accpath, O_RDONLY | O_CLOEXEC);
			if (dfd < 0) {
				r = dd_error_set(err, -errno, "Cannot read '%s': %s", f->fts_path,
				                 strerror(errno));
				archive_entry_free(e);
				continue;
			}
			tar_sparse_map(dfd, st->st_size, st, e);
		} else
			archive_entry_set_size(e, 0);
		if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
			archive_entry_set_rdev(e, st->st_rdev);
		if (S_ISLNK(st->st_mode)) {
			ssize_t l = readlink(f->fts_accpath, link, PATH_MAX);
			if (l < 0) {
				r = dd_error_set(err, -errno, "Cannot read the symlink '%s': %s",
				                 f->fts_path, strerror(errno));
				archive_entry_free(e);
				continue;
			}
			link[l] = '\0';
			archive_entry_set_symlink(e, link);
		}
		if (archive_write_header(a, e) < ARCHIVE_WARN)
			r = tar_fail(a, &sink, f->fts_path, err);
		else if (S_ISREG(st->st_mode) && st->st_size > 0)
			r = tar_file_data(a, &sink, dfd, f->fts_path, st->st_size, e, err);
		archive_entry_free(e);
	}
	fts_close(fts);
	if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
		r = tar_fail(a, &sink, "the end", err);
	archive_write_free(a);
	return r;
}

/* ---- unpacking a tar stream ---- */

static int extract_entry_path(const char *root, const char *entry, const char *top, char **ret_path,
                              char **ret_top, bool *ret_is_top, dd_error *err)
{
	_cleanup_free_ char *etop = NULL, *rest = NULL;
	if (dd_tar_entry_split(entry, &etop, &rest) < 0)
		return dd_error_set(err, -EINVAL,
		                    "Refusing the archive entry '%.256s': absolute paths, '..' and "
		                    "empty names could write outside the destination",
		                    entry);
	if (top && strcmp(top, etop) != 0)
		return dd_error_set(err, -EINVAL,
		                    "Refusing the archive entry '%.256s': it is outside '%s', the "
		                    "path being copied",
		                    entry, top);
	*ret_is_top = !*rest;
	*ret_path = *rest ? dd_asprintf("%s/%s", root, rest) : dd_strdup(root);
	if (ret_top)
		*ret_top = TAKE_PTR(etop);
	return 0;
}

static int extract_stream(int fd, const char *root, unsigned flags, dd_extract_report *rep,
                          dd_error *err);

void dd_extract_report_clear(dd_extract_report *r)
{
	strv_free(r->skipped);
	strv_free(r->skipped_kind);
	memset(r, 0, sizeof(*r));
}

static const char *special_kind(mode_t type)
{
	switch (type) {
	case AE_IFIFO: return "FIFO";
	case AE_IFCHR: return "character device";
	case AE_IFBLK: return "block device";
	case AE_IFSOCK: return "socket";
	default: return "special file";
	}
}

static void report_skip(dd_extract_report *rep, const char *rel, mode_t type)
{
	size_t i = rep->n_skipped++;
	if (i >= DD_EXTRACT_MAX_SKIPPED)
		return;
	if (i == 0) {
		rep->skipped = dd_malloc0((DD_EXTRACT_MAX_SKIPPED + 1) * sizeof(char *));
		rep->skipped_kind = dd_malloc0((DD_EXTRACT_MAX_SKIPPED + 1) * sizeof(char *));
	}
	rep->skipped[i] = dd_strdup(rel);
	rep->skipped_kind[i] = dd_strdup(special_kind(type));
}

/* Aligned blocks of zeros are not written: the offset jumps, the file
 * system leaves a hole, and finishing the entry sets the size. A hole needs
 * at least a block; 4 KiB is the usual one. */
#define HOLE_BLOCK 4096u

static bool all_zero(const char *p, size_t n)
{
	return n > 0 && p[0] == 0 && memcmp(p, p + 1, n - 1) == 0;
}

static int write_block_sparse(struct archive *out, const char *buf, size_t size, int64_t offset)
{
	size_t i = 0;
	while (i < size) {
		/* Up to the next block boundary of the file, then block by block. */
		size_t n = HOLE_BLOCK - (size_t)((offset + (int64_t)i) % HOLE_BLOCK);
		if (n > size - i)
			n = size - i;
		size_t j = i;
		while (j < size && !all_zero(buf + j, n)) {
			j += n;
			n = size - j < HOLE_BLOCK ? size - j : HOLE_BLOCK;
		}
		if (j > i && archive_write_data_block(out, buf + i, j - i, offset + (int64_t)i) <
		                 ARCHIVE_WARN)
			return -1;
		i = j;
		while (i < size && all_zero(buf + i, n)) {
			i += n;
			n = size - i < HOLE_BLOCK ? size - i : HOLE_BLOCK;
		}
	}
	return 0;
}

int dd_tar_extract_fd(int fd, const char *root, unsigned flags, dd_extract_report *ret,
                      dd_error *err)
{
	dd_extract_report rep_local = {0};
	dd_extract_report *rep = ret ? ret : &rep_local;
	memset(rep, 0, sizeof(*rep));
	int r = extract_stream(fd, root, flags, rep, err);
	if (!ret)
		dd_extract_report_clear(&rep_local);
	return r;
}

static int extract_stream(int fd, const char *root, unsigned flags, dd_extract_report *rep,
                          dd_error *err)
{
	if (root[0] != '/')
		return dd_error_set(err, -EINVAL,
		                    "Internal error: extraction root '%s' is relative", root);
	struct archive *in = archive_read_new();
	struct archive *out = archive_write_disk_new();
	if (!in || !out) {
		archive_read_free(in);
		archive_write_free(out);
		return dd_error_set(err, -ENOMEM, "Out of memory");
	}
	archive_read_support_format_tar(in);
	archive_write_disk_set_options(
	    out, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_UNLINK |
	             ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	int r = 0;
	_cleanup_free_ char *top = NULL;
	if (archive_read_open_fd(in, fd, IO_BUF) != ARCHIVE_OK)
		r = dd_error_set(err, -EIO, "Cannot read the archive: %s",
		                 archive_error_string(in) ?: "unknown error");
	struct archive_entry *e;
	while (r == 0) {
		int ar = archive_read_next_header(in, &e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN) {
			r = dd_error_set(err, -EIO, "Corrupt or truncated archive: %s",
			                 archive_error_string(in) ?: "unknown error");
			break;
		}
		const char *name = archive_entry_pathname(e);
		_cleanup_free_ char *path = NULL, *first = NULL;
		bool is_top = false;
		r = extract_entry_path(root, name ? name : "", top, &path, top ? NULL : &first,
		                       &is_top, err);
		if (r < 0)
			break;
		if (!top)
			top = TAKE_PTR(first);
		const char *hardlink = archive_entry_hardlink(e);
		mode_t type = archive_entry_filetype(e);
		bool wanted = hardlink || type == AE_IFREG || type == AE_IFDIR || type == AE_IFLNK;
		if (!wanted) {
			/* Nobody asked for a device or a FIFO on this host (and only root
			 * could make a device): skipped, but said. */
			report_skip(rep, path + strlen(root) + (is_top ? 0 : 1), type);
			archive_read_data_skip(in);
			continue;
		}
		if (is_top && (flags & DD_EXTRACT_SKIP_TOP)) {
			archive_read_data_skip(in);
			continue;
		}
		mode_t perm = archive_entry_perm(e);
		if (type != AE_IFDIR && (perm & (S_ISUID | S_ISGID)) &&
		    !(flags & DD_EXTRACT_KEEP_SETID)) {
			archive_entry_set_perm(e, perm & ~(mode_t)(S_ISUID | S_ISGID));
			rep->n_setid++;
		}
		_cleanup_free_ char *link_path = NULL;
		if (hardlink) {
			bool link_top;
			r = extract_entry_path(root, hardlink, top, &link_path, NULL, &link_top,
			                       err);
			if (r < 0)
				break;
			archive_entry_set_hardlink(e, link_path);
		}
		archive_entry_set_pathname(e, path);
		ar = archive_write_header(out, e);
		if (ar < ARCHIVE_WARN) {
			r = dd_error_set(err, -EIO, "Cannot create '%s': %s", path,
			                 archive_error_string(out) ?: "unknown error");
			break;
		}
		const void *buf;
		size_t size;
		la_int64_t offset;
		while ((ar = archive_read_data_block(in, &buf, &size, &offset)) == ARCHIVE_OK) {
			if (write_block_sparse(out, buf, size, offset) < 0) {
				ar = ARCHIVE_FATAL;
				r = dd_error_set(err, -EIO, "Cannot write '%s': %s", path,
				                 archive_error_string(out) ?: "unknown error");
				break;
			}
		}
		if (r == 0 && ar != ARCHIVE_EOF)
			r = dd_error_set(err, -EIO, "Corrupt or truncated archive at '%s': %s",
			                 name, archive_error_string(in) ?: "unknown error");
		if (r == 0 && archive_write_finish_entry(out) < ARCHIVE_WARN)
			r = dd_error_set(err, -EIO, "Cannot finish '%s': %s", path,
			                 archive_error_string(out) ?: "unknown error");
		rep->count++;
	}
	if (r == 0 && !top)
		r = dd_error_set(err, -EIO, "The archive is empty");
	/* Closing applies the modes and mtimes of directories, deferred until
	 * their contents are written. */
	if (archive_write_close(out) != ARCHIVE_OK && r == 0)
		r = dd_error_set(err, -EIO, "Cannot finish unpacking into '%s': %s", root,
		                 archive_error_string(out) ?: "unknown error");
	archive_write_free(out);
	archive_read_free(in);
	return r;
}

/* ---- a tar stream between two threads ---- */

struct producer {
	pthread_t thread;
	bool started;
	const char *src;
	const char *name;
	dd_tar_write_opts opts;
	int fd; /* owned: closed when the stream is written */
	int r;
	dd_error err;
};

static void *producer_main(void *userdata)
{
	struct producer *p = userdata;
	p->r = dd_tar_write_fd_opts(p->src, p->name, &p->opts, p->fd, &p->err);
	close(p->fd);
	p->fd = -1;
	return NULL;
}

struct extractor {
	pthread_t thread;
	bool started;
	const char *root;
	unsigned flags;
	int fd; /* owned */
	int r;
	dd_error err;
	dd_extract_report rep;
};

static void *extractor_main(void *userdata)
{
	struct extractor *x = userdata;
	x->r = dd_tar_extract_fd(x->fd, x->root, x->flags, &x->rep, &x->err);
	if (x->r == 0) {
		/* Whatever follows the end-of-archive blocks (padding) must be read, or
		 * the sender would see EPIPE for a transfer that worked. */
		char buf[4096];
		while (read(x->fd, buf, sizeof(buf)) > 0)
			;
	}
	close(x->fd);
	x->fd = -1;
	return NULL;
}

static int make_socketpair(int sv[2], dd_error *err)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return dd_error_set(err, -errno, "socketpair() failed: %s", strerror(errno));
	return 0;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- the node's side ---- */

struct remote {
	dd_docker *d;
	const char *id;
	const char *name;  /* for messages */
	const char *cname; /* container name, for hints */
	bool running;
	char **mounts; /* destinations of Docker-managed mounts */
	char **tmpfs;  /* tmpfs mount points Docker gives the node when it starts */
};

static void remote_clear(struct remote *r)
{
	strv_free(r->mounts);
	strv_free(r->tmpfs);
	r->mounts = r->tmpfs = NULL;
}

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* A stopped node has no tmpfs: what the daemon shows there is the image
 * layer beneath, hidden again when the node starts. Refuse rather than
 * lose files, as the original tool did. */
static int check_stopped_tmpfs(const struct remote *rm, const char *path, dd_error *err)
{
	if (rm->running || !path)
		return 0;
	for (char **t = rm->tmpfs; t && *t; t++)
		if (path_under(path, *t)) {
			dd_error_set(err, -EHOSTDOWN,
			             "'%s' is on a tmpfs (%s) of node %s, which is not running: "
			             "tmpfs contents exist only while the node runs",
			             path, *t, rm->name);
			return dd_error_hint(err, "Start the node first ('docker start %s').",
			                     rm->cname);
		}
	return 0;
}

static int remote_open(dd_docker *d, const dd_node *node, struct remote *ret, dd_error *err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = dd_container_inspect(d, node->id, &j, err);
	if (r < 0)
		return dd_error_prefix(err, "Cannot inspect node %s: ", node->short_name);
	json_t *state = json_object_get(j, "State");
	json_t *mounts = json_object_get(j, "Mounts");
	size_t i;
	json_t *m;
	char **v = dd_malloc0((json_array_size(mounts) + 1) * sizeof(char *));
	size_t n = 0;
	json_array_foreach (mounts, i, m) {
		const char *dst = json_string_value(json_object_get(m, "Destination"));
		if (dst)
			v[n++] = dd_strdup(dst);
	}
	json_t *tmpfs = json_object_get(json_object_get(j, "HostConfig"), "Tmpfs");
	char **t = dd_malloc0((json_object_size(tmpfs) + 1) * sizeof(char *));
	size_t nt = 0;
	const char *key;
	json_t *val;
	json_object_foreach (tmpfs, key, val) {
		t[nt++] = dd_strdup(key);
	}
	*ret = (struct remote){
	    .tmpfs = t,
	    .d = d,
	    .id = node->id,
	    .name = node->short_name,
	    .cname = node->name,
	    .running = json_is_true(json_object_get(state, "Running")) &&
	               !json_is_true(json_object_get(state, "Paused")),
	    .mounts = v,
	};
	return 0;
}

/* Whether the daemon's view of a directory on mount point m matches the node's. */
static bool docker_sees(const struct remote *r, const char *m)
{
	if (!r->running)
		return true;
	if (!m || !*m)
		return false;
	if (strcmp(m, "/") == 0)
		return true;
	for (char **p = r->mounts; p && *p; p++)
		if (strcmp(*p, m) == 0)
			return true;
	return false;
}

struct probe {
	dd_path_kind kind;
	char *resolved; /* symlinks resolved; NULL when missing */
	/* Mount point (node's view) of the path if it is a directory, else of its directory. */
	char *mount;
};

static void probes_free(struct probe *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++) {
		free(p[i].resolved);
		free(p[i].mount);
	}
	free(p);
}

struct outbufs {
	dd_buf out, err;
};

/* The first line of a tool's stderr, for a one-line error (GNU tar adds
 * "Exiting with failure status" after the line that names the file). */
static const char *first_line(dd_buf *b)
{
	if (!b->data)
		return "";
	b->data[strcspn(b->data, "\n")] = '\0';
	return b->data;
}

static int on_capture(int stream, const char *buf, size_t len, void *userdata)
{
	struct outbufs *o = userdata;
	dd_buf_add(stream == DD_STREAM_STDERR ? &o->err : &o->out, buf, len);
	return 0;
}

/* Runs a short script in the node (as user, NULL: root), its arguments
 * never part of it, and captures stdout (up to max_out) and the first line
 * of stderr (into ret_err when not NULL). */
static int remote_script(struct remote *rm, const char *user, const char *script,
                         const char *const *args, size_t nargs, size_t max_out, int *ret_code,
                         dd_buf *ret_out, char **ret_err, dd_error *err)
{
	_cleanup_free_ const char **argv = dd_malloc0((nargs + 5) * sizeof(char *));
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = script;
	argv[3] = "sh";
	for (size_t i = 0; i < nargs; i++)
		argv[4 + i] = args[i];
	struct outbufs o = {.out = DD_BUF_HEAD(max_out), .err = DD_BUF_HEAD(MAX_STDERR)};
	dd_exec_opts opts = {.argv = argv,
	                     .user = user,
	                     .stdin_fd = -1,
	                     .resize_fd = -1,
	                     .on_output = on_capture,
	                     .userdata = &o,
	                     .name = rm->name,
	                     .timeout_ms = 60000};
	int r = dd_exec(rm->d, rm->id, &opts, ret_code, err);
	if (ret_err)
		*ret_err = dd_strdup(first_line(&o.err));
	dd_buf_free(&o.err);
	*ret_out = o.out;
	return r;
}

/* One exec answers for every path: the node's own view, tmpfs included.
 * The paths are arguments of the script, never part of it. */
static const char probe_script[] =
    "for p do\n"
    "  m=\n"
    "  r=\n"
    "  if [ -d \"$p\" ]; then k=d; r=$(readlink -f -- \"$p\") || r=\n"
    "    m=$(stat -L -c %m -- \"$p\" 2>/dev/null) || m=\n"
    "  elif [ -e \"$p\" ] || [ -L \"$p\" ]; then k=f; r=$(readlink -f -- \"$p\") || r=$p\n"
    "    m=$(stat -L -c %m -- \"$(dirname -- \"$r\")\" 2>/dev/null) || m=\n"
    "  else k=n; fi\n"
    "  printf '%s\\0%s\\0%s\\0' \"$k\" \"$r\" \"$m\"\n"
    "done\n";

static int probe_exec(struct remote *rm, char **paths, size_t n, struct probe *out, dd_error *err)
{
	struct outbufs o = {0};
	_cleanup_free_ char *errline = NULL;
	int code = 0;
	int r = remote_script(rm, NULL, probe_script, (const char *const *)paths, n,
	                      MAX_PROBE_OUTPUT, &code, &o.out, &errline, err);
	if (r == 0 && code != 0)
		r = dd_error_set(err, -EIO, "Cannot look at the paths in node %s (exit %d): %s",
		                 rm->name, code, errline);
	size_t off = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *field[3] = {NULL}; /* gcc -O3 misses that a short answer breaks out */
		for (int f = 0; f < 3; f++) {
			const char *end =
			    o.out.data ? memchr(o.out.data + off, '\0', o.out.len - off) : NULL;
			if (!end) {
				r = dd_error_set(
				    err, -EPROTO,
				    "Unexpected answer when looking at paths in node %s", rm->name);
				break;
			}
			field[f] = o.out.data + off;
			off = (size_t)(end - o.out.data) + 1;
		}
		if (r < 0)
			break;
		out[i].kind = field[0][0] == 'd'   ? DD_PATH_DIR
		              : field[0][0] == 'f' ? DD_PATH_OTHER
		                                   : DD_PATH_MISSING;
		out[i].resolved = *field[1] ? dd_strdup(field[1]) : NULL;
		out[i].mount = *field[2] ? dd_strdup(field[2]) : NULL;
	}
	dd_buf_free(&o.out);
	dd_buf_free(&o.err);
	return r;
}

/* The daemon's stat header is standard base64 (Go's StdEncoding). nettle's
 * decoder, which libarchive already brings, skips whitespace and refuses
 * anything else: NULL then, which reads as an unreadable stat. */
static char *b64decode(const char *s, size_t *ret_len)
{
	size_t len = strlen(s);
	size_t o = BASE64_DECODE_LENGTH(len);
	char *out = dd_malloc0(o + 1);
	struct base64_decode_ctx ctx;
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &o, (uint8_t *)out, len, s) || !base64_decode_final(&ctx)) {
		free(out);
		*ret_len = 0;
		return NULL;
	}
	out[o] = '\0';
	*ret_len = o;
	return out;
}

/* The daemon's view: HEAD on the archive endpoint, for stopped nodes. */
static int head_stat(struct remote *rm, const char *path, dd_path_kind *ret_kind, char **ret_link,
                     dd_error *err)
{
	_cleanup_free_ char *stat = NULL;
	int r = dd_archive_stat(rm->d, rm->id, path, &stat, err);
	if (r == -EREMOTEIO) {
		char status[64];
		snprintf(status, sizeof(status), "%s", err->msg);
		return dd_error_set(err, r, "Cannot look at '%s' in node %s (%s)", path, rm->name,
		                    status);
	}
	if (r < 0)
		return r;
	*ret_link = NULL;
	if (!stat) {
		*ret_kind = DD_PATH_MISSING;
		return 0;
	}
	size_t jlen = 0;
	_cleanup_free_ char *js = b64decode(stat, &jlen);
	_cleanup_json_ json_t *j = json_loadb(js, jlen, 0, NULL);
	json_t *mode = json_object_get(j, "mode");
	if (!json_is_integer(mode))
		return dd_error_set(err, -EPROTO,
		                    "The daemon sent an unreadable path stat for '%s'", path);
	unsigned long long m = (unsigned long long)json_integer_value(mode);
	const char *link = json_string_value(json_object_get(j, "linkTarget"));
	*ret_kind = (m & GO_MODE_DIR) ? DD_PATH_DIR : DD_PATH_OTHER;
	if ((m & GO_MODE_SYMLINK) && link && *link)
		*ret_link = dd_strdup(link);
	return 0;
}

static int probe_head(struct remote *rm, char **paths, size_t n, struct probe *out, dd_error *err)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *link = NULL;
		int r = head_stat(rm, paths[i], &out[i].kind, &link, err);
		if (r < 0)
			return r;
		if (link) {
			/* The daemon resolves the whole chain: one more look says what it is. */
			_cleanup_free_ char *link2 = NULL;
			dd_path_kind k;
			r = head_stat(rm, link, &k, &link2, err);
			if (r < 0)
				return r;
			if (k == DD_PATH_DIR)
				out[i].kind = DD_PATH_DIR;
			out[i].resolved = TAKE_PTR(link);
		} else if (out[i].kind != DD_PATH_MISSING)
			out[i].resolved = dd_strdup(paths[i]);
	}
	return 0;
}

static int remote_probe(struct remote *rm, char **paths, size_t n, struct probe **ret,
                        dd_error *err)
{
	struct probe *p = dd_malloc0((n + 1) * sizeof(*p));
	int r = rm->running ? probe_exec(rm, paths, n, p, err) : probe_head(rm, paths, n, p, err);
	if (r < 0) {
		probes_free(p, n);
		return r;
	}
	*ret = p;
	return 0;
}

/* ---- send ---- */

struct body_src {
	int fd;
};

static ssize_t body_read(char *buf, size_t size, void *userdata)
{
	struct body_src *b = userdata;
	for (;;) {
		if (dd_cancelled())
			return -ECANCELED;
		ssize_t n = read(b->fd, buf, size);
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : n;
	}
}

static int check_remote_path(const char *path, const char *what, dd_error *err)
{
	if (!path || path[0] != '/') {
		dd_error_usage(err, -EINVAL, "The %s path in the node must be absolute: '%s'", what,
		               path ? path : "");
		return dd_error_hint(err, "For example /root/%s or /tmp/%s", path ? path : "x",
		                     path ? path : "x");
	}
	if (strlen(path) > DD_FILES_PATH_MAX)
		return dd_error_usage(err, -ENAMETOOLONG, "The %s path is too long", what);
	return 0;
}

struct send_job {
	const dd_node *node;
	dd_error err;
	int r;
	char *target;
};

struct send_ctx {
	const char *src;
	const char *dst;
	bool src_is_dir;
	bool sparse; /* some file of src has holes */
	const dd_send_opts *opts;
	struct send_job *jobs;
	dd_event_cb on_event;
	void *userdata;
	pthread_mutex_t lock;
};

static int stream_in(struct remote *rm, const char *src, const dd_copy_plan *plan,
                     const dd_tar_write_opts *wo, bool via_api, dd_error *err)
{
	int sv[2];
	int r = make_socketpair(sv, err);
	if (r < 0)
		return r;
	struct producer prod = {.src = src, .name = plan->name, .opts = *wo, .fd = sv[1]};
	if (dd_thread_create(&prod.thread, producer_main, &prod) != 0) {
		close(sv[0]);
		close(sv[1]);
		return dd_error_set(err, -EAGAIN, "Cannot start a thread");
	}
	if (via_api) {
		struct body_src bs = {.fd = sv[0]};
		r = dd_archive_put(rm->d, rm->id, plan->anchor, body_read, &bs, err);
	} else {
		const char *argv[] = {
		    "tar", "-x",         "-f", "-", "-p", "--same-owner", "--numeric-owner",
		    "-C",  plan->anchor, NULL};
		struct outbufs o = {.out = DD_BUF_HEAD(MAX_STDERR), .err = DD_BUF_HEAD(MAX_STDERR)};
		dd_exec_opts opts = {.argv = argv,
		                     .stdin_fd = sv[0],
		                     .resize_fd = -1,
		                     .on_output = on_capture,
		                     .userdata = &o,
		                     .name = rm->name};
		int code = 0;
		r = dd_exec(rm->d, rm->id, &opts, &code, err);
		if (r == 0 && code != 0)
			r = dd_error_set(err, -EIO, "tar in the node failed (exit %d): %s", code,
			                 first_line(&o.err));
		dd_buf_free(&o.out);
		dd_buf_free(&o.err);
	}
	/* Whatever happened, nobody reads any more: a producer blocked on a full
	 * socket gets EPIPE and ends. */
	close(sv[0]);
	pthread_join(prod.thread, NULL);
	if (r < 0 && dd_cancelled())
		return dd_error_set(err, -ECANCELED, "Interrupted");
	if (prod.r < 0 && prod.r != -EPIPE) {
		/* The local side failed: that is the cause, whatever the node said. */
		dd_error_copy(err, &prod.err);
		return prod.r;
	}
	if (r < 0)
		return r;
	if (prod.r < 0)
		return dd_error_set(err, -EPIPE, "The node stopped reading the archive");
	return 0;
}

/* Options that need the node's own processes (tar or id run as a user). */
static int need_running(const struct remote *rm, const char *what, dd_error *err)
{
	if (rm->running)
		return 0;
	dd_error_set(err, -EHOSTDOWN, "%s needs node %s to be running", what, rm->name);
	return dd_error_hint(err, "Start the node first ('docker start %s').", rm->cname);
}

/* USER[:GROUP] to numbers, by the node's own user database. A uid without an
 * entry is taken as it is, with group 0, as Docker does for `--user`. */
static const char user_script[] =
    "u=$1 g=$2\n"
    "case $u in ''|*[!0-9]*) uid=$(id -u -- \"$u\" 2>/dev/null) || exit 3;; *) uid=$u;; esac\n"
    "if [ -n \"$g\" ]; then\n"
    "  case $g in *[!0-9]*) gid=$(getent group -- \"$g\" | cut -d: -f3); [ -n \"$gid\" ] || exit "
    "4;;\n"
    "  *) gid=$g;; esac\n"
    "else gid=$(id -g -- \"$u\" 2>/dev/null) || gid=0; fi\n"
    "printf '%s %s' \"$uid\" \"$gid\"\n";

static int remote_user(struct remote *rm, const char *spec, unsigned *ret_uid, unsigned *ret_gid,
                       dd_error *err)
{
	_cleanup_free_ char *user = dd_strdup(spec);
	char *colon = strchr(user, ':');
	if (colon)
		*colon++ = '\0';
	const char *args[] = {user, colon ? colon : ""};
	dd_buf out = {0};
	int code = 0;
	int r = remote_script(rm, NULL, user_script, args, 2, MAX_STDERR, &code, &out, NULL, err);
	unsigned long uid = 0, gid = 0;
	char *end = NULL;
	if (r == 0 && code == 3)
		r = dd_error_usage(err, -ENOENT, "No user '%s' in node %s", user, rm->name);
	else if (r == 0 && code == 4)
		r = dd_error_usage(err, -ENOENT, "No group '%s' in node %s", colon, rm->name);
	else if (r == 0 && code != 0)
		r = dd_error_set(err, -EIO, "Cannot look up user '%s' in node %s (exit %d)", spec,
		                 rm->name, code);
	else if (r == 0) {
		const char *str = dd_buf_str(&out);
		errno = 0;
		uid = strtoul(str, &end, 10);
		if (errno || end == str || *end != ' ' || uid > UINT_MAX)
			r = -EPROTO;
		else {
			const char *g = end + 1;
			gid = strtoul(g, &end, 10);
			if (errno || end == g || *end || gid > UINT_MAX)
				r = -EPROTO;
		}
		if (r == -EPROTO)
			dd_error_set(err, r, "Unexpected answer looking up user '%s' in node %s",
			             spec, rm->name);
	}
	dd_buf_free(&out);
	if (r < 0)
		return r;
	*ret_uid = (unsigned)uid;
	*ret_gid = (unsigned)gid;
	return 0;
}

/* As the user: the first path it may not write, printed; exit 1 then. */
static const char writable_script[] =
    "for p do [ -e \"$p\" ] || continue; [ -w \"$p\" ] || { printf '%s' \"$p\"; exit 1; }; done\n";

static int check_user_writes(struct remote *rm, const char *user, const dd_copy_plan *plan,
                             dd_error *err)
{
	const char *args[] = {plan->anchor, plan->target};
	dd_buf out = {0};
	int code = 0;
	int r = remote_script(rm, user, writable_script, args,
	                      plan->target_kind == DD_PATH_MISSING ? 1 : 2, MAX_STDERR, &code, &out,
	                      NULL, err);
	if (r == 0 && code != 0) {
		dd_error_set(err, -EACCES, "User '%s' may not write '%s' in node %s", user,
		             out.len ? dd_buf_str(&out) : plan->anchor, rm->name);
		r = dd_error_hint(err,
		                  "Add --sudo to write it anyway (the copy still belongs to "
		                  "'%s').",
		                  user);
	}
	dd_buf_free(&out);
	return r;
}

static int send_one(struct send_ctx *ctx, dd_docker *d, const dd_node *node, char **ret_target,
                    dd_error *err)
{
	struct remote rm = {0};
	int r = remote_open(d, node, &rm, err);
	if (r < 0)
		return r;
	const char *user = ctx->opts->user;
	dd_tar_write_opts wo = {0};
	if (user) {
		r = need_running(&rm, "Sending files as a user (--user)", err);
		if (r == 0)
			r = remote_user(&rm, user, &wo.uid, &wo.gid, err);
		if (r < 0) {
			remote_clear(&rm);
			return r;
		}
	}
	_cleanup_strv_ char **lineage = dd_path_lineage(ctx->dst);
	size_t depth = 0;
	while (lineage[depth])
		depth++;
	_cleanup_free_ char *src_name = dd_copy_src_name(ctx->src);
	bool has_inner = strcmp(src_name, ".") != 0;
	_cleanup_free_ char *inner = has_inner ? path_join(lineage[0], src_name) : NULL;
	char **paths = dd_malloc0((depth + 2) * sizeof(char *));
	memcpy(paths, lineage, depth * sizeof(char *));
	size_t n = depth;
	if (has_inner)
		paths[n++] = inner;
	struct probe *p = NULL;
	r = remote_probe(&rm, paths, n, &p, err);
	free(paths);
	if (r < 0) {
		remote_clear(&rm);
		return r;
	}
	dd_path_kind *kinds = dd_malloc0(depth * sizeof(*kinds));
	for (size_t i = 0; i < depth; i++)
		kinds[i] = p[i].kind;
	dd_copy_plan plan = {0};
	r = dd_copy_plan_make(ctx->src, ctx->src_is_dir, ctx->dst, kinds, depth,
	                      has_inner ? p[depth].kind : DD_PATH_MISSING, &plan, err);
	free(kinds);
	if (r == 0) {
		const char *mount = NULL, *resolved = plan.anchor;
		for (size_t i = 0; i < depth; i++)
			if (strcmp(lineage[i], plan.anchor) == 0) {
				mount = p[i].mount;
				resolved = p[i].resolved ? p[i].resolved : plan.anchor;
			}
		r = check_stopped_tmpfs(&rm, resolved, err);
		if (r == 0 && user && !ctx->opts->sudo) {
			r = check_user_writes(&rm, user, &plan, err);
			/* The missing parents are the user's, as its own mkdir -p would make them.
			 */
			for (const char *c = plan.name; *c; c++)
				wo.parents += *c == '/';
		}
		/* The archive API writes holes out as zeros (the daemon's tar reader
		 * does not seek over them): tar in the node keeps them. */
		bool via_api = docker_sees(&rm, mount) && !(ctx->sparse && rm.running);
		if (r == 0)
			r = stream_in(&rm, ctx->src, &plan, &wo, via_api, err);
	}
	if (r == 0)
		*ret_target = TAKE_PTR(plan.target);
	dd_copy_plan_clear(&plan);
	probes_free(p, n);
	remote_clear(&rm);
	return r;
}

/* A failed or done node, reported as it happens. */
static void send_report(struct send_ctx *ctx, struct send_job *job)
{
	if (job->r < 0)
		dd_error_prefix(&job->err, "Failed to send '%s' to %s: ", ctx->src,
		                job->node->short_name);
	if (ctx->on_event) {
		pthread_mutex_lock(&ctx->lock);
		dd_event_status(ctx->on_event, ctx->userdata, job->node->short_name,
		                job->r < 0 ? job->err.msg : job->target, job->r == 0);
		pthread_mutex_unlock(&ctx->lock);
	}
}

static int send_job(void *userdata, size_t i, void *state)
{
	struct send_ctx *ctx = userdata;
	struct send_job *job = &ctx->jobs[i];
	dd_docker *d = dd_pool_docker_get(state, &job->r, &job->err);
	if (!d)
		return job->r;
	job->r = send_one(ctx, d, job->node, &job->target, &job->err);
	send_report(ctx, job);
	return job->r;
}

/* Ctrl-C came before this node's turn: it failed like the others. */
static void send_skipped(void *userdata, size_t i)
{
	struct send_ctx *ctx = userdata;
	ctx->jobs[i].r = dd_error_set(&ctx->jobs[i].err, -ECANCELED, "Interrupted");
	send_report(ctx, &ctx->jobs[i]);
}

int dd_files_send(dd_docker *d, const dd_node *const *nodes, size_t n, const char *src,
                  const char *dst, dd_event_cb progress, void *userdata, dd_error *node_errs,
                  dd_error *err)
{
	return dd_files_send_opts(d, nodes, n, src, dst, NULL, progress, userdata, node_errs, err);
}

/* Whether any regular file under src (followed if it is a symlink) has holes. */
static bool tree_is_sparse(const char *src)
{
	char *roots[] = {(char *)src, NULL};
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_COMFOLLOW | FTS_NOCHDIR, NULL);
	if (!fts)
		return false;
	bool sparse = false;
	FTSENT *f;
	while (!sparse && (f = fts_read(fts)))
		if (f->fts_info == FTS_F)
			sparse = (int64_t)f->fts_statp->st_blocks * 512 < f->fts_statp->st_size;
	fts_close(fts);
	return sparse;
}

int dd_files_send_opts(dd_docker *d, const dd_node *const *nodes, size_t n, const char *src,
                       const char *dst, const dd_send_opts *opts, dd_event_cb progress,
                       void *userdata, dd_error *node_errs, dd_error *err)
{
	static const dd_send_opts defaults = {0};
	if (!opts)
		opts = &defaults;
	if (opts->user && !*opts->user)
		return dd_error_usage(err, -EINVAL, "The user name is empty");
	int r = check_remote_path(dst, "destination", err);
	if (r < 0)
		return r;
	if (n == 0)
		return dd_error_usage(err, -EINVAL, "No node to send to");
	_cleanup_free_ char *src_name = dd_copy_src_name(src);
	if (!src_name)
		return dd_error_usage(err, -EINVAL,
		                      "Refusing to send a whole root directory ('%s')", src);
	struct stat st;
	if (stat(src, &st) < 0) {
		int e = errno;
		if (e == ENOENT)
			return dd_error_set(err, -ENOENT, "No such file or directory: '%s'", src);
		return dd_error_set(err, -e, "Cannot read '%s': %s", src, strerror(e));
	}
	if (strcmp(src_name, ".") == 0 && !S_ISDIR(st.st_mode))
		return dd_error_set(err, -ENOTDIR, "'%s' is not a directory", src);

	struct send_ctx ctx = {.src = src,
	                       .dst = dst,
	                       .src_is_dir = S_ISDIR(st.st_mode),
	                       .sparse = tree_is_sparse(src),
	                       .opts = opts,
	                       .on_event = progress,
	                       .userdata = userdata};
	pthread_mutex_init(&ctx.lock, NULL);
	ctx.jobs = dd_malloc0(n * sizeof(*ctx.jobs));
	for (size_t i = 0; i < n; i++)
		ctx.jobs[i].node = nodes[i];
	dd_pool pool = {
	    .n = n, .job = send_job, .userdata = &ctx, .skipped = send_skipped, .docker = d};
	dd_pool_run(&pool, NULL);

	size_t failed = 0;
	r = 0;
	for (size_t i = 0; i < n; i++) {
		struct send_job *job = &ctx.jobs[i];
		if (node_errs)
			dd_error_copy(&node_errs[i], &job->err);
		if (job->r < 0 && failed++ == 0) {
			dd_error_copy(err, &job->err);
			r = job->r;
		}
		free(job->target);
	}
	if (failed > 1)
		dd_error_set(err, r, "Failed to send '%s' to %zu of %zu nodes", src, failed, n);
	free(ctx.jobs);
	pthread_mutex_destroy(&ctx.lock);
	return r;
}

/* ---- download ---- */

struct download_src {
	int fd;
	int error;
	bool cancelled;
	dd_buf err;
};

static int on_archive_data(const char *buf, size_t len, void *userdata)
{
	struct download_src *s = userdata;
	if (dd_cancelled()) {
		s->cancelled = true;
		return -ECANCELED;
	}
	int r = send_all(s->fd, buf, len);
	if (r < 0)
		s->error = r;
	return r;
}

static int on_tar_output(int stream, const char *buf, size_t len, void *userdata)
{
	struct download_src *s = userdata;
	if (stream == DD_STREAM_STDERR) {
		dd_buf_add(&s->err, buf, len);
		return 0;
	}
	return on_archive_data(buf, len, userdata);
}

/* Streams `path` out of the node (archive API or tar in the node) and unpacks it at root. */
static int stream_out(dd_docker *d, const char *container, const char *label, const char *path,
                      bool via_api, const char *user, const char *root, unsigned flags,
                      dd_extract_report *ret_rep, dd_error *err)
{
	int sv[2];
	int r = make_socketpair(sv, err);
	if (r < 0)
		return r;
	struct extractor x = {.root = root, .flags = flags, .fd = sv[0]};
	if (dd_thread_create(&x.thread, extractor_main, &x) != 0) {
		close(sv[0]);
		close(sv[1]);
		return dd_error_set(err, -EAGAIN, "Cannot start a thread");
	}
	struct download_src s = {.fd = sv[1], .err = DD_BUF_HEAD(MAX_STDERR)};
	if (via_api) {
		r = dd_archive_get(d, container, path, on_archive_data, &s, err);
		if (r == -ENOENT)
			r = dd_error_set(err, r, "No such file or directory in node %s: '%s'",
			                 label, path);
		else if (r == -EREMOTEIO)
			dd_error_prefix(err, "Cannot read '%s' in node %s: ", path, label);
	} else {
		_cleanup_free_ char *dir = NULL, *base = NULL;
		const char *slash = strrchr(path, '/');
		dir = slash == path ? dd_strdup("/") : strndup(path, (size_t)(slash - path));
		base = dd_strdup(slash + 1);
		/* --sparse: holes are not read out as zeros (the extractor would make
		 * holes of them again, but they would cross the wire). */
		const char *argv[] = {"tar", "-c", "--sparse", "-f", "-",
		                      "-C",  dir,  "--",       base, NULL};
		dd_exec_opts opts = {.argv = argv,
		                     .user = user,
		                     .stdin_fd = -1,
		                     .resize_fd = -1,
		                     .on_output = on_tar_output,
		                     .userdata = &s,
		                     .name = label};
		int code = 0;
		r = dd_exec(d, container, &opts, &code, err);
		/* GNU tar exits 1 when a file changed while it was read: still a copy. */
		if (r == 0 && code > 1)
			r = dd_error_set(err, -EIO, "tar in node %s failed (exit %d): %s", label,
			                 code, first_line(&s.err));
	}
	/* End of stream for the extractor. */
	close(sv[1]);
	pthread_join(x.thread, NULL);
	dd_buf_free(&s.err);
	if (ret_rep)
		*ret_rep = x.rep;
	else
		dd_extract_report_clear(&x.rep);
	if (s.cancelled || (r < 0 && dd_cancelled()))
		return dd_error_set(err, -ECANCELED, "Interrupted");
	if (x.r < 0 && (r == 0 || s.error < 0 || r == -EPIPE)) {
		/* The extractor stopped first (refused an entry, disk full): its
		 * error is the cause of any error on the sending side. */
		dd_error_copy(err, &x.err);
		return x.r;
	}
	return r;
}

static dd_path_kind local_kind(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return S_ISDIR(st.st_mode) ? DD_PATH_DIR : DD_PATH_OTHER;
	if (lstat(path, &st) == 0)
		return DD_PATH_OTHER; /* dangling symlink */
	return DD_PATH_MISSING;
}

/* Everything after looking at SRC in the node: the local side and the transfer. */
static int download_planned(dd_docker *d, const struct remote *rm, const char *src,
                            const struct probe *sp, const char *dst, const dd_download_opts *o,
                            dd_download_result *ret, dd_error *err)
{
	bool force = o->force;
	bool src_is_dir = sp->kind == DD_PATH_DIR;
	const char *resolved = sp->resolved ? sp->resolved : src;
	if (strcmp(resolved, "/") == 0)
		return dd_error_usage(err, -EINVAL, "Refusing to download a whole root directory");
	int r = check_stopped_tmpfs(rm, resolved, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *src_name = dd_copy_src_name(src);
	_cleanup_free_ char *absdst = NULL;
	if (dst[0] == '/')
		absdst = dd_strdup(dst);
	else {
		_cleanup_free_ char *cwd = getcwd(NULL, 0);
		if (!cwd)
			return dd_error_set(err, -errno, "getcwd() failed: %s", strerror(errno));
		absdst = dd_asprintf("%s/%s", cwd, dst);
	}
	_cleanup_strv_ char **lineage = dd_path_lineage(absdst);
	size_t depth = 0;
	while (lineage[depth])
		depth++;
	_cleanup_free_ dd_path_kind *kinds = dd_malloc0(depth * sizeof(*kinds));
	for (size_t i = 0; i < depth; i++)
		kinds[i] = local_kind(lineage[i]);
	_cleanup_free_ char *inner = path_join(lineage[0], src_name);
	_cleanup_(dd_copy_plan_clear) dd_copy_plan plan = {0};
	r = dd_copy_plan_make(src, src_is_dir, absdst, kinds, depth, local_kind(inner), &plan, err);
	if (r < 0)
		return r;
	if (plan.target_kind != DD_PATH_MISSING && !force) {
		r = dd_error_set(err, -EEXIST, "'%s' already exists", plan.target);
		dd_error_hint(err, "Use --force to overwrite it, or choose another destination.");
		return r;
	}
	/* Unpack below the real path: libarchive refuses to write through symlinks. */
	_cleanup_free_ char *anchor = realpath(plan.anchor, NULL);
	if (!anchor)
		return dd_error_set(err, -errno, "Cannot resolve '%s': %s", plan.anchor,
		                    strerror(errno));
	_cleanup_free_ char *target = path_join(anchor, plan.name);
	/* For a file, the probe reports the mount point of its directory. The
	 * archive API reads as root: a user's view needs tar run as that user. */
	bool via_api = docker_sees(rm, sp->mount) && !o->user;
	unsigned xflags = o->keep_setid ? DD_EXTRACT_KEEP_SETID : 0;
	_cleanup_(dd_extract_report_clear) dd_extract_report rep = {0};

	if (plan.target_kind == DD_PATH_DIR) {
		/* --force into an existing directory: merge, like cp -r. */
		r = stream_out(d, rm->id, rm->name, resolved, via_api, o->user, target,
		               xflags | DD_EXTRACT_SKIP_TOP, &rep, err);
	} else {
		/* Unpack beside the target, then rename: all or nothing. */
		_cleanup_free_ char *tmp = dd_asprintf("%s/.dcos-docker-download-XXXXXX", anchor);
		if (!mkdtemp(tmp))
			return dd_error_set(err, -errno, "Cannot create a directory in '%s': %s",
			                    anchor, strerror(errno));
		_cleanup_free_ char *root = dd_asprintf("%s/copy", tmp);
		r = stream_out(d, rm->id, rm->name, resolved, via_api, o->user, root, xflags, &rep,
		               err);
		if (r == 0) {
			_cleanup_free_ char *parent = dd_strdup(target);
			char *slash = strrchr(parent, '/');
			if (slash && slash != parent) {
				*slash = '\0';
				int mr = dd_mkdir_p(parent, 0755);
				if (mr < 0)
					r = dd_error_set(err, mr, "Cannot create '%s': %s", parent,
					                 strerror(-mr));
			}
		}
		if (r == 0 && rename(root, target) < 0)
			r = dd_error_set(err, -errno, "Cannot move the copy to '%s': %s", target,
			                 strerror(errno));
		dd_rm_rf(tmp);
	}
	if (r < 0)
		return r;
	size_t listed =
	    rep.n_skipped < DD_EXTRACT_MAX_SKIPPED ? rep.n_skipped : DD_EXTRACT_MAX_SKIPPED;
	ret->skipped = dd_malloc0((listed + 1) * sizeof(char *));
	for (size_t i = 0; i < listed; i++)
		ret->skipped[i] = *rep.skipped[i] ? dd_asprintf("%s/%s", target, rep.skipped[i])
		                                  : dd_strdup(target);
	ret->skipped_kind = TAKE_PTR(rep.skipped_kind);
	ret->n_skipped = rep.n_skipped;
	ret->n_setid = rep.n_setid;
	ret->target = TAKE_PTR(target);
	return 0;
}

void dd_download_result_clear(dd_download_result *r)
{
	free(r->target);
	strv_free(r->skipped);
	strv_free(r->skipped_kind);
	memset(r, 0, sizeof(*r));
}

int dd_files_download(dd_docker *d, const dd_node *node, const char *src, const char *dst,
                      bool force, char **ret_target, dd_error *err)
{
	_cleanup_(dd_download_result_clear) dd_download_result res = {0};
	int r = dd_files_download_opts(d, node, src, dst, &(dd_download_opts){.force = force}, &res,
	                               err);
	if (r == 0 && ret_target)
		*ret_target = TAKE_PTR(res.target);
	return r;
}

int dd_files_download_opts(dd_docker *d, const dd_node *node, const char *src, const char *dst,
                           const dd_download_opts *o, dd_download_result *ret, dd_error *err)
{
	static const dd_download_opts defaults = {0};
	if (!o)
		o = &defaults;
	_cleanup_(dd_download_result_clear) dd_download_result local = {0};
	if (!ret)
		ret = &local;
	memset(ret, 0, sizeof(*ret));
	int r = check_remote_path(src, "source", err);
	if (r < 0)
		return r;
	_cleanup_free_ char *src_name = dd_copy_src_name(src);
	if (!src_name)
		return dd_error_usage(err, -EINVAL, "Refusing to download a whole root directory");
	if (!dst || !*dst)
		return dd_error_usage(err, -EINVAL, "The destination path is empty");

	_cleanup_(remote_clear) struct remote rm = {0};
	r = remote_open(d, node, &rm, err);
	if (r < 0)
		return r;
	r = check_stopped_tmpfs(&rm, src, err);
	if (r == 0 && o->user)
		r = need_running(&rm, "Reading files as a user (--user)", err);
	if (r < 0)
		return r;
	char *paths[] = {(char *)src};
	struct probe *p = NULL;
	r = remote_probe(&rm, paths, 1, &p, err);
	if (r < 0)
		return r;
	if (p[0].kind == DD_PATH_MISSING)
		r = dd_error_set(err, -ENOENT, "No such file or directory: '%s'", src);
	else
		r = download_planned(d, &rm, src, &p[0], dst, o, ret, err);
	probes_free(p, 1);
	return r;
}

int dd_files_get_archive(dd_docker *d, const char *container, const char *path,
                         const char *local_root, dd_error *err)
{
	struct stat st;
	if (lstat(local_root, &st) == 0)
		return dd_error_set(err, -EEXIST, "'%s' already exists", local_root);
	_cleanup_free_ char *parent = dd_strdup(local_root);
	char *slash = strrchr(parent, '/');
	if (!slash || !slash[1])
		return dd_error_set(err, -EINVAL, "Invalid destination '%s'", local_root);
	*slash = '\0';
	_cleanup_free_ char *real = realpath(slash == parent ? "/" : parent, NULL);
	if (!real)
		return dd_error_set(err, -errno, "Cannot resolve '%s': %s", parent,
		                    strerror(errno));
	_cleanup_free_ char *root = path_join(real, slash + 1);
	return stream_out(d, container, container, path, true, NULL, root, 0, NULL, err);
}
