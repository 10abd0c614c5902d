#ifndef PERTURBRIDGE_CKERNELS_H
#define PERTURBRIDGE_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Builds a kernel for AVX-512, AVX2 and baseline x86-64, picked at load time by the CPU (GCC/Clang function
/// multiversioning); on other architectures a single build for the target.
#if defined(__x86_64__) && defined(__linux__)
#define PB_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PB_VECTOR_CLONES
#endif

/// The widest vector instruction set this CPU runs: 2 for AVX-512 (F, BW, DQ, VL), 1 for AVX2 with FMA, 0 otherwise
/// (and on other architectures).
int pb_cpu_vector_level(void);

/// One Adam/AdamW step on elements [begin, end) of a parameter (PyTorch's update rule): with g = grad + l2·p,
/// p ← p·decay (when decay ≠ 0), m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − step_size·m / (√v / √c2 + ε).
/// Elementwise IEEE operations only (no contraction into FMA), so the result does not depend on how a parameter
/// is split into ranges or on the vector width the compiler picks.
void pb_adam_update(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, size_t begin,
                    size_t end, float beta1, float beta2, float epsilon, float step_size, float sqrt_correction2,
                    float l2, float decay);

/// One row of a panel block's outputs turned into residuals in place: out[k] ← out[k] + bias[k] − target[k]; the
/// residuals are added into sums[k] and their sum of squares is returned (8 lane sums, added lane by lane, then the
/// tail). Elementwise IEEE operations in a fixed order, so every instruction-set variant returns the same bits.
float pb_panel_residuals(float *restrict out, const float *restrict bias, const float *restrict target,
                         float *restrict sums, size_t count);

/// The same for a row whose targets are picked from its own values: the target of column k is
/// values[positions[k]], and columns with a negative position (not measured) get residual 0.
float pb_panel_residuals_picked(float *restrict out, const float *restrict bias, const float *restrict values,
                                const int32_t *restrict positions, float *restrict sums, size_t count);

/// Copies rows rows[k] of table (each `width` floats, row-major) into out[k·width...], k < count, prefetching the
/// row after next.
void pb_gather_rows(float *restrict out, const float *restrict table, const int32_t *restrict rows, size_t count,
                    size_t width);

/// Adds src[k·width...] into rows rows[k] of table, k < count (rows distinct), prefetching the row after next.
void pb_add_rows(float *restrict table, const int32_t *restrict rows, const float *restrict src, size_t count,
                 size_t width);

/// Inverted dropout of x[0..<count) with one PCG-XSH-RR 64/32 stream (`SeededRNG` in PerturbBase: state `state`,
/// increment `increment`, multiplier 6364136223846793005): element i keeps when the stream's i-th 32-bit output is
/// ≥ threshold; mask[i] = 1 and y[i] = x[i]·scale where kept, 0 elsewhere. The stream runs as 8 interleaved lanes
/// (each jumping 8 steps at a time), so the outputs are exactly the sequential stream's, several at a time.
void pb_dropout_forward(const float *restrict x, float *restrict y, uint8_t *restrict mask, size_t count,
                        uint64_t state, uint64_t increment, uint32_t threshold, float scale);

/// Dropout's backward: dx[i] = mask[i] ? dy[i]·scale : 0 (accumulate = 0), or dx[i] += dy[i]·scale where
/// mask[i] (accumulate ≠ 0).
void pb_dropout_backward(float *restrict dx, const float *restrict dy, const uint8_t *restrict mask, size_t count,
                         float scale, int accumulate);

/// ReLU's backward in place: dy[i] = 0 where y[i] ≤ 0 (y is the ReLU's output), unchanged elsewhere.
void pb_relu_mask(float *restrict dy, const float *restrict y, size_t count);

/// Per table t < tables, adds row r of dy (columns [col_lo, col_hi) of rows `width` wide) into row
/// locals[t·rows + r] of sums[t], for r = 0, 1, … in order: one pass over dy for every table.
void pb_segment_row_sums(const float *restrict dy, size_t rows, size_t width, size_t col_lo, size_t col_hi,
                         size_t tables, float *const *sums, const int32_t *restrict locals);

#endif
