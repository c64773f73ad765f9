/* The pure parts of send-file / download-file: cp -r decisions, tar entry
 * validation, and a tar stream written from a real tree and unpacked again
 * (modes, symlinks, names with spaces), plus hostile archives that must not
 * write outside the destination. No Docker needed. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "dcos-docker/files.h"
#include "files-internal.h"
#include "util.h"

/* ---- helpers ---- */

static char *make_tmpdir(void)
{
	char *t = dd_asprintf("%s/dd-test-files-XXXXXX", getenv("TMPDIR") ?: "/tmp");
	assert_non_null(mkdtemp(t));
	return t;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static char *read_text(const char *path)
{
	char *data = NULL;
	if (dd_read_file(path, 1 << 20, &data, NULL) < 0)
		return NULL;
	return data;
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Plans `cp -r src dst` with the kinds given as a string, one letter per
 * lineage entry of dst: d(ir), f(ile), m(issing). */
static int plan(const char *src, bool src_is_dir, const char *dst, const char *kinds, char inner,
                dd_copy_plan *ret, dd_error *err)
{
	dd_path_kind k[64];
	size_t n = strlen(kinds);
	for (size_t i = 0; i < n; i++)
		k[i] = kinds[i] == 'd'   ? DD_PATH_DIR
		       : kinds[i] == 'f' ? DD_PATH_OTHER
		                         : DD_PATH_MISSING;
	dd_path_kind ik = inner == 'd'   ? DD_PATH_DIR
	                  : inner == 'f' ? DD_PATH_OTHER
	                                 : DD_PATH_MISSING;
	return dd_copy_plan_make(src, src_is_dir, dst, k, n, ik, ret, err);
}

/* ---- lineage ---- */

static void assert_lineage(const char *path, const char *const *want)
{
	_cleanup_strv_ char **v = dd_path_lineage(path);
	assert_non_null(v);
	size_t i = 0;
	for (; want[i]; i++) {
		assert_non_null(v[i]);
		assert_string_equal(v[i], want[i]);
	}
	assert_null(v[i]);
}

static void test_lineage(void **state)
{
	(void)state;
	assert_lineage("/a/b/c", (const char *[]){"/a/b/c", "/a/b", "/a", "/", NULL});
	assert_lineage("/a//b/", (const char *[]){"/a/b", "/a", "/", NULL});
	assert_lineage("/", (const char *[]){"/", NULL});
	assert_lineage("///", (const char *[]){"/", NULL});
	assert_lineage("x/y", (const char *[]){"x/y", "x", ".", NULL});
	assert_lineage("./x", (const char *[]){"./x", ".", NULL});
	assert_lineage("with space/f", (const char *[]){"with space/f", "with space", ".", NULL});
	assert_null(dd_path_lineage(""));
	assert_null(dd_path_lineage(NULL));
}

static void test_src_name(void **state)
{
	(void)state;
	char *s;
	assert_string_equal((s = dd_copy_src_name("/a/b")), "b");
	free(s);
	assert_string_equal((s = dd_copy_src_name("a/b//")), "b");
	free(s);
	assert_string_equal((s = dd_copy_src_name("file")), "file");
	free(s);
	assert_string_equal((s = dd_copy_src_name("dir/.")), ".");
	free(s);
	assert_string_equal((s = dd_copy_src_name("..")), ".");
	free(s);
	assert_null(dd_copy_src_name("/"));
	assert_null(dd_copy_src_name("//"));
	assert_null(dd_copy_src_name(""));
}

/* ---- cp -r decisions ---- */

static void test_plan_dir_to_missing_path_arrives_as_that_path(void **state)
{
	(void)state;
	dd_copy_plan p;
	dd_error err = {0};
	assert_int_equal(plan("/home/u/tree", true, "/root/new", "mdd", 'm', &p, &err), 0);
	assert_string_equal(p.anchor, "/root");
	assert_string_equal(p.name, "new");
	assert_string_equal(p.target, "/root/new");
	assert_int_equal(p.target_kind, DD_PATH_MISSING);
	dd_copy_plan_clear(&p);
}

static void test_plan_dir_to_existing_dir_goes_inside(void **state)
{
	(void)state;
	dd_copy_plan p;
	dd_error err = {0};
	assert_int_equal(plan("/home/u/tree/", true, "/tmp", "dd", 'm', &p, &err), 0);
	assert_string_equal(p.anchor, "/tmp");
	assert_string_equal(p.name, "tree");
	assert_string_equal(p.target, "/tmp/tree");
	dd_copy_plan_clear(&p);

	/* Into "/" itself. */
	assert_int_equal(plan("tree", true, "/", "d", 'm', &p, &err), 0);
	assert_string_equal(p.anchor, "/");
	assert_string_equal(p.target, "/tree");
	dd_copy_plan_clear(&p);

	/* A second copy merges into the first one, like cp -r. */
	assert_int_equal(plan("tree", true, "/tmp", "dd", 'd', &p, &err), 0);
	assert_string_equal(p.target, "/tmp/tree");
	assert_int_equal(p.target_kind, DD_PATH_DIR);
	dd_copy_plan_clear(&p);
}

static void test_plan_contents_only(void **state)
{
	(void)state;
	dd_copy_plan p;
	dd_error err = {0};
	assert_int_equal(plan("tree/.", true, "/opt/x", "ddd", 'm', &p, &err), 0);
	assert_string_equal(p.anchor, "/opt/x");
	assert_string_equal(p.name, ".");
	assert_string_equal(p.target, "/opt/x");
	assert_int_equal(p.target_kind, DD_PATH_DIR);
	dd_copy_plan_clear(&p);
	/* To a missing path: the directory is created with the contents. */
	assert_int_equal(plan("tree/.", true, "/opt/x", "mdd", 'm', &p, &err), 0);
	assert_string_equal(p.anchor, "/opt");
	assert_string_equal(p.name, "x");
	dd_copy_plan_clear(&p);
}

static void test_plan_file_cases(void **state)
{
	(void)state;
	dd_copy_plan p;
	dd_error err = {0};
	/* Over an existing file: replaces it. */
	assert_int_equal(plan("a.txt", false, "/etc/motd", "fdd", 'm', &p, &err), 0);
	assert_string_equal(p.anchor, "/etc");
	assert_string_equal(p.name, "motd");
	assert_string_equal(p.target, "/etc/motd");
	assert_int_equal(p.target_kind, DD_PATH_OTHER);
	dd_copy_plan_clear(&p);
	/* Into a directory. */
	assert_int_equal(plan("/x/a.txt", false, "/etc/", "dd", 'f', &p, &err), 0);
	assert_string_equal(p.target, "/etc/a.txt");
	assert_int_equal(p.target_kind, DD_PATH_OTHER);
	dd_copy_plan_clear(&p);
	/* A trailing slash on a missing path means a directory that is not there. */
	assert_int_equal(plan("a.txt", false, "/nope/", "md", 'm', &p, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "does not exist"));
	/* ... or one that is a file. */
	dd_error_clear(&err);
	assert_int_equal(plan("a.txt", false, "/etc/motd/", "fdd", 'm', &p, &err), -ENOTDIR);
	assert_non_null(strstr(err.msg, "not a directory"));
}

static void test_plan_refusals(void **state)
{
	(void)state;
	dd_copy_plan p;
	dd_error err = {0};
	assert_int_equal(plan("tree", true, "/etc/motd", "fdd", 'm', &p, &err), -EISDIR);
	assert_non_null(strstr(err.msg, "Cannot overwrite non-directory '/etc/motd'"));
	dd_error_clear(&err);
	assert_int_equal(plan("tree", true, "/etc", "dd", 'f', &p, &err), -EISDIR);
	assert_non_null(strstr(err.msg, "'/etc/tree'"));
	dd_error_clear(&err);
	assert_int_equal(plan("file", false, "/etc", "dd", 'd', &p, &err), -EISDIR);
	assert_non_null(strstr(err.msg, "Cannot overwrite directory '/etc/file'"));
	dd_error_clear(&err);
	/* A file on the way. */
	assert_int_equal(plan("f", false, "/etc/motd/x/y", "mmfdd", 'm', &p, &err), -ENOTDIR);
	assert_non_null(strstr(err.msg, "'/etc/motd' is not a directory"));
	dd_error_clear(&err);
	/* ".." in the part that does not exist yet. */
	assert_int_equal(plan("f", false, "/a/missing/../y", "mmmdd", 'm', &p, &err), -EINVAL);
	assert_int_equal(err.kind, DD_ERR_USAGE);
	dd_error_clear(&err);
	/* The root itself. */
	assert_int_equal(plan("/", true, "/x", "md", 'm', &p, &err), -EINVAL);
	/* Wrong number of kinds is a programming error, not a crash. */
	assert_int_equal(plan("f", false, "/a/b", "m", 'm', &p, &err), -EINVAL);
}

static void test_plan_missing_parents(void **state)
{
	(void)state;
	dd_copy_plan p;
	dd_error err = {0};
	assert_int_equal(plan("f", false, "/srv/a/b/c.txt", "mmmdd", 'm', &p, &err), 0);
	assert_string_equal(p.anchor, "/srv");
	assert_string_equal(p.name, "a/b/c.txt");
	assert_string_equal(p.target, "/srv/a/b/c.txt");
	dd_copy_plan_clear(&p);
	assert_int_equal(plan("f", false, "/a b/c d", "mmd", 'm', &p, &err), 0);
	assert_string_equal(p.anchor, "/");
	assert_string_equal(p.name, "a b/c d");
	dd_copy_plan_clear(&p);
	/* Relative local paths. */
	assert_int_equal(plan("f", false, "out/x", "mmd", 'm', &p, &err), 0);
	assert_string_equal(p.anchor, ".");
	assert_string_equal(p.name, "out/x");
	dd_copy_plan_clear(&p);
	assert_int_equal(plan("f", false, "./out/./x", "mmmd", 'm', &p, &err), 0);
	assert_string_equal(p.anchor, ".");
	assert_string_equal(p.name, "out/x");
	dd_copy_plan_clear(&p);
}

/* ---- tar entry names ---- */

static void assert_split(const char *entry, const char *top, const char *rest)
{
	char *t = NULL, *r = NULL;
	assert_int_equal(dd_tar_entry_split(entry, &t, &r), 0);
	assert_string_equal(t, top);
	assert_string_equal(r, rest);
	free(t);
	free(r);
}

static void test_entry_split(void **state)
{
	(void)state;
	assert_split("log", "log", "");
	assert_split("log/", "log", "");
	assert_split("./log/apt/x", "log", "apt/x");
	assert_split("log//a/./b", "log", "a/b");
	assert_split("a..b/..c", "a..b", "..c");
	char *t = NULL, *r = NULL;
	const char *bad[] = {"/etc/passwd", "../x", "log/../../x", "log/..", "..", ".",
	                     "./",          "",     NULL};
	for (const char **b = bad; *b; b++)
		assert_int_equal(dd_tar_entry_split(*b, &t, &r), -EINVAL);
	assert_int_equal(dd_tar_entry_split(NULL, &t, &r), -EINVAL);
	char *huge = dd_malloc0(DD_FILES_PATH_MAX + 10);
	memset(huge, 'a', DD_FILES_PATH_MAX + 5);
	assert_int_equal(dd_tar_entry_split(huge, &t, &r), -EINVAL);
	free(huge);
}

/* ---- tar round trip ---- */

struct writer {
	const char *src, *name;
	int fd;
	int r;
	dd_error err;
};

static void *writer_main(void *p)
{
	struct writer *w = p;
	w->r = dd_tar_write_fd(w->src, w->name, w->fd, &w->err);
	close(w->fd);
	return NULL;
}

/* Writes src as name through a socketpair and unpacks it at root. */
static int round_trip(const char *src, const char *name, const char *root, unsigned flags,
                      dd_error *err)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct writer w = {.src = src, .name = name, .fd = sv[1]};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, writer_main, &w), 0);
	int r = dd_tar_extract_fd(sv[0], root, flags, NULL, err);
	close(sv[0]);
	pthread_join(t, NULL);
	assert_int_equal(w.r, 0);
	return r;
}

