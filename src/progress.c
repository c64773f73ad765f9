#include "progress.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dcos-docker/cancel.h"

void cli_progress_init(cli_progress *p, FILE *out, bool quiet)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->quiet = quiet;
	p->tty = isatty(fileno(out)) == 1 && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
	pthread_mutex_init(&p->lock, NULL);
}

#define KEY_ROLE 1000000L

/* Where a node's line goes: its role (by the name's "masterN", "agentN",
 * "pubagentN" ending, full or short name), then its index. The nodes start
 * and finish in any order; the table must not. */
static long node_key(cli_progress *p, const char *node)
{
	size_t len = strlen(node), d = len;
	while (d > 0 && isdigit((unsigned char)node[d - 1]))
		d--;
	long index = d < len && len - d < 6 ? strtol(node + d, NULL, 10) : -1;
	static const char *const roles[] = {"pubagent", "public-agent", "master", "agent"};
	static const int rank[] = {2, 2, 0, 1};
	for (size_t r = 0; index >= 0 && r < sizeof(roles) / sizeof(roles[0]); r++) {
		size_t rl = strlen(roles[r]);
		if (d >= rl && memcmp(node + d - rl, roles[r], rl) == 0 &&
		    (d == rl || node[d - rl - 1] == '-'))
			return rank[r] * KEY_ROLE + index;
	}
	return 3 * KEY_ROLE + (long)p->seen;
}

/* The line of node i, cut to the terminal's width: a wrapped line breaks
 * the redraw. */
static void format_line(const cli_progress *p, size_t i, char *line, size_t size)
{
	snprintf(line, size, "  %-32s %s", p->names[i], p->status[i]);
	struct winsize ws;
	if (ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 4 && ws.ws_col < size)
		line[ws.ws_col - 1] = '\0';
}

static void show(cli_progress *p, const char *node, const char *status)
{
	if (p->header[0]) {
		fprintf(p->out, "%s\n", p->header);
		p->header[0] = '\0';
	}
	if (!node) {
		fprintf(p->out, "%s\n", status);
		p->n = 0; /* later node lines start a new block below this one */
		return;
	}
	if (!p->tty) {
		fprintf(p->out, "%s: %s\n", node, status);
		return;
	}
	char line[512];
	size_t i = 0;
	while (i < p->n && strcmp(p->names[i], node) != 0)
		i++;
	if (i < p->n) {
		snprintf(p->status[i], sizeof(p->status[i]), "%s", status);
		format_line(p, i, line, sizeof(line));
		size_t up = p->n - i;
		/* Up to the node's line, rewrite it, back down to the end of the block. */
		fprintf(p->out, "\033[%zuA\r\033[2K%s\033[%zuB\r", up, line, up);
		return;
	}
	if (p->n == sizeof(p->names) / sizeof(p->names[0])) {
		fprintf(p->out, "%s: %s\n", node, status);
		return;
	}
	/* A new node: its place in the order, the lines below it move down. */
	long key = node_key(p, node);
	p->seen++;
	size_t at = p->n;
	while (at > 0 && p->key[at - 1] > key)
		at--;
	size_t below = p->n - at;
	memmove(p->names[at + 1], p->names[at], below * sizeof(p->names[0]));
	memmove(p->status[at + 1], p->status[at], below * sizeof(p->status[0]));
	memmove(&p->key[at + 1], &p->key[at], below * sizeof(p->key[0]));
	snprintf(p->names[at], sizeof(p->names[at]), "%s", node);
	snprintf(p->status[at], sizeof(p->status[at]), "%s", status);
	p->key[at] = key;
	p->n++;
	if (below)
		fprintf(p->out, "\033[%zuA", below);
	for (size_t j = at; j < p->n; j++) {
		format_line(p, j, line, sizeof(line));
		fprintf(p->out, "\r\033[2K%s\n", line);
	}
}

void cli_progress_cb(const dd_event *ev, void *userdata)
{
	cli_progress *p = userdata;
	if (p->quiet || (ev->kind != DD_EVENT_STATUS && ev->kind != DD_EVENT_DONE))
		return;
	const char *node = ev->node, *status = ev->text;
	/* A step cut short by Ctrl-C (or SIGTERM, ...) did not fail: the user
	 * stopped it. */
	if (node && dd_cancelled() && strncmp(status, "failed", 6) == 0)
		status = "interrupted";
	pthread_mutex_lock(&p->lock);
	show(p, node, status);
	/* Best effort: an error (EPIPE from a reader that went away) is
	 * ignored, and must not stick to the stream for the next line. */
	fflush(p->out);
	clearerr(p->out);
	pthread_mutex_unlock(&p->lock);
}
