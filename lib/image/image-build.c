/* Building the node image: mmdebstrap writes a Debian root filesystem (with
 * the recipe's hook applied) as a tar into a private temporary directory, and
 * the daemon imports it (POST /images/create?fromSrc=-, streamed). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>

#include "dcos-docker/cancel.h"
#include "dcos-docker/image-build.h"
#include "dcos-docker/image.h"
#include "docker/objects.h"
#include "event-internal.h"
#include "image/image-internal.h"
#include "image/recipe.h"
#include "process-internal.h"
#include "util.h"

#ifndef DD_VERSION
#define DD_VERSION "unknown"
#endif

/* mmdebstrap's hook that merges /usr without the usrmerge package (which
 * would pull in perl: 50 MB) on releases that have usr-is-merged (bookworm
 * on). Used when this mmdebstrap ships it; it runs before the recipe's
 * setup01-merged-usr, which merges /usr where it did not (bullseye, or every
 * release with an mmdebstrap without it: then apt adds usrmerge from bookworm
 * on). DC/OS needs a merged /usr; customize02-check fails the build without. */
#define MERGED_USR_HOOK "/usr/share/mmdebstrap/hooks/maybe-merged-usr"
/* The chroot (~400 MB), the tar (~360 MB) and apt's downloads, with room. */
#define BUILD_SPACE_MIN (1536ull << 20)
#define TAIL_LINES      12
#define TAIL_LINE_SHOWN 240
/* mmdebstrap's output kept for the error message: more than TAIL_LINES lines. */
#define OUTPUT_KEEP (16u << 10)
/* How long mmdebstrap may take to clean up (unmount, remove its chroot) after SIGTERM. */
#define TERM_GRACE_S 60.0

