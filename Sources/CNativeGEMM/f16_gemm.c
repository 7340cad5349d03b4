#include "native_gemm.h"
#include "transpose16.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include "panel_prefetch.h"

// AVX512_FP16 `vfmadd231ph` issues twice per cycle on Sapphire Rapids-class cores with 32 f16
// lanes: twice the f32 FMA rate (`vdpbf16ps` has half of it there). f16 sums lose precision
// fast, so each lane sums at most CHUNK products in f16 and then adds them into f32.
#define FP16_TARGET __attribute__((target("avx512fp16,avx512f,avx512bw,avx512vl,avx512dq,f16c")))

// The layout is bf16_gemm.c's: a 32-bit word holds elements (2q, 2q + 1) of a row, a panel
// holds 32 weight rows' words for each q (288 q: 36 KiB, in L1 while every row block passes).
// One FMA lane then sums even k and its neighbour odd k of one column; the two halves meet
// once, when the tile is stored.
enum { NR = 32, KC = 288, MR = 4 };
// Products summed per f16 lane before they move to f32: 96 keeps |partial| ≤ 96 × 16 × 32 =
// 49152 under f16's 65504 for rows scaled to |x| < 16 and |w| ≤ 32 (ngemm_f16_safe_weight_max);
// a panel of 288 pairs is 3 chunks. Each flush costs a load-add-store per 16 lanes: 64 rather
// than 32 was about 7% faster here, 96 rather than 64 another 2-3% of a tiny-1024 forward's CPU
// time. Worst-case f16 rounding grows with the chunk: decoding 60 held-out prompts of the
// embedded model, 3839 (chunk 64), 3834 (96) and 3829 (128, rows scaled to [4, 8)) of 3840
// tokens agreed with the f32 path; the bf16 path (AVX512_BF16) agrees on 3834.
enum { CHUNK = 96 };

int ngemm_f16_chunk(void) { return CHUNK; }
size_t ngemm_f16_panel_words(void) { return (size_t)NR * KC; }
float ngemm_f16_safe_weight_max(void) { return 32.0f; }

