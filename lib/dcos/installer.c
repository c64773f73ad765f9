/* The installer's place: where an installer file is extracted, once.
 *
 * The real dcos_generate_config.sh (gen/build_deploy/bash/dcos_generate_config.sh.in)
 * extracts its ~1 GB payload dcos-genconf.<tag>.tar into the current
 * directory and `docker load`s it, for every mode including --version, and
 * does both again whenever that tar is not in the current directory (or its
 * image is not loaded). Run naively, every install costs two extractions and
 * two image loads (minutes each) and leaves 1 GB wherever it ran. So:
 *
 * - every installer file gets a directory of ours, keyed by its content:
 *   <root>/installers/<key>/, where --version runs and the tar stays;
 * - genconf runs in the cluster's workspace (the installer writes genconf/
 *   there) with a symlink to that tar, so the wrapper finds it and neither
 *   extracts nor loads;
 * - each cluster that ran genconf from a place is listed in its users/
 *   directory; the last one to go removes the place and the image, and
 *   `dcos-docker clean` removes places nobody uses.
 *
 * The key hashes the wrapper script (everything before its "#EOF#" line,
 * which names the payload's image tag: DC/OS commit + bootstrap id) and the
 * file's size. Hashing the whole gigabyte would cost seconds on every install
 * for nothing: two files with the same wrapper and size are the same build. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster-internal.h"
#include "dcos-docker/cancel.h"
#include "dcos-docker/cluster.h"
#include "dcos-docker/image.h"
#include "dcos-docker/installer.h"
#include "dcos/genconf-internal.h"
#include "dcos/installer-internal.h"
#include "docker/objects.h"
#include "image/sha256.h"
#include "util.h"

#define PLACES_DIR     "installers"
#define PLACE_INFO     "installer.json"
#define WORKSPACE_INFO "installer.json"
#define USERS_DIR      "users"
#define LOCK_FILE      ".lock"
/* The wrapper script before the payload is a few KB; a file without the
 * "#EOF#" line is hashed over this much. */
#define HEADER_MAX (1u << 20)
#define KEY_HEX    16

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

struct dd_installer {
	char *path;  /* absolute */
	char *place; /* <root>/installers/<key> */
	char key[KEY_HEX + 1];
	char *version;
	char *variant;  /* oss | enterprise */
	char *tar;      /* dcos-genconf.<tag>.tar, or NULL when this installer has none */
	char *image;    /* mesosphere/dcos-genconf:<tag>, or NULL */
	bool extracted; /* this open ran --version (extracted and loaded) */
	int lock_fd;    /* a shared lock on the place while this object lives */
};

/* ---- paths ---- */

int dd_installer_path_check(const char *dir, const char *what, dd_error *err)
{
	/* The wrapper mounts `-v $(pwd)/genconf/:/genconf` with $(pwd) unquoted:
	 * the shell splits the path at whitespace and expands glob characters,
	 * and Docker reads ':' as the separator of SRC:DST. A path of only these
	 * characters passes through unchanged. */
	for (const char *p = dir; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("/._+-@%=,~", ch))
			continue;
		dd_error_usage(
		    err, -EINVAL,
		    "The DC/OS installer cannot run in %s %s: its path contains '%c', which "
		    "the installer's own script does not quote",
		    what, dir, ch);
		return dd_error_hint(err, "Use a path of letters, digits and ._+-@%%=,~ only (set "
		                          "DCOS_DOCKER_WORKSPACE_ROOT, or pass --workspace DIR).");
	}
	return 0;
}

static char *places_dir(const char *root)
{
	_cleanup_free_ char *def = root ? NULL : dd_workspace_root();
	return dd_asprintf("%s/" PLACES_DIR, root ? root : def);
}

/* ---- the key ---- */

