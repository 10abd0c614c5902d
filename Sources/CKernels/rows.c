// Row gathers and scatter-adds of `PanelGroupBlocks` (PerturbTensor): the rows of a 40,000-gene output layer that a
// block of a panel needs are far apart, so the next rows are prefetched while the current one is copied.
#include "ckernels.h"

enum { ahead = 2 };

static void prefetch_row(const float *row, size_t width, int for_write) {
    for (size_t j = 0; j < width; j += 16) {
        if (for_write) {
            __builtin_prefetch(row + j, 1);
        } else {
            __builtin_prefetch(row + j, 0);
        }
    }
}

PB_VECTOR_CLONES
void pb_gather_rows(float *restrict out, const float *restrict table, const int32_t *restrict rows, size_t count,
                    size_t width) {
    for (size_t k = 0; k < count; k++) {
        if (k + ahead < count) prefetch_row(table + (size_t)rows[k + ahead] * width, width, 0);
        const float *restrict from = table + (size_t)rows[k] * width;
        float *restrict to = out + k * width;
        for (size_t j = 0; j < width; j++) to[j] = from[j];
    }
}

PB_VECTOR_CLONES
void pb_add_rows(float *restrict table, const int32_t *restrict rows, const float *restrict src, size_t count,
                 size_t width) {
    for (size_t k = 0; k < count; k++) {
        if (k + ahead < count) prefetch_row(table + (size_t)rows[k + ahead] * width, width, 1);
        float *restrict to = table + (size_t)rows[k] * width;
        const float *restrict from = src + k * width;
        for (size_t j = 0; j < width; j++) to[j] += from[j];
    }
}
