/* Runs a fuzz target's LLVMFuzzerTestOneInput over files, without libFuzzer:
 * the seed corpus, with every input that once crashed a target, is a unit
 * test in every build (any compiler), not only in the clang fuzz build. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		size_t cap = 4096, len = 0;
		unsigned char *buf = malloc(cap);
		size_t n;
		while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
			len += n;
			if (len == cap)
				buf = realloc(buf, cap *= 2);
		}
		fclose(f);
		/* An exact-size copy, as libFuzzer hands it: ASan sees a read past it. */
		unsigned char *in = malloc(len ? len : 1);
		memcpy(in, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(in, len);
		free(in);
		printf("ok %s\n", argv[i]);
	}
	return 0;
}
