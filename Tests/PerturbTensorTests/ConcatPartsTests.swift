import PerturbBase
import XCTest

@testable import PerturbTensor

/// `concatParts` against the composition of engine ops, and `concatLinear` against `linear(concatParts(...))`, in
/// value and in every gradient; `concatLinear`'s gradients also by finite differences.
final class ConcatPartsTests: XCTestCase {
    /// Tables with unused rows, indices that repeat, and scaled parts between the table parts (any order is allowed).
    struct Fixture {
        let d = 5, b = 11
        var tables: [Parameter] = []
        var scaled: [(weight: Parameter, bias: Parameter, values: [Float])] = []
        let indices: [[Int32]]

        init(seed: UInt64) {
            var rng = SeededRNG(seed: seed)
            let sizes = [3, 4, 9, 7]
            for (i, n) in sizes.enumerated() {
                tables.append(Parameter(name: "table\(i)", value: .normal([n, d], rng: &rng)))
            }
            for i in 0..<2 {
                scaled.append(
                    (
                        Parameter(name: "w\(i)", value: .normal([d, 1], rng: &rng)),
                        Parameter(name: "b\(i)", value: .normal([d], rng: &rng)),
                        (0..<b).map { Float($0) * 0.3 - 1 + Float(i) }
                    ))
            }
            // Table 2 uses 4 of its 9 rows; table 3 repeats one row for most of the batch.
            indices = [
                (0..<b).map { Int32($0 % 3) }, (0..<b).map { Int32(($0 * 7) % 4) },
                (0..<b).map { [2, 5, 5, 8][$0 % 4] }, (0..<b).map { $0 < 8 ? 6 : Int32($0 % 7) },
            ]
        }

        var parameters: [Parameter] { tables + scaled.flatMap { [$0.weight, $0.bias] } }

        /// Parts in the order table 0, scaled 0, table 1, table 2, scaled 1, table 3.
        func parts(_ g: Graph) -> [ConcatPart] {
            func table(_ i: Int) -> ConcatPart { .rows(of: g.parameter(tables[i]), indices: indices[i]) }
            func scale(_ i: Int) -> ConcatPart {
                .scaled(scaled[i].values, weight: g.parameter(scaled[i].weight), bias: g.parameter(scaled[i].bias))
            }
            return [table(0), scale(0), table(1), table(2), scale(1), table(3)]
        }

        /// The same concatenation from `embedding`, `linear` and `concat`.
        func composed(_ g: Graph) -> Var {
            concat(
                parts(g).map { part in
                    switch part {
                    case .rows(let table, let indices): return embedding(table, indices: indices)
                    case .scaled(let values, let weight, let bias):
                        return linear(g.input(Tensor(shape: [b, 1], values: values)), weight: weight, bias: bias)
                    }
                })
        }
    }

    /// Runs `build`, back-propagates `seed`, and returns the output and every listed parameter's gradient.
    private func evaluate(_ parameters: [Parameter], seed: Tensor, _ build: (Graph) -> Var) -> (Tensor, [[Float]]) {
        for p in parameters { p.grad = nil }
        let g = Graph()
        let y = build(g)
        g.backward(y, seed: seed)
        return (y.value, parameters.map { $0.grad?.scalars ?? [] })
    }

    private func assertClose(
        _ a: (Tensor, [[Float]]), _ e: (Tensor, [[Float]]), names: [String], accuracy: Float,
        line: UInt = #line
    ) {
        XCTAssertEqual(a.0.shape, e.0.shape, line: line)
        for (x, y) in zip(a.0.scalars, e.0.scalars) { XCTAssertEqual(x, y, accuracy: accuracy, line: line) }
        for (k, (x, y)) in zip(a.1, e.1).enumerated() {
            XCTAssertEqual(x.count, y.count, "gradient \(names[k])", line: line)
            XCTAssertTrue(x.contains { $0 != 0 }, "gradient \(names[k]) is all zero", line: line)
            for (u, v) in zip(x, y) { XCTAssertEqual(u, v, accuracy: accuracy, "gradient \(names[k])", line: line) }
        }
    }

    func testConcatPartsMatchesComposedOps() {
        let f = Fixture(seed: 3)
        var rng = SeededRNG(seed: 4)
        let seed = Tensor.normal([f.b, 6 * f.d], rng: &rng)
        let fused = evaluate(f.parameters, seed: seed) { concatParts(f.parts($0)) }
        let composed = evaluate(f.parameters, seed: seed) { f.composed($0) }
        assertClose(fused, composed, names: f.parameters.map(\.name), accuracy: 1e-5)
        // Table 2's unused rows get exactly zero gradient.
        let unused = [0, 1, 3, 4, 6, 7].flatMap { r in (0..<f.d).map { r * f.d + $0 } }
        XCTAssertTrue(unused.allSatisfy { fused.1[2][$0] == 0 })
    }

    func testConcatLinearMatchesLinearOfTheConcatenation() {
        for (relu, withBias) in [(false, true), (true, true), (true, false)] {
            let f = Fixture(seed: 5)
            var rng = SeededRNG(seed: 6)
            let h = 8
            let weight = Parameter(name: "W", value: .normal([h, 6 * f.d], std: 0.4, rng: &rng))
            let bias = Parameter(name: "bias", value: .normal([h], rng: &rng))
            let all = f.parameters + [weight] + (withBias ? [bias] : [])
            let seed = Tensor.normal([f.b, h], rng: &rng)
            func b(_ g: Graph) -> Var? { withBias ? g.parameter(bias) : nil }
            let projected = evaluate(all, seed: seed) { g in
                concatLinear(f.parts(g), weight: g.parameter(weight), bias: b(g), relu: relu)
            }
            let dense = evaluate(all, seed: seed) { g in
                linear(concatParts(f.parts(g)), weight: g.parameter(weight), bias: b(g), relu: relu)
            }
            assertClose(projected, dense, names: all.map(\.name), accuracy: 1e-4)
            if relu {
                XCTAssertTrue(
                    dense.0.scalars.contains(0), "the ReLU must clip some outputs for the test to mean anything")
            }
        }
    }

    func testConcatLinearGradientsByFiniteDifferences() {
        let d = 3, h = 4
        let tableA = randomTensor([4, d], seed: 1), tableB = randomTensor([5, d], seed: 2)
        let w = randomTensor([d, 1], seed: 3), bb = randomTensor([d], seed: 4)
        let weight = randomTensor([h, 3 * d], seed: 5), bias = randomTensor([h], seed: 6)
        let a: [Int32] = [0, 2, 2, 3, 0, 2, 1], c: [Int32] = [4, 4, 1, 0, 4, 2, 4]
        let values: [Float] = [-1, 0.5, 2, 0, 1.5, -0.25, 1]
        checkGradients([tableA, tableB, w, bb, weight, bias]) { _, v in
            concatLinear(
                [.rows(of: v[0], indices: a), .scaled(values, weight: v[2], bias: v[3]), .rows(of: v[1], indices: c)],
                weight: v[4], bias: v[5])
        }
    }
}
