/*
 * replay_main.c - runs one libFuzzer harness without libFuzzer, for `make check`: every input
 * that ever crashed a harness or failed one of its invariants is kept in
 * regressions/<name>/, and replay_<name> (this file linked with fuzz_<name>.c and the code it
 * tests, built by the project's compiler, with ASan+UBSan in the --enable-sanitizers build)
 * feeds each of them to LLVMFuzzerTestOneInput. A failed invariant aborts, as under
 * libFuzzer; a sanitizer report fails the test as well.
 *
 * Usage: replay_<name> [file or folder ...]; without arguments, REGRESSIONS_DIR/<name>, where
 * <name> comes from the program's own name. A harness without a regressions folder passes.
 *
 * Threads: one (fuzz_room.c runs its room on the manual clock). Ownership: each input is read
 * into an exact-size heap copy and freed after its run.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* As libFuzzer's -rss_limit_mb=2048 (the Makefile's FUZZ_RSS_MB) does: an input that makes
 * the code under test allocate gigabytes fails (sanitizer build only; the plain build has no
 * such limit). */
#if defined(__SANITIZE_ADDRESS__)
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "max_allocation_size_mb=2048:allocator_may_return_null=0:hard_rss_limit_mb=2048";
}
#endif

static int *init_argc;
static char ***init_argv;

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	for (size_t r; buf != NULL && (r = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += r;
		if (n == cap) {
			uint8_t *more = realloc(buf, cap * 2);
			if (more == NULL)
				free(buf);
			buf = more;
			cap *= 2;
		}
	}
	int err = ferror(f);
	fclose(f);
	if (buf == NULL || err) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(buf);
		return -1;
	}
	/* exact size, so that AddressSanitizer sees a read past the end */
	uint8_t *data = malloc(n ? n : 1);
	if (data == NULL)
		abort();
	memcpy(data, buf, n);
	free(buf);
	printf("replay: %s (%zu bytes)\n", path, n);
	fflush(stdout);
	/* a harness's set-up (fuzz_room.c: a room on its manual clock) only when there is input */
	static int initialized;
	if (!initialized && LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(init_argc, init_argv);
	initialized = 1;
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays a file, or every regular file of a folder in name order; returns the count or -1. */
static int replay_path(const char *path, int missing_ok)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		if (missing_ok && errno == ENOENT)
			return 0;
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) == 0 ? 1 : -1;
	DIR *d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		char **more = realloc(names, (n + 1) * sizeof(*names));
		if (more == NULL)
			abort();
		names = more;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	int count = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(path) + strlen(names[i]) + 2;
		char *full = malloc(len);
		if (full == NULL)
			abort();
		snprintf(full, len, "%s/%s", path, names[i]);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(full) != 0)
				count = -1;
			else if (count >= 0)
				count++;
		}
		free(full);
		free(names[i]);
	}
	free(names);
	return count;
}

int main(int argc, char **argv)
{
	init_argc = &argc;
	init_argv = &argv;
	int total = 0, failed = 0;
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			int n = replay_path(argv[i], 0);
			if (n < 0)
				failed = 1;
			else
				total += n;
		}
	} else {
		const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
		if (strncmp(self, "lt-", 3) == 0)
			self += 3;
		if (strncmp(self, "replay_", 7) != 0) {
			fprintf(stderr, "replay: cannot tell the harness from the name %s\n",
				argv[0]);
			return 1;
		}
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/%s", REGRESSIONS_DIR, self + 7);
		total = replay_path(dir, 1);
		failed = total < 0;
	}
	printf("replay: %d inputs, %s\n", total < 0 ? 0 : total, failed ? "FAILED" : "all passed");
	return failed;
}
