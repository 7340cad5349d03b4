#include "native_gemm.h"
#include "transpose16.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#include "panel_prefetch.h"

#define BF16_TARGET __attribute__((target("avx512bf16,avx512f,avx512bw,avx512vl")))

// Output columns per micro-panel: two ZMM registers of 16 f32 lanes. Each lane accumulates
// one output column, and `vdpbf16ps` adds two products (k = 2q, 2q+1) per lane per step.
enum { NR = 32 };
// k pairs per block: a 32-column weight panel of 128 pairs is 16 KiB and stays in L1d while
// every row block of the activations passes over it.
enum { KC = 128 };
// Rows per micro-kernel: 8 × 2 accumulators cover vdpbf16ps's latency (about 7 cycles at
// one issue per 2 cycles on Golden Cove-class cores) with registers to spare.
enum { MR = 8 };

size_t ngemm_bf16_panel_words(void) { return (size_t)NR * KC; }

BF16_TARGET
void ngemm_bf16_pack_rows(const float *x, int m, int k, long ldx, uint32_t *out) {
    long pairs = (k + 1) / 2;
    for (int i = 0; i < m; i++) {
        const float *row = x + (long)i * ldx;
        uint32_t *dst = out + (long)i * pairs;
        int c = 0;
        for (; c + 32 <= k; c += 32) {
            __m512bh h = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(row + c + 16), _mm512_loadu_ps(row + c));
            _mm512_storeu_si512(dst + c / 2, (__m512i)h);
        }
        if (c < k) {
            // Masked loads read zeros past the row's end, which also pads an odd k.
            int left = k - c;
            __mmask16 lo = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1);
            __mmask16 hi = left > 16 ? (__mmask16)((1u << (left - 16)) - 1) : 0;
            __m512bh h = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(hi, row + c + 16), _mm512_maskz_loadu_ps(lo, row + c));
            int words = (left + 1) / 2;
            _mm512_mask_storeu_epi32(dst + c / 2, (__mmask16)((1u << words) - 1), (__m512i)h);
        }
    }
}

static inline uint32_t weight_pair(const uint16_t *row, int k, long e) {
    uint32_t low = e < k ? row[e] : 0, high = e + 1 < k ? row[e + 1] : 0;
    return low | (high << 16);
}

// panel[(q - q0) * NR + j] = pair q of weight row j (zero for rows ≥ n): the layout in which one
// 64-byte load gives 16 columns' pairs for the same q. Only AVX512F: the f32 kernel
// (f32_gemm.c) reads these panels too, on CPUs without AVX512_BF16.
__attribute__((target("avx512f")))
static void pack_panel(const uint16_t *w, long ldw, int n, int k, int q0, int qc, uint32_t *panel) {
    int q = 0;
    if (n == NR && (k % 2) == 0) {
        for (; q + 16 <= qc; q += 16) {
            for (int half = 0; half < 2; half++) {
                __m512i r[16];
                for (int j = 0; j < 16; j++)
                    r[j] = _mm512_loadu_si512(w + (long)(half * 16 + j) * ldw + 2L * (q0 + q));
                ngemm_transpose16(r);
                for (int p = 0; p < 16; p++) _mm512_storeu_si512(panel + (long)(q + p) * NR + half * 16, r[p]);
            }
        }
    }
    for (; q < qc; q++)
        for (int j = 0; j < NR; j++)
            panel[(long)q * NR + j] = j < n ? weight_pair(w + (long)j * ldw, k, 2L * (q0 + q)) : 0;
}

