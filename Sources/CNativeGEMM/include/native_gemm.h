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

#endif
