/* Pure protocol code for Docker's streams: the multiplexed-stream demuxer,
 * the HTTP response head of a hijacked connection and chunked bodies. No I/O
 * here: everything is fed buffers split at arbitrary points. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "dcos-docker/docker.h"
#include "docker/docker-internal.h"
#include "docker/stream-internal.h"
#include "util.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* ---- Multiplexed stream ---- */

void dd_demux_init(dd_demux *m, dd_demux_cb cb, void *userdata)
{
	memset(m, 0, sizeof(*m));
	m->cb = cb;
	m->userdata = userdata;
}

int dd_demux_feed(dd_demux *m, const char *buf, size_t len)
{
	while (len > 0) {
		if (m->header_len < sizeof(m->header)) {
			size_t n = MIN(sizeof(m->header) - m->header_len, len);
			memcpy(m->header + m->header_len, buf, n);
			m->header_len += n;
			buf += n;
			len -= n;
			if (m->header_len < sizeof(m->header))
				break;
			/* Bytes 1..3 are padding; Docker's own stdcopy ignores them, so do we. */
			if (m->header[0] > DD_STREAM_STDERR)
				return -EPROTO;
			uint32_t size = (uint32_t)m->header[4] << 24 |
			                (uint32_t)m->header[5] << 16 | (uint32_t)m->header[6] << 8 |
			                (uint32_t)m->header[7];
			if (size > DD_STREAM_MAX_FRAME)
				return -EPROTO;
			m->stream = m->header[0];
			m->remaining = size;
			/* An empty frame carries nothing: go straight to the next header. */
			if (size == 0)
				m->header_len = 0;
			continue;
		}
		size_t n = MIN(m->remaining, len);
		int r = m->cb(m->stream, buf, n, m->userdata);
		if (r < 0)
			return r;
		buf += n;
		len -= n;
		m->remaining -= n;
		if (m->remaining == 0)
			m->header_len = 0;
	}
	return 0;
}

bool dd_demux_complete(const dd_demux *m)
{
	return m->header_len == 0 && m->remaining == 0;
}

/* ---- HTTP response head ---- */

