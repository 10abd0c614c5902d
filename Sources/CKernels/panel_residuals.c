// The residual pass of `PanelGroupBlocks` (PerturbTensor): one row of a block at a time. Built for three
// instruction sets (chosen at load time by the CPU), all with the same lane order and no FMA contraction
// (-ffp-contract=off), so the result is the same on every variant.
#include "ckernels.h"

enum { lanes = 8 };

static float lane_total(const float squares[lanes], float tail) {
    float total = 0;
    for (int l = 0; l < lanes; l++) total += squares[l];
    return total + tail;
}

PB_VECTOR_CLONES
float pb_panel_residuals(float *restrict out, const float *restrict bias, const float *restrict target,
                         float *restrict sums, size_t count) {
    float squares[lanes] = {0};
    size_t k = 0;
    for (; k + lanes <= count; k += lanes) {
        for (int l = 0; l < lanes; l++) {
            const float d = out[k + l] + bias[k + l] - target[k + l];
            out[k + l] = d;
            sums[k + l] += d;
            squares[l] += d * d;
        }
    }
    float tail = 0;
    for (; k < count; k++) {
        const float d = out[k] + bias[k] - target[k];
        out[k] = d;
        sums[k] += d;
        tail += d * d;
    }
    return lane_total(squares, tail);
}

PB_VECTOR_CLONES
float pb_panel_residuals_picked(float *restrict out, const float *restrict bias, const float *restrict values,
                                const int32_t *restrict positions, float *restrict sums, size_t count) {
    float squares[lanes] = {0};
    size_t k = 0;
    for (; k + lanes <= count; k += lanes) {
        for (int l = 0; l < lanes; l++) {
            const int32_t position = positions[k + l];
            const float target = values[position < 0 ? 0 : position];
            const float d = position < 0 ? 0.0f : out[k + l] + bias[k + l] - target;
            out[k + l] = d;
            sums[k + l] += d;
            squares[l] += d * d;
        }
    }
    float tail = 0;
    for (; k < count; k++) {
        const int32_t position = positions[k];
        const float d = position < 0 ? 0.0f : out[k] + bias[k] - values[position];
        out[k] = d;
        sums[k] += d;
        tail += d * d;
    }
    return lane_total(squares, tail);
}
