#define _GNU_SOURCE
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* Makes room for len + need bytes plus the NUL; need never exceeds max - len. */
static void grow(dd_buf *b, size_t need)
{
	if (b->data && b->len + need < b->alloc)
		return;
	size_t alloc = b->alloc ? b->alloc : 256;
	while (alloc < b->len + need + 1)
		alloc *= 2;
	if (alloc > b->max + 1)
		alloc = b->max + 1;
	char *n = realloc(b->data, alloc);
	if (!n)
		abort();
	if (!b->data)
		n[0] = '\0';
	b->data = n;
	b->alloc = alloc;
}

int dd_buf_add(dd_buf *b, const void *data, size_t len)
{
	const char *p = data;
	int r = 0;
	if (b->max == 0) { /* keeps nothing, allocates nothing */
		b->truncated = b->truncated || len > 0;
		return len > 0 ? -E2BIG : 0;
	}
	if (len > b->max - b->len) {
		r = -E2BIG;
		b->truncated = true;
		if (!b->tail) {
			len = b->max - b->len;
		} else if (len >= b->max) { /* only the end of the new bytes survives */
			p += len - b->max;
			len = b->max;
			b->len = 0;
		} else { /* drop the oldest bytes */
			size_t drop = b->len + len - b->max;
			memmove(b->data, b->data + drop, b->len - drop);
			b->len -= drop;
		}
	}
	grow(b, len);
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return r;
}

int dd_buf_vaddf(dd_buf *b, const char *fmt, va_list ap)
{
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	if (n < 0)
		abort();
	int r = dd_buf_add(b, s, (size_t)n);
	free(s);
	return r;
}

int dd_buf_addf(dd_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = dd_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

int dd_buf_sink(const char *data, size_t len, void *userdata)
{
	dd_buf_add(userdata, data, len);
	return 0;
}

const char *dd_buf_str(const dd_buf *b)
{
	return b->data ? b->data : "";
}

char *dd_buf_take(dd_buf *b)
{
	char *s = b->data ? b->data : dd_strdup("");
	*b = (dd_buf){.max = b->max, .tail = b->tail};
	return s;
}

void dd_buf_reset(dd_buf *b)
{
	b->len = 0;
	b->truncated = false;
	if (b->data)
		b->data[0] = '\0';
}

void dd_buf_free(dd_buf *b)
{
	free(b->data);
	*b = (dd_buf){.max = b->max, .tail = b->tail};
}

void dd_buf_lines_flush(dd_buf *line, void (*on_line)(const char *line, void *userdata),
                        void *userdata)
{
	if (line->len > 0 && line->data[line->len - 1] == '\r')
		line->data[--line->len] = '\0';
	on_line(dd_buf_str(line), userdata);
	dd_buf_reset(line);
}

void dd_buf_lines(dd_buf *line, const char *p, size_t n,
                  void (*on_line)(const char *line, void *userdata), void *userdata)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;
		if (k > line->max - line->len)
			k = line->max - line->len;
		dd_buf_add(line, p, k);
		p += k;
		n -= k;
		if (n > 0 && *p == '\n') {
			p++;
			n--;
			dd_buf_lines_flush(line, on_line, userdata);
		} else if (line->len == line->max) { /* an endless line is passed on in pieces */
			dd_buf_lines_flush(line, on_line, userdata);
		}
	}
}

char *dd_tail_text(const dd_buf *b, size_t max_lines, size_t line_max, size_t budget,
                   const char *indent)
{
	const char *s = dd_buf_str(b), *end = s + b->len;
	if (b->truncated && b->tail) /* the oldest line lost its beginning */
		s += strcspn(s, "\r\n");
	/* The newest max_lines lines: line i at ring[i % max_lines]. */
	struct line {
		const char *p;
		size_t n;
	} *ring = dd_malloc0((max_lines ? max_lines : 1) * sizeof(*ring));
	size_t n_lines = 0;
	while (max_lines && s < end) {
		size_t n = strcspn(s, "\r\n"); /* a NUL in the output ends a line too */
		if (n > 0)
			ring[n_lines++ % max_lines] = (struct line){s, n};
		s += n;
		if (s[0] == '\r' && s[1] == '\n')
			s++;
		s++;
	}
	size_t have = n_lines < max_lines ? n_lines : max_lines;
	size_t take = 0, size = 0, ind = strlen(indent);
	while (take < have) {
		size_t n = ring[(n_lines - take - 1) % max_lines].n;
		n = (n > line_max ? line_max + 3 : n) + ind +
		    1; /* indent, line ("..." if cut), "\n" */
		if (size + n > budget)
			break;
		size += n;
		take++;
	}
	dd_buf out = DD_BUF_HEAD(size + ind + 16);
	for (size_t i = n_lines - take; i < n_lines; i++) {
		const struct line *l = &ring[i % max_lines];
		bool cut = l->n > line_max;
		dd_buf_addf(&out, "%s%s%.*s%s", i == n_lines - take ? "" : "\n", indent,
		            (int)(cut ? line_max : l->n), l->p, cut ? "..." : "");
	}
	if (take == 0)
		dd_buf_addf(&out, "%s(no output)", indent);
	free(ring);
	return dd_buf_take(&out);
}
