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

// Eight lanes of generator state and output, as vectors (GCC/Clang vector extensions), so that the multiply,
// shifts, rotate and select compile to vector instructions for each clone's instruction set; the lane arithmetic is
// the scalar generator's, so every clone gives the same bits.
typedef uint64_t u64x8 __attribute__((vector_size(64)));
typedef uint32_t u32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef uint8_t u8x8 __attribute__((vector_size(8)));

// `pcg_output` of eight states (a statement macro: a function taking vectors would change the ABI of the clones
// built without AVX-512).
#define PCG_OUTPUT8(out, old)                                                                                         \
    do {                                                                                                              \
        const u32x8 xorshifted_ = __builtin_convertvector((((old) >> 18) ^ (old)) >> 27, u32x8);                      \
        const u32x8 rot_ = __builtin_convertvector((old) >> 59, u32x8);                                               \
        (out) = (xorshifted_ >> rot_) | (xorshifted_ << ((-rot_) & 31));                                              \
    } while (0)

PB_VECTOR_CLONES
void pb_dropout_forward(const float *restrict x, float *restrict y, uint8_t *restrict mask, size_t count,
                        uint64_t state, uint64_t increment, uint32_t threshold, float scale) {
    u64x8 s;
    uint64_t jump_multiplier = 1, jump_increment = 0;
    for (int l = 0; l < lanes; l++) {
        s[l] = state;
        state = state * multiplier + increment;
        jump_multiplier *= multiplier;
        jump_increment = jump_increment * multiplier + increment;
    }
    const u64x8 jm = (u64x8){0} + jump_multiplier, ji = (u64x8){0} + jump_increment;
    const u32x8 limit = (u32x8){0} + threshold;
    size_t i = 0;
    for (; i + lanes <= count; i += lanes) {
        u32x8 r;
        PCG_OUTPUT8(r, s);
        const i32x8 keep = (i32x8)(r >= limit);
        s = s * jm + ji;
        f32x8 xv;
        __builtin_memcpy(&xv, x + i, sizeof xv);
        const i32x8 yv = (i32x8)(xv * scale) & keep;
        const u8x8 kept = __builtin_convertvector(keep & 1, u8x8);
        __builtin_memcpy(y + i, &yv, sizeof yv);
        __builtin_memcpy(mask + i, &kept, sizeof kept);
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
