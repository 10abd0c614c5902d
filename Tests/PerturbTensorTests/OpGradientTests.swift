import PerturbBase
import XCTest

@testable import PerturbTensor

final class OpGradientTests: XCTestCase {
    func testMatmulAllTransposeCombinations() {
        for ta in [false, true] {
            for tb in [false, true] {
                let a = randomTensor(ta ? [4, 3] : [3, 4], seed: 1)
                let b = randomTensor(tb ? [5, 4] : [4, 5], seed: 2)
                checkGradients([a, b]) { _, v in matmul(v[0], v[1], transposeA: ta, transposeB: tb) }
            }
        }
    }

    func testMatmulForwardValues() {
        let g = Graph()
        let a = g.input(Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]))
        let b = g.input(Tensor(shape: [3, 2], values: [7, 8, 9, 10, 11, 12]))
        XCTAssertEqual(matmul(a, b).value.scalars, [58, 64, 139, 154])
        XCTAssertEqual(matmul(a, a, transposeB: true).value.scalars, [14, 32, 32, 77])
        XCTAssertEqual(matmul(b, b, transposeA: true).value.scalars, [251, 278, 278, 308])
    }

    func testBroadcastArithmetic() {
        let full = randomTensor([3, 4], seed: 3)
        let row = randomTensor([1, 4], seed: 4, low: 0.5, high: 1.5)
        let column = randomTensor([3, 1], seed: 5, low: 0.5, high: 1.5)
        let scalar = randomTensor([], seed: 6, low: 0.5, high: 1.5)
        let other = randomTensor([3, 4], seed: 7, low: 0.5, high: 1.5)
        for rhs in [other, row, column, scalar] {
            checkGradients([full, rhs]) { _, v in v[0] + v[1] }
            checkGradients([full, rhs]) { _, v in v[0] - v[1] }
            checkGradients([full, rhs]) { _, v in v[0] * v[1] }
            checkGradients([full, rhs]) { _, v in v[0] / v[1] }
            checkGradients([rhs, full]) { _, v in v[0] - v[1] }
        }
        checkGradients([full]) { _, v in v[0] * 3 + 1.5 }
    }

    func testBroadcastForwardValues() {
        let g = Graph()
        let m = g.input(Tensor(shape: [2, 2], values: [1, 2, 3, 4]))
        let r = g.input(Tensor(shape: [2], values: [10, 20]))
        let c = g.input(Tensor(shape: [2, 1], values: [100, 200]))
        XCTAssertEqual((m + r).value.scalars, [11, 22, 13, 24])
        XCTAssertEqual((m - c).value.scalars, [-99, -98, -197, -196])
        XCTAssertEqual((m + r).shape, [2, 2])
    }

    func testReductions() {
        let x = randomTensor([3, 5], seed: 8)
        for axis in [nil, 0, 1] as [Int?] {
            checkGradients([x]) { _, v in sum(v[0], axis: axis) }
            checkGradients([x]) { _, v in mean(v[0], axis: axis) }
        }
        let g = Graph()
        let m = g.input(Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]))
        XCTAssertEqual(sum(m).value.scalar, 21)
        XCTAssertEqual(sum(m, axis: 0).value.scalars, [5, 7, 9])
        XCTAssertEqual(mean(m, axis: 1).value.scalars, [2, 5])
    }

    func testActivations() {
        let x = randomTensor([4, 5], seed: 9, low: -2, high: 2, margin: 0.1)
        for activation in Activation.allCases {
            checkGradients([x]) { _, v in activation.apply(v[0]) }
        }
        let g = Graph()
        let v = g.input(Tensor(shape: [3], values: [-1, 0.5, 2]))
        XCTAssertEqual(relu(v).value.scalars, [0, 0.5, 2])
        XCTAssertEqual(gelu(v).value.scalars[2], 1.9544997, accuracy: 1e-5)
        XCTAssertEqual(silu(v).value.scalars[0], -0.26894142, accuracy: 1e-6)
        XCTAssertEqual(sigmoid(v).value.scalars[1], 0.62245935, accuracy: 1e-6)
        XCTAssertEqual(tanh(v).value.scalars[2], 0.9640276, accuracy: 1e-6)
    }

    func testFusedLinear() {
        let x = randomTensor([6, 4], seed: 10)
        let w = randomTensor([3, 4], seed: 11)
        let b = randomTensor([3], seed: 12)
        checkGradients([x, w, b]) { _, v in linear(v[0], weight: v[1], bias: v[2]) }
        // Small step: a stencil must not cross the ReLU kink of any pre-activation.
        checkGradients([x, w, b], step: 1e-3) { _, v in linear(v[0], weight: v[1], bias: v[2], relu: true) }
        checkGradients([x, w], step: 1e-3) { _, v in linear(v[0], weight: v[1], bias: nil, relu: true) }
        // Agrees with the unfused composition.
        let g = Graph()
        let (xv, wv, bv) = (g.input(x), g.input(w), g.input(b))
        let fused = linear(xv, weight: wv, bias: bv, relu: true).value
        let plain = relu(matmul(xv, wv, transposeB: true) + bv).value
        for (p, q) in zip(fused.scalars, plain.scalars) { XCTAssertEqual(p, q, accuracy: 1e-6) }
    }

    func testDropoutGradientMatchesMask() {
        let x = randomTensor([8, 16], seed: 13)
        checkGradients([x]) { g, v in
            g.rng = SeededRNG(seed: 5)  // the same mask in every evaluation of the check
            return dropout(v[0], p: 0.3)
        }
        let g = Graph(rng: SeededRNG(seed: 1))
        let y = dropout(g.input(Tensor(shape: [1000], repeating: 1)), p: 0.25).value.scalars
        let kept = y.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 })
        XCTAssertEqual(Double(kept.count) / 1000, 0.75, accuracy: 0.05)
        let eval = Graph(training: false)
        let input = eval.input(Tensor(shape: [4], repeating: 2))
        XCTAssertEqual(dropout(input, p: 0.5).value.scalars, [2, 2, 2, 2])
    }

    func testDropoutMaskIsIndependentOfThreads() {
        let x = Tensor(shape: [300_000], repeating: 1)
        func mask(threads: Int) -> [Float] {
            Engine.setThreads(threads)
            let g = Graph(rng: SeededRNG(seed: 77))
            return dropout(g.input(x), p: 0.1).value.scalars
        }
        let one = mask(threads: 1)
        XCTAssertEqual(one, mask(threads: 2))
        Engine.setThreads(Parallel.threadCount)
    }

    func testLayerNorm() {
        let x = randomTensor([3, 6], seed: 14)
        let gamma = randomTensor([6], seed: 15, low: 0.5, high: 1.5)
        let beta = randomTensor([6], seed: 16)
        checkGradients([x, gamma, beta], step: 3e-3) { _, v in layerNorm(v[0], gamma: v[1], beta: v[2]) }
        let g = Graph()
        let y = layerNorm(
            g.input(Tensor(shape: [1, 4], values: [1, 2, 3, 4])),
            gamma: g.input(Tensor(shape: [4], repeating: 1)), beta: g.input(Tensor.zeros([4]))
        ).value
        XCTAssertEqual(y.scalars[0], -1.3416355, accuracy: 1e-4)
        XCTAssertEqual(y.scalars.reduce(0, +), 0, accuracy: 1e-5)
    }

    func testBatchNorm() {
        let x = randomTensor([5, 4], seed: 40, low: -2, high: 2)
        let gamma = randomTensor([4], seed: 41, low: 0.5, high: 1.5)
        let beta = randomTensor([4], seed: 42)
        checkGradients([x, gamma, beta], step: 3e-3) { _, v in
            batchNorm(v[0], gamma: v[1], beta: v[2], eps: 1e-3).output
        }
        // Per column: zero mean, unit biased variance (up to eps) before the affine map; statistics returned.
        let g = Graph()
        let input = Tensor(shape: [4, 2], values: [1, 10, 2, 20, 3, 30, 6, 40])
        let (y, mean, variance) = batchNorm(
            g.input(input), gamma: g.input(Tensor(shape: [2], repeating: 1)),
            beta: g.input(Tensor.zeros([2])), eps: 1e-3)
        XCTAssertEqual(mean, [3, 25])
        XCTAssertEqual(variance[0], 3.5, accuracy: 1e-6)  // ((−2)² + 1 + 0 + 3²) / 4, biased
        XCTAssertEqual(variance[1], 125, accuracy: 1e-4)
        XCTAssertEqual(y.value[0, 0], -2 / (3.5 + 1e-3).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual((0..<4).map { y.value[$0, 1] }.reduce(0, +), 0, accuracy: 1e-5)
        // A single row normalizes to beta (zero variance), without NaN.
        let one = batchNorm(
            g.input(Tensor(shape: [1, 2], values: [5, -7])),
            gamma: g.input(Tensor(shape: [2], repeating: 2)),
            beta: g.input(Tensor(shape: [2], values: [0.5, -0.5])), eps: 1e-3
        ).output
        XCTAssertEqual(one.value.scalars, [0.5, -0.5])
    }

    func testConcatAndSplit() {
        let a = randomTensor([3, 2], seed: 17), b = randomTensor([3, 4], seed: 18), c = randomTensor([3, 1], seed: 19)
        checkGradients([a, b, c]) { _, v in concat(v) }
        checkGradients([b]) { _, v in
            let parts = split(v[0], widths: [1, 3])
            return concat([parts[1] * 2, parts[0] * -1])
        }
        let g = Graph()
        let joined = concat([
            g.input(Tensor(shape: [2, 1], values: [1, 2])), g.input(Tensor(shape: [2, 2], values: [3, 4, 5, 6])),
        ])
        XCTAssertEqual(joined.value.scalars, [1, 3, 4, 2, 5, 6])
        XCTAssertEqual(split(joined, widths: [2, 1])[1].value.scalars, [4, 6])
    }

    func testEmbeddingGatherScatterAdd() {
        let table = randomTensor([5, 3], seed: 20)
        let indices: [Int32] = [4, 0, 4, 2, 4]
        checkGradients([table]) { _, v in embedding(v[0], indices: indices) }
        let g = Graph()
        let t = g.input(table, requiresGrad: true)
        let rows = embedding(t, indices: indices)
        XCTAssertEqual(Array(rows.value.scalars[0..<3]), Array(table.scalars[12..<15]))
        g.backward(sum(rows))
        // Row 4 was used three times, row 1 and 3 never.
        XCTAssertEqual(g.grad(t)!.scalars, [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 3, 3, 3])
    }

    func testEmbeddingBagMean() {
        let table = randomTensor([6, 2], seed: 21)
        let offsets: [Int32] = [0, 3, 3, 4, 6]
        let indices: [Int32] = [1, 5, 1, 0, 2, 3]
        checkGradients([table]) { _, v in embeddingBagMean(v[0], offsets: offsets, indices: indices) }
        let g = Graph()
        let bag = embeddingBagMean(g.input(table), offsets: offsets, indices: indices).value
        XCTAssertEqual(bag[0, 0], (2 * table[1, 0] + table[5, 0]) / 3, accuracy: 1e-6)
        XCTAssertEqual(bag[1, 1], 0)
        XCTAssertEqual(bag[3, 1], (table[2, 1] + table[3, 1]) / 2, accuracy: 1e-6)
    }

    func testLosses() {
        let p = randomTensor([4, 3], seed: 22)
        let t = randomTensor([4, 3], seed: 23)
        let mask = Tensor(shape: [4, 3], values: [1, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1])
        checkGradients([p]) { _, v in mseLoss(v[0], target: t) }
        checkGradients([p]) { _, v in mseLoss(v[0], target: t, mask: mask) }
        checkGradients([randomTensor([4, 3], seed: 29, low: -3, high: 3)]) { _, v in
            huberLoss(v[0], target: t, delta: 0.7)
        }
        checkGradients([p]) { _, v in cosineLoss(v[0], target: t) }
        checkGradients([p], step: 1e-3) { _, v in maeLoss(v[0], target: t) }
        checkGradients([p], step: 1e-3) { _, v in meanRowwiseRMSELoss(v[0], target: t) }

        let g = Graph()
        let pv = g.input(Tensor(shape: [3], values: [1, 2, 3]))
        let target = Tensor(shape: [3], values: [1, 0, 0])
        XCTAssertEqual(mseLoss(pv, target: target).value.scalar, 13.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(mseLoss(pv, target: target, mask: Tensor(shape: [3], values: [0, 1, 0])).value.scalar, 4)
        XCTAssertEqual(mseLoss(pv, target: target, mask: Tensor.zeros([3])).value.scalar, 0)
        XCTAssertEqual(huberLoss(pv, target: target).value.scalar, (0 + 1.5 + 2.5) / 3, accuracy: 1e-6)
        let same = g.input(Tensor(shape: [1, 2], values: [2, 0]))
        XCTAssertEqual(
            cosineLoss(same, target: Tensor(shape: [1, 2], values: [5, 0])).value.scalar, 0, accuracy: 1e-6)
        XCTAssertEqual(maeLoss(pv, target: target).value.scalar, (0 + 2 + 3) / 3.0, accuracy: 1e-6)
        // Rows [1, 2 | 3, 4] against [1, 0 | 0, 0]: RMSEs sqrt(4 / 2) and sqrt(25 / 2), averaged.
        let rows = g.input(Tensor(shape: [2, 2], values: [1, 2, 3, 4]), requiresGrad: true)
        let rowLoss = meanRowwiseRMSELoss(rows, target: Tensor(shape: [2, 2], values: [1, 0, 0, 0]))
        XCTAssertEqual(rowLoss.value.scalar, (Float(2).squareRoot() + Float(12.5).squareRoot()) / 2, accuracy: 1e-6)
        // An exactly predicted row gets zero gradient, not NaN.
        let exact = g.input(Tensor(shape: [2, 2], values: [1, 0, 3, 4]), requiresGrad: true)
        g.backward(meanRowwiseRMSELoss(exact, target: Tensor(shape: [2, 2], values: [1, 0, 0, 0])))
        XCTAssertEqual(Array(g.grad(exact)!.scalars[0..<2]), [0, 0])
        XCTAssertTrue(g.grad(exact)!.scalars.allSatisfy(\.isFinite))
    }

    func testComposedNetwork() {
        let x = randomTensor([5, 4], seed: 24)
        let w1 = randomTensor([6, 4], seed: 25), b1 = randomTensor([6], seed: 26)
        let w2 = randomTensor([1, 6], seed: 27)
        let t = randomTensor([5, 1], seed: 28)
        checkGradients([x, w1, b1, w2]) { _, v in
            let h = linear(v[0], weight: v[1], bias: v[2], relu: true)
            return mseLoss(linear(h, weight: v[3], bias: nil), target: t)
        }
    }
}

final class LargeKernelTests: XCTestCase {
    /// Inside the scope the kernels (and OpenBLAS) run on one thread; afterwards the thread count is restored.
    func testSingleThreadedKernelsScope() {
        Engine.setThreads(2)
        defer { Engine.setThreads(Parallel.threadCount) }
        XCTAssertEqual(Engine.withSingleThreadedKernels { Engine.threads }, 1)
        XCTAssertEqual(Engine.threads, 2)
    }

    /// Parallel chunked reductions and elementwise kernels give the same bits on 1 and 2 threads.
    func testLossesAreThreadCountIndependent() {
        let p = randomTensor([300, 700], seed: 30)
        let t = randomTensor([300, 700], seed: 31)
        var mask = Tensor(shape: [300, 700], repeating: 1)
        mask.withUnsafeMutableBufferPointer { m in for i in stride(from: 0, to: m.count, by: 7) { m[i] = 0 } }
        func run(threads: Int) -> [Float] {
            Engine.setThreads(threads)
            defer { Engine.setThreads(Parallel.threadCount) }
            let g = Graph()
            let x = g.input(p, requiresGrad: true)
            let loss =
                mseLoss(x, target: t, mask: mask) + huberLoss(x, target: t) + maeLoss(x, target: t)
                + meanRowwiseRMSELoss(x, target: t)
            g.backward(loss)
            return [loss.value.scalar] + g.grad(x)!.scalars
        }
        let one = run(threads: 1)
        XCTAssertEqual(one, run(threads: 2))
        // Masked entries get no gradient; the mean is over measured entries only.
        let g = Graph()
        let x = g.input(p, requiresGrad: true)
        g.backward(mseLoss(x, target: t, mask: mask))
        XCTAssertEqual(g.grad(x)!.scalars[0], 0)
        let measured = Float(300 * 700 - (300 * 700 + 6) / 7)
        XCTAssertEqual(g.grad(x)!.scalars[1], 2 * (p.scalars[1] - t.scalars[1]) / measured, accuracy: 1e-9)
    }
}
