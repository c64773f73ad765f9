/* The node image recipe embedded into the library (lib/image/recipe/, turned
 * into build/generated/recipe-files.h by cmake/embed.cmake), and the pure
 * functions over it: the content hash behind the image tag, the package list,
 * the import changes. */
#ifndef DCOS_DOCKER_IMAGE_RECIPE_H
#define DCOS_DOCKER_IMAGE_RECIPE_H

#include <stddef.h>

#include "dcos-docker/error.h"

struct dd_recipe_file {
	const char *name; /* flat: no directories */
	const char *data;
	size_t size;
	unsigned mode; /* 0644 or 0755 */
};

/* Bumped when the build itself (mmdebstrap options, import) changes in a way
 * that changes the image, so the tag follows. */
#define DD_RECIPE_FORMAT "dcos-docker-recipe-1"

/* The embedded recipe, sorted by name. */
const struct dd_recipe_file *dd_recipe_files_get(size_t *ret_n);
const struct dd_recipe_file *dd_recipe_file_find(const struct dd_recipe_file *files, size_t n,
                                                 const char *name);

/* Lowercase hex SHA-256 over DD_RECIPE_FORMAT, every file (name, mode, size,
 * bytes; unambiguous framing) and the distro name. */
void dd_recipe_hash(const struct dd_recipe_file *files, size_t n, const char *distro,
                    char ret_hex[65]);

/* The "packages" file as "a,b,c" for mmdebstrap --include: one name per line,
 * '#' comments and blank lines skipped; "name [distro ...]" only for those
 * distros. Names are checked (Debian package name characters only), since
 * they end up on a command line. */
int dd_recipe_packages(const struct dd_recipe_file *f, const char *distro, char **ret,
                       dd_error *err);

/* Non-comment, non-blank lines of a file (the "image-changes" file), as a
 * NULL-terminated array. */
char **dd_recipe_lines(const struct dd_recipe_file *f);

#endif
