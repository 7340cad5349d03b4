#include "row_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

// Cephes expf: n = round(x·log2 e), r = x − n·ln 2 (Cody–Waite, two parts), a degree-5
// polynomial for e^r, times 2^n. Inputs are clamped to [−87, 88], so 2^n stays a normal float.
#define EXP_LO -87.0f
#define EXP_HI 88.0f
#define LOG2E 1.44269504088896341f
#define LN2_HI 0.693359375f
#define LN2_LO -2.12194440e-4f
#define P0 1.9875691500e-4f
#define P1 1.3981999507e-3f
#define P2 8.3334519073e-3f
#define P3 4.1665795894e-2f
#define P4 1.6666665459e-1f
#define P5 5.0000001201e-1f

static float exp_portable(float x) {
    if (x < EXP_LO) x = EXP_LO;
    if (x > EXP_HI) x = EXP_HI;
    float n = nearbyintf(x * LOG2E);
    float r = x - n * LN2_HI;
    r = r - n * LN2_LO;
    float p = P0;
    p = p * r + P1;
    p = p * r + P2;
    p = p * r + P3;
    p = p * r + P4;
    p = p * r + P5;
    float y = p * (r * r) + r + 1.0f;
    return ldexpf(y, (int)n);
}

static void softmax_portable(float *x, long count) {
    float maximum = -INFINITY;
    for (long i = 0; i < count; i++) maximum = x[i] > maximum ? x[i] : maximum;
    float sum = 0;
    for (long i = 0; i < count; i++) {
        x[i] = exp_portable(x[i] - maximum);
        sum += x[i];
    }
    float inverse = 1.0f / sum;
    for (long i = 0; i < count; i++) x[i] *= inverse;
}

static void swiglu_portable(float *gate, const float *up, long count) {
    for (long i = 0; i < count; i++) gate[i] = gate[i] / (1.0f + exp_portable(-gate[i])) * up[i];
}

static void rms_norm_portable(const float *x, long width, const float *weight, float eps, float *y) {
    double sum = 0;
    for (long i = 0; i < width; i++) sum += (double)x[i] * (double)x[i];
    float scale = 1.0f / sqrtf((float)(sum / (double)width) + eps);
    for (long i = 0; i < width; i++) y[i] = weight[i] * (x[i] * scale);
}

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512_TARGET __attribute__((target("avx512f")))
#define AVX2_TARGET __attribute__((target("avx2,fma")))

AVX512_TARGET static inline __m512 exp16(__m512 x) {
    // max/min return their second operand when one is NaN: a NaN input stays NaN.
    x = _mm512_min_ps(_mm512_set1_ps(EXP_HI), _mm512_max_ps(_mm512_set1_ps(EXP_LO), x));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_HI), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_LO), r);
    __m512 p = _mm512_set1_ps(P0);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P5));
    __m512 y = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(y, _mm512_castsi512_ps(e));
}

AVX512_TARGET static void softmax_avx512(float *x, long count) {
    __m512 peak = _mm512_set1_ps(-INFINITY);
    long i = 0;
    for (; i + 16 <= count; i += 16) peak = _mm512_max_ps(peak, _mm512_loadu_ps(x + i));
    __mmask16 tail = (__mmask16)((1u << (count - i)) - 1);
    if (i < count) peak = _mm512_max_ps(peak, _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), tail, x + i));
    __m512 shift = _mm512_set1_ps(_mm512_reduce_max_ps(peak));
    __m512 sums = _mm512_setzero_ps();
    for (i = 0; i + 16 <= count; i += 16) {
        __m512 e = exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), shift));
        _mm512_storeu_ps(x + i, e);
        sums = _mm512_add_ps(sums, e);
    }
    if (i < count) {
        __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, x + i), shift));
        _mm512_mask_storeu_ps(x + i, tail, e);
        sums = _mm512_add_ps(sums, _mm512_maskz_mov_ps(tail, e));
    }
    __m512 inverse = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sums));
    for (i = 0; i + 16 <= count; i += 16) _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), inverse));
    if (i < count) _mm512_mask_storeu_ps(x + i, tail, _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, x + i), inverse));
}

AVX512_TARGET static void swiglu_avx512(float *gate, const float *up, long count) {
    long i = 0;
    const __m512 one = _mm512_set1_ps(1.0f);
    for (; i + 16 <= count; i += 16) {
        __m512 g = _mm512_loadu_ps(gate + i);
        __m512 silu = _mm512_div_ps(g, _mm512_add_ps(one, exp16(_mm512_sub_ps(_mm512_setzero_ps(), g))));
        _mm512_storeu_ps(gate + i, _mm512_mul_ps(silu, _mm512_loadu_ps(up + i)));
    }
    swiglu_portable(gate + i, up + i, count - i);
}

AVX512_TARGET static void rms_norm_avx512(const float *x, long width, const float *weight, float eps, float *y) {
    __m512d sum = _mm512_setzero_pd();
    long i = 0;
    for (; i + 8 <= width; i += 8) {
        __m512d v = _mm512_cvtps_pd(_mm256_loadu_ps(x + i));
        sum = _mm512_fmadd_pd(v, v, sum);
    }
    double total = _mm512_reduce_add_pd(sum);
    for (; i < width; i++) total += (double)x[i] * (double)x[i];
    float scale = 1.0f / sqrtf((float)(total / (double)width) + eps);
    __m512 s = _mm512_set1_ps(scale);
    for (i = 0; i + 16 <= width; i += 16)
        _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_loadu_ps(weight + i), _mm512_mul_ps(_mm512_loadu_ps(x + i), s)));
    for (; i < width; i++) y[i] = weight[i] * (x[i] * scale);
}

