/* The rendered genconf/config.yaml checked against DC/OS's own config rules
 * before genconf starts: the installer spends minutes extracting and loading
 * its image before gen rejects a mistake, often with a Python traceback
 * (issue 7, point 11). Every rule cites where it lives in dcos/dcos, branch
 * 2.2; there are no others. Keys gen does not know are fine: gen ignores them
 * (gen/internals.py resolve_configuration leaves
 * validate_all_arguments_match_parameters switched off).
 *
 * The file is read the way the installer reads it: PyYAML's safe_load
 * (pkgpanda/util.py load_yaml), so YAML 1.1 typing of plain scalars, as in
 * PyYAML 5.3.1, the version DC/OS 2.2 ships (packages/python-pyyaml/
 * buildinfo.json; lib3/yaml/resolver.py and constructor.py there). libyaml
 * only gives the events; the typing below is PyYAML's, not libyaml's.
 *
 * Where a comment says "checked by running gen 2.2", the rule's conditions
 * were confirmed by feeding the same configs to DC/OS 2.2's own
 * dcos_installer.config.Config (load, stringify_configuration, do_validate)
 * under PyYAML 5.3.1; the unit tests' expectations were checked that way
 * too. */
#define _GNU_SOURCE
#include "buf.h"
#include "dcos/config-internal.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <string.h>
#include <yaml.h>

/* What PyYAML's SafeConstructor builds from a node. */
enum kind {
	K_STR,
	K_NULL,
	K_BOOL,
	K_INT,
	K_FLOAT,
	K_TIMESTAMP, /* datetime.date or datetime.datetime */
	K_BINARY,    /* bytes */
	K_MERGE,     /* a plain "<<": a merge key, nothing as a value */
	K_VALUE,     /* a plain "=": only a mapping key can be one */
	K_SEQ,
	K_MAP,
	K_SET,
	K_PAIRS, /* !!omap, !!pairs: a list of tuples */
	K_BAD,   /* safe_load fails on it; why says how */
};

struct node {
	enum kind kind;
	const char *why; /* K_BAD */
	char *tag;       /* explicit tag, "!!" short form; NULL when none */
	char *text;      /* scalars: the value as written */
	size_t len;
	size_t line;  /* 1-based, for our own parse errors only */
	bool b;       /* K_BOOL */
	long long i;  /* K_INT; with big, only the sign counts */
	bool big;     /* K_INT beyond 64 bits (Python's int has no limit) */
	size_t *kids; /* SEQ, PAIRS: items; MAP, SET: key, value, key, value... */
	size_t n_kids, cap_kids;
	size_t *flat; /* MAP: pairs after PyYAML's flatten_mapping (merge keys) */
	size_t n_flat;
	int flat_state;  /* 0 not yet, 1 in progress, 2 done, 3 failed */
	int build_state; /* constructible(): 0 not yet, 1 in progress, 2 fine, 3 failed */
	int json_state;  /* json_ok(): the same */
};

#define MAX_NODES  (1u << 20)
#define MAX_LISTED 3

struct ck {
	struct node *nodes;
	size_t n_nodes, cap_nodes;
	size_t root;
	bool have_root;
	const char *origin;
	dd_buf out; /* the problems listed, for the error message */
	unsigned n_problems, n_listed;
	bool hint_true_false;
	/* the effective top-level mapping: a dict, the last of equal keys wins */
	struct top *top;
	size_t n_top;
};

struct top {
	const char *key; /* NULL for a key that is not a string */
	size_t klen;
	size_t key_id, value_id;
	bool overridden; /* a later equal key replaces it in the dict */
	bool bad;        /* its value already failed stringify_configuration */
};

static void ck_done(struct ck *c)
{
	for (size_t i = 0; i < c->n_nodes; i++) {
		free(c->nodes[i].tag);
		free(c->nodes[i].text);
		free(c->nodes[i].kids);
		free(c->nodes[i].flat);
	}
	free(c->nodes);
	free(c->top);
	dd_buf_free(&c->out);
}

/* ---- messages ---- */

static void problem(struct ck *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct ck *c, const char *fmt, ...)
{
	c->n_problems++;
	if (c->n_listed >= MAX_LISTED)
		return;
	c->n_listed++;
	if (c->n_listed > 1)
		dd_buf_add(&c->out, "; ", 2);
	va_list ap;
	va_start(ap, fmt);
	dd_buf_vaddf(&c->out, fmt, ap);
	va_end(ap);
}

/* A value as a single-quoted YAML scalar (so also the way to quote it),
 * cut to a readable length; control characters show as '?' to keep the
 * message on one line. */
#define SHOW_MAX 64
struct shown {
	char s[SHOW_MAX * 2 + 8];
};

static const char *show(struct shown *b, const char *s, size_t len, bool quote)
{
	size_t o = 0, cap = sizeof(b->s) - 5;
	if (quote)
		b->s[o++] = '\'';
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		/* cut on a UTF-8 character boundary */
		if (o >= SHOW_MAX && (ch & 0xc0) != 0x80) {
			memcpy(b->s + o, "...", 3);
			o += 3;
			break;
		}
		if (o + 2 >= cap)
			break;
		if (ch < 0x20 || ch == 0x7f)
			b->s[o++] = '?';
		else if (ch == '\'' && quote) {
			b->s[o++] = '\'';
			b->s[o++] = '\'';
		} else
			b->s[o++] = (char)ch;
	}
	if (quote)
		b->s[o++] = '\'';
	b->s[o] = '\0';
	return b->s;
}

static const char *kind_name(enum kind k)
{
	switch (k) {
	case K_STR: return "a string";
	case K_NULL: return "null";
	case K_BOOL: return "a boolean";
	case K_INT: return "an integer";
	case K_FLOAT: return "a floating-point number";
	case K_TIMESTAMP: return "a date";
	case K_BINARY: return "binary data";
	case K_MERGE: return "a merge key";
	case K_VALUE: return "a value key";
	case K_SEQ: return "a list";
	case K_MAP: return "a mapping";
	case K_SET: return "a set";
	case K_PAIRS: return "a list of pairs";
	case K_BAD: return "unreadable";
	}
	return "?";
}

/* How a value reads in "must be X, not <describe>": a string quoted, a
 * scalar of another type as written plus what YAML made of it. */
static const char *describe(struct shown *b, const struct node *n)
{
	if (n->kind == K_STR)
		return show(b, n->text, n->len, true);
	if (!n->text)
		return kind_name(n->kind);
	struct shown t;
	show(&t, n->text, n->len, false);
	snprintf(b->s, sizeof(b->s), "%s (%s to YAML)", t.s, kind_name(n->kind));
	return b->s;
}

/* ---- PyYAML's typing of scalars ---- */

#define D  "[0123456789]"
#define D_ "[0123456789_]"
/* PyYAML 5.3.1 lib3/yaml/resolver.py, the implicit resolvers, as POSIX EREs
 * (Python's (?:) become plain groups; a full match is a full match in both
 * dialects). The float one is 5.3.1's: its second branch `\.[0-9_]+` became
 * `\.[0-9][0-9_]*` later (6.0.3 has it). */
static const char re_int[] =
    "^([-+]?0b[01_]+|[-+]?0[01234567_]+|[-+]?(0|[123456789]" D_ "*)"
    "|[-+]?0x[0123456789abcdefABCDEF_]+|[-+]?[123456789]" D_ "*(:[012345]?" D ")+)$";
static const char re_float[] =
    "^([-+]?" D D_ "*\\." D_ "*([eE][-+]" D "+)?|\\." D_ "+([eE][-+]" D "+)?|[-+]?" D D_
    "*(:[012345]?" D ")+\\." D_ "*|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN))$";
static const char re_timestamp[] =
    "^(" D D D D "-" D D "-" D D "|" D D D D "-" D D "?-" D D "?([Tt]|[ \t]+)" D D "?:" D D ":" D D
    "(\\." D "*)?([ \t]*(Z|[-+]" D D "?(:" D D ")?))?)$";

static regex_t rx_int, rx_float, rx_timestamp;
static bool rx_ok;
static pthread_once_t rx_once = PTHREAD_ONCE_INIT;

static void rx_init(void)
{
	rx_ok = regcomp(&rx_int, re_int, REG_EXTENDED | REG_NOSUB) == 0 &&
	        regcomp(&rx_float, re_float, REG_EXTENDED | REG_NOSUB) == 0 &&
	        regcomp(&rx_timestamp, re_timestamp, REG_EXTENDED | REG_NOSUB) == 0;
}

static bool is_one_of(const char *s, const char *const *v)
{
	for (; *v; v++)
		if (strcmp(s, *v) == 0)
			return true;
	return false;
}

static const char *const yaml_bools[] = {"yes",  "Yes",  "YES",   "no",    "No",    "NO", "true",
                                         "True", "TRUE", "false", "False", "FALSE", "on", "On",
                                         "ON",   "off",  "Off",   "OFF",   NULL};
static const char *const yaml_true[] = {"yes",  "Yes", "YES", "true", "True",
                                        "TRUE", "on",  "On",  "ON",   NULL};
