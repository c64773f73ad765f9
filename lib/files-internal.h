/* Internal: not installed. */
/* The parts of files.c that only lib/ and the tests use: cp -r planning and
 * tar streams (pure, unit-tested), and unpacking from a container. */
#ifndef DCOS_DOCKER_FILES_INTERNAL_H
#define DCOS_DOCKER_FILES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "dcos-docker/files.h"

/* Longest path (host or node) we handle, and longest tar entry name we accept. */
#define DD_FILES_PATH_MAX 4096

/* ---- cp -r planning (pure) ---- */

typedef enum dd_path_kind {
	DD_PATH_MISSING = 0,
	DD_PATH_DIR,   /* a directory, or a symlink to one */
	DD_PATH_OTHER, /* exists and is not a directory */
} dd_path_kind;

/* The path and its ancestors, deepest first: "/a/b/c" gives
 * {"/a/b/c", "/a/b", "/a", "/", NULL}; "x/y" gives {"x/y", "x", ".", NULL}.
 * Repeated and trailing slashes are dropped ("/a//b/" is "/a/b"). NULL for an
 * empty path. Free with the _cleanup_strv_ helper. */
char **dd_path_lineage(const char *path);

/* Where a copy lands. */
typedef struct dd_copy_plan {
	char *anchor; /* the deepest existing directory on the way to target: unpack here */
	/* The copy's path inside anchor: "x", "missing/parents/x", or "." (target is anchor). */
	char *name;
	char *target; /* the path the copy ends up at */
	/* What is at target now: DD_PATH_MISSING unless it is overwritten or merged into. */
	dd_path_kind target_kind;
} dd_copy_plan;

void dd_copy_plan_clear(dd_copy_plan *p);

/* Decides, like `cp -r SRC DST`, where SRC goes:
 *   - DST is a directory: inside it, as DST/<basename of SRC> (SRC "x/." or
 *     "." means its contents go straight into DST);
 *   - DST does not exist: SRC arrives as DST (missing parent directories are
 *     created, as the original tool's send_file did);
 *   - DST exists and is not a directory: a file replaces it; a directory is an error.
 * kinds[i] is the kind of lineage[i] of dst (dd_path_lineage), n entries;
 * inner_kind is the kind of DST/<basename of SRC> (only read when DST is a
 * directory). Usage errors explain a refusal ("cannot overwrite
 * non-directory 'x' with directory 'y'", "'a/b' is not a directory"); the
 * missing part of DST may not contain "..". */
int dd_copy_plan_make(const char *src, bool src_is_dir, const char *dst, const dd_path_kind *kinds,
                      size_t n, dd_path_kind inner_kind, dd_copy_plan *ret, dd_error *err);

/* The name SRC gets inside a directory: its last component ("a/b/" gives
 * "b", "a/." gives "."). NULL for "/" (copying a whole root is refused). */
char *dd_copy_src_name(const char *src);

/* ---- tar streams (pure: no Docker) ---- */

/* Validates a tar entry name and splits it into its first component and the
 * rest, both normalised (no "." or empty components, leading "./" dropped):
 * "./log/apt/x" gives "log" and "apt/x"; "log/" gives "log" and "". Refuses
 * (-EINVAL) absolute names, any ".." component, empty names and names longer
 * than DD_FILES_PATH_MAX: that is what keeps a hostile archive inside the
 * destination. */
int dd_tar_entry_split(const char *entry, char **ret_top, char **ret_rest);

/* Writes SRC (a file or a whole tree; a symlink given as SRC is followed,
 * symlinks inside the tree stay symlinks) as a tar stream to fd. Entries are
 * named name, name/..., with SRC's modes and mtimes, owned by uid/gid 0.
 * name "." writes only the contents (no entry for the top directory).
 * Sockets are skipped, as tar does. fd may be a pipe or socket: writes never
 * raise SIGPIPE. */
int dd_tar_write_fd(const char *src, const char *name, int fd, dd_error *err);

typedef struct dd_tar_write_opts {
	unsigned uid, gid; /* owner of every entry (0: root) */
	/* How many leading components of name are missing parent directories:
	 * written first as directories (0755, owned by uid/gid), so that they
	 * belong to the copy's owner rather than to whoever unpacks. */
	size_t parents;
} dd_tar_write_opts;

/* dd_tar_write_fd with an owner and parent entries. Files with holes are
 * written as sparse entries (pax, GNU sparse 1.0): the holes are neither read
 * nor sent, and an unpacker that seeks (GNU tar, libarchive) keeps them. */
int dd_tar_write_fd_opts(const char *src, const char *name, const dd_tar_write_opts *o, int fd,
                         dd_error *err);

/* Extract flags. */
/* Leave the top entry's own metadata alone (merging into an existing directory). */
#define DD_EXTRACT_SKIP_TOP 1u
/* Keep setuid and setgid bits of files (dropped by default: a copy from a
 * node must not become a privileged program on the host). */
#define DD_EXTRACT_KEEP_SETID 2u

/* Skipped entries listed in a report, at most; the count goes on. */
#define DD_EXTRACT_MAX_SKIPPED 1000

/* What an extraction did besides writing files. */
typedef struct dd_extract_report {
	size_t count;        /* entries written */
	size_t n_skipped;    /* fifos, devices and sockets not created */
	char **skipped;      /* their paths inside the copy ("" for the copy itself); */
	char **skipped_kind; /* "FIFO", "character device", ...; at most DD_EXTRACT_MAX_SKIPPED */
	size_t n_setid;      /* files whose setuid/setgid bits were dropped */
} dd_extract_report;

void dd_extract_report_clear(dd_extract_report *r);

/* Reads a tar stream from fd and unpacks it so that the archive's single top
 * component lands at root (an absolute path without symlinks; its parent
 * must exist): "log/a/b" goes to root/a/b. Modes and mtimes are kept (but
 * not setuid/setgid bits unless DD_EXTRACT_KEEP_SETID), ownership is not
 * (files belong to the caller). Entries outside the first entry's top
 * component, absolute names, ".." and writes through symlinks are refused
 * with an error naming the entry; devices, fifos and sockets are skipped and
 * listed in the report. Runs of zeros in files become holes, so sparse files
 * stay sparse whatever the archive's format. Reads until the end of the
 * archive. ret (may be NULL) gets the report, on success and on failure. */
int dd_tar_extract_fd(int fd, const char *root, unsigned flags, dd_extract_report *ret,
                      dd_error *err);

/* Unpacks path (as the daemon sees the container, running or not) to
 * local_root, which must not exist yet (its parent must). Used for /var/log
 * by export-logs. */
int dd_files_get_archive(dd_docker *d, const char *container, const char *path,
                         const char *local_root, dd_error *err);

#endif
