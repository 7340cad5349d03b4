#include "native_gemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>
#include "panel_prefetch.h"

// The f32 path for bf16 weights on any AVX-512 CPU: f32 products and f32 sums, as sgemm on the
// widened weights computes them, but with no widening pass and no per-call packing. The weights
// stay bf16 in ngemm_bf16_pack_weights's panels (a 32-bit word holds elements 2q and 2q + 1 of
// one row) and become f32 in registers: a bf16 is the high half of its f32, so a shift gives the
// even elements and a mask the odd ones, one instruction per 16 lanes.
#define F32_TARGET __attribute__((target("avx512f")))

// 12 rows × 32 columns: 24 accumulators and the 4 widened weight registers fill 28 of the 32
// ZMM registers; per pair, 48 FMAs against 4 widening instructions. A panel of 512 pairs (64 KiB,
// from L2) measured 1-2% faster here than 128 or 256 pairs in L1, and a k up to 1024 then writes
// each output once.
enum { NR = 32, KC = 512, MR = 12 };
// Bytes of activation rows per row block: the block stays in L2 while every weight strip passes.
enum { ROW_BLOCK_BYTES = 1 << 20 };

int ngemm_f32_row_group(void) { return MR; }
size_t ngemm_f32_rows_floats(int m, int k) { return (size_t)m * (size_t)((k + 1) / 2) * 2; }

F32_TARGET
void ngemm_f32_pack_rows(const float *x, int m, int k, long ldx, float *out) {
    long pairs = (k + 1) / 2;
    for (int g0 = 0; g0 < m; g0 += MR) {
        int rows = m - g0 < MR ? m - g0 : MR;
        float *group = out + (long)g0 * pairs * 2;
        const float *first = x + (long)g0 * ldx;
        long whole = k / 2;  // pairs with both elements in the row
        // One 8-byte move per pair (a pair keeps its order), written in output order.
        for (long q = 0; q < whole; q++)
            for (int i = 0; i < rows; i++) memcpy(group + (q * rows + i) * 2, first + i * ldx + 2 * q, 8);
        if (whole < pairs)
            for (int i = 0; i < rows; i++) {
                group[(whole * rows + i) * 2] = first[i * ldx + 2 * whole];
                group[(whole * rows + i) * 2 + 1] = 0.0f;
            }
    }
}

// A row block of at least this many groups widens each panel once into an f32 copy (128 KiB,
// in L2) that all its groups read: the kernel then issues only its FMAs and loads, no widening
// instructions on the FMA ports. Measured on one core (thread CPU time, medians of 5): 512 ×
// 1024 × 4096 150 → 157 GFLOP/s, the 32768-column head 148 → 154; with fewer groups the copy
// does not pay (32 rows: 152 → 132), so short blocks (and k = 4096's 64-row blocks) widen in
// registers as before.
enum { WIDEN_GROUPS = 16 };

// Pair q of a panel as f32: the even elements of columns 0-15, their odd ones, then the same
// for columns 16-31.
F32_TARGET __attribute__((always_inline))
static inline void widen_pair(const uint32_t *panel, long q, __m512 out[4]) {
    const __m512i high = _mm512_set1_epi32((int)0xFFFF0000u);
    __m512i v0 = _mm512_loadu_si512(panel + q * NR), v1 = _mm512_loadu_si512(panel + q * NR + 16);
    out[0] = _mm512_castsi512_ps(_mm512_slli_epi32(v0, 16));
    out[1] = _mm512_castsi512_ps(_mm512_and_si512(v0, high));
    out[2] = _mm512_castsi512_ps(_mm512_slli_epi32(v1, 16));
    out[3] = _mm512_castsi512_ps(_mm512_and_si512(v1, high));
}

F32_TARGET
static void widen_panel(const uint32_t *panel, int qc, float *wide) {
    for (int q = 0; q < qc; q++) {
        __m512 w[4];
        widen_pair(panel, q, w);
        for (int p = 0; p < 4; p++) _mm512_store_ps(wide + (long)q * 2 * NR + 16 * p, w[p]);
    }
}

// `rows` (≤ MR, a constant where inlined) rows of y, up to 32 columns, from `qc` pairs: the
// group's rows (pair-interleaved, row stride 2 floats) against a panel, bf16 (`wide` NULL) or
// widened by widen_panel.
F32_TARGET __attribute__((always_inline))
static inline void kernel(const int rows, const float *group, const uint32_t *panel, const float *wide, int qc,
                          float *y, long ldy, int n, int add, prefetch_cursor *next) {
    __m512 a0[MR], a1[MR];
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < MR; i++) if (i < rows) { a0[i] = _mm512_setzero_ps(); a1[i] = _mm512_setzero_ps(); }
    for (int q = 0; q < qc; q++) {
        if ((q & next->every_mask) == 0) prefetch_step(next);
        __m512 w[4];
        if (wide) {
            for (int p = 0; p < 4; p++) w[p] = _mm512_load_ps(wide + (long)q * 2 * NR + 16 * p);
        } else {
            widen_pair(panel, q, w);
        }
        const __m512 even0 = w[0], odd0 = w[1], even1 = w[2], odd1 = w[3];
        const float *xq = group + (long)q * rows * 2;
        _Pragma("clang loop unroll(full)")
        for (int i = 0; i < MR; i++) if (i < rows) {
            __m512 xe = _mm512_set1_ps(xq[2 * i]), xo = _mm512_set1_ps(xq[2 * i + 1]);
            a0[i] = _mm512_fmadd_ps(xe, even0, a0[i]);
            a1[i] = _mm512_fmadd_ps(xe, even1, a1[i]);
            a0[i] = _mm512_fmadd_ps(xo, odd0, a0[i]);
            a1[i] = _mm512_fmadd_ps(xo, odd1, a1[i]);
        }
    }
    __mmask16 m0 = n >= 16 ? 0xFFFF : (__mmask16)((1u << n) - 1);
    __mmask16 m1 = n >= 32 ? 0xFFFF : n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : 0;
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < MR; i++) if (i < rows) {
        float *out = y + (long)i * ldy;
        __m512 c0 = a0[i], c1 = a1[i];
        if (add) {
            c0 = _mm512_add_ps(c0, _mm512_maskz_loadu_ps(m0, out));
            c1 = _mm512_add_ps(c1, _mm512_maskz_loadu_ps(m1, out + 16));
        }
        _mm512_mask_storeu_ps(out, m0, c0);
        _mm512_mask_storeu_ps(out + 16, m1, c1);
    }
}

