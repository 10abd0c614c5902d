import Foundation

/// Elementwise activation functions; each keeps what its derivative needs.
public enum Activation: String, Codable, CaseIterable {
    case identity, relu, gelu, silu, tanh, sigmoid

    /// Applies this activation to `x`.
    public func apply(_ x: Var) -> Var {
        switch self {
        case .identity: return x
        case .relu: return PerturbTensor.relu(x)
        case .gelu: return PerturbTensor.gelu(x)
        case .silu: return PerturbTensor.silu(x)
        case .tanh: return PerturbTensor.tanh(x)
        case .sigmoid: return PerturbTensor.sigmoid(x)
        }
    }
}

/// max(x, 0).
public func relu(_ x: Var) -> Var {
    let y = Kernels.map(x.value) { max($0, 0) }
    return x.graph.record(y, inputs: [x]) { [y] g, dy in
        let yp = y.readPointer, dp = dy.readPointer
        g.accumulateGrad(x) { dx, beta in Kernels.store(dx, count: y.count, beta: beta) { yp[$0] > 0 ? dp[$0] : 0 } }
    }
}

/// Exact GELU, x·Φ(x) with the normal CDF via erf (PyTorch's default).
public func gelu(_ x: Var) -> Var {
    let xv = x.value
    let y = Kernels.map(xv) { v in 0.5 * v * (1 + erff(v * 0.70710678)) }
    return x.graph.record(y, inputs: [x]) { g, dy in
        let xp = g.value(x).readPointer, dp = dy.readPointer
        g.accumulateGrad(x) { dx, beta in
            Kernels.store(dx, count: dy.count, beta: beta) { i in
                let v = xp[i]
                let cdf = 0.5 * (1 + erff(v * 0.70710678))
                let pdf = expf(-0.5 * v * v) * 0.39894228
                return dp[i] * (cdf + v * pdf)
            }
        }
    }
}

/// SiLU (swish), x·σ(x).
public func silu(_ x: Var) -> Var {
    let y = Kernels.map(x.value) { v in v / (1 + expf(-v)) }
    return x.graph.record(y, inputs: [x]) { g, dy in
        let xp = g.value(x).readPointer, dp = dy.readPointer
        g.accumulateGrad(x) { dx, beta in
            Kernels.store(dx, count: dy.count, beta: beta) { i in
                let s = 1 / (1 + expf(-xp[i]))
                return dp[i] * s * (1 + xp[i] * (1 - s))
            }
        }
    }
}

/// Hyperbolic tangent.
public func tanh(_ x: Var) -> Var {
    let y = Kernels.map(x.value) { tanhf($0) }
    return x.graph.record(y, inputs: [x]) { [y] g, dy in
        let yp = y.readPointer, dp = dy.readPointer
        g.accumulateGrad(x) { dx, beta in
            Kernels.store(dx, count: y.count, beta: beta) { dp[$0] * (1 - yp[$0] * yp[$0]) }
        }
    }
}

/// Logistic sigmoid 1 / (1 + e^(−x)).
public func sigmoid(_ x: Var) -> Var {
    let y = Kernels.map(x.value) { 1 / (1 + expf(-$0)) }
    return x.graph.record(y, inputs: [x]) { [y] g, dy in
        let yp = y.readPointer, dp = dy.readPointer
        g.accumulateGrad(x) { dx, beta in
            Kernels.store(dx, count: y.count, beta: beta) { dp[$0] * yp[$0] * (1 - yp[$0]) }
        }
    }
}
