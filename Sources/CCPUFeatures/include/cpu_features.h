#ifndef CPU_FEATURES_H
#define CPU_FEATURES_H

/// What CPUID and XGETBV say about this CPU: the vector units OpenBLAS kernels need. Each flag is
/// 1 only when the CPU has the unit *and* the OS saves its registers (XCR0), since a kernel using
/// state the OS does not save faults. All zero on CPUs other than x86-64.
typedef struct {
    int is_x86_64;
    char vendor[13];
    char brand[49];
    int family, model, stepping;
    int sse3, avx, fma, avx2;
    int avx512f, avx512dq, avx512bw, avx512vl;
    int avx512_bf16, avx512_fp16;
    int amx_tile, amx_bf16, amx_int8;
} cpuf_features;

/// Fills *out from CPUID leaves 0, 1, 7 (subleaves 0 and 1) and 0x80000002-4.
void cpuf_read(cpuf_features *out);

/// Cycles per second of the calling thread's core, estimated from a chain of dependent register
/// adds (one cycle each on every x86-64 core since the P6) timed with CLOCK_MONOTONIC; the best of
/// `repeats` runs of about 1 ms (on a loaded machine most runs are preempted, the best is not).
/// 0 on other CPUs.
double cpuf_measure_clock_hz(int repeats);

/// f32 FLOP per second of the calling thread's core, measured: 12 independent chains of
/// `width_bits`-wide (256 or 512) FMAs, best of `repeats` runs of about 1-2 ms. Counts FMA ports
/// and any clock drop under wide vectors, which the clock times features cannot see. The caller
/// must check the width is supported (AVX-512F for 512, AVX2+FMA for 256). 0 on other CPUs.
double cpuf_measure_fma_flops(int width_bits, int repeats);

/// f32 FLOP per second of the calling thread's core through AVX512_BF16 `vdpbf16ps` (zmm; 64
/// FLOP per instruction), measured as cpuf_measure_fma_flops. Decides whether bf16 compute beats
/// f32 here: the instruction doubles the work per instruction but not always per cycle. The
/// caller must check AVX512_BF16 is supported. 0 on other CPUs.
double cpuf_measure_bf16_dot_flops(int repeats);

/// FLOP per second of the calling thread's core through AVX512_FP16 `vfmadd231ph` (zmm, 32 f16
/// lanes), measured as cpuf_measure_fma_flops. The caller must check AVX512_FP16. 0 on other CPUs.
double cpuf_measure_fp16_fma_flops(int repeats);

#endif
