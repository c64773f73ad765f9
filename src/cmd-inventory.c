/* Placeholder: replaced by the real command. */
#include <stdio.h>

#include "cli.h"
#include "commands.h"

int cmd_inventory(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "dcos-docker: error: 'inventory' is not implemented yet\n");
	return EXIT_FAILED;
}