static void step(const dd_image_build_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void step(const dd_image_build_opts *o, const char *fmt, ...)
{
	if (!o->on_event)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dd_event_status(o->on_event, o->userdata, NULL, buf, false);
}

static int cancelled(dd_error *err)
{
	return dd_error_set(err, -ECANCELED,
	                    "Building the node image was interrupted; nothing was left behind");
}

/* ---- the private temporary directory ---- */

/* Mount points below dir (mountinfo's 5th field, octal escapes decoded),
 * deepest last. mmdebstrap mounts /proc, /sys and /dev into its chroot and
 * unmounts them when it ends, unless it is killed. */
static char **mounts_below(const char *dir)
{
	_cleanup_free_ char *info = NULL;
	char **v = dd_malloc0(sizeof(char *));
	size_t n = 0;
	if (dd_read_file("/proc/self/mountinfo", 16u << 20, &info, NULL) < 0)
		return v;
	size_t dlen = strlen(dir);
	for (char *line = strtok(info, "\n"); line; line = strtok(NULL, "\n")) {
		char *f = line;
		for (int i = 0; i < 4 && f; i++) {
			f = strchr(f, ' ');
			if (f)
				f++;
		}
		if (!f)
			continue;
		char path[4096];
		size_t k = 0;
		for (; *f && *f != ' ' && k + 1 < sizeof(path); f++) {
			if (f[0] == '\\' && f[1] >= '0' && f[1] <= '3' && f[2] && f[3]) {
				path[k++] =
				    (char)((f[1] - '0') * 64 + (f[2] - '0') * 8 + (f[3] - '0'));
				f += 3;
			} else
				path[k++] = *f;
		}
		path[k] = '\0';
		if (strncmp(path, dir, dlen) == 0 && (path[dlen] == '/' || path[dlen] == '\0')) {
			v = realloc(v, (n + 2) * sizeof(char *));
			if (!v)
				abort();
			v[n++] = dd_strdup(path);
			v[n] = NULL;
		}
	}
	return v;
}

static int rm_entry(const char *path, const struct stat *st _unused_, int flag _unused_,
                    struct FTW *ftw _unused_)
{
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* rm -rf that never leaves dir's filesystem: a mount left behind by a killed
 * mmdebstrap is detached first, and if that fails the tree stays (with an
 * error) rather than the host's /dev or /proc being walked. */
static int remove_tree(const char *dir, dd_error *err)
{
	_cleanup_strv_ char **m = mounts_below(dir);
	size_t n = 0;
	while (m[n])
		n++;
	while (n-- > 0)
		umount2(m[n], MNT_DETACH);
	_cleanup_strv_ char **left = mounts_below(dir);
	if (left[0])
		return dd_error_set(err, -EBUSY,
		                    "Left the build directory %s in place: %s is still mounted",
		                    dir, left[0]);
	if (nftw(dir, rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
		return dd_error_set(err, -errno, "Failed to remove the build directory %s: %s", dir,
		                    strerror(errno));
	return 0;
}

static int write_recipe(const char *dir, dd_error *err)
{
	size_t n = 0;
	const struct dd_recipe_file *files = dd_recipe_files_get(&n);
	int r = dd_mkdir_p(dir, 0700);
	if (r < 0)
		return dd_error_set(err, r, "Failed to create %s: %s", dir, strerror(-r));
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = dd_asprintf("%s/%s", dir, files[i].name);
		r = dd_write_file(p, files[i].data, files[i].size, files[i].mode);
		if (r < 0)
			return dd_error_set(err, r, "Failed to write %s: %s", p, strerror(-r));
	}
	return 0;
}

/* ---- running mmdebstrap ---- */

struct output {
	const dd_image_build_opts *opts;
	/* The recipe's checker's lines (customize02-check), all of them: a
	 * failed check names what is missing and for which DC/OS unit, and
	 * mmdebstrap's own lines after them would push them out of the tail. */
	dd_buf checks;
};

#define CHECK_PREFIX "dcos-docker-check: "
/* The checker's lines fit an error message (DD_ERROR_MSG_MAX). */
#define CHECKS_MAX 1799

static void output_line(const char *line, void *userdata)
{
	struct output *o = userdata;
	if (!line[0])
		return;
	dd_event_send(o->opts->on_event, o->opts->userdata, DD_EVENT_OUTPUT, NULL, line);
	if (dd_startswith(line, CHECK_PREFIX)) /* cut at the end of the buffer */
		dd_buf_addf(&o->checks, "\n    %s", line + strlen(CHECK_PREFIX));
}

static int run_mmdebstrap(const dd_image_build_opts *o, const char *const *argv, const char *tmpdir,
                          dd_error *err)
{
	/* stdin is /dev/null: without a mirror argument mmdebstrap would read
	 * sources.list entries from a stdin that is not a terminal. No other
	 * descriptor is inherited: mmdebstrap hands apt a pipe on the lowest free
	 * fd and apt passes it to "sh -c 'cat >&N'", which dash rejects for N > 9.
	 * Its own process group: we stop mmdebstrap once, with SIGTERM, so that it
	 * unmounts and removes its chroot instead of being interrupted in the
	 * middle of that by a terminal's Ctrl-C. */
	_cleanup_free_ char *tmp = dd_asprintf("TMPDIR=%s", tmpdir);
	_cleanup_strv_ char **env = dd_process_env((const char *const[]){tmp, NULL});
	_cleanup_buf_ dd_buf tail = DD_BUF_TAIL(OUTPUT_KEEP);
	struct output out = {.opts = o, .checks = DD_BUF_HEAD(CHECKS_MAX)};
	dd_process_opts po = {.argv = argv,
	                      .env = env,
	                      .own_pgroup = true,
	                      .term_grace_ms = TERM_GRACE_S * 1000,
	                      .on_line = output_line,
	                      .userdata = &out,
	                      .output = &tail};
	int status = 0;
	int r = dd_process_exec(&po, &status, err);
	_cleanup_free_ char *checks = dd_buf_take(&out.checks);
	if (r == -ECANCELED)
		return cancelled(err);
	if (r < 0)
		return r;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (*checks && WIFEXITED(status)) {
		dd_error_set(err, -EIO, "The node image would not run DC/OS:%s", checks);
		return dd_error_hint(err,
		                     "The recipe's checks (lib/image/recipe/node-commands) failed: "
		                     "lib/image/recipe/packages must install what is missing.");
	}
	_cleanup_free_ char *text = dd_tail_text(&tail, TAIL_LINES, TAIL_LINE_SHOWN, 1400, "    ");
	if (WIFSIGNALED(status))
		dd_error_set(err, -EIO, "mmdebstrap was killed by signal %d:\n%s", WTERMSIG(status),
		             text);
	else
		dd_error_set(err, -EIO, "mmdebstrap failed (exit status %d):\n%s",
		             WEXITSTATUS(status), text);
	return dd_error_hint(err, "Run 'dcos-docker build-image --verbose' for its whole output. "
	                          "It needs Debian's mirror (or --mirror URL) to be reachable.");
}

/* ---- importing the tar ---- */

struct body {
	int fd;
};

static ssize_t read_body(char *buf, size_t size, void *userdata)
{
	struct body *b = userdata;
	if (dd_cancelled())
		return -ECANCELED;
	for (;;) {
		ssize_t n = read(b->fd, buf, size);
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : n;
	}
}

/* The answer is a stream of JSON objects, one per line: {"status": ...}
 * progress, and {"error": ..., "errorDetail": {...}} when the import failed
 * after the HTTP status was sent. */
struct import_sink {
	char line[16384];
	size_t len;
	bool overflow;
	char error[1024];
	char id[80];
};

static void import_line(struct import_sink *s)
{
	s->line[s->len] = '\0';
	s->len = 0;
	if (s->overflow) {
		s->overflow = false;
		return;
	}
	json_t *j = json_loads(s->line, 0, NULL);
	if (!j)
		return;
	const char *e = json_string_value(json_object_get(j, "error"));
	if (!e)
		e = json_string_value(
		    json_object_get(json_object_get(j, "errorDetail"), "message"));
	if (!e) /* an HTTP error's body */
		e = json_string_value(json_object_get(j, "message"));
	if (e && !s->error[0])
		snprintf(s->error, sizeof(s->error), "%s", e);
	const char *st = json_string_value(json_object_get(j, "status"));
	if (st && dd_startswith(st, "sha256:"))
		snprintf(s->id, sizeof(s->id), "%s", st);
	json_decref(j);
}

static int import_data(const char *buf, size_t len, void *userdata)
{
	struct import_sink *s = userdata;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			import_line(s);
		} else if (s->len + 1 < sizeof(s->line)) {
			s->line[s->len++] = buf[i];
		} else
			s->overflow = true; /* capped: a line this long is not one we need */
	}
	return 0;
}

static int import_tar(dd_docker *d, const char *tar, const char *distro, const char *tag,
                      const char *recipe_hash, dd_error *err)
{
	size_t n = 0;
	const struct dd_recipe_file *files = dd_recipe_files_get(&n);
	const struct dd_recipe_file *cf = dd_recipe_file_find(files, n, "image-changes");
	_cleanup_strv_ char **changes = cf ? dd_recipe_lines(cf) : dd_malloc0(sizeof(char *));
	const char *labels[][2] = {{DD_IMAGE_LABEL_DISTRO, distro},
	                           {DD_IMAGE_LABEL_RECIPE, recipe_hash},
	                           {DD_IMAGE_LABEL_VERSION, DD_VERSION}};
	size_t nc = 0;
	while (changes[nc])
		nc++;
	_cleanup_strv_ char **all = dd_malloc0((nc + ELEMENTSOF(labels) + 1) * sizeof(char *));
	for (size_t i = 0; i < nc; i++)
		all[i] = dd_strdup(changes[i]);
	for (size_t i = 0; i < ELEMENTSOF(labels); i++)
		all[nc + i] = dd_asprintf("LABEL %s=%s", labels[i][0], labels[i][1]);

	_cleanup_close_ int fd = open(tar, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dd_error_set(err, -errno, "Failed to open %s: %s", tar, strerror(errno));
	struct body body = {.fd = fd};
	_cleanup_free_ struct import_sink *sink = dd_malloc0(sizeof(*sink));
	int r = dd_image_import(d, tag, "dcos-docker build-image", (const char *const *)all,
	                        read_body, &body, import_data, sink, err);
	if (r < 0) {
		if (dd_cancelled())
			return cancelled(err);
		return dd_error_prefix(err, "Failed to import the root filesystem: ");
	}
	if (sink->len > 0)
		import_line(sink);
	if (sink->error[0])
		return dd_error_set(err, -EIO,
		                    "The Docker daemon failed to import the root filesystem: %s",
		                    sink->error);
	if (!sink->id[0])
		return dd_error_set(err, -EPROTO,
		                    "The Docker daemon's answer to the import names no image");
	return 0;
}

static int tag_image(dd_docker *d, const char *src, const char *dst, dd_error *err)
{
	int r = dd_image_add_tag(d, src, dst, err);
	if (r < 0)
		return dd_error_prefix(err, "Failed to tag %s as %s: ", src, dst);
	return 0;
}

/* Removes the images of earlier recipes of this distro (their tag is
 * dcos-docker/node:<distro>-<other hash>) that no container uses: each recipe
 * change would otherwise leave ~400 MB behind. Best effort. */
static size_t remove_older_builds(dd_docker *d, const char *distro, const char *tag)
{
	_cleanup_json_ json_t *list = NULL;
	dd_error e = {0};
	if (dd_image_list(d, DD_IMAGE_LABEL_DISTRO, distro, &list, &e) < 0)
		return 0;
	_cleanup_free_ char *prefix = dd_asprintf(DD_IMAGE_REPO ":%s-", distro);
	size_t removed = 0, i;
	json_t *img;
	json_array_foreach (list, i, img) {
		json_t *tags = json_object_get(img, "RepoTags");
		bool ours = false, current = false;
		size_t k;
		json_t *t;
		json_array_foreach (tags, k, t) {
			const char *s = json_string_value(t);
			if (!s)
				continue;
			current |= strcmp(s, tag) == 0;
			ours |= dd_startswith(s, prefix);
		}
		const char *id = json_string_value(json_object_get(img, "Id"));
		if (!ours || current || !id)
			continue;
		/* Without force: an image a container uses stays (409). */
		json_array_foreach (tags, k, t) {
			const char *s = json_string_value(t);
			if (!s || !dd_startswith(s, prefix))
				continue;
			if (dd_image_remove(d, s, 0, &e) == 0)
				removed++;
		}
	}
	return removed;
}

/* ---- the build ---- */

static int build(dd_docker *d, const dd_image_build_opts *o, const char *distro, const char *tag,
                 const char *dir, dd_error *err)
{
	_cleanup_free_ char *recipe = dd_asprintf("%s/recipe", dir);
	_cleanup_free_ char *tar = dd_asprintf("%s/rootfs.tar", dir);
	int r = write_recipe(recipe, err);
	if (r < 0)
		return r;
	size_t n = 0;
	const struct dd_recipe_file *files = dd_recipe_files_get(&n);
	const struct dd_recipe_file *pf = dd_recipe_file_find(files, n, "packages");
	if (!pf)
		return dd_error_set(err, -ENOENT, "The embedded recipe has no package list");
	_cleanup_free_ char *pkgs = NULL;
	if ((r = dd_recipe_packages(pf, distro, &pkgs, err)) < 0)
		return r;
	_cleanup_free_ char *include = dd_asprintf("--include=%s", pkgs);
	_cleanup_free_ char *dpkgopt = dd_asprintf("--dpkgopt=%s/dpkg.cfg", recipe);
	_cleanup_free_ char *hookdir = dd_asprintf("--hook-dir=%s", recipe);
	struct stat st;
	bool merged_usr_hook = stat(MERGED_USR_HOOK, &st) == 0 && S_ISDIR(st.st_mode);
	const char *argv[16];
	size_t k = 0;
	argv[k++] = "mmdebstrap";
	argv[k++] = "--variant=minbase";
	argv[k++] = "--mode=root";
	argv[k++] = "--format=tar";
	argv[k++] = "--aptopt=Acquire::Retries \"3\"";
	argv[k++] = include;
	argv[k++] = dpkgopt;
	if (merged_usr_hook)
		argv[k++] = "--hook-dir=" MERGED_USR_HOOK;
	argv[k++] = hookdir;
	argv[k++] = "--";
	argv[k++] = distro;
	argv[k++] = tar;
	if (o->mirror)
		argv[k++] = o->mirror;
	argv[k] = NULL;

	double t0 = dd_now();
	step(o, "Bootstrapping Debian %s with mmdebstrap (about a minute)", distro);
	if ((r = run_mmdebstrap(o, argv, dir, err)) < 0)
		return r;
	if (dd_cancelled())
		return cancelled(err);
	if (stat(tar, &st) < 0)
		return dd_error_set(err, -errno, "mmdebstrap left no %s: %s", tar, strerror(errno));
	double t1 = dd_now();
	step(o, "Importing the root filesystem (%.0f MB, bootstrapped in %.0f s) as %s",
	     (double)st.st_size / 1e6, t1 - t0, tag);
	char hex[65];
	dd_recipe_hash(files, n, distro, hex);
	if ((r = import_tar(d, tar, distro, tag, hex, err)) < 0)
		return r;
	_cleanup_free_ char *latest = dd_image_latest_tag(distro);
	step(o, "Tagging %s (imported in %.0f s)", latest, dd_now() - t1);
	if ((r = tag_image(d, tag, latest, err)) < 0)
		return r;
	size_t old = remove_older_builds(d, distro, tag);
	if (old > 0)
		step(o, "Removed %zu image tag%s of earlier recipes", old, old == 1 ? "" : "s");
	return 0;
}

int dd_image_build_with(dd_docker *d, const dd_image_build_opts *o, bool *ret_built, dd_error *err)
{
	const char *distro = o->distro ? o->distro : DD_IMAGE_DEFAULT_DISTRO;
	int r = dd_image_distro_check(distro, err);
	if (r < 0)
		return r;
	if (o->mirror && (!*o->mirror || o->mirror[0] == '-'))
		return dd_error_usage(err, -EINVAL,
		                      "Invalid mirror '%s': give a URL "
		                      "(http://deb.debian.org/debian) or a 'deb ...' line",
		                      o->mirror);
	_cleanup_free_ char *tag = dd_image_tag(distro);
	if (!o->force) {
		bool exists = false;
		if ((r = dd_image_exists(d, tag, &exists, err)) < 0)
			return r;
		if (exists) {
			/* The latest tag may point at another build: move it here. */
			_cleanup_free_ char *latest = dd_image_latest_tag(distro);
			if ((r = tag_image(d, tag, latest, err)) < 0)
				return r;
			if (ret_built)
				*ret_built = false;
			return 0;
		}
	}
	if (geteuid() != 0) {
		dd_error_set(err, -EPERM,
		             "Building the node image needs root: mmdebstrap creates a Debian root "
		             "filesystem (files owned by root, device nodes) and chroots into it");
		return dd_error_hint(err,
		                     "Run 'sudo dcos-docker build-image%s%s' once; the image is "
		                     "then there for every user of this Docker daemon.",
		                     o->distro ? " --distro " : "", o->distro ? o->distro : "");
	}
	if (!dd_in_path("mmdebstrap")) {
		dd_error_set(err, -ENOENT, "mmdebstrap is not installed: it builds the node image");
		return dd_error_hint(err, "Install it with 'apt-get install mmdebstrap'.");
	}
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/var/tmp";
	struct statvfs vfs;
	if (statvfs(base, &vfs) == 0 &&
	    (unsigned long long)vfs.f_bavail * vfs.f_frsize < BUILD_SPACE_MIN) {
		dd_error_set(err, -ENOSPC,
		             "Building the node image needs about %llu MB free in %s; "
		             "it has %llu MB",
		             BUILD_SPACE_MIN >> 20, base,
		             ((unsigned long long)vfs.f_bavail * vfs.f_frsize) >> 20);
		return dd_error_hint(err, "Point TMPDIR at a directory with more space.");
	}
	if (dd_cancelled())
		return cancelled(err);
	_cleanup_free_ char *dir = dd_asprintf("%s/dcos-docker-build-XXXXXX", base);
	if (!mkdtemp(dir))
		return dd_error_set(err, -errno, "Failed to create a directory in %s: %s", base,
		                    strerror(errno));
	r = build(d, o, distro, tag, dir, err);
	dd_error cleanup_err = {0};
	int rc = remove_tree(dir, &cleanup_err);
	if (r < 0)
		return r;
	if (rc < 0) {
		dd_error_copy(err, &cleanup_err);
		return rc;
	}
	if (ret_built)
		*ret_built = true;
	return 0;
}