static void make_tree(const char *base)
{
	_cleanup_free_ char *sub = dd_asprintf("%s/sub", base);
	_cleanup_free_ char *script = dd_asprintf("%s/run.sh", base);
	_cleanup_free_ char *secret = dd_asprintf("%s/secret", base);
	_cleanup_free_ char *spaced = dd_asprintf("%s/sub/name with spaces.txt", base);
	_cleanup_free_ char *link = dd_asprintf("%s/link", base);
	assert_int_equal(mkdir(base, 0750), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_text(script, "#!/bin/sh\necho hi\n", 0755);
	write_text(secret, "s3cret\n", 0600);
	write_text(spaced, "spaces\n", 0644);
	assert_int_equal(symlink("sub/name with spaces.txt", link), 0);
	/* A big file crosses many socket buffers. */
	_cleanup_free_ char *big = dd_asprintf("%s/big", base);
	int fd = open(big, O_WRONLY | O_CREAT, 0644);
	char block[8192];
	for (int i = 0; i < 300; i++) {
		memset(block, 'a' + i % 26, sizeof(block));
		assert_int_equal(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));
	}
	close(fd);
}

static void test_round_trip_tree(void **state)
{
	(void)state;
	_cleanup_free_ char *tmp = make_tmpdir();
	_cleanup_free_ char *src = dd_asprintf("%s/src", tmp);
	_cleanup_free_ char *dst = dd_asprintf("%s/dst", tmp);
	make_tree(src);
	dd_error err = {0};
	assert_int_equal(round_trip(src, "whatever", dst, 0, &err), 0);

	_cleanup_free_ char *p1 = dd_asprintf("%s/run.sh", dst);
	_cleanup_free_ char *p2 = dd_asprintf("%s/secret", dst);
	_cleanup_free_ char *p3 = dd_asprintf("%s/sub/name with spaces.txt", dst);
	_cleanup_free_ char *p4 = dd_asprintf("%s/link", dst);
	_cleanup_free_ char *p5 = dd_asprintf("%s/sub", dst);
	_cleanup_free_ char *p6 = dd_asprintf("%s/big", dst);
	assert_int_equal(mode_of(dst) & 07777, 0750);
	assert_int_equal(mode_of(p1) & 07777, 0755);
	assert_int_equal(mode_of(p2) & 07777, 0600);
	assert_int_equal(mode_of(p5) & 07777, 0700);
	assert_true(S_ISLNK(mode_of(p4)));
	char target[256] = "";
	assert_true(readlink(p4, target, sizeof(target) - 1) > 0);
	assert_string_equal(target, "sub/name with spaces.txt");
	_cleanup_free_ char *t3 = read_text(p3);
	assert_string_equal(t3, "spaces\n");
	_cleanup_free_ char *t2 = read_text(p2);
	assert_string_equal(t2, "s3cret\n");
	struct stat st;
	assert_int_equal(stat(p6, &st), 0);
	assert_int_equal(st.st_size, 300 * 8192);
	dd_rm_rf(tmp);
}

