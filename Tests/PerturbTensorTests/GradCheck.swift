import PerturbBase
import XCTest

@testable import PerturbTensor

/// Finite-difference gradient check.
///
/// `build` maps input variables to an output; the checked scalar is L = Σ seed·output with a fixed random seed
/// vector, evaluated in Double from Float forward values with central differences. Each analytic gradient
/// element must match within `atol + rtol·|numeric|`, and the gradients must not all be ~0 (so the check
/// cannot pass vacuously); a wrong sign or a factor of 2 fails it.
func checkGradients(
    _ inputs: [Tensor], step: Float = 1e-2, atol: Double = 2e-3, rtol: Double = 2e-2,
    file: StaticString = #filePath, line: UInt = #line,
    _ build: (Graph, [Var]) -> Var
) {
    var rng = SeededRNG(seed: 99)
    // Analytic.
    let graph = Graph()
    let vars = inputs.map { graph.input($0, requiresGrad: true) }
    let out = build(graph, vars)
    let seed = Tensor.uniform(out.shape, low: -1, high: 1, rng: &rng)
    graph.backward(out, seed: seed)
    let analytic = vars.map { graph.grad($0) }

    func objective(_ values: [Tensor]) -> Double {
        let g = Graph()
        let o = build(g, values.map { g.input($0) }).value
        var s: Double = 0
        for i in 0..<o.count { s += Double(o.scalars[i]) * Double(seed.scalars[i]) }
        return s
    }

    var largest: Double = 0
    for (k, input) in inputs.enumerated() {
        guard let grad = analytic[k] else {
            XCTFail("input \(k) received no gradient", file: file, line: line); continue
        }
        XCTAssertEqual(grad.shape, input.shape, "gradient shape of input \(k)", file: file, line: line)
        for i in 0..<input.count {
            var plus = inputs, minus = inputs
            plus[k].withUnsafeMutableBufferPointer { $0[i] += step }
            minus[k].withUnsafeMutableBufferPointer { $0[i] -= step }
            let numeric = (objective(plus) - objective(minus)) / Double(2 * step)
            let got = Double(grad.scalars[i])
            largest = max(largest, abs(numeric))
            if abs(got - numeric) > atol + rtol * abs(numeric) {
                XCTFail("input \(k) element \(i): analytic \(got) vs numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }
    XCTAssertGreaterThan(largest, 1e-2, "gradients are all ~0: the check would be vacuous", file: file, line: line)
}

/// A random tensor whose entries are at least `margin` away from zero (keeps ReLU-like kinks out of the stencil).
func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1, margin: Float = 0.05) -> Tensor {
    var rng = SeededRNG(seed: seed)
    var t = Tensor.uniform(shape, low: low, high: high, rng: &rng)
    t.withUnsafeMutableBufferPointer { p in
        for i in p.indices where abs(p[i]) < margin { p[i] = p[i] < 0 ? -margin : margin }
    }
    return t
}
