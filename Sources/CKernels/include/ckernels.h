#ifndef PERTURBRIDGE_CKERNELS_H
#define PERTURBRIDGE_CKERNELS_H

#include <stddef.h>

/// One Adam/AdamW step on elements [begin, end) of a parameter (PyTorch's update rule): with g = grad + l2·p,
/// p ← p·decay (when decay ≠ 0), m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − step_size·m / (√v / √c2 + ε).
/// Elementwise IEEE operations only (no contraction into FMA), so the result does not depend on how a parameter
/// is split into ranges or on the vector width the compiler picks.
void pb_adam_update(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, size_t begin,
                    size_t end, float beta1, float beta2, float epsilon, float step_size, float sqrt_correction2,
                    float l2, float decay);

#endif