static void test_round_trip_file_and_symlink_src(void **state)
{
	(void)state;
	_cleanup_free_ char *tmp = make_tmpdir();
	_cleanup_free_ char *f = dd_asprintf("%s/f", tmp);
	_cleanup_free_ char *l = dd_asprintf("%s/l", tmp);
	_cleanup_free_ char *out = dd_asprintf("%s/out", tmp);
	write_text(f, "content\n", 0640);
	assert_int_equal(symlink("f", l), 0);
	dd_error err = {0};
	/* A symlink given as SRC is followed: the copy is the file. */
	assert_int_equal(round_trip(l, "l", out, 0, &err), 0);
	assert_true(S_ISREG(mode_of(out)));
	assert_int_equal(mode_of(out) & 07777, 0640);
	_cleanup_free_ char *t = read_text(out);
	assert_string_equal(t, "content\n");
	dd_rm_rf(tmp);
}

static void test_contents_only_and_merge(void **state)
{
	(void)state;
	_cleanup_free_ char *tmp = make_tmpdir();
	_cleanup_free_ char *src = dd_asprintf("%s/src", tmp);
	_cleanup_free_ char *dst = dd_asprintf("%s/dst", tmp);
	make_tree(src);
	assert_int_equal(mkdir(dst, 0711), 0);
	_cleanup_free_ char *keep = dd_asprintf("%s/keep", dst);
	write_text(keep, "keep\n", 0644);
	dd_error err = {0};
	/* Merging into an existing directory leaves its own mode and other files alone. */
	assert_int_equal(round_trip(src, "src", dst, DD_EXTRACT_SKIP_TOP, &err), 0);
	assert_int_equal(mode_of(dst) & 07777, 0711);
	assert_true(exists(keep));
	_cleanup_free_ char *p1 = dd_asprintf("%s/run.sh", dst);
	assert_int_equal(mode_of(p1) & 07777, 0755);
	dd_rm_rf(tmp);
}

