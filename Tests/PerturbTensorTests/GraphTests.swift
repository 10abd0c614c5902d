import PerturbBase
import XCTest

@testable import PerturbTensor

final class GraphTests: XCTestCase {
    func testGradientsAccumulateAcrossUses() {
        let g = Graph()
        let x = g.input(Tensor(shape: [2], values: [3, -1]), requiresGrad: true)
        // y = x·x + x → dy/dx = 2x + 1.
        g.backward(sum(x * x + x))
        XCTAssertEqual(g.grad(x)!.scalars, [7, -1])
    }

    func testParameterGradientsAccumulateUntilCleared() {
        let p = Parameter(name: "w", value: Tensor(shape: [2], values: [1, 2]))
        for _ in 0..<2 {
            let g = Graph()
            g.backward(sum(g.parameter(p) * 3))
        }
        XCTAssertEqual(p.grad!.scalars, [6, 6])
    }

    func testFrozenParameterGetsNoGradient() {
        let frozen = Parameter(name: "table", value: Tensor(shape: [3, 2], repeating: 1), frozen: true)
        let live = Parameter(name: "w", value: Tensor(shape: [2, 1], repeating: 1))
        let g = Graph()
        let rows = embedding(g.parameter(frozen), indices: [0, 2])
        g.backward(sum(matmul(rows, g.parameter(live))))
        XCTAssertNil(frozen.grad)
        XCTAssertEqual(live.grad!.scalars, [2, 2])
    }

    func testResetClearsTape() {
        let g = Graph()
        let x = g.input(Tensor(shape: [4], repeating: 1), requiresGrad: true)
        _ = relu(x)
        XCTAssertEqual(g.nodeCount, 2)
        g.reset()
        XCTAssertEqual(g.nodeCount, 0)
    }

    func testTapeReleasesBuffers() {
        weak var storage: TensorStorage?
        do {
            let g = Graph()
            let y = relu(g.input(Tensor(shape: [8], repeating: 1), requiresGrad: true))
            storage = y.value.storage
            XCTAssertNotNil(storage)
            g.reset()
        }
        XCTAssertNil(storage, "a reset graph must not keep activations alive")
    }

    func testNoGradientWorkForConstants() {
        let g = Graph()
        let y = relu(g.input(Tensor(shape: [2], values: [1, -1])))
        XCTAssertFalse(g.needsGrad(y))
    }

    /// Dropout on a training graph draws from the graph's `rng`: one 64-bit draw per call, seeding the block streams
    /// exactly as a generator passed by hand did (the mask is pinned below), so the same seed gives the same masks;
    /// the graph hands the advanced stream back. An evaluation graph has no randomness and needs none. Two blocks of
    /// 65,536, the second ending off a multiple of 8: the kernel's interleaved lanes and its tail give the sequential
    /// stream's outputs.
    func testDropoutDrawsFromTheGraphsRandomness() {
        let x = Tensor(shape: [65_536 + 1_003], repeating: 1)
        func run(seed: UInt64) -> (masks: [[Float]], rng: SeededRNG?) {
            let g = Graph(training: true, rng: SeededRNG(seed: seed))
            let input = g.input(x)
            let masks = [dropout(input, p: 0.3).value.scalars, dropout(input, p: 0.3).value.scalars]
            XCTAssertEqual(dropout(input, p: 0).value.scalars, x.scalars, "p = 0 draws nothing")
            return (masks, g.rng)
        }
        let a = run(seed: 21)
        XCTAssertEqual(a.masks, run(seed: 21).masks, "same seed, same masks")
        XCTAssertNotEqual(a.masks[0], a.masks[1], "every call draws a new seed")
        XCTAssertNotEqual(a.masks[0], run(seed: 22).masks[0])
        var stream = SeededRNG(seed: 21)
        let firstSeed = stream.next()
        _ = stream.next()
        XCTAssertEqual(a.rng, stream, "two calls advanced the graph's stream by two draws")
        var blocks = [SeededRNG(seed: firstSeed, stream: 0), SeededRNG(seed: firstSeed, stream: 1)]
        let threshold = UInt32(0.3 * 4_294_967_296.0)
        let expected: [Float] = (0..<x.count).map {
            blocks[$0 / 65_536].next32() >= threshold ? 1 / (1 - Float(0.3)) : 0
        }
        XCTAssertEqual(a.masks[0], expected, "the mask of the first draw, computed by hand")

        let eval = Graph(training: false)
        XCTAssertNil(eval.rng)
        XCTAssertEqual(dropout(eval.input(x), p: 0.3).value.scalars, x.scalars, "identity in evaluation")
    }
}

final class InferenceGraphTests: XCTestCase {
    func testInferenceGraphRecordsNoBackward() {
        let p = Parameter(name: "w", value: Tensor(shape: [2, 2], values: [1, 2, 3, 4]))
        let g = Graph(training: false, gradients: false)
        let y = relu(matmul(g.input(Tensor(shape: [1, 2], values: [1, 1])), g.parameter(p)))
        XCTAssertEqual(y.value.scalars, [4, 6])
        XCTAssertFalse(g.needsGrad(y))
        XCTAssertTrue(g.nodes.allSatisfy { $0.backward == nil })
    }

    func testGatherRows() {
        let t = Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t.gatherRows([2, 0, 2] as [Int32]).scalars, [5, 6, 1, 2, 5, 6])
        XCTAssertEqual(t.gatherRows([1]).shape, [1, 2])
    }
}
