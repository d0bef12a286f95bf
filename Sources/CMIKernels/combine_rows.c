// Linear combinations of contiguous rows: the inner product of the MINE trainer's
// forward and backward passes (see _MINEKernel.swift). 32 outputs at a time stay in
// vector registers across all terms, so each term costs only the loads of its row.
//
// Bit reproducibility: every output is a sequence of IEEE single-precision multiplies and
// adds in a fixed order, lane by lane, so 8-wide AVX, 4-wide SSE2 and scalar code give
// identical results. Contraction into fused multiply-add is switched off explicitly.
#include "mib_kernels.h"

#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

typedef float v8f __attribute__((vector_size(32), aligned(4)));

// Unaligned 8-float loads and stores (macros: vector-typed function parameters would
// have a different ABI with and without AVX).
#define load8(p) ({ v8f v_; __builtin_memcpy(&v_, (p), sizeof v_); v_; })
#define store8(p, v) do { v8f w_ = (v); __builtin_memcpy((p), &w_, sizeof w_); } while (0)

static inline __attribute__((always_inline)) void combine_body(
    float *out, long count, const float *start, const float *rows, long stride,
    const float *coefficients, const int32_t *index, long terms)
{
    long j0 = 0;
    for (; j0 + 32 <= count; j0 += 32) {
        v8f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        if (start) { a0 = load8(start + j0); a1 = load8(start + j0 + 8); a2 = load8(start + j0 + 16); a3 = load8(start + j0 + 24); }
        for (long u = 0; u < terms; u++) {
            long r = index[u];
            v8f c = (v8f){0} + coefficients[r];
            const float *p = rows + r * stride + j0;
            a0 += c * load8(p); a1 += c * load8(p + 8); a2 += c * load8(p + 16); a3 += c * load8(p + 24);
        }
        store8(out + j0, a0); store8(out + j0 + 8, a1); store8(out + j0 + 16, a2); store8(out + j0 + 24, a3);
    }
    for (; j0 + 8 <= count; j0 += 8) {
        v8f a0 = {0};
        if (start) a0 = load8(start + j0);
        for (long u = 0; u < terms; u++) {
            long r = index[u];
            a0 += ((v8f){0} + coefficients[r]) * load8(rows + r * stride + j0);
        }
        store8(out + j0, a0);
    }
    for (long j = j0; j < count; j++) {
        float a = start ? start[j] : 0.0f;
        for (long u = 0; u < terms; u++) {
            long r = index[u];
            a += coefficients[r] * rows[r * stride + j];
        }
        out[j] = a;
    }
}

void mib_combine_rows_f32_baseline(float *out, long count, const float *start,
                                   const float *rows, long stride, const float *coefficients,
                                   const int32_t *index, long terms)
{
    combine_body(out, count, start, rows, stride, coefficients, index, terms);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>

__attribute__((target("avx")))
static void combine_avx(float *out, long count, const float *start, const float *rows,
                        long stride, const float *coefficients, const int32_t *index, long terms)
{
    combine_body(out, count, start, rows, stride, coefficients, index, terms);
}

// AVX needs the CPU feature and the OS saving the YMM registers (XCR0 bits 1 and 2).
static int detect_avx(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & bit_OSXSAVE) || !(c & bit_AVX)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return (lo & 6) == 6;
}

int mib_kernels_use_avx(void) {
    static int cached = -1;  // idempotent: racing first calls store the same value
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) { v = detect_avx(); __atomic_store_n(&cached, v, __ATOMIC_RELAXED); }
    return v;
}

void mib_combine_rows_f32(float *out, long count, const float *start, const float *rows,
                          long stride, const float *coefficients, const int32_t *index, long terms)
{
    if (mib_kernels_use_avx()) combine_avx(out, count, start, rows, stride, coefficients, index, terms);
    else combine_body(out, count, start, rows, stride, coefficients, index, terms);
}
#else
int mib_kernels_use_avx(void) { return 0; }

void mib_combine_rows_f32(float *out, long count, const float *start, const float *rows,
                          long stride, const float *coefficients, const int32_t *index, long terms)
{
    combine_body(out, count, start, rows, stride, coefficients, index, terms);
}
#endif