// The last group of a row block, fewer than MR rows: one constant-size kernel per count.
F32_TARGET
static void short_group(int rows, const float *group, const uint32_t *panel, int qc, float *y, long ldy, int n, int add) {
    prefetch_cursor none = { 0, 0, 0, 0, 0, 0x7fffffff };
    switch (rows) {
#define ROWS(r) case r: kernel(r, group, panel, NULL, qc, y, ldy, n, add, &none); break;
    ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6) ROWS(7) ROWS(8) ROWS(9) ROWS(10) ROWS(11)
#undef ROWS
    default: break;
    }
}

F32_TARGET
void ngemm_f32_gemm_packed(const float *xp, int m, int k, const uint32_t *packed, int n, float *y, long ldy,
                           int accumulate) {
    long pairs = (k + 1) / 2;
    // Row blocks of equal size (whole groups), each small enough for L2.
    long most = ROW_BLOCK_BYTES / ((long)pairs * 8);
    if (most < MR) most = MR;
    int blocks = (int)((m + most - 1) / most);
    int block = (m + blocks - 1) / blocks;
    block = (block + MR - 1) / MR * MR;
    float *wide = block / MR >= WIDEN_GROUPS ? aligned_alloc(64, sizeof(float) * 2 * NR * KC) : NULL;
    for (int i0 = 0; i0 < m; i0 += block) {
        int rows = m - i0 < block ? m - i0 : block;
        int whole = rows / MR * MR;
        for (int j0 = 0; j0 < n; j0 += NR) {
            int nc = n - j0 < NR ? n - j0 : NR;
            for (long q0 = 0; q0 < pairs; q0 += KC) {
                int qc = pairs - q0 < KC ? (int)(pairs - q0) : KC;
                // Strips of NR rows lie one after another, q-major inside: the next panel is the
                // next NR · KC words (or the next strip's first), one contiguous run.
                const uint32_t *panel = packed + (long)j0 * pairs + q0 * NR;
                long next_q0 = q0 + KC < pairs ? q0 + KC : 0;
                long next_qc = next_q0 ? pairs - next_q0 : j0 + NR < n ? pairs : 0;
                prefetch_cursor next = contiguous_cursor(panel + (long)qc * NR, (next_qc < KC ? next_qc : KC) * NR * 4,
                                                         (long)(whole / MR) * qc);
                int add = accumulate || q0 > 0;
                float *out = y + (long)i0 * ldy + j0;
                const float *widened = NULL;
                if (wide && whole / MR >= WIDEN_GROUPS) {
                    widen_panel(panel, qc, wide);
                    widened = wide;
                }
                // Group g of the packed rows starts at g · MR · pairs · 2 floats; pair q0 of a
                // group of r rows at q0 · r · 2 inside it.
                for (int i = 0; i < whole; i += MR) {
                    const float *group = xp + (long)(i0 + i) * pairs * 2 + q0 * MR * 2;
                    if (widened) kernel(MR, group, panel, widened, qc, out + (long)i * ldy, ldy, nc, add, &next);
                    else kernel(MR, group, panel, NULL, qc, out + (long)i * ldy, ldy, nc, add, &next);
                }
                while (next.rows_left > 0) prefetch_step(&next);
                if (whole < rows)
                    short_group(rows - whole, xp + (long)(i0 + whole) * pairs * 2 + q0 * (rows - whole) * 2, panel, qc,
                                out + (long)whole * ldy, ldy, nc, add);
            }
        }
    }
    free(wide);
}

#else

int ngemm_f32_row_group(void) { return 1; }
size_t ngemm_f32_rows_floats(int m, int k) { (void)m; (void)k; return 0; }
void ngemm_f32_pack_rows(const float *x, int m, int k, long ldx, float *out) {
    (void)x; (void)m; (void)k; (void)ldx; (void)out;
}
void ngemm_f32_gemm_packed(const float *xp, int m, int k, const uint32_t *packed, int n, float *y, long ldy,
                           int accumulate) {
    (void)xp; (void)m; (void)k; (void)packed; (void)n; (void)y; (void)ldy; (void)accumulate;
}

#endif
