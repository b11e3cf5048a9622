/*
 * valgrind_hwy_shim.c - preloaded by `make valgrind-check` only (never linked into anything).
 *
 * libavcodec (our H.264 codec) pulls in libjxl and with it Highway (libhwy), whose static
 * initializer measures its timer with RDTSCP when CPUID says the CPU has it. Valgrind 3.19
 * (Debian 12) reports that CPUID bit on some CPUs (those with AVX-512, for one) but cannot run
 * the instruction, so every test program linking libtpaas_mcu died with SIGILL before main().
 * This library answers that one measurement (Highway's timer resolution, used only by its
 * benchmarking helpers, which nothing of ours calls), so the same tests run under valgrind on
 * any CPU.
 */
#include <stdint.h>

/* hwy::platform::TimerResolution() (C++ name, libhwy 1.0) */
uint64_t _ZN3hwy8platform15TimerResolutionEv(void);

uint64_t _ZN3hwy8platform15TimerResolutionEv(void)
{
	return 1;
}
