/* Which storage driver the nodes' inner Docker uses. Pure but for one
 * statfs of the daemon's root directory.
 *
 * A node's /var/lib/docker is a Docker volume (lib/node-spec.c), so the
 * inner Docker's layers live on the filesystem under the host daemon's
 * DockerRootDir, not on the host's own storage driver: a host on btrfs,
 * zfs, vfs or devicemapper can still give its nodes overlay2 when that
 * filesystem can hold an overlay upper directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/vfs.h>

#include "create-internal.h"
#include "util.h"

static const char *const usable[] = {"overlay2", "overlay", "aufs", "fuse-overlayfs", "vfs"};

int dd_storage_driver_check(const char *driver, dd_error *err)
{
	for (size_t i = 0; i < ELEMENTSOF(usable); i++)
		if (strcmp(driver, usable[i]) == 0)
			return 0;
	dd_error_usage(err, -EINVAL, "Storage driver '%s' cannot work for Docker inside the nodes",
	               driver);
	return dd_error_hint(err, "Choose one with --storage-driver: overlay2, overlay, aufs, "
	                          "fuse-overlayfs or vfs, or leave it to auto.");
}

/* Filesystems the kernel's overlayfs takes as an upper directory (they
 * have d_type, trusted xattrs and RENAME_WHITEOUT; see the kernel's
 * Documentation/filesystems/overlayfs.rst). XFS needs ftype=1, the default
 * of mkfs.xfs since 2016. Names as Docker's "Backing Filesystem" gives
 * them (moby daemon/graphdriver FsNames). */
static const char *const overlay_upper[] = {"extfs", "xfs", "btrfs", "tmpfs", "f2fs"};

void dd_storage_driver_auto(const char *host_driver, const char *backing_fs,
                            struct dd_storage_choice *ret)
{
	*ret = (struct dd_storage_choice){0};
	/* The host's own driver, when the nodes can use it: it is known to work
	 * on this kernel (aufs needs a module only such a host has). */
	for (size_t i = 0; host_driver && i < ELEMENTSOF(usable) - 1; i++)
		if (strcmp(host_driver, usable[i]) == 0) {
			snprintf(ret->driver, sizeof(ret->driver), "%s", host_driver);
			return;
		}
	for (size_t i = 0; backing_fs && i < ELEMENTSOF(overlay_upper); i++)
		if (strcmp(backing_fs, overlay_upper[i]) == 0) {
			snprintf(ret->driver, sizeof(ret->driver), "overlay2");
			return;
		}
	/* zfs (before OpenZFS 2.2), an overlayfs (a host that is itself a
	 * container) or a filesystem we cannot tell: vfs always works, at the
	 * price of a full copy per image layer. fuse-overlayfs would be faster
	 * but the node image does not carry it. */
	snprintf(ret->driver, sizeof(ret->driver), "vfs");
	ret->slow = true;
}

const char *dd_backing_fs_name(const char *path)
{
	struct statfs s;
	if (!path || statfs(path, &s) < 0)
		return NULL;
	/* Magic numbers from linux/magic.h (ZFS's from OpenZFS). */
	switch ((unsigned long)s.f_type) {
	case 0xEF53: return "extfs";
	case 0x58465342: return "xfs";
	case 0x9123683EUL: return "btrfs";
	case 0x01021994: return "tmpfs";
	case 0xF2F52010UL: return "f2fs";
	case 0x2FC12FC1: return "zfs";
	case 0x794C7630: return "overlayfs";
	default: return NULL;
	}
}

const char *dd_info_backing_fs(json_t *info)
{
	/* DriverStatus is [[key, value], ...]; overlay2 reports "Backing
	 * Filesystem", btrfs and zfs are their own backing. */
	const char *driver = json_string_value(json_object_get(info, "Driver"));
	if (driver && (strcmp(driver, "btrfs") == 0 || strcmp(driver, "zfs") == 0))
		return driver;
	size_t i;
	json_t *kv;
	json_array_foreach (json_object_get(info, "DriverStatus"), i, kv) {
		const char *k = json_string_value(json_array_get(kv, 0));
		if (k && strcmp(k, "Backing Filesystem") == 0)
			return json_string_value(json_array_get(kv, 1));
	}
	return NULL;
}

const char *dd_daemon_backing_fs(json_t *info)
{
	const char *fs = dd_info_backing_fs(info);
	if (fs)
		return fs;
	/* The daemon is on this machine (we reach it by a unix socket): its
	 * volumes directory is where the nodes' /var/lib/docker will be. */
	const char *root = json_string_value(json_object_get(info, "DockerRootDir"));
	if (!root)
		return NULL;
	_cleanup_free_ char *volumes = dd_asprintf("%s/volumes", root);
	return dd_backing_fs_name(volumes);
}
