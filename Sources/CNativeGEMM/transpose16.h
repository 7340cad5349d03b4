#ifndef NGEMM_TRANSPOSE16_H
#define NGEMM_TRANSPOSE16_H

// Shared by the bf16 and f16 kernels: both pack weight panels as 32-bit (element pair) words.
#if defined(__x86_64__)
#include <immintrin.h>

// 16 × 16 transpose of 32-bit elements: r[j] = row j in, r[q] = column q out.
__attribute__((target("avx512f"), always_inline))
static inline void ngemm_transpose16(__m512i r[16]) {
    __m512i t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    // s[4i + c], 128-bit lane L: column 4L + c of rows 4i .. 4i+3.
    for (int i = 0; i < 4; i++) {
        r[4 * i + 0] = _mm512_unpacklo_epi64(t[4 * i + 0], t[4 * i + 2]);
        r[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i + 0], t[4 * i + 2]);
        r[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        r[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    // Column 4L + c gathers lane L of s[c], s[4 + c], s[8 + c], s[12 + c].
    for (int c = 0; c < 4; c++) {
        __m512i u0 = _mm512_shuffle_i32x4(r[c], r[4 + c], 0x44);
        __m512i u1 = _mm512_shuffle_i32x4(r[c], r[4 + c], 0xEE);
        __m512i u2 = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0x44);
        __m512i u3 = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0xEE);
        t[c] = _mm512_shuffle_i32x4(u0, u2, 0x88);
        t[4 + c] = _mm512_shuffle_i32x4(u0, u2, 0xDD);
        t[8 + c] = _mm512_shuffle_i32x4(u1, u3, 0x88);
        t[12 + c] = _mm512_shuffle_i32x4(u1, u3, 0xDD);
    }
    for (int i = 0; i < 16; i++) r[i] = t[i];
}

#endif
#endif
