#include "cpu_features.h"

#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <cpuid.h>

// XGETBV is an instruction, not a function: the OS's saved-state mask (XCR0).
static unsigned long long xgetbv0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

void cpuf_read(cpuf_features *out) {
    memset(out, 0, sizeof *out);
    out->is_x86_64 = 1;
    unsigned int a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return;
    unsigned int max_leaf = a;
    memcpy(out->vendor, &b, 4); memcpy(out->vendor + 4, &d, 4); memcpy(out->vendor + 8, &c, 4);

    __get_cpuid(1, &a, &b, &c, &d);
    unsigned int family = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
    if (family == 0xf) family += (a >> 20) & 0xff;
    if (family == 0x6 || family >= 0xf) model |= ((a >> 16) & 0xf) << 4;
    out->family = (int)family; out->model = (int)model; out->stepping = (int)(a & 0xf);
    out->sse3 = (c >> 0) & 1;
    int osxsave = (c >> 27) & 1;
    unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
    int ymm_saved = (xcr0 & 0x6) == 0x6;          // SSE + AVX state
    int zmm_saved = (xcr0 & 0xe6) == 0xe6;        // + opmask, ZMM0-15 upper, ZMM16-31
    int tile_saved = (xcr0 & 0x60000) == 0x60000; // XTILECFG + XTILEDATA
    out->avx = ymm_saved && ((c >> 28) & 1);
    out->fma = ymm_saved && ((c >> 12) & 1);

    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        out->avx2 = ymm_saved && ((b >> 5) & 1);
        out->avx512f = zmm_saved && ((b >> 16) & 1);
        out->avx512dq = zmm_saved && ((b >> 17) & 1);
        out->avx512bw = zmm_saved && ((b >> 30) & 1);
        out->avx512vl = zmm_saved && ((b >> 31) & 1);
        out->avx512_fp16 = zmm_saved && ((d >> 23) & 1);
        out->amx_bf16 = tile_saved && ((d >> 22) & 1);
        out->amx_tile = tile_saved && ((d >> 24) & 1);
        out->amx_int8 = tile_saved && ((d >> 25) & 1);
        unsigned int subleaves = a;
        if (subleaves >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            out->avx512_bf16 = zmm_saved && ((a >> 5) & 1);
        }
    }
    __get_cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x80000004) {
        unsigned int regs[12];
        for (unsigned int i = 0; i < 3; i++)
            __get_cpuid(0x80000002 + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
        memcpy(out->brand, regs, 48);
        out->brand[48] = 0;
    }
}

