#include "progress.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void cli_progress_init(cli_progress *p, FILE *out, bool quiet)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->quiet = quiet;
	p->tty = isatty(fileno(out)) == 1 && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
}

void cli_progress_cb(const char *node, const char *status, bool done, void *userdata)
{
	cli_progress *p = userdata;
	(void)done;
	if (p->quiet)
		return;
	if (p->header[0]) {
		fprintf(p->out, "%s\n", p->header);
		p->header[0] = '\0';
	}
	if (!node) {
		fprintf(p->out, "%s\n", status);
		p->n = 0; /* later node lines start a new block below this one */
		fflush(p->out);
		return;
	}
	if (!p->tty) {
		fprintf(p->out, "%s: %s\n", node, status);
		fflush(p->out);
		return;
	}
	size_t i = 0;
	while (i < p->n && strcmp(p->names[i], node) != 0)
		i++;
	/* A line wider than the terminal wraps and breaks the redraw: cut it. */
	char line[512];
	snprintf(line, sizeof(line), "  %-32s %s", node, status);
	struct winsize ws;
	if (ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 4 &&
	    ws.ws_col < sizeof(line))
		line[ws.ws_col - 1] = '\0';
	if (i == p->n) {
		if (p->n == sizeof(p->names) / sizeof(p->names[0])) {
			fprintf(p->out, "%s: %s\n", node, status);
			return;
		}
		snprintf(p->names[i], sizeof(p->names[i]), "%s", node);
		snprintf(p->status[i], sizeof(p->status[i]), "%s", status);
		p->n++;
		fprintf(p->out, "%s\n", line);
	} else {
		snprintf(p->status[i], sizeof(p->status[i]), "%s", status);
		size_t up = p->n - i;
		/* Up to the node's line, rewrite it, back down to the end of the block. */
		fprintf(p->out, "\033[%zuA\r\033[2K%s\033[%zuB\r", up, line, up);
	}
	fflush(p->out);
}
