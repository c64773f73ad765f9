#include "image/recipe.h"

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "image/sha256.h"
#include "util.h"

#include "recipe-files.h"

const struct dd_recipe_file *dd_recipe_files_get(size_t *ret_n)
{
	*ret_n = ELEMENTSOF(dd_recipe_files);
	return dd_recipe_files;
}

const struct dd_recipe_file *dd_recipe_file_find(const struct dd_recipe_file *files, size_t n,
                                                 const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(files[i].name, name) == 0)
			return &files[i];
	return NULL;
}

static void hash_u64(dd_sha256 *s, unsigned long long v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (56 - 8 * i));
	dd_sha256_update(s, b, sizeof(b));
}

static void hash_str(dd_sha256 *s, const char *str)
{
	size_t n = strlen(str);
	hash_u64(s, n);
	dd_sha256_update(s, str, n);
}

void dd_recipe_hash(const struct dd_recipe_file *files, size_t n, const char *distro,
                    char ret_hex[65])
{
	dd_sha256 s;
	dd_sha256_init(&s);
	hash_str(&s, DD_RECIPE_FORMAT);
	hash_u64(&s, n);
	for (size_t i = 0; i < n; i++) {
		hash_str(&s, files[i].name);
		hash_u64(&s, files[i].mode);
		hash_u64(&s, files[i].size);
		dd_sha256_update(&s, files[i].data, files[i].size);
	}
	hash_str(&s, distro);
	unsigned char digest[DD_SHA256_SIZE];
	dd_sha256_final(&s, digest);
	dd_sha256_hex(digest, ret_hex);
}

/* Calls fn for each meaningful line: surrounding blanks removed, empty lines
 * and comments skipped. Comments start a line with '#', or anywhere with
 * inline_comments. */
static int each_line(const struct dd_recipe_file *f, bool inline_comments,
                     int (*fn)(const char *line, size_t len, void *u), void *u)
{
	const char *p = f->data, *end = f->data + f->size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *b = p;
		while (b < eol && (*b == ' ' || *b == '\t' || *b == '\r'))
			b++;
		/* Only on a non-empty rest: gcc -O3 cannot see that memchr's nl is not
		 * before p, so it takes eol - b for a possibly negative bound. */
		const char *hash = NULL;
		if (b < eol)
			hash = inline_comments ? memchr(b, '#', (size_t)(eol - b))
			                       : (*b == '#' ? b : NULL);
		const char *e = hash ? hash : eol;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e > b) {
			int r = fn(b, (size_t)(e - b), u);
			if (r < 0)
				return r;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* The comma-separated list for mmdebstrap --include: a few hundred bytes. */
#define PKGS_MAX (64u << 10)

struct pkgs {
	dd_buf list;
	const char *distro;
	dd_error *err;
};

static bool pkg_char_ok(char c, bool first)
{
	/* Debian policy 5.6.1: [a-z0-9][a-z0-9+.-]+ */
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '+' || c == '-' || c == '.');
}

/* Whether "[a b c]" (the text between the brackets) names distro. */
static bool restriction_matches(const char *list, size_t len, const char *distro)
{
	size_t dl = strlen(distro);
	for (size_t i = 0; i < len;) {
		while (i < len && list[i] == ' ')
			i++;
		size_t j = i;
		while (j < len && list[j] != ' ')
			j++;
		if (j - i == dl && memcmp(list + i, distro, dl) == 0)
			return true;
		i = j;
	}
	return false;
}

static int add_pkg(const char *line, size_t len, void *u)
{
	struct pkgs *p = u;
	/* "name [distro ...]": only for those distros. */
	const char *open = memchr(line, '[', len);
	if (open) {
		const char *close = memchr(open, ']', len - (size_t)(open - line));
		if (!close || close != line + len - 1)
			return dd_error_set(p->err, -EINVAL,
			                    "The recipe's package list has an invalid line: '%.*s'",
			                    (int)len, line);
		if (!restriction_matches(open + 1, (size_t)(close - open - 1), p->distro))
			return 0;
		len = (size_t)(open - line);
		while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
	}
	for (size_t i = 0; i < len; i++)
		if (!pkg_char_ok(line[i], i == 0))
			return dd_error_set(p->err, -EINVAL,
			                    "The recipe's package list has an invalid name: '%.*s'",
			                    (int)len, line);
	if (len == 0)
		return dd_error_set(p->err, -EINVAL,
		                    "The recipe's package list has a line without a name");
	if (dd_buf_addf(&p->list, "%s%.*s", p->list.len ? "," : "", (int)len, line) < 0)
		return dd_error_set(p->err, -E2BIG, "The recipe's package list is too long");
	return 0;
}

int dd_recipe_packages(const struct dd_recipe_file *f, const char *distro, char **ret,
                       dd_error *err)
{
	struct pkgs p = {.list = DD_BUF_HEAD(PKGS_MAX), .distro = distro, .err = err};
	int r = each_line(f, true, add_pkg, &p);
	if (r == 0 && p.list.len == 0)
		r = dd_error_set(err, -EINVAL, "The recipe's package list is empty");
	if (r == 0)
		*ret = dd_buf_take(&p.list);
	dd_buf_free(&p.list);
	return r;
}

struct lines {
	char **v;
	size_t n;
};

static int add_line(const char *line, size_t len, void *u)
{
	struct lines *l = u;
	char **v = realloc(l->v, (l->n + 2) * sizeof(char *));
	if (!v)
		abort();
	l->v = v;
	l->v[l->n] = strndup(line, len);
	if (!l->v[l->n])
		abort();
	l->v[++l->n] = NULL;
	return 0;
}

char **dd_recipe_lines(const struct dd_recipe_file *f)
{
	struct lines l = {0};
	each_line(f, false, add_line, &l);
	if (!l.v)
		l.v = dd_malloc0(sizeof(char *));
	return l.v;
}