FP16_TARGET
void ngemm_f16_pack_rows(const float *x, int m, int k, long ldx, uint32_t *out, float *unscale) {
    long pairs = (k + 1) / 2;
    for (int i = 0; i < m; i++) {
        const float *row = x + (long)i * ldx;
        __m512 peak = _mm512_setzero_ps();
        int c = 0;
        for (; c + 16 <= k; c += 16) peak = _mm512_max_ps(peak, _mm512_abs_ps(_mm512_loadu_ps(row + c)));
        if (c < k) peak = _mm512_max_ps(peak, _mm512_abs_ps(_mm512_maskz_loadu_ps((__mmask16)((1u << (k - c)) - 1), row + c)));
        float largest = _mm512_reduce_max_ps(peak);
        // A power of two, so scaling is exact: the row's largest |x| lands in [8, 16).
        int exponent = 0;
        if (largest > 0 && largest < 3.0e38f) {
            union { float f; uint32_t u; } bits = { largest };
            exponent = (int)((bits.u >> 23) & 0xFF) - 127;  // largest in [2^e, 2^(e+1))
            if (exponent < -100) exponent = -100;
        }
        int shift = 3 - exponent;  // 2^e × 2^(3-e) = 8
        union { float f; uint32_t u; } scale = { .u = (uint32_t)(127 + shift) << 23 };
        union { float f; uint32_t u; } back = { .u = (uint32_t)(127 - shift) << 23 };
        unscale[i] = back.f;
        __m512 s = _mm512_set1_ps(scale.f);
        uint16_t *dst = (uint16_t *)(out + (long)i * pairs);
        for (c = 0; c + 16 <= k; c += 16)
            _mm256_storeu_si256((__m256i *)(dst + c),
                                _mm512_cvtps_ph(_mm512_mul_ps(_mm512_loadu_ps(row + c), s), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        if (c < k || (k & 1)) {
            int left = k - c;
            __mmask16 mask = (__mmask16)((1u << left) - 1);
            __m256i h = _mm512_cvtps_ph(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, row + c), s),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            // An odd k gets a zero partner.
            _mm256_mask_storeu_epi16(dst + c, (__mmask16)((1u << (left + (k & 1))) - 1), h);
        }
    }
}

// 32 bf16 or f16 weights → 32 f16 (bf16 via f32: exact for |w| in f16's normal range).
FP16_TARGET
static inline __m512i to_f16(__m512i v, int source_is_bf16) {
    if (!source_is_bf16) return v;
    __m512 lo = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(v)), 16));
    __m512 hi = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(v, 1)), 16));
    __m256i a = _mm512_cvtps_ph(lo, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256i b = _mm512_cvtps_ph(hi, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
}

FP16_TARGET
static inline uint16_t scalar_to_f16(uint16_t bits, int source_is_bf16) {
    if (!source_is_bf16) return bits;
    union { uint32_t u; float f; } value = { (uint32_t)bits << 16 };
    return _cvtss_sh(value.f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

FP16_TARGET
static void pack_panel(const uint16_t *w, long ldw, int n, int k, int q0, int qc, int bf16, uint32_t *panel) {
    int q = 0;
    if (n == NR && (k % 2) == 0) {
        for (; q + 16 <= qc; q += 16) {
            for (int half = 0; half < 2; half++) {
                __m512i r[16];
                for (int j = 0; j < 16; j++)
                    r[j] = to_f16(_mm512_loadu_si512(w + (long)(half * 16 + j) * ldw + 2L * (q0 + q)), bf16);
                ngemm_transpose16(r);
                for (int p = 0; p < 16; p++) _mm512_storeu_si512(panel + (long)(q + p) * NR + half * 16, r[p]);
            }
        }
    }
    for (; q < qc; q++)
        for (int j = 0; j < NR; j++) {
            uint32_t word = 0;
            if (j < n) {
                long e = 2L * (q0 + q);
                const uint16_t *row = w + (long)j * ldw;
                uint32_t low = e < k ? scalar_to_f16(row[e], bf16) : 0, high = e + 1 < k ? scalar_to_f16(row[e + 1], bf16) : 0;
                word = low | (high << 16);
            }
            panel[(long)q * NR + j] = word;
        }
}

// One row's f32 sums ([column even k, column odd k] lanes, 8 columns per register) added in pairs,
// unscaled and stored (or accumulated) into up to 32 columns.
FP16_TARGET __attribute__((always_inline))
static inline void store_row(__m512 lo0, __m512 hi0, __m512 lo1, __m512 hi1, float unscale, float *out, int n,
                             int accumulate) {
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    __mmask16 m0 = n >= 16 ? 0xFFFF : (__mmask16)((1u << n) - 1);
    __mmask16 m1 = n >= 32 ? 0xFFFF : n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : 0;
    __m512 s = _mm512_set1_ps(unscale);
    __m512 c0 = _mm512_mul_ps(s, _mm512_add_ps(_mm512_permutex2var_ps(lo0, even, hi0), _mm512_permutex2var_ps(lo0, odd, hi0)));
    __m512 c1 = _mm512_mul_ps(s, _mm512_add_ps(_mm512_permutex2var_ps(lo1, even, hi1), _mm512_permutex2var_ps(lo1, odd, hi1)));
    if (accumulate) {
        c0 = _mm512_add_ps(c0, _mm512_maskz_loadu_ps(m0, out));
        c1 = _mm512_add_ps(c1, _mm512_maskz_loadu_ps(m1, out + 16));
    }
    _mm512_mask_storeu_ps(out, m0, c0);
    _mm512_mask_storeu_ps(out + 16, m1, c1);
}

FP16_TARGET __attribute__((always_inline))
static inline void micro_kernel(int rows, const uint32_t *a, long lda, const uint32_t *panel, int qc,
                                const float *unscale, float *y, long ldy, int n, int accumulate) {
    // f32 lanes per accumulator pair: [column c even k, column c odd k] for 8 columns each.
    __m512 lo0[MR], hi0[MR], lo1[MR], hi1[MR];
    for (int i = 0; i < rows; i++) lo0[i] = hi0[i] = lo1[i] = hi1[i] = _mm512_setzero_ps();
    for (int q0 = 0; q0 < qc; q0 += CHUNK) {
        int end = q0 + CHUNK < qc ? q0 + CHUNK : qc;
        __m512h h0[MR], h1[MR];
        for (int i = 0; i < rows; i++) { h0[i] = _mm512_setzero_ph(); h1[i] = _mm512_setzero_ph(); }
        for (int q = q0; q < end; q++) {
            __m512h b0 = _mm512_castsi512_ph(_mm512_loadu_si512(panel + (long)q * NR));
            __m512h b1 = _mm512_castsi512_ph(_mm512_loadu_si512(panel + (long)q * NR + 16));
            for (int i = 0; i < rows; i++) {
                __m512h ai = _mm512_castsi512_ph(_mm512_set1_epi32((int)a[(long)i * lda + q]));
                h0[i] = _mm512_fmadd_ph(ai, b0, h0[i]);
                h1[i] = _mm512_fmadd_ph(ai, b1, h1[i]);
            }
        }
        for (int i = 0; i < rows; i++) {
            __m512i v0 = _mm512_castph_si512(h0[i]), v1 = _mm512_castph_si512(h1[i]);
            lo0[i] = _mm512_add_ps(lo0[i], _mm512_cvtph_ps(_mm512_castsi512_si256(v0)));
            hi0[i] = _mm512_add_ps(hi0[i], _mm512_cvtph_ps(_mm512_extracti64x4_epi64(v0, 1)));
            lo1[i] = _mm512_add_ps(lo1[i], _mm512_cvtph_ps(_mm512_castsi512_si256(v1)));
            hi1[i] = _mm512_add_ps(hi1[i], _mm512_cvtph_ps(_mm512_extracti64x4_epi64(v1, 1)));
        }
    }
    for (int i = 0; i < rows; i++) store_row(lo0[i], hi0[i], lo1[i], hi1[i], unscale[i], y + (long)i * ldy, n, accumulate);
}

// 8 rows: 16 f16 accumulators cover the FMA latency with room for loads; the f32 sums live in
// a 2 KiB tile in L1 and each flush (every CHUNK pairs) costs a load-add-store per 16 lanes.
// Measured here against 4 rows with f32 sums in registers: about 18% faster; 8 beat 10 and 12.
enum { MR_WIDE = 8 };

FP16_TARGET
static void wide_kernel(const uint32_t *a, long lda, const uint32_t *panel, int qc,
                        const float *unscale, float *y, long ldy, int n, int accumulate, prefetch_cursor *next) {
    __attribute__((aligned(64))) float tile[MR_WIDE][4][16];
    for (int i = 0; i < MR_WIDE; i++)
        for (int p = 0; p < 4; p++) _mm512_store_ps(tile[i][p], _mm512_setzero_ps());
    for (int q0 = 0; q0 < qc; q0 += CHUNK) {
        int end = q0 + CHUNK < qc ? q0 + CHUNK : qc;
        __m512h h0[MR_WIDE], h1[MR_WIDE];
        _Pragma("clang loop unroll(full)")
        for (int i = 0; i < MR_WIDE; i++) { h0[i] = _mm512_setzero_ph(); h1[i] = _mm512_setzero_ph(); }
        for (int q = q0; q < end; q++) {
            if ((q & next->every_mask) == 0) prefetch_step(next);
            __m512h b0 = _mm512_castsi512_ph(_mm512_loadu_si512(panel + (long)q * NR));
            __m512h b1 = _mm512_castsi512_ph(_mm512_loadu_si512(panel + (long)q * NR + 16));
            _Pragma("clang loop unroll(full)")
            for (int i = 0; i < MR_WIDE; i++) {
                __m512h ai = _mm512_castsi512_ph(_mm512_set1_epi32((int)a[(long)i * lda + q]));
                h0[i] = _mm512_fmadd_ph(ai, b0, h0[i]);
                h1[i] = _mm512_fmadd_ph(ai, b1, h1[i]);
            }
        }
        _Pragma("clang loop unroll(full)")
        for (int i = 0; i < MR_WIDE; i++) {
            __m512i v0 = _mm512_castph_si512(h0[i]), v1 = _mm512_castph_si512(h1[i]);
            _mm512_store_ps(tile[i][0], _mm512_add_ps(_mm512_load_ps(tile[i][0]), _mm512_cvtph_ps(_mm512_castsi512_si256(v0))));
            _mm512_store_ps(tile[i][1], _mm512_add_ps(_mm512_load_ps(tile[i][1]), _mm512_cvtph_ps(_mm512_extracti64x4_epi64(v0, 1))));
            _mm512_store_ps(tile[i][2], _mm512_add_ps(_mm512_load_ps(tile[i][2]), _mm512_cvtph_ps(_mm512_castsi512_si256(v1))));
            _mm512_store_ps(tile[i][3], _mm512_add_ps(_mm512_load_ps(tile[i][3]), _mm512_cvtph_ps(_mm512_extracti64x4_epi64(v1, 1))));
        }
    }
    for (int i = 0; i < MR_WIDE; i++)
        store_row(_mm512_load_ps(tile[i][0]), _mm512_load_ps(tile[i][1]), _mm512_load_ps(tile[i][2]),
                  _mm512_load_ps(tile[i][3]), unscale[i], y + (long)i * ldy, n, accumulate);
}

FP16_TARGET
float ngemm_max_abs_16(const uint16_t *values, long count, int is_bf16) {
    __m512 peak = _mm512_setzero_ps();
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m256i raw = _mm256_loadu_si256((const __m256i *)(values + i));
        __m512 v = is_bf16 ? _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16)) : _mm512_cvtph_ps(raw);
        peak = _mm512_max_ps(peak, _mm512_abs_ps(v));
    }
    float largest = _mm512_reduce_max_ps(peak);
    for (; i < count; i++) {
        union { uint32_t u; float f; } v = { (uint32_t)values[i] << 16 };
        float x = is_bf16 ? v.f : _cvtsh_ss(values[i]);
        if (x < 0) x = -x;
        if (!(x <= largest)) largest = x;  // also carries a NaN through
    }
    return largest;
}