static const char *const yaml_nulls[] = {"", "~", "null", "Null", "NULL", NULL};

/* Python's int() of a string in base 10: surrounding whitespace, a sign,
 * digits with single underscores between them. */
static bool py_int(const char *s, size_t len, long long *ret, bool *ret_big)
{
	static const char ws[] = " \t\n\r\f\v";
	while (len > 0 && strchr(ws, s[len - 1]))
		len--;
	size_t i = 0;
	while (i < len && strchr(ws, s[i]))
		i++;
	bool neg = false;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i == len)
		return false;
	unsigned long long u = 0;
	bool big = false, prev_digit = false;
	for (; i < len; i++) {
		if (s[i] == '_' && prev_digit && i + 1 < len && s[i + 1] >= '0' &&
		    s[i + 1] <= '9') {
			prev_digit = false;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (u > (ULLONG_MAX - d) / 10)
			big = true;
		else
			u = u * 10 + d;
		prev_digit = true;
	}
	if (u > (unsigned long long)LLONG_MAX)
		big = true;
	*ret_big = big;
	*ret = big ? (neg ? -1 : 1) : (neg ? -(long long)u : (long long)u);
	return true;
}

/* Python's int(s, base) for base 2, 8 or 16 (saturating into *v): the
 * digits, after an optional prefix of that base (int('0o17', 8) is 15). */