/* Zeroes zmm0-13 before a throughput loop: denormal garbage could trigger microcode assists. */
#define ZERO_ZMM0_13() \
    __asm__ volatile("vpxord %%zmm0, %%zmm0, %%zmm0\n\t" \
                     "vmovaps %%zmm0, %%zmm1\n\t vmovaps %%zmm0, %%zmm2\n\t vmovaps %%zmm0, %%zmm3\n\t" \
                     "vmovaps %%zmm0, %%zmm4\n\t vmovaps %%zmm0, %%zmm5\n\t vmovaps %%zmm0, %%zmm6\n\t" \
                     "vmovaps %%zmm0, %%zmm7\n\t vmovaps %%zmm0, %%zmm8\n\t vmovaps %%zmm0, %%zmm9\n\t" \
                     "vmovaps %%zmm0, %%zmm10\n\t vmovaps %%zmm0, %%zmm11\n\t vmovaps %%zmm0, %%zmm12\n\t" \
                     "vmovaps %%zmm0, %%zmm13" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", \
                     "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13")

/* Seconds since t0 on the monotonic clock. */
static double seconds_since(struct timespec t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
}

double cpuf_measure_clock_hz(int repeats) {
    // 100 dependent register-register adds per iteration: the loop's own dec/jnz run beside
    // them, so the chain's length in cycles is the add count. Not `add $1`: Golden Cove and later
    // fold small immediate adds at rename, which would count 2-5 "cycles" per real one.
    const long iterations = 20000;  // 2M cycles: short enough that some runs escape preemption
    double best = 0;
    for (int r = 0; r < repeats; r++) {
        struct timespec t0;
        unsigned long x = 0, one = 1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (long i = 0; i < iterations; i++) {
            __asm__ volatile(
                ".rept 100\n\t"
                "add %1, %0\n\t"
                ".endr"
                : "+r"(x)
                : "r"(one));
        }
        double seconds = seconds_since(t0);
        double hz = seconds > 0 ? (double)iterations * 100.0 / seconds : 0;
        if (hz > best) best = hz;
    }
    return best;
}

#define FMA12(reg) \
    "vfmadd231ps %%" reg "12, %%" reg "13, %%" reg "0\n\t"  "vfmadd231ps %%" reg "12, %%" reg "13, %%" reg "1\n\t" \
    "vfmadd231ps %%" reg "12, %%" reg "13, %%" reg "2\n\t"  "vfmadd231ps %%" reg "12, %%" reg "13, %%" reg "3\n\t" \
    "vfmadd231ps %%" reg "12, %%" reg "13, %%" reg "4\n\t"  "vfmadd231ps %%" reg "12, %%" reg "13, %%" reg "5\n\t" \
    "vfmadd231ps %%" reg "12, %%" reg "13, %%" reg "6\n\t"  "vfmadd231ps %%" reg "12, %%" reg "13, %%" reg "7\n\t" \
    "vfmadd231ps %%" reg "12, %%" reg "13, %%" reg "8\n\t"  "vfmadd231ps %%" reg "12, %%" reg "13, %%" reg "9\n\t" \
    "vfmadd231ps %%" reg "12, %%" reg "13, %%" reg "10\n\t" "vfmadd231ps %%" reg "12, %%" reg "13, %%" reg "11\n\t"

double cpuf_measure_fma_flops(int width_bits, int repeats) {
    // 12 independent accumulators cover 2 ports x 4-5 cycles of FMA latency; 4 x 12 FMAs per
    // iteration keep the (unoptimised, debug-build) loop counter off the critical path. Registers
    // are zeroed first: denormal garbage could trigger microcode assists.
    const long iterations = 20000;
    double best = 0;
    for (int r = 0; r < repeats; r++) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (width_bits == 512) {
            ZERO_ZMM0_13();
            for (long i = 0; i < iterations; i++)
                __asm__ volatile(FMA12("zmm") FMA12("zmm") FMA12("zmm") FMA12("zmm") ::: "xmm0", "xmm1", "xmm2",
                                 "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11");
        } else {
            __asm__ volatile("vxorps %%ymm0, %%ymm0, %%ymm0\n\t"
                             "vmovaps %%ymm0, %%ymm1\n\t vmovaps %%ymm0, %%ymm2\n\t vmovaps %%ymm0, %%ymm3\n\t"
                             "vmovaps %%ymm0, %%ymm4\n\t vmovaps %%ymm0, %%ymm5\n\t vmovaps %%ymm0, %%ymm6\n\t"
                             "vmovaps %%ymm0, %%ymm7\n\t vmovaps %%ymm0, %%ymm8\n\t vmovaps %%ymm0, %%ymm9\n\t"
                             "vmovaps %%ymm0, %%ymm10\n\t vmovaps %%ymm0, %%ymm11\n\t vmovaps %%ymm0, %%ymm12\n\t"
                             "vmovaps %%ymm0, %%ymm13" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
                             "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13");
            for (long i = 0; i < iterations; i++)
                __asm__ volatile(FMA12("ymm") FMA12("ymm") FMA12("ymm") FMA12("ymm") ::: "xmm0", "xmm1", "xmm2",
                                 "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11");
        }
        __asm__ volatile("vzeroupper" ::: "memory");
        double seconds = seconds_since(t0);
        double flops = (double)iterations * 48.0 * (width_bits / 32) * 2.0;
        if (seconds > 0 && flops / seconds > best) best = flops / seconds;
    }
    return best;
}