// One driver for both weight forms: `w` row-major (each panel packed here, the next one
// prefetched meanwhile) or `packed` (ngemm_f16_pack_weights's layout, read in place).
FP16_TARGET
static void f16_gemm(const uint32_t *xh, const float *unscale, int m, int k, const uint16_t *w, int w_is_bf16,
                     long ldw, const uint32_t *packed, int n, float *y, long ldy, int accumulate, uint32_t *scratch) {
    long pairs = (k + 1) / 2;
    for (int j0 = 0; j0 < n; j0 += NR) {
        int nc = n - j0 < NR ? n - j0 : NR;
        for (int q0 = 0; q0 < pairs; q0 += KC) {
            int qc = pairs - q0 < KC ? (int)(pairs - q0) : KC;
            long next_q0 = q0 + KC < pairs ? q0 + KC : 0;
            long steps = (long)(m / MR_WIDE) * qc;
            const uint32_t *panel;
            prefetch_cursor next;
            if (packed) {
                // Strips of NR rows lie one after another, q-major inside: the next panel is the
                // next NR · KC words (or the next strip's first), one contiguous run.
                panel = packed + (long)j0 * pairs + (long)q0 * NR;
                long next_qc = next_q0 ? pairs - next_q0 : j0 + NR < n ? pairs : 0;
                next = contiguous_cursor(panel + (long)qc * NR, (next_qc < KC ? next_qc : KC) * NR * 4, steps);
            } else {
                pack_panel(w + (long)j0 * ldw, ldw, nc, k, q0, qc, w_is_bf16, scratch);
                panel = scratch;
                next = panel_cursor(w, ldw, n, pairs, next_q0 ? j0 : j0 + NR, next_q0, steps, NR, KC);
            }
            int add = accumulate || q0 > 0;
            const uint32_t *a = xh + q0;
            float *out = y + j0;
            int i = 0;
            for (; i + MR_WIDE <= m; i += MR_WIDE)
                wide_kernel(a + i * pairs, pairs, panel, qc, unscale + i, out + i * ldy, ldy, nc, add, &next);
            // Fewer than MR_WIDE rows left no kernel steps to spread over: the rest go now.
            while (next.rows_left > 0) prefetch_step(&next);
            for (; i + MR <= m; i += MR)
                micro_kernel(MR, a + i * pairs, pairs, panel, qc, unscale + i, out + i * ldy, ldy, nc, add);
            if (i + 2 <= m) { micro_kernel(2, a + i * pairs, pairs, panel, qc, unscale + i, out + i * ldy, ldy, nc, add); i += 2; }
            if (i < m) micro_kernel(1, a + i * pairs, pairs, panel, qc, unscale + i, out + i * ldy, ldy, nc, add);
        }
    }
}

