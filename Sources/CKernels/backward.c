// Elementwise and segment-sum loops of PerturbTensor's backward passes (ReLU masks, `concatLinear`'s per-row
// gradient sums), vectorized for the CPU at load time; each element is computed exactly as the scalar loop would.
#include "ckernels.h"

PB_VECTOR_CLONES
void pb_relu_mask(float *restrict dy, const float *restrict y, size_t count) {
    for (size_t i = 0; i < count; i++) dy[i] = y[i] <= 0 ? 0.0f : dy[i];
}

PB_VECTOR_CLONES
void pb_segment_row_sums(const float *restrict dy, size_t rows, size_t width, size_t col_lo, size_t col_hi,
                         size_t tables, float *const *sums, const int32_t *restrict locals) {
    for (size_t r = 0; r < rows; r++) {
        const float *restrict src = dy + r * width;
        for (size_t t = 0; t < tables; t++) {
            float *restrict dst = sums[t] + (size_t)locals[t * rows + r] * width;
            for (size_t i = col_lo; i < col_hi; i++) dst[i] += src[i];
        }
    }
}
