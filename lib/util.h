/* Internal helpers shared by the library and the CLI: cleanup attributes,
 * ownership transfer, bounded string building. */
#ifndef DCOS_DOCKER_UTIL_H
#define DCOS_DOCKER_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_     __attribute__((unused))

static inline void freep(void *p)
{
	free(*(void **)p);
}
static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
static inline void strvfreep(char ***v)
{
	if (*v) {
		for (char **p = *v; *p; p++)
			free(*p);
		free(*v);
	}
}

#define _cleanup_free_   _cleanup_(freep)
#define _cleanup_close_  _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
/* json_decrefp comes with jansson >= 2.9. */
#define _cleanup_json_ _cleanup_(json_decrefp)
#define _cleanup_strv_ _cleanup_(strvfreep)

/* Hands ownership out of a cleanup-managed variable. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _p = (p);                                                            \
		(p) = NULL;                                                                        \
		_p;                                                                                \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_fd;                                                                               \
	})

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* snprintf that reports truncation: 0, or -ENAMETOOLONG when buf was too small. */
int dd_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* malloc'ed printf; aborts on out-of-memory (there is nothing sane to do then). */
char *dd_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *dd_strdup(const char *s);
void *dd_malloc0(size_t n);
bool dd_startswith(const char *s, const char *prefix);
/* The last non-empty line of s, trailing whitespace cut off (s is changed):
 * a script's reason for failing, in one line. */
const char *dd_last_line(char *s);
bool dd_endswith(const char *s, const char *suffix);

/* Reads a whole file (at most max bytes) into a NUL-terminated buffer. */
int dd_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* Writes a file atomically (temp file + rename) with the given mode. */
int dd_write_file(const char *path, const void *data, size_t len, unsigned mode);
/* mkdir -p with mode for the created directories. */
int dd_mkdir_p(const char *path, unsigned mode);
/* rm -rf; missing paths are not an error. */
int dd_rm_rf(const char *path);

/* True when prog is an executable in one of $PATH's directories (default:
 * the usual system ones). */
bool dd_in_path(const char *prog);
/* The path of prog in $PATH (the default path when unset) into buf: a
 * regular, executable file. */
bool dd_path_lookup(const char *prog, char *buf, size_t size);
/* The value of a hexadecimal digit, -1 for any other character. */
int dd_hex_digit(char ch);
/* nbytes (at most 64) random bytes from getrandom(2) as 2 * nbytes lowercase
 * hex digits and a NUL into buf: 0, or -errno when the kernel gave none
 * (there is no weaker fallback: these ids must not repeat). */
int dd_random_hex(char *buf, size_t nbytes);

/* Removes terminal escape sequences (colours, cursor movement) from s in
 * place: DC/OS's installer colours its log lines even on a pipe (coloredlogs
 * with isatty=True), which reads as noise in an error message or a log file. */
void dd_strip_ansi(char *s);

/* Monotonic clock in seconds. */
double dd_now(void);

#endif
