// Nonzero positions of a row of activations (ReLU makes about half of them zero; the
// MINE kernel then skips them). Four values at a time: one SSE2 comparison gives a 4-bit
// mask, a 16-entry table gives the positions to store, and popcount advances the cursor
// — no branch depends on the data.
#include "mib_kernels.h"

#if defined(__x86_64__)
#include <emmintrin.h>

// positions of the set bits of each 4-bit mask, packed low to high (unused slots 0)
static const int32_t mib_compact_table[16][4] = {
    {0, 0, 0, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0},
    {2, 0, 0, 0}, {0, 2, 0, 0}, {1, 2, 0, 0}, {0, 1, 2, 0},
    {3, 0, 0, 0}, {0, 3, 0, 0}, {1, 3, 0, 0}, {0, 1, 3, 0},
    {2, 3, 0, 0}, {0, 2, 3, 0}, {1, 2, 3, 0}, {0, 1, 2, 3},
};

long mib_compact_nonzero_f32(const float *v, long count, int32_t *index) {
    long c = 0, q = 0;
    const __m128 zero = _mm_setzero_ps();
    for (; q + 4 <= count; q += 4) {
        // cmpneq is true for NaN and false for -0, like `v != 0`.
        int mask = _mm_movemask_ps(_mm_cmpneq_ps(_mm_loadu_ps(v + q), zero));
        __m128i pos = _mm_add_epi32(_mm_loadu_si128((const __m128i *)mib_compact_table[mask]),
                                    _mm_set1_epi32((int)q));
        // 4 slots are written; only the first popcount(mask) are kept. They stay within
        // index[0 ..< q + 4] because c <= q.
        _mm_storeu_si128((__m128i *)(index + c), pos);
        c += __builtin_popcount((unsigned)mask);
    }
    for (; q < count; q++) {
        index[c] = (int32_t)q;
        c += v[q] != 0.0f;
    }
    return c;
}
#else
long mib_compact_nonzero_f32(const float *v, long count, int32_t *index) {
    long c = 0;
    for (long q = 0; q < count; q++) {
        index[c] = (int32_t)q;
        c += v[q] != 0.0f;
    }
    return c;
}
#endif