/* ---- hostile archives ---- */

struct entry {
	const char *name;
	mode_t type;
	const char *data; /* file content, or symlink / hardlink target */
	bool hardlink;
	mode_t perm; /* 0: 0755 for directories, 0644 for the rest */
};

/* Builds a tar in memory, feeds it through a pipe-like socket to the extractor. */
static int extract_entries_report(const struct entry *entries, size_t n, const char *root,
                                  unsigned flags, dd_extract_report *rep, dd_error *err)
{
	size_t cap = 1 << 20, used = 0;
	char *buf = dd_malloc0(cap);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, entries[i].name);
		if (entries[i].hardlink) {
			archive_entry_set_hardlink(e, entries[i].data);
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, 0);
		} else {
			archive_entry_set_filetype(e, entries[i].type);
			archive_entry_set_perm(e, entries[i].perm               ? entries[i].perm
			                          : entries[i].type == AE_IFDIR ? 0755
			                                                        : 0644);
			/* The caller's own uid: libarchive would drop setuid bits of
			 * files owned by someone else anyway. */
			archive_entry_set_uid(e, geteuid());
			archive_entry_set_gid(e, getegid());
			if (entries[i].type == AE_IFCHR)
				archive_entry_set_rdev(e, makedev(1, 3));
			if (entries[i].type == AE_IFLNK)
				archive_entry_set_symlink(e, entries[i].data);
			size_t len = entries[i].type == AE_IFREG && entries[i].data
			                 ? strlen(entries[i].data)
			                 : 0;
			archive_entry_set_size(e, (la_int64_t)len);
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (!entries[i].hardlink && entries[i].type == AE_IFREG && entries[i].data)
			archive_write_data(a, entries[i].data, strlen(entries[i].data));
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	char path[] = "/tmp/dd-test-files-tar-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, buf, used), (ssize_t)used);
	lseek(fd, 0, SEEK_SET);
	free(buf);
	int r = dd_tar_extract_fd(fd, root, flags, rep, err);
	close(fd);
	return r;
}