static int installer_key(const char *path, char key[KEY_HEX + 1], dd_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dd_error_set(err, -errno, "Cannot read the installer %s: %s", path,
		                    strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		return dd_error_set(err, -errno, "Cannot stat the installer %s: %s", path,
		                    strerror(errno));
	_cleanup_free_ char *buf = dd_malloc0(HEADER_MAX + 1);
	size_t len = 0;
	while (len < HEADER_MAX) {
		ssize_t k = read(fd, buf + len, HEADER_MAX - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return dd_error_set(err, -errno, "Cannot read the installer %s: %s", path,
			                    strerror(errno));
		if (k == 0)
			break;
		len += (size_t)k;
		char *eof = memmem(buf, len, "\n#EOF#\n", 7);
		if (eof) {
			len = (size_t)(eof - buf) + 7;
			break;
		}
	}
	dd_sha256 s;
	dd_sha256_init(&s);
	dd_sha256_update(&s, buf, len);
	char size[32];
	int n = snprintf(size, sizeof(size), ":%lld", (long long)st.st_size);
	dd_sha256_update(&s, size, (size_t)n);
	unsigned char digest[DD_SHA256_SIZE];
	dd_sha256_final(&s, digest);
	char hex[2 * DD_SHA256_SIZE + 1];
	dd_sha256_hex(digest, hex);
	memcpy(key, hex, KEY_HEX);
	key[KEY_HEX] = '\0';
	return 0;
}

/* ---- the place's record ---- */

static int place_info_load(dd_installer *in)
{
	_cleanup_free_ char *path = dd_asprintf("%s/" PLACE_INFO, in->place);
	_cleanup_free_ char *text = NULL;
	if (dd_read_file(path, 64u << 10, &text, NULL) < 0)
		return -ENOENT;
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);
	const char *version = json_string_value(json_object_get(j, "version"));
	const char *variant = json_string_value(json_object_get(j, "variant"));
	if (!version || !variant)
		return -EBADMSG;
	in->version = dd_strdup(version);
	in->variant = dd_strdup(variant);
	in->tar = dd_strdup(json_string_value(json_object_get(j, "tar")));
	in->image = dd_strdup(json_string_value(json_object_get(j, "image")));
	return 0;
}

static int place_info_save(const dd_installer *in, dd_error *err)
{
	_cleanup_json_ json_t *j =
	    json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "installer", in->path, "version", in->version,
	              "variant", in->variant, "tar", in->tar, "image", in->image);
	_cleanup_free_ char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	_cleanup_free_ char *body = dd_asprintf("%s\n", s);
	_cleanup_free_ char *path = dd_asprintf("%s/" PLACE_INFO, in->place);
	int r = dd_write_file(path, body, strlen(body), 0644);
	if (r < 0)
		return dd_error_set(err, r, "Failed to write %s: %s", path, strerror(-r));
	return 0;
}

static bool image_present(dd_docker *d, const char *image)
{
	if (!image)
		return false;
	bool has = false;
	dd_error e = {0};
	return dd_image_exists(d, image, &has, &e) == 0 && has;
}

