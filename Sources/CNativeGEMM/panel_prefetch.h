#ifndef PANEL_PREFETCH_H
#define PANEL_PREFETCH_H

#include <stdint.h>
#include <immintrin.h>

// The next weight panel's cache lines, requested a few at a time while this panel is multiplied.
// Weights stream from memory once per GEMM in rows ldw apart, which the hardware prefetchers
// follow poorly: without this, packing waited on memory, worst when few rows share a panel
// (a cached decode step's 32 rows against a 32768-row LM head: 1.38x faster with it in the f16
// kernel, measured interleaved; 1.05-1.2x at 128-512 rows). To L2 (T1): the current panel keeps L1.
typedef struct {
    const char *row;
    long stride;  // bytes between weight rows
    int lines_per_row, line, rows_left;
    int every_mask;  // one line per (every_mask + 1) steps of q, a power of two
} prefetch_cursor;

// The power of two `every_mask + 1` that spreads `lines` prefetches over `steps` kernel steps
// (at least one per 64 steps, so over a long panel the next one still arrives early).
static inline int spread_mask(long lines, long steps) {
    int every = 1;
    while (every * 2 * lines <= steps && every < 64) every *= 2;
    return every - 1;
}

static inline void prefetch_step(prefetch_cursor *c) {
    if (c->rows_left <= 0) return;
    _mm_prefetch(c->row + 64L * c->line, _MM_HINT_T1);
    if (++c->line == c->lines_per_row) { c->line = 0; c->row += c->stride; c->rows_left--; }
}

// The cursor for the panel of `nr` rows from j0 and `kc` pairs from q0 of an n × (2·pairs)
// 16-bit weight (none past the end), spread over `steps` q steps of the kernels.
static inline prefetch_cursor panel_cursor(const uint16_t *w, long ldw, int n, long pairs, int j0, long q0, long steps,
                                           int nr, int kc) {
    prefetch_cursor c = { (const char *)(w + (long)j0 * ldw + 2L * q0), ldw * 2, 0, 0, 0, 0 };
    if (j0 >= n || q0 >= pairs) return c;
    long qc = pairs - q0 < kc ? pairs - q0 : kc;
    c.lines_per_row = (int)((qc * 4 + 63) / 64);
    c.rows_left = n - j0 < nr ? n - j0 : nr;
    c.every_mask = spread_mask((long)c.lines_per_row * c.rows_left, steps);
    return c;
}

// The cursor for `bytes` contiguous bytes from `start` (a pre-packed panel), over `steps` q steps.
static inline prefetch_cursor contiguous_cursor(const void *start, long bytes, long steps) {
    prefetch_cursor c = { (const char *)start, 0, (int)((bytes + 63) / 64), 0, bytes > 0 ? 1 : 0, 0 };
    c.every_mask = spread_mask(c.lines_per_row, steps);
    return c;
}

#endif