static int extract_entries(const struct entry *entries, size_t n, const char *root, dd_error *err)
{
	return extract_entries_report(entries, n, root, 0, NULL, err);
}

static void test_refuses_traversal(void **state)
{
	(void)state;
	_cleanup_free_ char *tmp = make_tmpdir();
	_cleanup_free_ char *root = dd_asprintf("%s/dst/copy", tmp);
	_cleanup_free_ char *dstdir = dd_asprintf("%s/dst", tmp);
	assert_int_equal(mkdir(dstdir, 0755), 0);
	_cleanup_free_ char *abs_target = dd_asprintf("%s/pwned-abs", tmp);
	_cleanup_free_ char *escape = dd_asprintf("%s/pwned", tmp);
	dd_error err = {0};

	/* ".." climbing out of the destination. */
	struct entry dotdot[] = {{"top/", AE_IFDIR, NULL, false},
	                         {"top/../../pwned", AE_IFREG, "x", false}};
	assert_int_equal(extract_entries(dotdot, 2, root, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "top/../../pwned"));
	assert_false(exists(escape));
	dd_rm_rf(root);

	/* An absolute name. */
	dd_error_clear(&err);
	struct entry absolute[] = {{abs_target, AE_IFREG, "x", false}};
	assert_int_equal(extract_entries(absolute, 1, root, &err), -EINVAL);
	assert_false(exists(abs_target));

	/* A second top-level entry beside the copied path. */
	dd_error_clear(&err);
	struct entry sibling[] = {{"top/", AE_IFDIR, NULL, false},
	                          {"other/file", AE_IFREG, "x", false}};
	assert_int_equal(extract_entries(sibling, 2, root, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "outside 'top'"));
	_cleanup_free_ char *other = dd_asprintf("%s/dst/other", tmp);
	assert_false(exists(other));
	dd_rm_rf(root);

	/* A symlink pointing out, then a file written through it: the link is
	 * replaced by a directory (or the entry refused), never followed. */
	dd_error_clear(&err);
	struct entry through[] = {{"top/", AE_IFDIR, NULL, false},
	                          {"top/esc", AE_IFLNK, tmp, false},
	                          {"top/esc/pwned", AE_IFREG, "x", false}};
	if (extract_entries(through, 3, root, &err) == 0) {
		_cleanup_free_ char *esc = dd_asprintf("%s/esc", root);
		assert_true(S_ISDIR(mode_of(esc)));
	}
	assert_false(exists(escape));
	dd_rm_rf(root);

	/* A hard link to a file outside. */
	dd_error_clear(&err);
	_cleanup_free_ char *victim = dd_asprintf("%s/victim", tmp);
	write_text(victim, "victim\n", 0644);
	struct entry hard[] = {{"top/", AE_IFDIR, NULL, false},
	                       {"top/h", AE_IFREG, "../victim", true}};
	assert_int_equal(extract_entries(hard, 2, root, &err), -EINVAL);
	dd_rm_rf(root);
	struct entry hard_abs[] = {{"top/", AE_IFDIR, NULL, false},
	                           {"top/h", AE_IFREG, victim, true}};
	assert_int_equal(extract_entries(hard_abs, 2, root, &err), -EINVAL);
	dd_rm_rf(root);

	/* A legitimate hard link inside the copy works. */
	dd_error_clear(&err);
	struct entry hard_ok[] = {{"top/", AE_IFDIR, NULL, false},
	                          {"top/a", AE_IFREG, "data\n", false},
	                          {"top/b", AE_IFREG, "top/a", true}};
	assert_int_equal(extract_entries(hard_ok, 3, root, &err), 0);
	_cleanup_free_ char *b = dd_asprintf("%s/b", root);
	_cleanup_free_ char *bt = read_text(b);
	assert_string_equal(bt, "data\n");

	/* Devices and fifos are not created. */
	dd_rm_rf(root);
	struct entry special[] = {{"top/", AE_IFDIR, NULL, false},
	                          {"top/fifo", AE_IFIFO, NULL, false},
	                          {"top/f", AE_IFREG, "ok", false}};
	assert_int_equal(extract_entries(special, 3, root, &err), 0);
	_cleanup_free_ char *fifo = dd_asprintf("%s/fifo", root);
	assert_false(exists(fifo));

	/* An empty archive is an error, not a silent success. */
	dd_rm_rf(root);
	dd_error_clear(&err);
	assert_true(extract_entries(NULL, 0, root, &err) < 0);
	assert_false(exists(root));
	dd_rm_rf(tmp);
}