static bool is_tchar(unsigned char c)
{
	/* RFC 9110 token characters. */
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Field values may hold visible characters, blanks and obs-text, not controls. */
static bool valid_value(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static bool token_eq(const char *a, size_t n, const char *b)
{
	return strlen(b) == n && strncasecmp(a, b, n) == 0;
}

/* Walks a comma-separated list: returns the next element (trimmed) in
 * ret_tok and ret_n, false when none is left. Empty elements are skipped, as
 * RFC 9110 section 5.6.1 asks. */
static bool next_element(const char **p, const char *end, const char **ret_tok, size_t *ret_n)
{
	while (*p < end) {
		const char *s = *p;
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *e = comma ? comma : end;
		*p = comma ? comma + 1 : end;
		while (s < e && is_ows(*s))
			s++;
		while (e > s && is_ows(e[-1]))
			e--;
		if (e > s) {
			*ret_tok = s;
			*ret_n = (size_t)(e - s);
			return true;
		}
	}
	return false;
}

/* "HTTP/1.x SSS[ reason]" without the CRLF. */
static int parse_status_line(const char *s, size_t n, long *ret_status)
{
	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' || s[8] != ' ')
		return -EPROTO;
	for (size_t i = 9; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EPROTO;
	if (s[9] == '0')
		return -EPROTO;
	/* The reason phrase is optional; if present it follows one space. */
	if (n > 12 && (s[12] != ' ' || !valid_value(s + 13, n - 13)))
		return -EPROTO;
	*ret_status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	return 0;
}

/* Rejects early what cannot become a valid head, so a peer that is not
 * speaking HTTP is reported at once rather than after 16 KiB or never. */
static int check_partial(const char *buf, size_t len)
{
	static const char prefix[] = "HTTP/1.";
	if (memcmp(buf, prefix, MIN(len, sizeof(prefix) - 1)) != 0)
		return -EPROTO;
	const char *nl = memchr(buf, '\n', len);
	if (nl) {
		long status;
		if (nl == buf || nl[-1] != '\r')
			return -EPROTO;
		int r = parse_status_line(buf, (size_t)(nl - 1 - buf), &status);
		if (r < 0)
			return r;
	}
	return len >= DD_HTTP_MAX_HEAD ? -E2BIG : -EAGAIN;
}

int dd_http_parse_response_head(const char *buf, size_t len, dd_http_head *ret)
{
	const char *end = memmem(buf, MIN(len, DD_HTTP_MAX_HEAD), "\r\n\r\n", 4);
	if (!end)
		return check_partial(buf, len);
	/* Found within the first DD_HTTP_MAX_HEAD bytes, so within the cap. */
	size_t head_len = (size_t)(end - buf) + 4;

	dd_http_head h = {.content_length = -1, .head_len = head_len};
	bool have_ct = false;
	const char *p = buf, *stop = end + 2; /* stop: just past the last header line's CRLF */
	bool first = true;
	while (p < stop) {
		const char *cr = memmem(p, (size_t)(stop - p), "\r\n", 2);
		/* cr is never NULL: stop is just past a CRLF. */
		size_t n = (size_t)(cr - p);
		/* A bare CR or LF inside a line is how request smuggling starts: refuse. */
		if (memchr(p, '\n', n) || memchr(p, '\r', n) || memchr(p, '\0', n))
			return -EPROTO;
		if (first) {
			int r = parse_status_line(p, n, &h.status);
			if (r < 0)
				return r;
			first = false;
			p = cr + 2;
			continue;
		}
		const char *colon = memchr(p, ':', n);
		if (!colon || colon == p)
			return -EPROTO;
		for (const char *q = p; q < colon; q++)
			if (!is_tchar((unsigned char)*q))
				return -EPROTO; /* also rejects obs-fold and "Name :" */
		size_t name_len = (size_t)(colon - p);
		const char *v = colon + 1, *ve = cr;
		while (v < ve && is_ows(*v))
			v++;
		while (ve > v && is_ows(ve[-1]))
			ve--;
		size_t vn = (size_t)(ve - v);
		if (!valid_value(v, vn))
			return -EPROTO;

		if (token_eq(p, name_len, "Content-Type")) {
			if (vn >= sizeof(h.content_type))
				return -EPROTO;
			if (have_ct &&
			    (strlen(h.content_type) != vn || memcmp(h.content_type, v, vn) != 0))
				return -EPROTO;
			memcpy(h.content_type, v, vn);
			h.content_type[vn] = '\0';
			have_ct = true;
		} else if (token_eq(p, name_len, "Content-Length")) {
			if (vn == 0 || vn > 18)
				return -EPROTO; /* 18 digits cannot overflow int64 */
			int64_t cl = 0;
			for (size_t i = 0; i < vn; i++) {
				if (v[i] < '0' || v[i] > '9')
					return -EPROTO;
				cl = cl * 10 + (v[i] - '0');
			}
			if (h.content_length >= 0 && h.content_length != cl)
				return -EPROTO;
			h.content_length = cl;
		} else if (token_eq(p, name_len, "Transfer-Encoding")) {
			/* Several Transfer-Encoding lines form one list: the last coding counts. */
			const char *it = v, *tok;
			size_t tn;
			while (next_element(&it, ve, &tok, &tn))
				h.chunked = token_eq(tok, tn, "chunked");
		} else if (token_eq(p, name_len, "Connection")) {
			const char *it = v, *tok;
			size_t tn;
			while (next_element(&it, ve, &tok, &tn))
				if (token_eq(tok, tn, "upgrade"))
					h.upgrade = true;
		}
		p = cr + 2;
	}
	*ret = h;
	return 0;
}

bool dd_http_media_type_is(const char *content_type, const char *media_type)
{
	const char *s = content_type, *e;
	while (is_ows(*s))
		s++;
	e = s + strcspn(s, ";");
	while (e > s && is_ows(e[-1]))
		e--;
	return token_eq(s, (size_t)(e - s), media_type);
}

/* ---- Chunked transfer coding ---- */

enum {
	CH_SIZE,    /* hex digits of the chunk size */
	CH_SIZE_WS, /* blanks after the digits */
	CH_EXT,     /* ";name=value" chunk extensions: ignored */
	CH_SIZE_LF, /* the LF ending the size line */
	CH_DATA,    /* chunk data */
	CH_DATA_CR, /* the CRLF after chunk data */
	CH_DATA_LF,
	CH_TRAILER, /* start of a trailer line (or of the final blank line) */
	CH_TRAILER_LINE,
	CH_TRAILER_LF,
	CH_END_LF, /* the LF of the final blank line */
	CH_DONE,
};

void dd_chunked_init(dd_chunked *c, dd_docker_write_cb cb, void *userdata)
{
	memset(c, 0, sizeof(*c));
	c->state = CH_SIZE;
	c->cb = cb;
	c->userdata = userdata;
}

/* Counts one more byte of the size line against its cap. */
static int size_line_byte(dd_chunked *c)
{
	return ++c->line_len > DD_CHUNKED_MAX_LINE ? -E2BIG : 0;
}

int dd_chunked_feed(dd_chunked *c, const char *buf, size_t len, size_t *ret_consumed)
{
	size_t i = 0;
	while (i < len && c->state != CH_DONE) {
		char ch = buf[i];
		int r;
		switch (c->state) {
		case CH_SIZE: {
			int d = dd_hex_digit(ch);
			if (d >= 0) {
				if (c->remaining > (UINT64_MAX >> 4))
					return -EPROTO;
				c->remaining = c->remaining << 4 | (uint64_t)d;
				c->digits = true;
				if ((r = size_line_byte(c)) < 0)
					return r;
				break;
			}
			if (!c->digits)
				return -EPROTO;
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == ';')
				c->state = CH_EXT;
			else if (is_ows(ch))
				c->state = CH_SIZE_WS;
			else
				return -EPROTO;
			if (ch != '\r' && (r = size_line_byte(c)) < 0)
				return r;
			break;
		}
		case CH_SIZE_WS:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == ';')
				c->state = CH_EXT;
			else if (!is_ows(ch))
				return -EPROTO;
			if (ch != '\r' && (r = size_line_byte(c)) < 0)
				return r;
			break;
		case CH_EXT:
			if (ch == '\r') {
				c->state = CH_SIZE_LF;
				break;
			}
			if (!valid_value(&ch, 1))
				return -EPROTO;
			if ((r = size_line_byte(c)) < 0)
				return r;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return -EPROTO;
			c->line_len = 0;
			c->digits = false;
			c->state = c->remaining == 0 ? CH_TRAILER : CH_DATA;
			break;
		case CH_DATA: {
			size_t n = (size_t)MIN((uint64_t)(len - i), c->remaining);
			if ((r = c->cb(buf + i, n, c->userdata)) < 0)
				return r;
			c->remaining -= n;
			i += n;
			if (c->remaining == 0)
				c->state = CH_DATA_CR;
			continue; /* i already advanced */
		}
		case CH_DATA_CR:
			if (ch != '\r')
				return -EPROTO;
			c->state = CH_DATA_LF;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return -EPROTO;
			c->state = CH_SIZE;
			break;
		case CH_TRAILER:
			if (ch == '\r') {
				c->state = CH_END_LF;
				break;
			}
			c->state = CH_TRAILER_LINE;
			c->line_len = 0;
			/* fall through */
		case CH_TRAILER_LINE:
			if (ch == '\r') {
				c->state = CH_TRAILER_LF;
				break;
			}
			if (!valid_value(&ch, 1))
				return -EPROTO;
			if (++c->line_len > DD_CHUNKED_MAX_LINE ||
			    ++c->trailer_len > DD_CHUNKED_MAX_TRAILER)
				return -E2BIG;
			break;
		case CH_TRAILER_LF:
			if (ch != '\n')
				return -EPROTO;
			c->state = CH_TRAILER;
			break;
		case CH_END_LF:
			if (ch != '\n')
				return -EPROTO;
			c->state = CH_DONE;
			break;
		default: return -EINVAL;
		}
		i++;
	}
	if (ret_consumed)
		*ret_consumed = i;
	return 0;
}

bool dd_chunked_done(const dd_chunked *c)
{
	return c->state == CH_DONE;
}
