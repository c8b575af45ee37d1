#pragma once
// Per-CPU versions of the loops that take most of a step, for portable builds.
//
// SPARK_HOT_LOOP, before a function's definition: GCC compiles the function for baseline x86-64, for
// x86-64-v3 (AVX2) and for x86-64-v4 (AVX-512), and the loader picks the widest the CPU runs
// (target_clones + ifunc). A portable binary then runs its hot loops about as fast as a SPARK_NATIVE
// one (CUBA N = 80 000, one thread: 0.78 s instead of 1.22 s; native 0.69 s). Every version computes the
// same numbers: FMA contraction is off in every build, so each float operation rounds as written.
// Under SPARK_NATIVE (already built for this CPU), other compilers and other architectures it is empty.
//
// GCC inlines nothing into a version for another target unless it is forced: every helper the loop of
// a SPARK_HOT_LOOP function calls must be SPARK_INLINE, and a lambda holding the loop
// SPARK_INLINE_LAMBDA (after its parameter list); otherwise the version calls them out of line, in
// baseline code, and is slower than no clones at all.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && !defined(SPARK_NATIVE)
#define SPARK_HOT_LOOP __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define SPARK_HOT_LOOP
#endif

#if defined(__GNUC__)
#define SPARK_INLINE [[gnu::always_inline]] inline
#define SPARK_INLINE_LAMBDA __attribute__((always_inline))
#else
#define SPARK_INLINE inline
#define SPARK_INLINE_LAMBDA
#endif
