/* Runs a fuzz target's LLVMFuzzerTestOneInput over files, without libFuzzer:
 * the seed corpus, with every input that once crashed a target, is a unit
 * test in every build (any compiler), not only in the clang fuzz build. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		int r = dd_read_file(argv[i], 16u << 20, &buf, &len);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
			return 1;
		}
		/* An exact-size copy, as libFuzzer hands it: ASan sees a read past it. */
		unsigned char *in = malloc(len ? len : 1);
		memcpy(in, buf, len);
		LLVMFuzzerTestOneInput(in, len);
		free(in);
		printf("ok %s\n", argv[i]);
	}
	return 0;
}