static bool file_exists(const char *dir, const char *name)
{
	if (!name)
		return false;
	_cleanup_free_ char *p = dd_asprintf("%s/%s", dir, name);
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The payload tar in the place, when --version did not name it (it names
 * it only when it extracts). */
static char *find_tar(const char *dir)
{
	_cleanup_(closedirp) DIR *dd = opendir(dir);
	if (!dd)
		return NULL;
	struct dirent *e;
	while ((e = readdir(dd)))
		if (dd_startswith(e->d_name, "dcos-genconf.") && dd_endswith(e->d_name, ".tar"))
			return dd_strdup(e->d_name);
	return NULL;
}

/* dcos-genconf.<tag>.tar holds the image mesosphere/dcos-genconf:<tag>
 * (make_installer_docker in gen/build_deploy/bash.py). */
static char *image_of_tar(const char *tar)
{
	size_t pre = strlen("dcos-genconf."), suf = strlen(".tar"), n = strlen(tar);
	if (n <= pre + suf)
		return NULL;
	return dd_asprintf("mesosphere/dcos-genconf:%.*s", (int)(n - pre - suf), tar + pre);
}

/* Runs --version in the place (extracting and loading when needed). Holds
 * the place's lock exclusively. */
static int run_version(dd_docker *d, dd_installer *in, dd_event_cb on_event, void *userdata,
                       dd_error *err)
{
	free(in->version);
	free(in->variant);
	free(in->tar);
	free(in->image);
	in->version = in->variant = in->tar = in->image = NULL;
	/* Our own name, so that two --version runs of different installers
	 * never meet on the wrapper's default one. */
	_cleanup_free_ char *name =
	    dd_asprintf("dcos-docker-installer-version-%ld", (long)getpid());
	int r = dd_dcos_installer_info(in->path, in->place, name, on_event, userdata, &in->version,
	                               &in->variant, &in->tar, err);
	if (r < 0) {
		dd_error e = {0};
		dd_container_remove(d, name, DD_RM_FORCE, &e);
		return r;
	}
	in->extracted = true;
	if (!in->tar)
		in->tar = find_tar(in->place);
	if (in->tar)
		in->image = image_of_tar(in->tar);
	return place_info_save(in, err);
}

static int lock_place(dd_installer *in, int how, dd_error *err)
{
	if (in->lock_fd < 0) {
		_cleanup_free_ char *path = dd_asprintf("%s/" LOCK_FILE, in->place);
		in->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (in->lock_fd < 0)
			return dd_error_set(err, -errno, "Failed to open %s: %s", path,
			                    strerror(errno));
	}
	while (flock(in->lock_fd, how) < 0) {
		if (errno != EINTR)
			return dd_error_set(err, -errno, "Failed to lock %s: %s", in->place,
			                    strerror(errno));
		if (dd_cancelled())
			return dd_error_set(err, -ECANCELED, "Interrupted");
	}
	return 0;
}

/* Whether the lock file we hold is still the place's (not removed since). */
static bool lock_current(const dd_installer *in)
{
	_cleanup_free_ char *path = dd_asprintf("%s/" LOCK_FILE, in->place);
	struct stat a, b;
	return fstat(in->lock_fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

void dd_installer_free(dd_installer *in)
{
	if (!in)
		return;
	if (in->lock_fd >= 0)
		close(in->lock_fd); /* drops the lock */
	free(in->path);
	free(in->place);
	free(in->version);
	free(in->variant);
	free(in->tar);
	free(in->image);
	free(in);
}

int dd_installer_open(dd_docker *d, const char *path, const char *root, dd_event_cb on_event,
                      void *userdata, dd_installer **ret, dd_error *err)
{
	_cleanup_(dd_installer_freep) dd_installer *in = dd_malloc0(sizeof(*in));
	in->lock_fd = -1;
	in->path = realpath(path, NULL);
	if (!in->path)
		return dd_error_set(err, -errno, "Cannot resolve the installer path %s: %s", path,
		                    strerror(errno));
	int r = installer_key(in->path, in->key, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *places = places_dir(root);
	in->place = dd_asprintf("%s/%s", places, in->key);
	if ((r = dd_installer_path_check(in->place, "the directory", err)) < 0)
		return r;
	/* Exclusive while we look and maybe extract: two installs from one file
	 * must not extract into the same tar at once. The last user's destroy
	 * may remove the place while we wait for the lock: then we hold a lock
	 * on a removed file, and start again. */
	for (int attempt = 0;; attempt++) {
		if ((r = dd_mkdir_p(in->place, 0700)) < 0)
			return dd_error_set(err, r, "Failed to create %s: %s", in->place,
			                    strerror(-r));
		if ((r = lock_place(in, LOCK_EX, err)) < 0)
			return r;
		if (lock_current(in) || attempt == 2)
			break;
		close(in->lock_fd);
		in->lock_fd = -1;
	}
	bool reuse = place_info_load(in) == 0 &&
	             (!in->tar || (file_exists(in->place, in->tar) && image_present(d, in->image)));
	if (!reuse && (r = run_version(d, in, on_event, userdata, err)) < 0)
		return r;
	/* Shared from now on: no one removes the place while we use it. */
	if ((r = lock_place(in, LOCK_SH, err)) < 0)
		return r;
	*ret = TAKE_PTR(in);
	return 0;
}

const char *dd_installer_version(const dd_installer *in)
{
	return in->version;
}
const char *dd_installer_variant(const dd_installer *in)
{
	return in->variant;
}
const char *dd_installer_place(const dd_installer *in)
{
	return in->place;
}
const char *dd_installer_image(const dd_installer *in)
{
	return in->image;
}
bool dd_installer_extracted(const dd_installer *in)
{
	return in->extracted;
}

/* ---- genconf in a workspace ---- */

/* Files the installer's root-owned container wrote under genconf/ go back to
 * us, so that the user can read and remove their own workspace. Only root
 * (in a container) can do that; nothing to do when we are root. */
static int give_back(dd_docker *d, const char *image, const char *workspace, dd_error *err)
{
	if (getuid() == 0 || !image)
		return 0;
	_cleanup_free_ char *owner = dd_asprintf("%u:%u", (unsigned)getuid(), (unsigned)getgid());
	_cleanup_free_ char *bind = dd_asprintf("%s/genconf:/genconf", workspace);
	const char *argv[] = {"chown", "-R", owner, "/genconf", NULL};
	const char *binds[] = {bind, NULL};
	int code = 0;
	int r = dd_docker_run_once(d, image, argv, binds, 120, &code, err);
	if (r == 0 && code != 0)
		r = dd_error_set(err, -EIO,
		                 "chown -R %s of %s/genconf in a helper container exited %d", owner,
		                 workspace, code);
	return r;
}

static int record_use(const dd_installer *in, const char *workspace, const char *cluster,
                      dd_error *err)
{
	_cleanup_free_ char *users = dd_asprintf("%s/" USERS_DIR, in->place);
	_cleanup_free_ char *user = dd_asprintf("%s/%s", users, cluster);
	int r = dd_mkdir_p(users, 0700);
	if (r == 0)
		r = dd_write_file(user, workspace, strlen(workspace), 0600);
	if (r < 0)
		return dd_error_set(err, r, "Failed to write %s: %s", user, strerror(-r));
	_cleanup_json_ json_t *j =
	    json_pack("{s:s, s:s, s:s, s:s?}", "installer", in->path, "place", in->place, "key",
	              in->key, "image", in->image);
	_cleanup_free_ char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	_cleanup_free_ char *body = dd_asprintf("%s\n", s);
	_cleanup_free_ char *path = dd_asprintf("%s/" WORKSPACE_INFO, workspace);
	if ((r = dd_write_file(path, body, strlen(body), 0644)) < 0)
		return dd_error_set(err, r, "Failed to write %s: %s", path, strerror(-r));
	return 0;
}

/* genconf (upgrade_from NULL) or the node upgrade script (ret_url). */
static int run_in_workspace(dd_docker *d, dd_installer *in, const char *workspace,
                            const char *cluster, const char *upgrade_from, char **ret_url,
                            dd_event_cb on_event, void *userdata, dd_error *err)
{
	int r = dd_installer_path_check(workspace, "the workspace", err);
	if (r < 0)
		return r;
	if ((r = record_use(in, workspace, cluster, err)) < 0)
		return r;
	_cleanup_free_ char *link = NULL;
	if (in->tar) {
		if (!file_exists(in->place, in->tar) || !image_present(d, in->image)) {
			/* Removed behind our back (docker rmi, a cleaner): extract once
			 * more, in the place, not in the workspace. */
			if ((r = lock_place(in, LOCK_EX, err)) < 0 ||
			    (r = run_version(d, in, on_event, userdata, err)) < 0 ||
			    (r = lock_place(in, LOCK_SH, err)) < 0)
				return r;
		}
		if (in->tar) {
			_cleanup_free_ char *target = dd_asprintf("%s/%s", in->place, in->tar);
			link = dd_asprintf("%s/%s", workspace, in->tar);
			unlink(link);
			if (symlink(target, link) < 0)
				return dd_error_set(err, -errno, "Failed to link %s to %s: %s",
				                    link, target, strerror(errno));
		}
	}
	_cleanup_free_ char *container = dd_asprintf("%s-installer", cluster);
	if (upgrade_from)
		r = dd_dcos_upgrade_script(in->path, workspace, container, upgrade_from, on_event,
		                           userdata, ret_url, err);
	else
		r = dd_dcos_genconf(in->path, workspace, container, on_event, userdata, err);
	if (r < 0) {
		dd_error e = {0};
		dd_container_remove(d, container, DD_RM_FORCE | DD_RM_VOLUMES | DD_RM_MISSING_OK,
		                    &e);
	}
	if (link)
		unlink(link); /* the wrapper removes it itself on SIGINT */
	/* After a failure too: what it wrote is the user's to look at. */
	dd_error ge = {0};
	int g = give_back(d, in->image, workspace, &ge);
	if (r == 0 && g < 0) {
		dd_error_copy(err, &ge);
		r = g;
	}
	return r;
}

int dd_installer_genconf(dd_docker *d, dd_installer *in, const char *workspace, const char *cluster,
                         dd_event_cb on_event, void *userdata, dd_error *err)
{
	return run_in_workspace(d, in, workspace, cluster, NULL, NULL, on_event, userdata, err);
}

int dd_installer_upgrade_script(dd_docker *d, dd_installer *in, const char *workspace,
                                const char *cluster, const char *installed_version,
                                dd_event_cb on_event, void *userdata, char **ret_url, dd_error *err)
{
	return run_in_workspace(d, in, workspace, cluster, installed_version, ret_url, on_event,
	                        userdata, err);
}

/* ---- who uses a place ---- */

/* A user entry counts while its workspace exists and still names this place. */
static bool user_valid(const char *place, const char *user_file)
{
	_cleanup_free_ char *ws = NULL;
	if (dd_read_file(user_file, 8192, &ws, NULL) < 0)
		return false;
	_cleanup_free_ char *info_path = dd_asprintf("%s/" WORKSPACE_INFO, ws);
	_cleanup_free_ char *text = NULL;
	if (dd_read_file(info_path, 64u << 10, &text, NULL) < 0)
		return false;
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);
	const char *p = json_string_value(json_object_get(j, "place"));
	return p && strcmp(p, place) == 0;
}

/* Drops stale user entries; returns how many valid ones remain. */
static size_t prune_users(const char *place)
{
	_cleanup_free_ char *users = dd_asprintf("%s/" USERS_DIR, place);
	_cleanup_(closedirp) DIR *dir = opendir(users);
	if (!dir)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		_cleanup_free_ char *f = dd_asprintf("%s/%s", users, e->d_name);
		if (user_valid(place, f))
			n++;
		else
			unlink(f);
	}
	return n;
}

static uint64_t disk_bytes(const char *dir)
{
	uint64_t total = 0;
	_cleanup_(closedirp) DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *p = dd_asprintf("%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			total += disk_bytes(p);
		else
			total += (uint64_t)st.st_blocks * 512;
	}
	return total;
}

/* Removes a place nobody uses, and its image, unless someone holds it.
 * info (may be NULL) gets what was found. */
static int place_remove_if_unused(dd_docker *d, const char *place, bool dry_run,
                                  dd_installer_place_info *info, dd_error *err)
{
	dd_installer in = {.place = (char *)place, .lock_fd = -1};
	bool have = place_info_load(&in) == 0;
	if (info) {
		snprintf(info->dir, sizeof(info->dir), "%s", place);
		if (have) {
			snprintf(info->version, sizeof(info->version), "%s", in.version);
			snprintf(info->variant, sizeof(info->variant), "%s", in.variant);
			snprintf(info->image, sizeof(info->image), "%s", in.image ? in.image : "");
		}
		info->bytes = disk_bytes(place);
	}
	_cleanup_free_ char *lock = dd_asprintf("%s/" LOCK_FILE, place);
	_cleanup_close_ int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int r = 0;
	if (fd < 0) {
		r = dd_error_set(err, -errno, "Failed to open %s: %s", lock, strerror(errno));
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (info)
			info->in_use = true; /* an install is using it right now */
		goto out;
	}
	size_t users = prune_users(place);
	if (info)
		info->users = users;
	if (users > 0)
		goto out;
	if (info)
		info->removable = true;
	if (dry_run)
		goto out;
	if (have && in.image && image_present(d, in.image)) {
		dd_error e = {0};
		/* A 409 (a container still uses it: an installer someone runs by
		 * hand) leaves the image; the place goes anyway. */
		dd_image_remove(d, in.image, 0, &e);
	}
	if ((r = dd_rm_rf(place)) < 0)
		dd_error_set(err, r, "Failed to remove %s: %s", place, strerror(-r));
	else if (info)
		info->removed = true;
out:
	free(in.version);
	free(in.variant);
	free(in.tar);
	free(in.image);
	return r;
}

int dd_installer_release(dd_docker *d, const char *root, const char *workspace, const char *cluster,
                         dd_error *err)
{
	_cleanup_free_ char *info_path = dd_asprintf("%s/" WORKSPACE_INFO, workspace);
	_cleanup_free_ char *text = NULL;
	if (dd_read_file(info_path, 64u << 10, &text, NULL) < 0)
		return 0; /* this cluster never ran genconf */
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);
	const char *place = json_string_value(json_object_get(j, "place"));
	if (!place)
		return 0;
	/* Only a place under our root is ours to remove. */
	_cleanup_free_ char *places = places_dir(root);
	if (!dd_startswith(place, places) || place[strlen(places)] != '/' || strstr(place, "/../"))
		return 0;
	_cleanup_free_ char *user = dd_asprintf("%s/" USERS_DIR "/%s", place, cluster);
	unlink(user);
	unlink(info_path);
	return place_remove_if_unused(d, place, false, NULL, err);
}

int dd_installer_places(dd_docker *d, const char *root, bool remove_unused,
                        dd_installer_place_info **ret, size_t *ret_n, dd_error *err)
{
	_cleanup_free_ char *places = places_dir(root);
	_cleanup_(closedirp) DIR *dir = opendir(places);
	*ret = NULL;
	*ret_n = 0;
	if (!dir)
		return errno == ENOENT ? 0
		                       : dd_error_set(err, -errno, "Cannot read %s: %s", places,
		                                      strerror(errno));
	dd_installer_place_info *list = NULL;
	size_t n = 0;
	struct dirent *e;
	int r = 0;
	while ((e = readdir(dir)) && r == 0) {
		if (e->d_name[0] == '.')
			continue;
		list = realloc(list, (n + 1) * sizeof(*list));
		if (!list)
			abort();
		dd_installer_place_info *pi = &list[n++];
		*pi = (dd_installer_place_info){0};
		_cleanup_free_ char *place = dd_asprintf("%s/%s", places, e->d_name);
		r = place_remove_if_unused(d, place, !remove_unused, pi, err);
	}
	*ret = list;
	*ret_n = n;
	return r;
}

int dd_installer_of_workspace(const char *workspace, dd_installer_place_info *ret)
{
	_cleanup_free_ char *info_path = dd_asprintf("%s/" WORKSPACE_INFO, workspace);
	_cleanup_free_ char *text = NULL;
	if (dd_read_file(info_path, 64u << 10, &text, NULL) < 0)
		return -ENOENT;
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);
	const char *place = json_string_value(json_object_get(j, "place"));
	if (!place)
		return -ENOENT;
	dd_installer_place_info pi = {0};
	snprintf(pi.dir, sizeof(pi.dir), "%s", place);
	dd_installer in = {.place = (char *)place, .lock_fd = -1};
	if (place_info_load(&in) == 0) {
		snprintf(pi.version, sizeof(pi.version), "%s", in.version);
		snprintf(pi.variant, sizeof(pi.variant), "%s", in.variant);
		snprintf(pi.image, sizeof(pi.image), "%s", in.image ? in.image : "");
	}
	free(in.version);
	free(in.variant);
	free(in.tar);
	free(in.image);
	pi.bytes = disk_bytes(place);
	*ret = pi;
	return 0;
}
