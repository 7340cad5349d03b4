#ifndef NATIVE_GEMM_H
#define NATIVE_GEMM_H

#include <stddef.h>
#include <stdint.h>

/// bf16 GEMM with f32 accumulation on AVX512_BF16 (`vdpbf16ps`): `y = xb · Wᵀ` or `y += xb · Wᵀ`.
/// Every function here executes AVX512_BF16 instructions: call them only when CPUID reports
/// AVX512F, AVX512BW, AVX512VL and AVX512_BF16 with ZMM state saved by the OS
/// (BLASKernel's CPUFeatures), or the process dies with SIGILL.

/// 32-bit words a worker's weight panel needs (the `panel` argument of ngemm_bf16_gemm).
size_t ngemm_bf16_panel_words(void);

/// Rounds `m` rows of `k` floats (row stride `ldx` floats) to bf16, nearest-even, as
/// (element 2q, element 2q+1) pairs in one 32-bit word each: row i occupies
/// `out[i * ceil(k/2) ..< (i + 1) * ceil(k/2)]`; an odd k pairs the last element with zero.
void ngemm_bf16_pack_rows(const float *x, int m, int k, long ldx, uint32_t *out);

/// `y[i][j] (+)= Σ_k xb[i][k] · w[j][k]` for i < m, j < n. `xb`: ngemm_bf16_pack_rows's output
/// for m × k; `w`: n × k bf16, row stride `ldw` elements, any 2-byte alignment; `y`: row stride
/// `ldy` floats; `accumulate` 0 overwrites y. `panel`: ngemm_bf16_panel_words() words of scratch.
void ngemm_bf16_gemm(const uint32_t *xb, int m, int k, const uint16_t *w, long ldw, int n,
                     float *y, long ldy, int accumulate, uint32_t *panel);

/// f16 GEMM with f32 accumulation on AVX512_FP16 (`vfmadd231ph`), for bf16 or f16 weights:
/// `y (+)= x · Wᵀ`. Each f16 lane sums at most ngemm_f16_chunk() products before they are added in f32. Rows
/// of x are scaled by a power of two so their largest |x| is in [8, 16) (exact, undone on
/// store); weights are converted to f16 (exact for bf16 values in f16's normal range). Callers
/// must keep every |w| ≤ ngemm_f16_safe_weight_max(), so no partial sum overflows f16, and
/// check AVX512_FP16 (plus F, BW, VL, DQ) first.

/// Products each f16 lane sums before they move to f32 (the worst-case f16 rounding is
/// (chunk + 1) · 2⁻¹¹ of Σ|x·w|).
int ngemm_f16_chunk(void);

/// 32-bit words a worker's weight panel needs.
size_t ngemm_f16_panel_words(void);

/// The largest |w| the f16 partial sums are sized for.
float ngemm_f16_safe_weight_max(void);

/// Largest |value| of `count` bf16 (`is_bf16` 1) or f16 values; NaN if one is NaN, so the
/// caller's ≤ test fails for it.
float ngemm_max_abs_16(const uint16_t *values, long count, int is_bf16);

/// Scales and rounds m rows of k floats to f16 in the pair layout of ngemm_bf16_pack_rows;
/// `unscale[i]` receives the factor that undoes row i's scaling.
void ngemm_f16_pack_rows(const float *x, int m, int k, long ldx, uint32_t *out, float *unscale);

/// As ngemm_bf16_gemm, with `xh`/`unscale` from ngemm_f16_pack_rows and `w` holding bf16
/// (`w_is_bf16` 1) or f16 (0) values.
void ngemm_f16_gemm(const uint32_t *xh, const float *unscale, int m, int k, const uint16_t *w, int w_is_bf16,
                    long ldw, int n, float *y, long ldy, int accumulate, uint32_t *panel);

/// Words that ngemm_f16_pack_weights writes for an n × k weight: rows padded to a multiple of
/// 32, k to even.
size_t ngemm_f16_packed_words(int n, int k);

/// The weight's panels once and for all, converted to f16 exactly as ngemm_f16_gemm packs them per
/// call: strips of 32 rows one after another, (k+1)/2 pair-words × 32 rows each, q-major; rows
/// past n are zero. Rows [r, r + c) with r a multiple of 32 land at `packed + r · (k+1)/2`, so
/// workers may pack strips of one matrix in parallel. Same |w| limit as ngemm_f16_gemm.
void ngemm_f16_pack_weights(const uint16_t *w, int w_is_bf16, long ldw, int n, int k, uint32_t *packed);

/// ngemm_f16_gemm on pre-packed weights: no per-call packing (which a GEMM of few rows does not
/// amortise), bit-for-bit the same results. `packed` points at the strip of the first of the
/// `n` rows (a multiple of 32 from the matrix's start).
void ngemm_f16_gemm_packed(const uint32_t *xh, const float *unscale, int m, int k, const uint32_t *packed, int n,
                           float *y, long ldy, int accumulate);

/// bf16 weights packed once in the bf16 kernel's panel layout, with no conversion: strips of 32
/// rows one after another, (k+1)/2 pair-words × 32 rows each, q-major; rows past n are zero.
/// Same word count and strip offsets as ngemm_f16_pack_weights. Needs AVX512F only.
void ngemm_bf16_pack_weights(const uint16_t *w, long ldw, int n, int k, uint32_t *packed);

/// f32 GEMM for bf16 weights on AVX512F (no 16-bit units needed): `y (+)= x · Wᵀ` with f32
/// products and f32 sums, the weights widened in registers from ngemm_bf16_pack_weights's panels.

/// Rows per group in ngemm_f32_pack_rows's layout: callers that pack rows in parallel split at
/// multiples of it.
int ngemm_f32_row_group(void);

/// Floats that ngemm_f32_pack_rows writes for m rows of k.
size_t ngemm_f32_rows_floats(int m, int k);

/// m rows of k floats (row stride `ldx`) in groups of ngemm_f32_row_group() rows: for each
/// element pair q, the group's (x[2q], x[2q+1]) side by side; an odd k gets a zero partner.
/// Group g starts at `out + g · group · (k+1)/2 · 2`.
void ngemm_f32_pack_rows(const float *x, int m, int k, long ldx, float *out);

/// `y[i][j] (+)= Σ_k x[i][k] · w[j][k]` for i < m, j < n: `xp` from ngemm_f32_pack_rows for
/// m × k, `packed` at the strip of the first of the n rows (a multiple of 32 from the matrix's
/// start), `y` with row stride `ldy`.
void ngemm_f32_gemm_packed(const float *xp, int m, int k, const uint32_t *packed, int n, float *y, long ldy,
                           int accumulate);

#endif
