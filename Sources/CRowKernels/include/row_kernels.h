#ifndef ROW_KERNELS_H
#define ROW_KERNELS_H

/// The forward pass's elementwise row work (attention softmax, RMSNorm, SwiGLU) in AVX-512 or
/// AVX2+FMA where the CPU has it, else portable C; the instruction set is picked once, at the
/// first call, from CPUID (as checked by the compiler runtime, OS state included). Every path
/// computes the same formulas as PyTorch's fp32 ones: exp is a Cephes polynomial good to 2 ulp,
/// the RMSNorm mean of squares is summed in double.

/// 2 (AVX-512F), 1 (AVX2 + FMA) or 0 (portable C): the path in use. The environment variable
/// TOLERATOR_MAX_ISA=avx2|portable caps it (to measure an AVX2-only machine on a newer one).
int rk_level(void);

/// The best level this CPU and TOLERATOR_MAX_ISA allow, whatever rk_force_level set: other
/// AVX-512 code (the f32 GEMM) follows the same cap.
int rk_allowed_level(void);

/// Tests: use the path `level` (at most what the CPU and TOLERATOR_MAX_ISA allow) from now on;
/// returns the level in use before.
int rk_force_level(int level);

/// In-place softmax of each of `rows` rows of `count` floats, rows `stride` floats apart.
void rk_softmax_rows(float *x, long rows, long count, long stride);

/// `gate[i] = gate[i] / (1 + exp(-gate[i])) * up[i]` (SiLU(gate) · up) for i < count.
void rk_swiglu(float *gate, const float *up, long count);

/// `y = x · rsqrt(mean(x²) + eps) · weight` for `rows` rows of `width` floats, rows `stride`
/// floats apart in both x and y (in place allowed).
void rk_rms_norm(const float *x, long rows, long width, long stride, const float *weight, float eps, float *y);

#endif