FP16_TARGET
void ngemm_f16_gemm(const uint32_t *xh, const float *unscale, int m, int k, const uint16_t *w, int w_is_bf16,
                    long ldw, int n, float *y, long ldy, int accumulate, uint32_t *panel) {
    f16_gemm(xh, unscale, m, k, w, w_is_bf16, ldw, NULL, n, y, ldy, accumulate, panel);
}

size_t ngemm_f16_packed_words(int n, int k) { return (size_t)((n + NR - 1) / NR) * NR * (size_t)((k + 1) / 2); }

FP16_TARGET
void ngemm_f16_pack_weights(const uint16_t *w, int w_is_bf16, long ldw, int n, int k, uint32_t *packed) {
    long pairs = (k + 1) / 2;
    for (int j0 = 0; j0 < n; j0 += NR) {
        int nc = n - j0 < NR ? n - j0 : NR;
        pack_panel(w + (long)j0 * ldw, ldw, nc, k, 0, (int)pairs, w_is_bf16, packed + (long)j0 * pairs);
    }
}

FP16_TARGET
void ngemm_f16_gemm_packed(const uint32_t *xh, const float *unscale, int m, int k, const uint32_t *packed, int n,
                           float *y, long ldy, int accumulate) {
    f16_gemm(xh, unscale, m, k, NULL, 0, 0, packed, n, y, ldy, accumulate, NULL);
}

