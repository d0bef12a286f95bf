// Max-norm distances between a block of query rows and every candidate: the exact
// brute-force neighbour search of KSG at high dimension (see _KSGBruteForce.swift).
//
// Candidates are packed in panels of 8: panel p holds candidates 8p ..< 8p + 8, dimension
// by dimension (panel[k * 8 + lane]). A micro-kernel keeps 4 queries x 8 candidates of
// running maxima in vector registers; dimensions are walked in chunks and candidates in
// groups of panels so the working set stays in L1/L2 (partial maxima are folded into the
// output, which must start at 0).
//
// Exactness: every distance is max over k of |c[k] - q[k]|, one IEEE subtraction, the
// absolute value (sign bit cleared) and a maximum per term. All three are exact
// operations on finite inputs and the maximum is associative, so every code path
// (AVX, SSE2, scalar) and every tiling gives the same bits as a scalar loop.
#include "mib_kernels.h"

enum { MIB_DIM_CHUNK = 64, MIB_PANEL_GROUP = 64 };

#if defined(__x86_64__)
#include <immintrin.h>
#include <emmintrin.h>

__attribute__((target("avx")))
static void maxnorm_avx(double *out, long stride, const double *q, long nq, const double *panels,
                        long npanels, long d) {
    const __m256d sign = _mm256_set1_pd(-0.0);
    for (long k0 = 0; k0 < d; k0 += MIB_DIM_CHUNK) {
        long k1 = k0 + MIB_DIM_CHUNK < d ? k0 + MIB_DIM_CHUNK : d;
        for (long p0 = 0; p0 < npanels; p0 += MIB_PANEL_GROUP) {
            long p1 = p0 + MIB_PANEL_GROUP < npanels ? p0 + MIB_PANEL_GROUP : npanels;
            long b = 0;
            for (; b + 4 <= nq; b += 4) {
                const double *q0 = q + b * d, *q1 = q0 + d, *q2 = q1 + d, *q3 = q2 + d;
                for (long p = p0; p < p1; p++) {
                    const double *c = panels + p * 8 * d;
                    double *o = out + b * stride + p * 8;
                    __m256d a0 = _mm256_loadu_pd(o), a1 = _mm256_loadu_pd(o + 4);
                    __m256d b0 = _mm256_loadu_pd(o + stride), b1 = _mm256_loadu_pd(o + stride + 4);
                    __m256d c0 = _mm256_loadu_pd(o + 2 * stride), c1 = _mm256_loadu_pd(o + 2 * stride + 4);
                    __m256d e0 = _mm256_loadu_pd(o + 3 * stride), e1 = _mm256_loadu_pd(o + 3 * stride + 4);
                    for (long k = k0; k < k1; k++) {
                        __m256d v0 = _mm256_loadu_pd(c + k * 8), v1 = _mm256_loadu_pd(c + k * 8 + 4);
                        __m256d s;
                        s = _mm256_set1_pd(q0[k]);
                        a0 = _mm256_max_pd(a0, _mm256_andnot_pd(sign, _mm256_sub_pd(v0, s)));
                        a1 = _mm256_max_pd(a1, _mm256_andnot_pd(sign, _mm256_sub_pd(v1, s)));
                        s = _mm256_set1_pd(q1[k]);
                        b0 = _mm256_max_pd(b0, _mm256_andnot_pd(sign, _mm256_sub_pd(v0, s)));
                        b1 = _mm256_max_pd(b1, _mm256_andnot_pd(sign, _mm256_sub_pd(v1, s)));
                        s = _mm256_set1_pd(q2[k]);
                        c0 = _mm256_max_pd(c0, _mm256_andnot_pd(sign, _mm256_sub_pd(v0, s)));
                        c1 = _mm256_max_pd(c1, _mm256_andnot_pd(sign, _mm256_sub_pd(v1, s)));
                        s = _mm256_set1_pd(q3[k]);
                        e0 = _mm256_max_pd(e0, _mm256_andnot_pd(sign, _mm256_sub_pd(v0, s)));
                        e1 = _mm256_max_pd(e1, _mm256_andnot_pd(sign, _mm256_sub_pd(v1, s)));
                    }
                    _mm256_storeu_pd(o, a0); _mm256_storeu_pd(o + 4, a1);
                    _mm256_storeu_pd(o + stride, b0); _mm256_storeu_pd(o + stride + 4, b1);
                    _mm256_storeu_pd(o + 2 * stride, c0); _mm256_storeu_pd(o + 2 * stride + 4, c1);
                    _mm256_storeu_pd(o + 3 * stride, e0); _mm256_storeu_pd(o + 3 * stride + 4, e1);
                }
            }
            for (; b < nq; b++) {
                const double *q0 = q + b * d;
                for (long p = p0; p < p1; p++) {
                    const double *c = panels + p * 8 * d;
                    double *o = out + b * stride + p * 8;
                    __m256d a0 = _mm256_loadu_pd(o), a1 = _mm256_loadu_pd(o + 4);
                    for (long k = k0; k < k1; k++) {
                        __m256d s = _mm256_set1_pd(q0[k]);
                        a0 = _mm256_max_pd(a0, _mm256_andnot_pd(sign, _mm256_sub_pd(_mm256_loadu_pd(c + k * 8), s)));
                        a1 = _mm256_max_pd(a1, _mm256_andnot_pd(sign, _mm256_sub_pd(_mm256_loadu_pd(c + k * 8 + 4), s)));
                    }
                    _mm256_storeu_pd(o, a0); _mm256_storeu_pd(o + 4, a1);
                }
            }
        }
    }
}
#endif

// Baseline: the same loop nest with one candidate lane at a time; the compiler
// vectorizes it with SSE2 (max and andnot of doubles are exact there too).
static void maxnorm_baseline(double *out, long stride, const double *q, long nq, const double *panels,
                             long npanels, long d) {
    for (long k0 = 0; k0 < d; k0 += MIB_DIM_CHUNK) {
        long k1 = k0 + MIB_DIM_CHUNK < d ? k0 + MIB_DIM_CHUNK : d;
        for (long b = 0; b < nq; b++) {
            const double *q0 = q + b * d;
            for (long p = 0; p < npanels; p++) {
                const double *c = panels + p * 8 * d;
                double *o = out + b * stride + p * 8;
                double acc[8];
                for (int l = 0; l < 8; l++) acc[l] = o[l];
                for (long k = k0; k < k1; k++) {
                    for (int l = 0; l < 8; l++) {
                        double t = c[k * 8 + l] - q0[k];
                        t = t < 0 ? -t : t;
                        acc[l] = acc[l] < t ? t : acc[l];
                    }
                }
                for (int l = 0; l < 8; l++) o[l] = acc[l];
            }
        }
    }
}

void mib_maxnorm_block_f64(double *out, long stride, const double *queries, long nq,
                           const double *panels, long npanels, long d) {
#if defined(__x86_64__)
    if (mib_kernels_use_avx()) { maxnorm_avx(out, stride, queries, nq, panels, npanels, d); return; }
#endif
    maxnorm_baseline(out, stride, queries, nq, panels, npanels, d);
}

void mib_maxnorm_block_f64_baseline(double *out, long stride, const double *queries, long nq,
                                    const double *panels, long npanels, long d) {
    maxnorm_baseline(out, stride, queries, nq, panels, npanels, d);
}