AVX2_TARGET static inline __m256 exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_set1_ps(EXP_HI), _mm256_max_ps(_mm256_set1_ps(EXP_LO), x));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HI), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LO), r);
    __m256 p = _mm256_set1_ps(P0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P5));
    __m256 y = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

AVX2_TARGET static inline float hmax8(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

AVX2_TARGET static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

AVX2_TARGET static void softmax_avx2(float *x, long count) {
    __m256 peak = _mm256_set1_ps(-INFINITY);
    long i = 0;
    for (; i + 8 <= count; i += 8) peak = _mm256_max_ps(peak, _mm256_loadu_ps(x + i));
    float maximum = hmax8(peak);
    for (long j = i; j < count; j++) maximum = x[j] > maximum ? x[j] : maximum;
    __m256 shift = _mm256_set1_ps(maximum);
    __m256 sums = _mm256_setzero_ps();
    for (i = 0; i + 8 <= count; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), shift));
        _mm256_storeu_ps(x + i, e);
        sums = _mm256_add_ps(sums, e);
    }
    float sum = hsum8(sums);
    for (long j = i; j < count; j++) {
        x[j] = exp_portable(x[j] - maximum);
        sum += x[j];
    }
    __m256 inverse = _mm256_set1_ps(1.0f / sum);
    for (i = 0; i + 8 <= count; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inverse));
    for (; i < count; i++) x[i] *= 1.0f / sum;
}

AVX2_TARGET static void swiglu_avx2(float *gate, const float *up, long count) {
    long i = 0;
    const __m256 one = _mm256_set1_ps(1.0f);
    for (; i + 8 <= count; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), g))));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
    swiglu_portable(gate + i, up + i, count - i);
}

AVX2_TARGET static void rms_norm_avx2(const float *x, long width, const float *weight, float eps, float *y) {
    __m256d sum = _mm256_setzero_pd();
    long i = 0;
    for (; i + 4 <= width; i += 4) {
        __m256d v = _mm256_cvtps_pd(_mm_loadu_ps(x + i));
        sum = _mm256_fmadd_pd(v, v, sum);
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, sum);
    double total = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (; i < width; i++) total += (double)x[i] * (double)x[i];
    float scale = 1.0f / sqrtf((float)(total / (double)width) + eps);
    __m256 s = _mm256_set1_ps(scale);
    for (i = 0; i + 8 <= width; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(weight + i), _mm256_mul_ps(_mm256_loadu_ps(x + i), s)));
    for (; i < width; i++) y[i] = weight[i] * (x[i] * scale);
}
#endif

static int resolve_level(void) {
    int level = 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) level = 1;
    if (__builtin_cpu_supports("avx512f")) level = 2;
#endif
    const char *cap = getenv("TOLERATOR_MAX_ISA");
    if (cap && strcmp(cap, "avx2") == 0 && level > 1) level = 1;
    if (cap && strcmp(cap, "portable") == 0) level = 0;
    return level;
}

// Resolved once; threads racing on the first call all store the same value.
static int cached_level = -1;

int rk_level(void) {
    int level = __atomic_load_n(&cached_level, __ATOMIC_RELAXED);
    if (level < 0) {
        level = resolve_level();
        __atomic_store_n(&cached_level, level, __ATOMIC_RELAXED);
    }
    return level;
}

int rk_allowed_level(void) {
    static int allowed = -1;
    int level = __atomic_load_n(&allowed, __ATOMIC_RELAXED);
    if (level < 0) {
        level = resolve_level();
        __atomic_store_n(&allowed, level, __ATOMIC_RELAXED);
    }
    return level;
}

int rk_force_level(int level) {
    int previous = rk_level();
    int best = rk_allowed_level();
    __atomic_store_n(&cached_level, level < best ? level : best, __ATOMIC_RELAXED);
    return previous;
}

void rk_softmax_rows(float *x, long rows, long count, long stride) {
    int level = rk_level();
    for (long r = 0; r < rows; r++) {
        float *row = x + r * stride;
#if defined(__x86_64__)
        if (level == 2) { softmax_avx512(row, count); continue; }
        if (level == 1) { softmax_avx2(row, count); continue; }
#endif
        softmax_portable(row, count);
    }
}

void rk_swiglu(float *gate, const float *up, long count) {
#if defined(__x86_64__)
    int level = rk_level();
    if (level == 2) { swiglu_avx512(gate, up, count); return; }
    if (level == 1) { swiglu_avx2(gate, up, count); return; }
#endif
    swiglu_portable(gate, up, count);
}

void rk_rms_norm(const float *x, long rows, long width, long stride, const float *weight, float eps, float *y) {
    int level = rk_level();
    for (long r = 0; r < rows; r++) {
        const float *in = x + r * stride;
        float *out = y + r * stride;
#if defined(__x86_64__)
        if (level == 2) { rms_norm_avx512(in, width, weight, eps, out); continue; }
        if (level == 1) { rms_norm_avx2(in, width, weight, eps, out); continue; }
#endif
        rms_norm_portable(in, width, weight, eps, out);
    }
}