#else

int ngemm_f16_chunk(void) { return 1; }
size_t ngemm_f16_panel_words(void) { return 0; }
float ngemm_f16_safe_weight_max(void) { return 0; }
float ngemm_max_abs_16(const uint16_t *values, long count, int is_bf16) { (void)values; (void)count; (void)is_bf16; return 0; }
void ngemm_f16_pack_rows(const float *x, int m, int k, long ldx, uint32_t *out, float *unscale) {
    (void)x; (void)m; (void)k; (void)ldx; (void)out; (void)unscale;
}
void ngemm_f16_gemm(const uint32_t *xh, const float *unscale, int m, int k, const uint16_t *w, int w_is_bf16,
                    long ldw, int n, float *y, long ldy, int accumulate, uint32_t *panel) {
    (void)xh; (void)unscale; (void)m; (void)k; (void)w; (void)w_is_bf16; (void)ldw; (void)n; (void)y; (void)ldy;
    (void)accumulate; (void)panel;
}
size_t ngemm_f16_packed_words(int n, int k) { (void)n; (void)k; return 0; }
void ngemm_f16_pack_weights(const uint16_t *w, int w_is_bf16, long ldw, int n, int k, uint32_t *packed) {
    (void)w; (void)w_is_bf16; (void)ldw; (void)n; (void)k; (void)packed;
}
void ngemm_f16_gemm_packed(const uint32_t *xh, const float *unscale, int m, int k, const uint32_t *packed, int n,
                           float *y, long ldy, int accumulate) {
    (void)xh; (void)unscale; (void)m; (void)k; (void)packed; (void)n; (void)y; (void)ldy; (void)accumulate;
}

#endif