#define DOT12 \
    "vdpbf16ps %%zmm12, %%zmm13, %%zmm0\n\t"  "vdpbf16ps %%zmm12, %%zmm13, %%zmm1\n\t" \
    "vdpbf16ps %%zmm12, %%zmm13, %%zmm2\n\t"  "vdpbf16ps %%zmm12, %%zmm13, %%zmm3\n\t" \
    "vdpbf16ps %%zmm12, %%zmm13, %%zmm4\n\t"  "vdpbf16ps %%zmm12, %%zmm13, %%zmm5\n\t" \
    "vdpbf16ps %%zmm12, %%zmm13, %%zmm6\n\t"  "vdpbf16ps %%zmm12, %%zmm13, %%zmm7\n\t" \
    "vdpbf16ps %%zmm12, %%zmm13, %%zmm8\n\t"  "vdpbf16ps %%zmm12, %%zmm13, %%zmm9\n\t" \
    "vdpbf16ps %%zmm12, %%zmm13, %%zmm10\n\t" "vdpbf16ps %%zmm12, %%zmm13, %%zmm11\n\t"

#define FMAPH12 \
    "vfmadd231ph %%zmm12, %%zmm13, %%zmm0\n\t"  "vfmadd231ph %%zmm12, %%zmm13, %%zmm1\n\t" \
    "vfmadd231ph %%zmm12, %%zmm13, %%zmm2\n\t"  "vfmadd231ph %%zmm12, %%zmm13, %%zmm3\n\t" \
    "vfmadd231ph %%zmm12, %%zmm13, %%zmm4\n\t"  "vfmadd231ph %%zmm12, %%zmm13, %%zmm5\n\t" \
    "vfmadd231ph %%zmm12, %%zmm13, %%zmm6\n\t"  "vfmadd231ph %%zmm12, %%zmm13, %%zmm7\n\t" \
    "vfmadd231ph %%zmm12, %%zmm13, %%zmm8\n\t"  "vfmadd231ph %%zmm12, %%zmm13, %%zmm9\n\t" \
    "vfmadd231ph %%zmm12, %%zmm13, %%zmm10\n\t" "vfmadd231ph %%zmm12, %%zmm13, %%zmm11\n\t"

// Best FLOP/s over `repeats` timed runs of `iterations` × 4 BLOCKs, where a BLOCK is 12
// independent zmm0-11 chains of one instruction doing `flop_per_instruction` FLOP (operands in
// zmm12/13, zeroed first: no lane overflows or goes subnormal). A GNU statement expression: the
// asm text must be a literal at each use.
#define BEST_ZMM_RATE(BLOCK, iterations, flop_per_instruction, repeats) ({                              \
    double best_ = 0;                                                                                   \
    for (int r_ = 0; r_ < (repeats); r_++) {                                                            \
        struct timespec t0_;                                                                            \
        clock_gettime(CLOCK_MONOTONIC, &t0_);                                                           \
        ZERO_ZMM0_13();                                                                                 \
        for (long i_ = 0; i_ < (iterations); i_++)                                                      \
            __asm__ volatile(BLOCK BLOCK BLOCK BLOCK ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", \
                             "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11");                         \
        __asm__ volatile("vzeroupper" ::: "memory");                                                    \
        double seconds_ = seconds_since(t0_);                                                           \
        double flops_ = (double)(iterations) * 48.0 * (flop_per_instruction);                           \
        if (seconds_ > 0 && flops_ / seconds_ > best_) best_ = flops_ / seconds_;                       \
    }                                                                                                   \
    best_;                                                                                              \
})

double cpuf_measure_bf16_dot_flops(int repeats) {
    // vdpbf16ps: 2 products and 2 adds per f32 lane. Fewer iterations: on Golden Cove-class
    // cores it issues once per 2 cycles, not twice per cycle.
    return BEST_ZMM_RATE(DOT12, 5000, 16 * 4.0, repeats);
}

double cpuf_measure_fp16_fma_flops(int repeats) {
    // vfmadd231ph: 32 f16 lanes, 64 FLOP per instruction.
    return BEST_ZMM_RATE(FMAPH12, 20000, 32 * 2.0, repeats);
}

#else

double cpuf_measure_fp16_fma_flops(int repeats) { (void)repeats; return 0; }
double cpuf_measure_fma_flops(int width_bits, int repeats) { (void)width_bits; (void)repeats; return 0; }
double cpuf_measure_bf16_dot_flops(int repeats) { (void)repeats; return 0; }
void cpuf_read(cpuf_features *out) { memset(out, 0, sizeof *out); }
double cpuf_measure_clock_hz(int repeats) { (void)repeats; return 0; }

#endif