static void test_truncated_archive(void **state)
{
	(void)state;
	_cleanup_free_ char *tmp = make_tmpdir();
	_cleanup_free_ char *root = dd_asprintf("%s/copy", tmp);
	/* A whole archive with a 100000-byte file, cut in the middle of the file. */
	size_t cap = 1 << 20, used = 0;
	char *buf = dd_malloc0(cap);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_open_memory(a, buf, cap, &used);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "f");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 100000);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	char *data = dd_malloc0(100000);
	assert_int_equal(archive_write_data(a, data, 100000), 100000);
	free(data);
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	assert_true(used > 100000);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], buf, 5000), 5000);
	close(sv[1]);
	free(buf);
	dd_error err = {0};
	assert_int_equal(dd_tar_extract_fd(sv[0], root, 0, NULL, &err), -EIO);
	assert_non_null(strstr(err.msg, "truncated"));
	close(sv[0]);
	dd_rm_rf(tmp);
}

/* ---- special files, setuid, sparse files, owners ---- */

static void test_special_files_reported_setid_dropped(void **state)
{
	(void)state;
	_cleanup_free_ char *tmp = make_tmpdir();
	_cleanup_free_ char *root = dd_asprintf("%s/out", tmp);
	struct entry entries[] = {{"top/", AE_IFDIR, NULL, false, 0},
	                          {"top/pipe", AE_IFIFO, NULL, false, 0},
	                          {"top/sub/", AE_IFDIR, NULL, false, 02775},
	                          {"top/sub/null", AE_IFCHR, NULL, false, 0},
	                          {"top/prog", AE_IFREG, "#!/bin/sh\n", false, 04755},
	                          {"top/grp", AE_IFREG, "x", false, 02750}};
	dd_error err = {0};
	dd_extract_report rep = {0};
	assert_int_equal(extract_entries_report(entries, 6, root, 0, &rep, &err), 0);
	assert_int_equal(rep.n_skipped, 2);
	assert_string_equal(rep.skipped[0], "pipe");
	assert_string_equal(rep.skipped_kind[0], "FIFO");
	assert_string_equal(rep.skipped[1], "sub/null");
	assert_string_equal(rep.skipped_kind[1], "character device");
	assert_null(rep.skipped[2]);
	assert_int_equal(rep.n_setid, 2);
	_cleanup_free_ char *pipe = dd_asprintf("%s/pipe", root);
	_cleanup_free_ char *prog = dd_asprintf("%s/prog", root);
	_cleanup_free_ char *grp = dd_asprintf("%s/grp", root);
	_cleanup_free_ char *sub = dd_asprintf("%s/sub", root);
	assert_false(exists(pipe));
	assert_int_equal(mode_of(prog) & 07777, 0755);
	assert_int_equal(mode_of(grp) & 07777, 0750);
	/* A setgid directory only passes its group on: kept. */
	assert_int_equal(mode_of(sub) & 07777, 02775);
	dd_extract_report_clear(&rep);
	dd_rm_rf(root);

	/* Asked for: kept. */
	assert_int_equal(
	    extract_entries_report(entries, 6, root, DD_EXTRACT_KEEP_SETID, &rep, &err), 0);
	assert_int_equal(rep.n_setid, 0);
	assert_int_equal(mode_of(prog) & 07777, 04755);
	assert_int_equal(mode_of(grp) & 07777, 02750);
	dd_extract_report_clear(&rep);
	dd_rm_rf(tmp);
}

