// Dropout masks (PerturbTensor's `dropout`): the PCG stream of a block, 8 outputs at a time. A PCG step is
// s ← s·M + inc, so 8 steps are s ← s·M⁸ + inc·(M⁷ + … + 1): lane l holds the states l, l + 8, l + 16, … and every
// output is the one the sequential generator would give at that position.
#include "ckernels.h"

enum { lanes = 8 };
static const uint64_t multiplier = 6364136223846793005ULL;

static inline uint32_t pcg_output(uint64_t old) {
    const uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    const uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

PB_VECTOR_CLONES
void pb_dropout_forward(const float *restrict x, float *restrict y, uint8_t *restrict mask, size_t count,
                        uint64_t state, uint64_t increment, uint32_t threshold, float scale) {
    uint64_t s[lanes];
    uint64_t jump_multiplier = 1, jump_increment = 0;
    for (int l = 0; l < lanes; l++) {
        s[l] = state;
        state = state * multiplier + increment;
        jump_multiplier *= multiplier;
        jump_increment = jump_increment * multiplier + increment;
    }
    size_t i = 0;
    for (; i + lanes <= count; i += lanes) {
        for (int l = 0; l < lanes; l++) {
            const uint8_t keep = pcg_output(s[l]) >= threshold;
            s[l] = s[l] * jump_multiplier + jump_increment;
            mask[i + l] = keep;
            y[i + l] = keep ? x[i + l] * scale : 0.0f;
        }
    }
    for (int l = 0; i < count; i++, l++) {
        const uint8_t keep = pcg_output(s[l]) >= threshold;
        mask[i] = keep;
        y[i] = keep ? x[i] * scale : 0.0f;
    }
}

PB_VECTOR_CLONES
void pb_dropout_backward(float *restrict dx, const float *restrict dy, const uint8_t *restrict mask, size_t count,
                         float scale, int accumulate) {
    if (accumulate) {
        for (size_t i = 0; i < count; i++) {
            if (mask[i]) dx[i] += dy[i] * scale;
        }
    } else {
        for (size_t i = 0; i < count; i++) dx[i] = mask[i] ? dy[i] * scale : 0.0f;
    }
}