// rows × (≤ NR) block of y from `qc` pairs: a (row stride lda words) against the packed panel.
BF16_TARGET __attribute__((always_inline))
static inline void micro_kernel(int rows, const uint32_t *a, long lda, const uint32_t *panel, int qc,
                                float *y, long ldy, int n, int accumulate, prefetch_cursor *next) {
    __m512 acc0[MR], acc1[MR];
    for (int i = 0; i < rows; i++) { acc0[i] = _mm512_setzero_ps(); acc1[i] = _mm512_setzero_ps(); }
    for (int q = 0; q < qc; q++) {
        if ((q & next->every_mask) == 0) prefetch_step(next);
        __m512bh b0 = (__m512bh)_mm512_loadu_si512(panel + (long)q * NR);
        __m512bh b1 = (__m512bh)_mm512_loadu_si512(panel + (long)q * NR + 16);
        for (int i = 0; i < rows; i++) {
            __m512bh ai = (__m512bh)_mm512_set1_epi32((int)a[(long)i * lda + q]);
            acc0[i] = _mm512_dpbf16_ps(acc0[i], ai, b0);
            acc1[i] = _mm512_dpbf16_ps(acc1[i], ai, b1);
        }
    }
    __mmask16 m0 = n >= 16 ? 0xFFFF : (__mmask16)((1u << n) - 1);
    __mmask16 m1 = n >= 32 ? 0xFFFF : n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : 0;
    for (int i = 0; i < rows; i++) {
        float *out = y + (long)i * ldy;
        if (accumulate) {
            acc0[i] = _mm512_add_ps(acc0[i], _mm512_maskz_loadu_ps(m0, out));
            acc1[i] = _mm512_add_ps(acc1[i], _mm512_maskz_loadu_ps(m1, out + 16));
        }
        _mm512_mask_storeu_ps(out, m0, acc0[i]);
        _mm512_mask_storeu_ps(out + 16, m1, acc1[i]);
    }
}

BF16_TARGET
void ngemm_bf16_gemm(const uint32_t *xb, int m, int k, const uint16_t *w, long ldw, int n,
                     float *y, long ldy, int accumulate, uint32_t *panel) {
    long pairs = (k + 1) / 2;
    for (int j0 = 0; j0 < n; j0 += NR) {
        int nc = n - j0 < NR ? n - j0 : NR;
        for (int q0 = 0; q0 < pairs; q0 += KC) {
            int qc = pairs - q0 < KC ? (int)(pairs - q0) : KC;
            pack_panel(w + (long)j0 * ldw, ldw, nc, k, q0, qc, panel);
            int add = accumulate || q0 > 0;
            const uint32_t *a = xb + q0;
            float *out = y + j0;
            long next_q0 = q0 + KC < pairs ? q0 + KC : 0;
            prefetch_cursor next = panel_cursor(w, ldw, n, pairs, next_q0 ? j0 : j0 + NR, next_q0, (long)(m / MR) * qc, NR, KC);
            int i = 0;
            // Constant row counts let the compiler keep every accumulator in a register.
            for (; i + MR <= m; i += MR) micro_kernel(MR, a + i * pairs, pairs, panel, qc, out + i * ldy, ldy, nc, add, &next);
            // Fewer than MR rows left no kernel steps to spread over: the rest go now.
            while (next.rows_left > 0) prefetch_step(&next);
            if (i + 4 <= m) { micro_kernel(4, a + i * pairs, pairs, panel, qc, out + i * ldy, ldy, nc, add, &next); i += 4; }
            if (i + 2 <= m) { micro_kernel(2, a + i * pairs, pairs, panel, qc, out + i * ldy, ldy, nc, add, &next); i += 2; }
            if (i < m) micro_kernel(1, a + i * pairs, pairs, panel, qc, out + i * ldy, ldy, nc, add, &next);
        }
    }
}

__attribute__((target("avx512f")))
void ngemm_bf16_pack_weights(const uint16_t *w, long ldw, int n, int k, uint32_t *packed) {
    long pairs = (k + 1) / 2;
    for (int j0 = 0; j0 < n; j0 += NR) {
        int nc = n - j0 < NR ? n - j0 : NR;
        pack_panel(w + (long)j0 * ldw, ldw, nc, k, 0, (int)pairs, packed + (long)j0 * pairs);
    }
}

#else

size_t ngemm_bf16_panel_words(void) { return 0; }
void ngemm_bf16_pack_weights(const uint16_t *w, long ldw, int n, int k, uint32_t *packed) {
    (void)w; (void)ldw; (void)n; (void)k; (void)packed;
}
void ngemm_bf16_pack_rows(const float *x, int m, int k, long ldx, uint32_t *out) {
    (void)x; (void)m; (void)k; (void)ldx; (void)out;
}
void ngemm_bf16_gemm(const uint32_t *xb, int m, int k, const uint16_t *w, long ldw, int n,
                     float *y, long ldy, int accumulate, uint32_t *panel) {
    (void)xb; (void)m; (void)k; (void)w; (void)ldw; (void)n; (void)y; (void)ldy; (void)accumulate; (void)panel;
}

#endif