static off_t file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void test_sparse_round_trip(void **state)
{
	(void)state;
	_cleanup_free_ char *tmp = make_tmpdir();
	_cleanup_free_ char *src = dd_asprintf("%s/sparse", tmp);
	_cleanup_free_ char *out = dd_asprintf("%s/out", tmp);
	_cleanup_free_ char *tarf = dd_asprintf("%s/s.tar", tmp);
	const off_t size = 256ll << 20;
	int fd = open(src, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "head", 4, 0), 4);
	assert_int_equal(pwrite(fd, "middle", 6, size / 2), 6);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
	struct stat st;
	assert_int_equal(stat(src, &st), 0);
	if ((off_t)st.st_blocks * 512 >= size) {
		/* A file system without holes: nothing to keep. */
		dd_rm_rf(tmp);
		skip();
	}
	/* The holes are not in the stream... */
	fd = open(tarf, O_WRONLY | O_CREAT, 0644);
	dd_error err = {0};
	assert_int_equal(dd_tar_write_fd(src, "sparse", fd, &err), 0);
	close(fd);
	assert_true(file_size(tarf) < (1 << 20));
	/* ...and not on disk after unpacking. */
	assert_int_equal(round_trip(src, "sparse", out, 0, &err), 0);
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_size, size);
	assert_true((off_t)st.st_blocks * 512 < (1 << 20));
	char buf[8] = "";
	fd = open(out, O_RDONLY);
	assert_int_equal(pread(fd, buf, 4, 0), 4);
	assert_memory_equal(buf, "head", 4);
	assert_int_equal(pread(fd, buf, 6, size / 2), 6);
	assert_memory_equal(buf, "middle", 6);
	close(fd);
	/* All hole: the size still arrives. */
	_cleanup_free_ char *empty = dd_asprintf("%s/empty", tmp);
	_cleanup_free_ char *out2 = dd_asprintf("%s/out2", tmp);
	fd = open(empty, O_WRONLY | O_CREAT, 0644);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
	assert_int_equal(round_trip(empty, "empty", out2, 0, &err), 0);
	assert_int_equal(file_size(out2), size);
	dd_rm_rf(tmp);
}

