// Compiled with -O3 -ffp-contract=off in every build configuration (Package.swift): the loop vectorizes, and debug
// builds (the test suite) do not run it at -O0 speed.
#include "ckernels.h"

#include <math.h>

void pb_adam_update(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, size_t begin,
                    size_t end, float beta1, float beta2, float epsilon, float step_size, float sqrt_correction2,
                    float l2, float decay) {
    for (size_t i = begin; i < end; i++) {
        float gi = g[i];
        if (l2 != 0) gi += l2 * p[i];
        const float pi = decay != 0 ? p[i] * decay : p[i];
        const float mi = beta1 * m[i] + (1 - beta1) * gi;
        const float vi = beta2 * v[i] + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - step_size * mi / (sqrtf(vi) / sqrt_correction2 + epsilon);
    }
}