static bool based(const char *s, int base, unsigned long long *v, bool *big)
{
	char p = base == 2 ? 'b' : base == 8 ? 'o' : 'x';
	if (s[0] == '0' && (s[1] == p || s[1] == p - 32))
		s += 2;
	if (!*s)
		return false;
	*v = 0;
	for (; *s; s++) {
		int d = dd_hex_digit(*s);
		if (d < 0 || d >= base)
			return false;
		if (*v > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
			*big = true;
		else
			*v = *v * (unsigned)base + (unsigned)d;
	}
	return true;
}

/* SafeConstructor.construct_yaml_int: underscores dropped, then a sign, 0b,
 * 0x, a leading 0 for octal, sexagesimal with ':', else int(). False when
 * Python raises (e.g. "0b_", or a tagged "!!int abc"). */
static bool construct_int(const char *text, long long *ret, bool *ret_big)
{
	_cleanup_free_ char *v = dd_malloc0(strlen(text) + 1);
	size_t n = 0;
	for (const char *p = text; *p; p++)
		if (*p != '_')
			v[n++] = *p;
	if (n == 0)
		return false;
	const char *s = v;
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	unsigned long long u = 0;
	bool big = false;
	if (strcmp(s, "0") == 0) {
		u = 0;
	} else if (strncmp(s, "0b", 2) == 0 || strncmp(s, "0x", 2) == 0) {
		if (!based(s + 2, s[1] == 'b' ? 2 : 16, &u, &big))
			return false;
	} else if (s[0] == '0') {
		if (!based(s, 8, &u, &big))
			return false;
	} else if (strchr(s, ':')) {
		_cleanup_free_ char *copy = dd_strdup(s);
		char *save = NULL;
		for (char *part = strtok_r(copy, ":", &save); part;
		     part = strtok_r(NULL, ":", &save)) {
			long long d = 0;
			bool dbig = false;
			if (!py_int(part, strlen(part), &d, &dbig) || d < 0)
				return false;
			big |= dbig;
			if (u > (ULLONG_MAX - (unsigned long long)d) / 60)
				big = true;
			else
				u = u * 60 + (unsigned long long)d;
		}
	} else {
		long long d = 0;
		if (!py_int(s, strlen(s), &d, &big))
			return false;
		/* int() took its own sign, if any */
		*ret_big = big;
		*ret = neg ? -d : d;
		return true;
	}
	if (u > (unsigned long long)LLONG_MAX)
		big = true;
	*ret_big = big;
	*ret = big ? (neg ? -1 : 1) : (neg ? -(long long)u : (long long)u);
	return true;
}

/* Python's float() syntax (digits, a point, an exponent; inf, infinity,
 * nan), without strtod, whose decimal point follows the locale. */
static bool py_float(const char *s)
{
	static const char ws[] = " \t\n\r\f\v";
	s += strspn(s, ws);
	if (*s == '+' || *s == '-')
		s++;
	if (strncasecmp(s, "infinity", 8) == 0)
		s += 8;
	else if (strncasecmp(s, "inf", 3) == 0 || strncasecmp(s, "nan", 3) == 0)
		s += 3;
	else {
		size_t int_digits = strspn(s, "0123456789");
		s += int_digits;
		size_t frac_digits = 0;
		if (*s == '.') {
			s++;
			frac_digits = strspn(s, "0123456789");
			s += frac_digits;
		}
		if (int_digits + frac_digits == 0)
			return false;
		if (*s == 'e' || *s == 'E') {
			s++;
			if (*s == '+' || *s == '-')
				s++;
			size_t exp_digits = strspn(s, "0123456789");
			if (exp_digits == 0)
				return false;
			s += exp_digits;
		}
	}
	return s[strspn(s, ws)] == '\0';
}

/* SafeConstructor.construct_yaml_float: false when Python's float() raises
 * (5.3.1's pattern lets "._" through to float('.')). */
static bool construct_float(const char *text)
{
	_cleanup_free_ char *v = dd_malloc0(strlen(text) + 1);
	size_t n = 0;
	for (const char *p = text; *p; p++)
		if (*p != '_')
			v[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
	char *s = v;
	if (*s == '-' || *s == '+')
		s++;
	if (strcmp(s, ".inf") == 0 || strcmp(s, ".nan") == 0)
		return true;
	if (!strchr(s, ':'))
		return py_float(s);
	char *save = NULL;
	for (char *part = strtok_r(s, ":", &save); part; part = strtok_r(NULL, ":", &save))
		if (!py_float(part))
			return false;
	return true;
}

static void set_bad(struct node *n, const char *why)
{
	n->kind = K_BAD;
	n->why = why;
}

/* Resolver.resolve for a scalar PyYAML types implicitly (no tag, or "!"),
 * then what construct_yaml_* makes of it. */
static void type_plain(struct node *n)
{
	const char *s = n->text;
	if (is_one_of(s, yaml_bools)) {
		n->kind = K_BOOL;
		n->b = is_one_of(s, yaml_true);
	} else if (regexec(&rx_float, s, 0, NULL, 0) == 0) {
		n->kind = K_FLOAT;
		if (!construct_float(s))
			set_bad(n, "PyYAML takes it for a number and then cannot read it");
	} else if (regexec(&rx_int, s, 0, NULL, 0) == 0) {
		n->kind = K_INT;
		if (!construct_int(s, &n->i, &n->big))
			set_bad(n, "PyYAML takes it for a number and then cannot read it");
	} else if (strcmp(s, "<<") == 0)
		n->kind = K_MERGE;
	else if (is_one_of(s, yaml_nulls))
		n->kind = K_NULL;
	else if (regexec(&rx_timestamp, s, 0, NULL, 0) == 0)
		n->kind = K_TIMESTAMP;
	else if (strcmp(s, "=") == 0)
		n->kind = K_VALUE;
	else
		n->kind = K_STR;
}

#define YAML_TAG "tag:yaml.org,2002:"

/* A scalar with an explicit tag: the SafeConstructor for that tag. */
static void type_tagged_scalar(struct node *n, const char *tag)
{
	const char *t =
	    strncmp(tag, YAML_TAG, strlen(YAML_TAG)) == 0 ? tag + strlen(YAML_TAG) : NULL;
	if (!t) {
		set_bad(n, "PyYAML's safe loader knows no such tag");
	} else if (strcmp(t, "str") == 0) {
		n->kind = K_STR;
	} else if (strcmp(t, "null") == 0) {
		n->kind = K_NULL; /* construct_yaml_null ignores the text */
	} else if (strcmp(t, "bool") == 0) {
		char low[8] = {0};
		for (size_t i = 0; i < n->len && i < sizeof(low) - 1; i++)
			low[i] = (char)((n->text[i] >= 'A' && n->text[i] <= 'Z') ? n->text[i] + 32
			                                                         : n->text[i]);
		static const char *const words[] = {"yes", "no",  "true", "false",
		                                    "on",  "off", NULL};
		if (n->len < sizeof(low) && is_one_of(low, words)) {
			n->kind = K_BOOL;
			n->b = strcmp(low, "yes") == 0 || strcmp(low, "true") == 0 ||
			       strcmp(low, "on") == 0;
		} else
			set_bad(n, "PyYAML cannot read it as a boolean");
	} else if (strcmp(t, "int") == 0) {
		n->kind = K_INT;
		if (!construct_int(n->text, &n->i, &n->big))
			set_bad(n, "PyYAML cannot read it as an integer");
	} else if (strcmp(t, "float") == 0) {
		n->kind = K_FLOAT;
		if (!construct_float(n->text))
			set_bad(n, "PyYAML cannot read it as a number");
	} else if (strcmp(t, "timestamp") == 0) {
		n->kind = K_TIMESTAMP;
	} else if (strcmp(t, "binary") == 0) {
		n->kind = K_BINARY;
	} else if (strcmp(t, "merge") == 0) {
		n->kind = K_MERGE;
	} else if (strcmp(t, "value") == 0) {
		n->kind = K_VALUE;
	} else if (strcmp(t, "seq") == 0 || strcmp(t, "map") == 0 || strcmp(t, "set") == 0 ||
	           strcmp(t, "omap") == 0 || strcmp(t, "pairs") == 0) {
		set_bad(n, "PyYAML cannot build that from a single value");
	} else {
		set_bad(n, "PyYAML's safe loader knows no such tag");
	}
}

static void type_tagged_collection(struct node *n, bool seq, const char *tag)
{
	const char *t =
	    strncmp(tag, YAML_TAG, strlen(YAML_TAG)) == 0 ? tag + strlen(YAML_TAG) : NULL;
	if (t && strcmp(t, seq ? "seq" : "map") == 0)
		n->kind = seq ? K_SEQ : K_MAP;
	else if (t && !seq && strcmp(t, "set") == 0)
		n->kind = K_SET;
	else if (t && seq && (strcmp(t, "omap") == 0 || strcmp(t, "pairs") == 0))
		n->kind = K_PAIRS;
	else if (!t || strcmp(t, "seq") == 0 || strcmp(t, "map") == 0 || strcmp(t, "set") == 0 ||
	         strcmp(t, "omap") == 0 || strcmp(t, "pairs") == 0 || strcmp(t, "str") == 0 ||
	         strcmp(t, "int") == 0 || strcmp(t, "float") == 0 || strcmp(t, "bool") == 0 ||
	         strcmp(t, "null") == 0 || strcmp(t, "binary") == 0 || strcmp(t, "timestamp") == 0)
		set_bad(n, t ? (seq ? "PyYAML cannot build that from a list"
		                    : "PyYAML cannot build that from a mapping")
		             : "PyYAML's safe loader knows no such tag");
	else
		set_bad(n, "PyYAML's safe loader knows no such tag");
}

static char *short_tag(const char *tag)
{
	if (strncmp(tag, YAML_TAG, strlen(YAML_TAG)) == 0)
		return dd_asprintf("!!%s", tag + strlen(YAML_TAG));
	return dd_strdup(tag);
}

/* ---- composing the events into nodes, as PyYAML's Composer does ---- */

struct anchor {
	char *name;
	size_t id;
};

struct composer {
	size_t *stack;
	size_t n_stack, cap_stack;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
};

static void composer_done(struct composer *k)
{
	free(k->stack);
	for (size_t i = 0; i < k->n_anchors; i++)
		free(k->anchors[i].name);
	free(k->anchors);
}

static void grow(void **v, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return;
	size_t n = *cap ? *cap * 2 : 8;
	while (n < need)
		n *= 2;
	void *p = realloc(*v, n * size);
	if (!p)
		abort(); /* as dd_malloc0: nothing sane to do */
	*v = p;
	*cap = n;
}

static int add_node(struct ck *c, size_t line, size_t *ret)
{
	if (c->n_nodes >= MAX_NODES)
		return -E2BIG;
	grow((void **)&c->nodes, &c->cap_nodes, c->n_nodes + 1, sizeof(*c->nodes));
	c->nodes[c->n_nodes] = (struct node){.line = line};
	*ret = c->n_nodes++;
	return 0;
}

/* Attaches node id to the open collection (or makes it the root). */
static void attach(struct ck *c, struct composer *k, size_t id)
{
	if (k->n_stack == 0) {
		c->root = id;
		c->have_root = true;
		return;
	}
	struct node *p = &c->nodes[k->stack[k->n_stack - 1]];
	grow((void **)&p->kids, &p->cap_kids, p->n_kids + 1, sizeof(*p->kids));
	p->kids[p->n_kids++] = id;
}

static int register_anchor(struct composer *k, const yaml_char_t *name, size_t id)
{
	if (!name)
		return 0;
	/* PyYAML's Composer refuses a second anchor of the same name. */
	for (size_t i = 0; i < k->n_anchors; i++)
		if (strcmp(k->anchors[i].name, (const char *)name) == 0)
			return -EEXIST;
	grow((void **)&k->anchors, &k->cap_anchors, k->n_anchors + 1, sizeof(*k->anchors));
	k->anchors[k->n_anchors++] = (struct anchor){dd_strdup((const char *)name), id};
	return 0;
}

static int syntax_error(struct ck *c, dd_error *err, size_t line, const char *what)
{
	if (c->origin)
		return dd_error_usage(err, -EINVAL,
		                      "In the extra config file %s: config.yaml line %zu: %s",
		                      c->origin, line, what);
	return dd_error_set(err, -EINVAL,
	                    "dcos-docker wrote a config.yaml that YAML readers refuse (a bug in "
	                    "dcos-docker): line %zu: %s",
	                    line, what);
}

static int compose(struct ck *c, const char *yaml, dd_error *err)
{
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return dd_error_set(err, -ENOMEM, "Out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)yaml, strlen(yaml));
	_cleanup_(composer_done) struct composer k = {0};
	int documents = 0, r = 0;
	for (bool done = false; !done && r == 0;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			char what[256];
			snprintf(what, sizeof(what), "%s",
			         p.problem ? p.problem : "not valid YAML");
			r = p.error == YAML_MEMORY_ERROR
			        ? dd_error_set(err, -ENOMEM, "Out of memory")
			        : syntax_error(c, err, p.problem_mark.line + 1, what);
			break;
		}
		size_t line = ev.start_mark.line + 1, id = 0;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT: done = true; break;
		case YAML_DOCUMENT_START_EVENT:
			/* safe_load: "expected a single document in the stream" */
			if (++documents > 1)
				r = syntax_error(c, err, line, "more than one YAML document");
			break;
		case YAML_SCALAR_EVENT: {
			if ((r = add_node(c, line, &id)) < 0)
				break;
			struct node *n = &c->nodes[id];
			n->text = dd_malloc0(ev.data.scalar.length + 1);
			memcpy(n->text, ev.data.scalar.value, ev.data.scalar.length);
			n->len = ev.data.scalar.length;
			const char *tag = (const char *)ev.data.scalar.tag;
			/* Composer.compose_scalar_node: no tag or the non-specific "!"
			 * resolves by content when the parser marked it implicit, which
			 * it does for plain scalars and for every "!" one. */
			if (!tag || strcmp(tag, "!") == 0) {
				if (ev.data.scalar.plain_implicit)
					type_plain(n);
				else
					n->kind = K_STR;
			} else {
				n->tag = short_tag(tag);
				type_tagged_scalar(n, tag);
			}
			if (strlen(n->text) != n->len && n->kind != K_STR)
				set_bad(n, "it holds a NUL character");
			if ((r = register_anchor(&k, ev.data.scalar.anchor, id)) == 0)
				attach(c, &k, id);
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			bool seq = ev.type == YAML_SEQUENCE_START_EVENT;
			if ((r = add_node(c, line, &id)) < 0)
				break;
			struct node *n = &c->nodes[id];
			const char *tag = (const char *)(seq ? ev.data.sequence_start.tag
			                                     : ev.data.mapping_start.tag);
			if (!tag || strcmp(tag, "!") == 0)
				n->kind = seq ? K_SEQ : K_MAP;
			else {
				n->tag = short_tag(tag);
				type_tagged_collection(n, seq, tag);
			}
			/* Registered before its items, as PyYAML does: an alias inside
			 * may refer to it (a list that holds itself). */
			if ((r = register_anchor(&k,
			                         seq ? ev.data.sequence_start.anchor
			                             : ev.data.mapping_start.anchor,
			                         id)) < 0)
				break;
			attach(c, &k, id);
			grow((void **)&k.stack, &k.cap_stack, k.n_stack + 1, sizeof(*k.stack));
			k.stack[k.n_stack++] = id;
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: k.n_stack--; break;
		case YAML_ALIAS_EVENT: {
			bool found = false;
			for (size_t i = 0; i < k.n_anchors && !found; i++)
				if (strcmp(k.anchors[i].name, (const char *)ev.data.alias.anchor) ==
				    0) {
					attach(c, &k, k.anchors[i].id);
					found = true;
				}
			if (!found)
				r = syntax_error(c, err, line, "an alias to an undefined anchor");
			break;
		}
		default: break;
		}
		if (r == -EEXIST)
			r = syntax_error(c, err, line, "a second anchor of the same name");
		else if (r == -E2BIG)
			r = syntax_error(c, err, line, "too many values");
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return r;
}

/* ---- PyYAML's construction and json.dumps ---- */

/* SafeConstructor.flatten_mapping: the pairs of the mappings a merge key
 * ("<<") names come first, the mapping's own after them, so its own win;
 * of a list of mappings, the first wins. False when PyYAML fails. */
static bool flatten(struct ck *c, size_t id)
{
	struct node *n = &c->nodes[id];
	if (n->flat_state == 2)
		return true;
	if (n->flat_state == 3)
		return false;
	if (n->flat_state == 1) { /* a mapping that merges itself: endless recursion */
		n->flat_state = 3;
		return false;
	}
	n->flat_state = 1;
	size_t cap = 0, n_flat = 0, *flat = NULL;
	size_t *own = dd_malloc0((n->n_kids + 1) * sizeof(*own));
	size_t n_own = 0;
	bool ok = true;
	for (size_t i = 0; ok && i + 1 < n->n_kids; i += 2) {
		struct node *key = &c->nodes[n->kids[i]];
		struct node *val = &c->nodes[n->kids[i + 1]];
		if (key->kind != K_MERGE) {
			own[n_own++] = n->kids[i];
			own[n_own++] = n->kids[i + 1];
			continue;
		}
		/* the sources, in the order their pairs are laid down */
		size_t n_src = val->kind == K_SEQ ? val->n_kids : 1;
		for (size_t s = 0; ok && s < n_src; s++) {
			size_t src = val->kind == K_SEQ ? val->kids[n_src - 1 - s] : n->kids[i + 1];
			if (c->nodes[src].kind != K_MAP || !flatten(c, src)) {
				ok = false;
				break;
			}
			const struct node *sm = &c->nodes[src];
			grow((void **)&flat, &cap, n_flat + sm->n_flat, sizeof(*flat));
			memcpy(flat + n_flat, sm->flat, sm->n_flat * sizeof(*flat));
			n_flat += sm->n_flat;
		}
	}
	if (!ok) {
		free(flat);
		free(own);
		n->flat_state = 3;
		return false;
	}
	grow((void **)&flat, &cap, n_flat + n_own + 1, sizeof(*flat));
	memcpy(flat + n_flat, own, n_own * sizeof(*flat));
	free(own);
	n->flat = flat;
	n->n_flat = n_flat + n_own;
	n->flat_state = 2;
	return true;
}

static bool container(enum kind k)
{
	return k == K_SEQ || k == K_MAP || k == K_SET || k == K_PAIRS;
}

/* A value of the wrong type for DC/OS's installer, with the fix. what: "is"
 * for a top-level value, "holds" for one inside a list or mapping. */
static void wrong_type(struct ck *c, const char *key, const char *what, const struct node *n)
{
	struct shown k, v, q;
	show(&k, key, strlen(key), true);
	const char *text = n->text ? show(&v, n->text, n->len, false) : "";
	const char *quoted = n->text ? show(&q, n->text, n->len, true) : "";
	bool inside = strcmp(what, "holds") == 0;
	switch (n->kind) {
	case K_NULL:
		if (inside)
			break; /* JSON has null */
		if (n->len == 0 && !n->tag)
			problem(c,
			        "%s has no value, which YAML reads as null, and DC/OS's installer "
			        "fails on a null: write '' for an empty string, or remove the key",
			        k.s);
		else
			problem(
			    c,
			    "%s is %s, which YAML reads as null, and DC/OS's installer fails on a "
			    "null: quote it (%s) for the string, or remove the key",
			    k.s, text, quoted);
		return;
	case K_FLOAT:
		if (inside)
			break; /* JSON has numbers */
		problem(c,
		        "%s is %s, which YAML reads as a floating-point number, and DC/OS's "
		        "installer fails on one: quote it (%s)",
		        k.s, text, quoted);
		return;
	case K_TIMESTAMP:
		if (n->tag)
			problem(
			    c, "%s %s a value tagged %s (a date), which DC/OS's installer fails on",
			    k.s, what, n->tag);
		else
			problem(
			    c,
			    "%s %s %s, which YAML reads as a date, and DC/OS's installer fails on "
			    "one%s: quote it (%s)",
			    k.s, what, text, inside ? " (JSON has no dates)" : "", quoted);
		return;
	case K_BINARY:
		problem(c,
		        "%s %s a value tagged !!binary, which DC/OS's installer fails on: write a "
		        "string",
		        k.s, what);
		return;
	case K_SET:
		problem(c, "%s %s a set (!!set), which DC/OS's installer fails on: write a list",
		        k.s, what);
		return;
	case K_MERGE:
	case K_VALUE:
		problem(c, "%s %s a plain %s, which PyYAML cannot read as a value: quote it (%s)",
		        k.s, what, text, quoted);
		return;
	case K_BAD:
		if (n->tag)
			problem(c, "%s %s a value tagged %s, and %s", k.s, what, n->tag, n->why);
		else
			problem(c, "%s %s %s, and %s", k.s, what,
			        n->text ? quoted : kind_name(n->kind), n->why);
		return;
	default: break;
	}
}

/* Of equal string keys among pairs (key, value, key, value...), all but
 * the last are overridden: PyYAML builds a dict. One flag per pair,
 * malloc'ed. Keys of other types count as all different (Python's 1 ==
 * True does not matter to any rule). */
struct keyed {
	const char *s;
	size_t len, order;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int r = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
	if (r == 0)
		r = (x->len > y->len) - (x->len < y->len);
	if (r == 0)
		r = (x->order > y->order) - (x->order < y->order);
	return r;
}

static bool *overridden_pairs(const struct ck *c, const size_t *pairs, size_t n_pairs)
{
	bool *over = dd_malloc0(n_pairs + 1);
	_cleanup_free_ struct keyed *e = dd_malloc0((n_pairs + 1) * sizeof(*e));
	size_t n = 0;
	for (size_t i = 0; i < n_pairs; i++) {
		const struct node *k = &c->nodes[pairs[2 * i]];
		if (k->kind == K_STR || k->kind == K_VALUE) /* a "=" key is a string key */
			e[n++] = (struct keyed){k->text, k->len, i};
	}
	qsort(e, n, sizeof(*e), cmp_keyed);
	for (size_t i = 0; i + 1 < n; i++)
		if (e[i].len == e[i + 1].len && memcmp(e[i].s, e[i + 1].s, e[i].len) == 0)
			over[e[i].order] = true;
	return over;
}

/* A mapping key PyYAML can take: not a list, mapping or set
 * (construct_mapping: "found unhashable key"), and buildable. */
static bool key_ok(struct ck *c, const char *key, size_t id)
{
	const struct node *k = &c->nodes[id];
	struct shown s;
	if (container(k->kind)) {
		if (key)
			problem(c, "%s holds a mapping with %s as a key, which PyYAML cannot read",
			        show(&s, key, strlen(key), true), kind_name(k->kind));
		else
			problem(c,
			        "a key is %s, which PyYAML cannot read: keys must be plain values",
			        kind_name(k->kind));
		return false;
	}
	if (k->kind == K_BAD) {
		problem(c, "the key %s cannot be read: %s",
		        k->text ? show(&s, k->text, k->len, true) : "?", k->why);
		return false;
	}
	return true; /* merge keys are gone after flatten, a "=" key is a string */
}

/* Whether PyYAML's SafeConstructor can build node id. safe_load builds
 * every value before anyone looks at it, the value of a key that a later
 * equal key overrides too: a failure here means the installer cannot read
 * the file at all. what: "is" for a top-level value, "holds" inside. */
static bool constructible(struct ck *c, const char *key, const char *what, size_t id)
{
	struct node *n = &c->nodes[id];
	struct shown k;
	switch (n->kind) {
	case K_MERGE: /* only a mapping key can be one */
	case K_VALUE:
	case K_BAD: wrong_type(c, key, what, n); return false;
	case K_SEQ:
	case K_MAP:
	case K_SET:
	case K_PAIRS: break;
	default: return true;
	}
	/* In progress: a list that holds itself, which PyYAML builds fine. */
	if (n->build_state == 1 || n->build_state == 2)
		return true;
	if (n->build_state == 3)
		return false;
	n->build_state = 1;
	bool ok = true;
	if (n->kind == K_SEQ) {
		for (size_t i = 0; ok && i < n->n_kids; i++)
			ok = constructible(c, key, "holds", n->kids[i]);
	} else if (n->kind == K_PAIRS) {
		for (size_t i = 0; ok && i < n->n_kids; i++) {
			const struct node *item = &c->nodes[n->kids[i]];
			/* construct_yaml_omap/pairs: each item a mapping of one pair */
			if (item->kind != K_MAP || item->n_kids != 2) {
				problem(c,
				        "%s %s a %s whose items are not mappings of one key each",
				        show(&k, key, strlen(key), true), what,
				        n->tag ? n->tag : "!!pairs");
				ok = false;
			} else {
				ok = constructible(c, key, "holds", item->kids[0]) &&
				     constructible(c, key, "holds", item->kids[1]);
			}
		}
	} else if (!flatten(c, id)) {
		problem(c,
		        "%s %s a merge key (<<) that PyYAML cannot merge: it must name a mapping "
		        "or a list of mappings",
		        show(&k, key, strlen(key), true), what);
		ok = false;
	} else {
		for (size_t i = 0; ok && i + 1 < n->n_flat; i += 2)
			ok = key_ok(c, key, n->flat[i]) &&
			     constructible(c, key, "holds", n->flat[i + 1]);
	}
	n->build_state = ok ? 2 : 3;
	return ok;
}

/* Whether json.dumps can write what PyYAML built from node id (what
 * stringify_configuration does with a top-level list or mapping): no dates,
 * bytes or sets, no list that holds itself; mapping keys str, int, float,
 * bool or None. Of repeated keys only the last counts. */
static bool json_ok(struct ck *c, const char *key, size_t id)
{
	struct node *n = &c->nodes[id];
	switch (n->kind) {
	case K_TIMESTAMP:
	case K_BINARY:
	case K_SET: wrong_type(c, key, "holds", n); return false;
	case K_SEQ:
	case K_MAP:
	case K_PAIRS: break;
	default: return true; /* json.dumps writes NaN and Infinity too (allow_nan) */
	}
	if (n->json_state == 2)
		return true;
	if (n->json_state == 3)
		return false;
	if (n->json_state == 1) {
		/* json.dumps: "Circular reference detected" */
		struct shown k;
		problem(c,
		        "%s holds a list or mapping that contains itself (an alias inside its own "
		        "anchor)",
		        show(&k, key, strlen(key), true));
		n->json_state = 3;
		return false;
	}
	n->json_state = 1;
	bool ok = true;
	if (n->kind == K_MAP) {
		_cleanup_free_ bool *over = overridden_pairs(c, n->flat, n->n_flat / 2);
		for (size_t i = 0; ok && i + 1 < n->n_flat; i += 2) {
			if (over[i / 2])
				continue;
			const struct node *kn = &c->nodes[n->flat[i]];
			/* json.dumps: "keys must be str, int, float, bool or None" */
			if (kn->kind == K_TIMESTAMP || kn->kind == K_BINARY) {
				wrong_type(c, key, "holds", kn);
				ok = false;
			} else
				ok = json_ok(c, key, n->flat[i + 1]);
		}
	} else if (n->kind == K_PAIRS) { /* tuples: arrays of key and value */
		for (size_t i = 0; ok && i < n->n_kids; i++) {
			const struct node *item = &c->nodes[n->kids[i]];
			ok = json_ok(c, key, item->kids[0]) && json_ok(c, key, item->kids[1]);
		}
	} else {
		for (size_t i = 0; ok && i < n->n_kids; i++)
			ok = json_ok(c, key, n->kids[i]);
	}
	n->json_state = ok ? 2 : 3;
	return ok;
}

/* ---- the top-level mapping, as gen sees it ---- */

/* What PyYAML builds, all of it. False when it cannot: then the installer
 * stops reading there (pkgpanda/util.py load_yaml), and so do we. */
static bool construct_top(struct ck *c)
{
	if (!flatten(c, c->root)) {
		problem(c, "a merge key (<<) at the top must name a mapping or a list of mappings");
		return false;
	}
	const struct node *root = &c->nodes[c->root];
	bool ok = true;
	for (size_t i = 0; i + 1 < root->n_flat; i += 2) {
		const struct node *k = &c->nodes[root->flat[i]];
		char name[SHOW_MAX + 8];
		snprintf(name, sizeof(name), "%.*s", (int)(k->text ? k->len : 1),
		         k->text ? k->text : "?");
		if (!key_ok(c, NULL, root->flat[i]) ||
		    !constructible(c, name, "is", root->flat[i + 1]))
			ok = false;
	}
	return ok;
}

/* The pairs of the top-level dict, and stringify_configuration's type check
 * (gen/__init__.py): lists and mappings become JSON, booleans 'true' or
 * 'false', integers decimal strings, strings stay; anything else is
 * log.error + raise Exception(), a traceback. Keys must be strings
 * (gen/internals.py validate_arguments_strings). */
static void check_types(struct ck *c)
{
	const struct node *root = &c->nodes[c->root];
	size_t n_pairs = root->n_flat / 2;
	c->top = dd_malloc0((n_pairs + 1) * sizeof(*c->top));
	_cleanup_free_ bool *over = overridden_pairs(c, root->flat, n_pairs);
	for (size_t i = 0; i < n_pairs; i++) {
		const struct node *k = &c->nodes[root->flat[2 * i]];
		struct top *t = &c->top[c->n_top++];
		*t = (struct top){.key_id = root->flat[2 * i],
		                  .value_id = root->flat[2 * i + 1],
		                  .overridden = over[i]};
		if (k->kind == K_STR || k->kind == K_VALUE) {
			t->key = k->text;
			t->klen = k->len;
		}
	}

	for (size_t i = 0; i < c->n_top; i++) {
		struct top *t = &c->top[i];
		if (t->overridden)
			continue;
		const struct node *k = &c->nodes[t->key_id];
		if (!t->key) {
			struct shown v, q;
			problem(c,
			        "the key %s is %s to YAML, and DC/OS's installer takes string keys "
			        "only: quote it (%s)",
			        show(&v, k->text, k->len, false), kind_name(k->kind),
			        show(&q, k->text, k->len, true));
			t->bad = true;
			continue;
		}
		const struct node *v = &c->nodes[t->value_id];
		if (v->kind == K_STR || v->kind == K_BOOL || v->kind == K_INT)
			continue;
		if (v->kind == K_SEQ || v->kind == K_MAP || v->kind == K_PAIRS) {
			t->bad = !json_ok(c, t->key, t->value_id);
			continue;
		}
		wrong_type(c, t->key, "is", v);
		t->bad = true;
	}
}

/* The value of a top-level key that passed the type check, or NULL. */
static const struct node *get(const struct ck *c, const char *key)
{
	size_t len = strlen(key);
	for (size_t i = c->n_top; i-- > 0;) {
		const struct top *t = &c->top[i];
		if (!t->overridden && t->key && t->klen == len && memcmp(t->key, key, len) == 0)
			return t->bad ? NULL : &c->nodes[t->value_id];
	}
	return NULL;
}

static bool present(const struct ck *c, const char *key)
{
	size_t len = strlen(key);
	for (size_t i = 0; i < c->n_top; i++)
		if (c->top[i].key && c->top[i].klen == len && memcmp(c->top[i].key, key, len) == 0)
			return true;
	return false;
}

/* The string gen sees for a scalar value (stringify_configuration), in buf
 * when it is made; NULL for lists and mappings (JSON text). */
static const char *gen_string(const struct node *n, char *buf, size_t size, size_t *ret_len)
{
	const char *s = NULL;
	if (n->kind == K_STR) {
		*ret_len = n->len;
		return n->text;
	}
	if (n->kind == K_BOOL)
		s = n->b ? "true" : "false";
	else if (n->kind == K_INT && !n->big) {
		snprintf(buf, size, "%lld", n->i);
		s = buf;
	} else if (n->kind == K_INT) {
		/* beyond 64 bits: the digits matter to no rule but their count */
		snprintf(buf, size, "%s99999999999999999999", n->i < 0 ? "-" : "");
		s = buf;
	}
	if (s)
		*ret_len = strlen(s);
	return s;
}

static bool gen_is(const struct node *n, const char *want)
{
	char buf[32];
	size_t len = 0;
	const char *s = gen_string(n, buf, sizeof(buf), &len);
	return s && len == strlen(want) && memcmp(s, want, len) == 0;
}

/* int(value) of what gen sees: false when it raises. */
static bool gen_int(const struct node *n, long long *v, bool *big)
{
	if (n->kind == K_INT) {
		*v = n->i;
		*big = n->big;
		return true;
	}
	return n->kind == K_STR && py_int(n->text, n->len, v, big);
}

/* ---- the rules of gen/calc.py ---- */

/* lambda KEY: validate_true_false(KEY) in gen/calc.py's entry['validate']
 * (gen.internals.validate_one_of(val, ['true', 'false'])). A YAML boolean
 * becomes 'true' or 'false' in stringify_configuration; a string must
 * already be one of them, exactly. Left out: aws_masters_have_public_ip,
 * which no 2.2 template or calculation uses, so gen never validates it. */
static const char *const true_false_keys[] = {
    "exhibitor_tls_enabled", "exhibitor_tls_required", "auth_cookie_secure_flag", "oauth_enabled",
    "oauth_available", "mesos_cgroups_enable_cfs", "mesos_dns_set_truncate_bit",
    "telemetry_enabled", "master_dns_bindall", "dcos_net_cluster_identity", "dcos_net_rest_enable",
    "dcos_net_watchdog", "dcos_overlay_enable", "dcos_remove_dockercfg_enable", "check_time",
    "enable_gpu_isolation", "dcos_l4lb_enable_ipv6", /* in validate_dcos_l4lb_enable_ipv6 */
    "dcos_l4lb_enable_ipset", "cluster_docker_credentials_dcos_owned",
    "cluster_docker_credentials_enabled", "cluster_docker_credentials_write_to_etc",
    "exhibitor_admin_password_enabled", "enable_lb", "enable_ipv6", "adminrouter_tls_1_0_enabled",
    "adminrouter_tls_1_1_enabled", "adminrouter_tls_1_2_enabled", "gpus_are_scarce",
    "mesos_seccomp_enabled", "mesos_docker_volume_chown",
    "mesos_disallow_sharing_agent_ipc_namespace", "fault_domain_enabled", "licensing_enabled",
    "enable_mesos_ipv6_discovery", "log_offers", "mesos_cni_root_dir_persist",
    "enable_mesos_input_plugin", "calico_enabled", "calico_vxlan_enabled",
    /* Not validate_true_false, but the switch of a top-level {% switch %} in
     * gen/dcos-config.yaml with only "true" and "false" cases, which gen
     * validates the same way (gen/internals.py Target.yield_validates ->
     * validate_one_of(value, the cases)), and which users may set. */
    "mesos_http_executor_domain_sockets", "enable_docker_gc", "use_proxy", NULL};

static bool true_false_ok(const struct node *n)
{
	return n->kind == K_BOOL || (n->kind == K_STR && (gen_is(n, "true") || gen_is(n, "false")));
}

static int true_false(const struct ck *c, const char *key, int dflt);
static bool validated(const struct ck *c, const char *key);

static void rule_true_false(struct ck *c, const char *key)
{
	const struct node *n = get(c, key);
	if (!n || true_false_ok(n) || !validated(c, key))
		return;
	struct shown k, v;
	problem(c, "%s must be 'true' or 'false', not %s", show(&k, key, strlen(key), true),
	        describe(&v, n));
	c->hint_true_false = true;
}

/* A true/false key as gen sees it: 1, 0, or -1 when it is not valid (gen
 * then skips the rules that combine it with others). */
static int true_false(const struct ck *c, const char *key, int dflt)
{
	const struct node *n = get(c, key);
	if (!n)
		return present(c, key) ? -1 : dflt;
	if (!true_false_ok(n))
		return -1;
	return gen_is(n, "true");
}

/* gen/calc.py calculate_docker_credentials_dcos_owned, unless set: 'false'
 * when cluster_docker_credentials is "{}" (its default). 1, 0, or -1. */
static int credentials_dcos_owned(const struct ck *c)
{
	int owned = true_false(c, "cluster_docker_credentials_dcos_owned", -2);
	if (owned != -2)
		return owned;
	const struct node *n = get(c, "cluster_docker_credentials");
	if (!n)
		return present(c, "cluster_docker_credentials") ? -1 : 0;
	if (n->kind == K_MAP)
		return n->n_flat > 0;
	return !(n->kind == K_STR && n->len == 2 && memcmp(n->text, "{}", 2) == 0);
}

/* Whether gen validates key with this config. gen validates a value only
 * when it calculates it (gen/internals.py Resolver._calculate calls
 * validate_single), and these keys are used only inside a {% switch %}
 * case: calico's in gen/dcos-config.yaml's calico_enabled "true" case
 * (with calico_vxlan_enabled deciding which MTU is used), Exhibitor's TLS
 * settings in every exhibitor_storage_backend case but
 * agent_only_group_no_exhibitor, and the credentials switch in
 * gen/cloud-config.yaml's cluster_docker_credentials_dcos_owned "false"
 * case. Checked by running gen 2.2. */
static bool validated(const struct ck *c, const char *key)
{
	bool calico = true_false(c, "calico_enabled", 1) == 1;
	if (strcmp(key, "calico_veth_mtu") == 0 || strcmp(key, "calico_vxlan_enabled") == 0)
		return calico;
	if (strcmp(key, "calico_ipinip_mtu") == 0)
		return calico && true_false(c, "calico_vxlan_enabled", 1) == 0;
	if (strcmp(key, "calico_vxlan_mtu") == 0 || strcmp(key, "calico_vxlan_port") == 0 ||
	    strcmp(key, "calico_vxlan_vni") == 0)
		return calico && true_false(c, "calico_vxlan_enabled", 1) == 1;
	if (strcmp(key, "exhibitor_tls_enabled") == 0 ||
	    strcmp(key, "exhibitor_tls_required") == 0) {
		const struct node *b = get(c, "exhibitor_storage_backend");
		return !(b && gen_is(b, "agent_only_group_no_exhibitor"));
	}
	if (strcmp(key, "cluster_docker_credentials_write_to_etc") == 0)
		return credentials_dcos_owned(c) == 0;
	return true;
}

struct int_rule {
	const char *key;
	long long lo, hi;
	bool has_lo, has_hi;
	const char *what; /* what the number is, for the message */
};

/* Cheap integer rules of gen/calc.py's entry['validate']:
 * validate_int_in_range(...) lambdas, validate_adminrouter_grpc_proxy_port,
 * validate_mesos_log_retention_mb, and the three that only int() the value
 * (validate_mesos_logrotate_file_size_mb, validate_mesos_max_completed_*).
 * calico_vxlan_vni's "!= 1024" (validate_vxlan_vni) is left out: it compares
 * the string to an int, so gen never refuses 1024. */
static const struct int_rule int_rules[] = {
    {"dcos_overlay_mtu", 552, 0, true, false, NULL},
    {"dcos_overlay_config_attempts", 0, 10, true, true, NULL},
    {"dcos_net_push_ops_timeout", 50, 120000, true, true, NULL},
    {"calico_ipinip_mtu", 552, 0, true, false, NULL},
    {"calico_veth_mtu", 552, 0, true, false, NULL},
    {"calico_vxlan_mtu", 552, 0, true, false, NULL},
    {"calico_vxlan_port", 1025, 65535, true, true, NULL},
    {"calico_vxlan_vni", 1, 16777215, true, true, NULL},
    {"adminrouter_grpc_proxy_port", 1, 65535, true, true, NULL},
    {"mesos_log_retention_mb", 1024, 0, true, false, "MB of logs"},
    {"mesos_logrotate_file_size_mb", 0, 0, false, false, NULL},
    {"mesos_max_completed_frameworks", 0, 0, false, false, NULL},
    {"mesos_max_completed_tasks_per_framework", 0, 0, false, false, NULL},
};

static void rule_int(struct ck *c, const struct int_rule *ir)
{
	const struct node *n = get(c, ir->key);
	if (!n || !validated(c, ir->key))
		return;
	long long v = 0;
	bool big = false;
	struct shown k, d;
	show(&k, ir->key, strlen(ir->key), true);
	if (!gen_int(n, &v, &big)) {
		problem(c, "%s must be an integer, not %s", k.s, describe(&d, n));
		return;
	}
	bool low = ir->has_lo && (big ? v < 0 : v < ir->lo);
	bool high = ir->has_hi && (big ? v > 0 : v > ir->hi);
	if (!low && !high)
		return;
	if (ir->has_hi)
		problem(c, "%s must be between %lld and %lld, not %s", k.s, ir->lo, ir->hi,
		        describe(&d, n));
	else
		problem(c, "%s must be at least %lld%s%s, not %s", k.s, ir->lo, ir->what ? " " : "",
		        ir->what ? ir->what : "", describe(&d, n));
}

struct strs {
	const char **s;
	size_t *len;
	size_t n;
	json_t *hold; /* owns the strings of a list given as JSON text */
};

static void strs_done(struct strs *l)
{
	free(l->s);
	free(l->len);
	json_decref(l->hold);
}

static void strs_add(struct strs *l, const char *s, size_t len, size_t cap)
{
	if (!l->s) {
		l->s = dd_malloc0((cap + 1) * sizeof(*l->s));
		l->len = dd_malloc0((cap + 1) * sizeof(*l->len));
	}
	l->s[l->n] = s;
	l->len[l->n++] = len;
}

/* validate_json_list (gen/calc.py): json.loads of what gen sees must be a
 * list, and its items strings. A YAML list is JSON text by then; a string
 * holding a JSON list works too. */
static bool json_list(struct ck *c, const char *key, const struct node *n, struct strs *out)
{
	struct shown k, d;
	show(&k, key, strlen(key), true);
	if (n->kind == K_SEQ) {
		for (size_t i = 0; i < n->n_kids; i++) {
			const struct node *it = &c->nodes[n->kids[i]];
			if (it->kind != K_STR) {
				struct shown q;
				if (it->text)
					problem(c, "%s must list strings; %s is not: quote it (%s)",
					        k.s, describe(&d, it),
					        show(&q, it->text, it->len, true));
				else
					problem(c, "%s must list strings, not %s", k.s,
					        kind_name(it->kind));
				return false;
			}
			strs_add(out, it->text, it->len, n->n_kids);
		}
		return true;
	}
	if (n->kind == K_PAIRS) { /* a list of tuples: fine only when empty */
		if (n->n_kids == 0)
			return true;
		problem(c, "%s must list strings, not pairs", k.s);
		return false;
	}
	if (n->kind == K_STR) {
		json_error_t je;
		json_t *j = json_loadb(n->text, n->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		if (j && json_is_array(j)) {
			out->hold = j;
			size_t i;
			json_t *it;
			json_array_foreach (j, i, it) {
				if (!json_is_string(it)) {
					problem(c,
					        "%s must list strings; item %zu of its JSON list "
					        "is not",
					        k.s, i + 1);
					return false;
				}
				strs_add(out, json_string_value(it), json_string_length(it),
				         json_array_size(j));
			}
			return true;
		}
		json_decref(j);
	}
	problem(c, "%s must be a list, not %s", k.s, describe(&d, n));
	return false;
}

/* check_duplicates (gen/calc.py), sorting rather than comparing every pair. */
static bool no_duplicates(struct ck *c, const char *key, const struct strs *l)
{
	if (l->n < 2)
		return true;
	_cleanup_free_ struct keyed *e = dd_malloc0(l->n * sizeof(*e));
	for (size_t i = 0; i < l->n; i++)
		e[i] = (struct keyed){l->s[i], l->len[i], i};
	qsort(e, l->n, sizeof(*e), cmp_keyed);
	for (size_t i = 0; i + 1 < l->n; i++) {
		size_t times = 1;
		while (i + times < l->n && e[i + times].len == e[i].len &&
		       memcmp(e[i + times].s, e[i].s, e[i].len) == 0)
			times++;
		if (times == 1)
			continue;
		struct shown k, v;
		problem(c, "%s lists %s %zu times; a list must not hold duplicates",
		        show(&k, key, strlen(key), true), show(&v, e[i].s, e[i].len, true), times);
		return false;
	}
	return true;
}

/* valid_ipv4_address (gen/calc.py): socket.inet_pton(AF_INET), the same libc
 * call. */
static bool ipv4(const char *s, size_t len)
{
	char buf[INET_ADDRSTRLEN + 1];
	struct in_addr a;
	if (len >= sizeof(buf) || memchr(s, '\0', len))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, &a) == 1;
}

/* validate_master_list -> validate_ip_list (gen/calc.py): a JSON list of
 * strings, no duplicates, each an IPv4 address. Returns the number of
 * entries, or -1. */
static long master_list(struct ck *c)
{
	const struct node *n = get(c, "master_list");
	if (!n)
		return -1;
	_cleanup_(strs_done) struct strs l = {0};
	if (!json_list(c, "master_list", n, &l))
		return -1;
	long count = (long)l.n;
	if (!no_duplicates(c, "master_list", &l))
		return count;
	for (size_t i = 0; i < l.n; i++)
		if (!ipv4(l.s[i], l.len[i])) {
			struct shown v;
			problem(c, "'master_list' holds %s, which is not an IPv4 address",
			        show(&v, l.s[i], l.len[i], true));
			break;
		}
	return count;
}

/* validate_resolvers (gen/calc.py): a JSON list of strings, no duplicates,
 * none of dcos-net's own addresses (the part before the first ':'), then
 * validate_ip_port_list: each "ip" or "ip:port" (split at the last ':'),
 * port 1-65535, ip IPv4. So IPv6 resolvers are refused too. */
static void rule_resolvers(struct ck *c)
{
	const struct node *n = get(c, "resolvers");
	if (!n)
		return;
	_cleanup_(strs_done) struct strs l = {0};
	if (!json_list(c, "resolvers", n, &l) || !no_duplicates(c, "resolvers", &l))
		return;
	static const char *const spartan[] = {"198.51.100.1", "198.51.100.2", "198.51.100.3", NULL};
	struct shown v;
	for (size_t i = 0; i < l.n; i++) {
		const char *colon = memchr(l.s[i], ':', l.len[i]);
		size_t host = colon ? (size_t)(colon - l.s[i]) : l.len[i];
		for (const char *const *s = spartan; *s; s++)
			if (host == strlen(*s) && memcmp(l.s[i], *s, host) == 0) {
				problem(c,
				        "'resolvers' holds %s, an address of DC/OS's own DNS "
				        "(dcos-net), which cannot be its upstream",
				        show(&v, l.s[i], l.len[i], true));
				return;
			}
	}
	for (size_t i = 0; i < l.n; i++) {
		size_t ip_len = l.len[i];
		const char *last = memrchr(l.s[i], ':', l.len[i]);
		if (last) {
			ip_len = (size_t)(last - l.s[i]);
			long long port = 0;
			bool big = false;
			if (!py_int(last + 1, l.len[i] - ip_len - 1, &port, &big) || big ||
			    port < 1 || port > 65535) {
				problem(c,
				        "'resolvers' holds %s: DC/OS takes IPv4 addresses, each "
				        "optionally with a port from 1 to 65535 (ip:port)",
				        show(&v, l.s[i], l.len[i], true));
				return;
			}
		}
		if (!ipv4(l.s[i], ip_len)) {
			char buf[INET6_ADDRSTRLEN + 1] = {0};
			struct in6_addr a6;
			bool v6 = l.len[i] < sizeof(buf) && !memchr(l.s[i], '\0', l.len[i]) &&
			          inet_pton(AF_INET6, memcpy(buf, l.s[i], l.len[i]), &a6) == 1;
			problem(c,
			        "'resolvers' holds %s, which is %s: DC/OS takes IPv4 resolvers "
			        "only (ip or ip:port)",
			        show(&v, l.s[i], l.len[i], true),
			        v6 ? "an IPv6 address" : "not an IPv4 address");
			return;
		}
	}
}

/* validate_json_dictionary (gen/calc.py), for cluster_docker_credentials
 * and rexray_config: json.loads of what gen sees must be a dict. With
 * rexray_config_preset 'aws', gen calculates rexray_config itself
 * (entry['conditional']) and refuses one from the config ("must be
 * calculated, but was explicitly set": gen/internals.py
 * Resolver._calculate). */
static void rule_json_dict(struct ck *c, const char *key)
{
	if (strcmp(key, "rexray_config") == 0) {
		const struct node *preset = get(c, "rexray_config_preset");
		if (preset && gen_is(preset, "aws")) {
			if (present(c, key))
				problem(
				    c,
				    "'rexray_config' must not be set: rexray_config_preset 'aws' "
				    "sets it");
			return;
		}
	}
	const struct node *n = get(c, key);
	if (!n || n->kind == K_MAP)
		return;
	if (n->kind == K_STR) {
		json_error_t je;
		json_t *j = json_loadb(n->text, n->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		bool ok = json_is_object(j);
		json_decref(j);
		if (ok)
			return;
	}
	struct shown k, v;
	problem(c, "%s must be a mapping (or a JSON object in a string), not %s",
	        show(&k, key, strlen(key), true), describe(&v, n));
}

/* validate_bootstrap_url (gen/calc.py): longer than one character (Python
 * counts characters, not bytes), not ending in '/'. */
static void rule_bootstrap_url(struct ck *c)
{
	const struct node *n = get(c, "bootstrap_url");
	if (!n)
		return;
	char buf[32];
	size_t len = 0;
	const char *s = gen_string(n, buf, sizeof(buf), &len);
	if (!s)
		return; /* JSON text: "[...]" or "{...}", long enough, no '/' at the end */
	size_t chars = 0;
	for (size_t i = 0; i < len; i++)
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	struct shown v;
	if (chars <= 1)
		problem(c,
		        "'bootstrap_url' must be a URL (http://example.com/bar or "
		        "file:///path/to/local/cache), not %s",
		        describe(&v, n));
	else if (s[len - 1] == '/')
		problem(c, "'bootstrap_url' must not end in '/': %s", describe(&v, n));
}

/* The cases of a top-level {% switch %} in gen/dcos-config.yaml: gen
 * validates the switch value against them (gen/internals.py
 * Target.yield_validates). NULL when the value is not one of them. */
static const char *switch_value(struct ck *c, const char *key, const char *const *cases)
{
	const struct node *n = get(c, key);
	if (!n)
		return NULL;
	for (const char *const *s = cases; *s; s++)
		if (gen_is(n, *s))
			return *s;
	char list[256] = "";
	size_t o = 0;
	for (const char *const *s = cases; *s; s++)
		o += (size_t)snprintf(list + o, o < sizeof(list) ? sizeof(list) - o : 0, "%s'%s'",
		                      s == cases ? "" : (s[1] ? ", " : " or "), *s);
	struct shown k, v;
	problem(c, "%s must be %s, not %s", show(&k, key, strlen(key), true), list,
	        describe(&v, n));
	return NULL;
}

/* Keys that a {% switch %} case of gen/dcos-config.yaml uses and that have
 * no default (gen/calc.py entry['default']) or calculation: gen stops with
 * "Must set KEY, no way to calculate value" (gen/internals.py
 * Resolver._calculate). Read from the cases, checked by running gen 2.2. */
static const struct {
	const char *key, *value;
	const char *need[5];
} needs[] = {
    {"master_discovery", "master_http_loadbalancer", {"exhibitor_address", "num_masters"}},
    {"exhibitor_storage_backend", "zookeeper", {"exhibitor_zk_hosts", "exhibitor_zk_path"}},
    {"exhibitor_storage_backend", "shared_filesystem", {"exhibitor_fs_config_dir"}},
    {"exhibitor_storage_backend",
     "aws_s3",
     {"aws_region", "s3_bucket", "s3_prefix", "exhibitor_explicit_keys"}},
    {"exhibitor_storage_backend",
     "azure",
     {"exhibitor_azure_account_name", "exhibitor_azure_prefix"}},
    /* no_proxy has the default '', but calculate_no_proxy needs a list */
    {"use_proxy", "true", {"http_proxy", "https_proxy", "no_proxy"}},
};

static void rule_needs(struct ck *c)
{
	for (size_t i = 0; i < ELEMENTSOF(needs); i++) {
		const struct node *n = get(c, needs[i].key);
		if (!n || !gen_is(n, needs[i].value))
			continue;
		const char *missing[ELEMENTSOF(needs[i].need)];
		size_t count = 0;
		for (const char *const *k = needs[i].need; *k; k++)
			if (!present(c, *k))
				missing[count++] = *k;
		if (count == 0)
			continue;
		char list[256] = "";
		size_t o = 0;
		for (size_t m = 0; m < count && o < sizeof(list); m++)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s'%s'",
			                      m == 0           ? ""
			                      : m + 1 == count ? " and "
			                                       : ", ",
			                      missing[m]);
		bool flag = strcmp(needs[i].value, "true") == 0;
		problem(c, "'%s' is %s%s%s, which needs %s set too%s", needs[i].key,
		        flag ? "" : "'", needs[i].value, flag ? "" : "'", list,
		        strcmp(needs[i].key, "use_proxy") == 0 ? " ('no_proxy' a list, [] for none)"
		                                               : "");
	}
}

/* A string rule on what gen sees for key: prefix/suffix wanted or not. */
static void rule_affix(struct ck *c, const char *key, const char *affix, bool suffix, bool want,
                       const char *what)
{
	const struct node *n = get(c, key);
	char buf[32];
	size_t len = 0;
	const char *s = n ? gen_string(n, buf, sizeof(buf), &len) : NULL;
	if (!s)
		return;
	size_t a = strlen(affix);
	bool has = len >= a && memcmp(suffix ? s + len - a : s, affix, a) == 0;
	if (has != want) {
		struct shown v;
		problem(c, "'%s' %s, not %s", key, what, describe(&v, n));
	}
}

/* The settings of the Exhibitor backend in use: the nested switch of the
 * aws_s3 case (exhibitor_explicit_keys, whose "true" case needs
 * aws_access_key_id), validate_zk_hosts, validate_zk_path and
 * validate_s3_prefix (gen/calc.py). */
static void rule_backend(struct ck *c, const char *backend)
{
	if (strcmp(backend, "zookeeper") == 0) {
		rule_affix(c, "exhibitor_zk_hosts", "zk://", false, false,
		           "must be host:port,host:port without zk://");
		rule_affix(c, "exhibitor_zk_path", "/", false, true,
		           "must be a path such as /dcos");
	} else if (strcmp(backend, "aws_s3") == 0) {
		rule_affix(c, "s3_prefix", "/", true, false, "must not end in '/'");
		const struct node *n = get(c, "exhibitor_explicit_keys");
		if (n && !true_false_ok(n)) {
			struct shown v;
			problem(c, "'exhibitor_explicit_keys' must be 'true' or 'false', not %s",
			        describe(&v, n));
		} else if (n && gen_is(n, "true") && !present(c, "aws_access_key_id"))
			problem(c, "'exhibitor_explicit_keys' is true, which needs "
			           "'aws_access_key_id' set too");
	}
}

static void check_rules(struct ck *c)
{
	for (const char *const *k = true_false_keys; *k; k++)
		rule_true_false(c, *k);
	for (size_t i = 0; i < ELEMENTSOF(int_rules); i++)
		rule_int(c, &int_rules[i]);
	rule_resolvers(c);
	rule_bootstrap_url(c);
	rule_json_dict(c, "cluster_docker_credentials");
	rule_json_dict(c, "rexray_config");

	/* {% switch master_discovery %} (cases as in gen/calc.py's
	 * entry['conditional']) and {% switch exhibitor_storage_backend %} */
	static const char *const discovery[] = {"master_http_loadbalancer", "static", NULL};
	static const char *const backends[] = {"agent_only_group_no_exhibitor",
	                                       "aws_s3",
	                                       "shared_filesystem",
	                                       "static",
	                                       "zookeeper",
	                                       "azure",
	                                       NULL};
	const char *md = switch_value(c, "master_discovery", discovery);
	const char *backend = switch_value(c, "exhibitor_storage_backend", backends);

	rule_needs(c);
	if (backend)
		rule_backend(c, backend);
	/* use_proxy's "true" case uses no_proxy_final, which is
	 * calculate_no_proxy: validate_json_list(no_proxy), whose default ''
	 * is no JSON list (gen/calc.py) */
	const struct node *proxy = get(c, "use_proxy");
	if (proxy && gen_is(proxy, "true")) {
		const struct node *np = get(c, "no_proxy");
		_cleanup_(strs_done) struct strs l = {0};
		if (np)
			json_list(c, "no_proxy", np, &l);
	}

	/* validate_exhibitor_storage_master_discovery (gen/calc.py) */
	if (md && backend && strcmp(md, "static") != 0 && strcmp(backend, "static") == 0)
		problem(
		    c,
		    "'exhibitor_storage_backend' must not be 'static' when 'master_discovery' is "
		    "'%s': a static ZooKeeper ensemble needs a static master list",
		    md);

	if (md && strcmp(md, "static") == 0) {
		/* The master list is used (and so validated) with static discovery,
		 * which also calculates num_masters from it (entry['conditional']
		 * master_discovery static: must num_masters = calc_num_masters),
		 * validated by validate_num_masters. */
		long count = master_list(c);
		if (count >= 0 && count != 1 && count != 3 && count != 5 && count != 7 &&
		    count != 9)
			problem(c, "'master_list' holds %ld masters; DC/OS needs 1, 3, 5, 7 or 9",
			        count);
		/* A calculated key the config also sets: "num_masters must be
		 * calculated, but was explicitly set in the configuration"
		 * (gen/internals.py Resolver._calculate). */
		if (present(c, "num_masters"))
			problem(c,
			        "'num_masters' must not be set: with static master discovery DC/OS "
			        "counts the masters in 'master_list'");
	} else if (md) {
		const struct node *n = get(c, "num_masters");
		long long v = 0;
		bool big = false;
		if (n && (!gen_int(n, &v, &big) || big ||
		          (v != 1 && v != 3 && v != 5 && v != 7 && v != 9))) {
			struct shown d;
			problem(c, "'num_masters' must be 1, 3, 5, 7 or 9, not %s",
			        describe(&d, n));
		}
	}

	/* validate_dcos_l4lb_enable_ipv6 (gen/calc.py), with the defaults of
	 * entry['default']: enable_ipv6 and dcos_l4lb_enable_ipv6 'true'. So
	 * enable_ipv6: false alone is refused. */
	if (true_false(c, "enable_ipv6", 1) == 0 && true_false(c, "dcos_l4lb_enable_ipv6", 1) == 1)
		problem(c, "'dcos_l4lb_enable_ipv6' must be false when 'enable_ipv6' is false (it "
		           "defaults to true: set both)");

	/* validate_adminrouter_tls_version_present (gen/calc.py), defaults
	 * 1.0 and 1.1 'false', 1.2 'true' */
	int t10 = true_false(c, "adminrouter_tls_1_0_enabled", 0);
	int t11 = true_false(c, "adminrouter_tls_1_1_enabled", 0);
	int t12 = true_false(c, "adminrouter_tls_1_2_enabled", 1);
	if (t10 == 0 && t11 == 0 && t12 == 0)
		problem(c,
		        "one of 'adminrouter_tls_1_0_enabled', 'adminrouter_tls_1_1_enabled' and "
		        "'adminrouter_tls_1_2_enabled' must be true");
}

int dd_dcos_config_check(const char *yaml, const char *origin, dd_error *err)
{
	pthread_once(&rx_once, rx_init);
	if (!rx_ok)
		return dd_error_set(err, -ENOMEM, "Failed to compile the YAML 1.1 patterns");
	_cleanup_(ck_done) struct ck c = {.origin = origin,
	                                  .out = DD_BUF_HEAD(DD_ERROR_MSG_MAX - 1)};
	int r = compose(&c, yaml, err);
	if (r < 0)
		return r;
	/* Config() in dcos_installer/config.py: anything but a mapping raises
	 * NotImplementedError */
	if (!c.have_root || c.nodes[c.root].kind != K_MAP)
		return syntax_error(&c, err, 1,
		                    "the document must be a mapping (key: value lines)");
	if (construct_top(&c)) {
		check_types(&c);
		check_rules(&c);
	}
	if (c.n_problems == 0)
		return 0;

	char more[48] = "";
	if (c.n_problems > c.n_listed)
		snprintf(more, sizeof(more), "; and %u more", c.n_problems - c.n_listed);
	if (!origin)
		r = dd_error_set(
		    err, -EINVAL,
		    "dcos-docker wrote a config.yaml that DC/OS's installer would refuse "
		    "(a bug in dcos-docker): %s%s",
		    dd_buf_str(&c.out), more);
	else
		r = dd_error_usage(err, -EINVAL, "In the extra config file %s: %s%s", origin,
		                   dd_buf_str(&c.out), more);
	if (c.hint_true_false)
		dd_error_hint(err,
		              "Booleans are true or false without quotes (YAML also reads yes, "
		              "no, on and off so), or exactly 'true' or 'false' as strings.");
	return r;
}