/* A stream without sparse entries (Docker's archive API): zeros become holes. */
static void test_zeros_become_holes(void **state)
{
	(void)state;
	_cleanup_free_ char *tmp = make_tmpdir();
	_cleanup_free_ char *root = dd_asprintf("%s/out", tmp);
	size_t n = 8u << 20;
	char *data = dd_malloc0(n + 1);
	memcpy(data, "start", 5);
	memcpy(data + n - 3, "end", 3);
	dd_error err = {0};
	size_t cap = n + (1 << 20), used = 0;
	char *buf = dd_malloc0(cap);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "zeros");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)n);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, data, n), (la_ssize_t)n);
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	char path[] = "/tmp/dd-test-files-zeros-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	assert_int_equal(write(fd, buf, used), (ssize_t)used);
	lseek(fd, 0, SEEK_SET);
	free(buf);
	assert_int_equal(dd_tar_extract_fd(fd, root, 0, NULL, &err), 0);
	close(fd);
	struct stat st;
	assert_int_equal(stat(root, &st), 0);
	assert_int_equal(st.st_size, (off_t)n);
	char back[8] = "";
	fd = open(root, O_RDONLY);
	assert_int_equal(pread(fd, back, 5, 0), 5);
	assert_memory_equal(back, "start", 5);
	assert_int_equal(pread(fd, back, 3, (off_t)n - 3), 3);
	assert_memory_equal(back, "end", 3);
	close(fd);
	if ((off_t)st.st_blocks * 512 >= (off_t)n)
		fail_msg("8 MiB of zeros took %lld bytes on disk", (long long)st.st_blocks * 512);
	free(data);
	dd_rm_rf(tmp);
}

static void test_write_owner_and_parents(void **state)
{
	(void)state;
	_cleanup_free_ char *tmp = make_tmpdir();
	_cleanup_free_ char *src = dd_asprintf("%s/f", tmp);
	_cleanup_free_ char *tarf = dd_asprintf("%s/o.tar", tmp);
	write_text(src, "owned\n", 0640);
	int fd = open(tarf, O_WRONLY | O_CREAT, 0644);
	dd_error err = {0};
	dd_tar_write_opts o = {.uid = 65534, .gid = 65533, .parents = 2};
	assert_int_equal(dd_tar_write_fd_opts(src, "a/b/f", &o, fd, &err), 0);
	close(fd);
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, tarf, 10240), ARCHIVE_OK);
	const char *want[] = {"a/", "a/b/", "a/b/f"};
	struct archive_entry *e;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
		assert_string_equal(archive_entry_pathname(e), want[i]);
		assert_int_equal(archive_entry_uid(e), 65534);
		assert_int_equal(archive_entry_gid(e), 65533);
		assert_int_equal(archive_entry_filetype(e), i < 2 ? AE_IFDIR : AE_IFREG);
	}
	assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_EOF);
	archive_read_free(a);
	dd_rm_rf(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lineage),
	    cmocka_unit_test(test_src_name),
	    cmocka_unit_test(test_plan_dir_to_missing_path_arrives_as_that_path),
	    cmocka_unit_test(test_plan_dir_to_existing_dir_goes_inside),
	    cmocka_unit_test(test_plan_contents_only),
	    cmocka_unit_test(test_plan_file_cases),
	    cmocka_unit_test(test_plan_refusals),
	    cmocka_unit_test(test_plan_missing_parents),
	    cmocka_unit_test(test_entry_split),
	    cmocka_unit_test(test_round_trip_tree),
	    cmocka_unit_test(test_round_trip_file_and_symlink_src),
	    cmocka_unit_test(test_contents_only_and_merge),
	    cmocka_unit_test(test_refuses_traversal),
	    cmocka_unit_test(test_truncated_archive),
	    cmocka_unit_test(test_special_files_reported_setid_dropped),
	    cmocka_unit_test(test_sparse_round_trip),
	    cmocka_unit_test(test_zeros_become_holes),
	    cmocka_unit_test(test_write_owner_and_parents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
