import PerturbBase
import XCTest

@testable import PerturbTensor

/// `panelLinearMSE` against the dense masked computation `mseLoss(linear(x, W, b), dense target, dense mask)`.
final class PanelLinearTests: XCTestCase {
    /// A batch of 9 rows over 7 output units in three groups: an exact panel, a masked group with partially missing
    /// genes, and a one-row group; row 8 belongs to no group (zero gradient).
    func groups(_ rng: inout SeededRNG) -> (groups: [PanelGroup], target: Tensor, mask: Tensor) {
        let units = 7
        let layout: [(Range<Int>, [Int32], Bool)] = [
            (0..<3, [0, 2, 5], false), (3..<7, [1, 2, 3, 6], true), (7..<8, [4], false),
        ]
        var target = Tensor(shape: [9, units], repeating: 0), mask = Tensor(shape: [9, units], repeating: 0)
        var groups: [PanelGroup] = []
        for (rows, members, masked) in layout {
            var t: [Float] = [], m: [Float] = []
            for r in rows {
                for u in members {
                    let value = Float(rng.nextGaussian())
                    let measured: Float = masked && rng.nextDouble() < 0.3 ? 0 : 1
                    t.append(measured == 1 ? value : 0)
                    m.append(measured)
                    if measured == 1 {
                        target.withUnsafeMutableBufferPointer { $0[r * units + Int(u)] = value }
                        mask.withUnsafeMutableBufferPointer { $0[r * units + Int(u)] = 1 }
                    }
                }
            }
            let shape = [rows.count, members.count]
            groups.append(
                PanelGroup(
                    rows: rows, units: members, target: Tensor(shape: shape, values: t),
                    mask: masked ? Tensor(shape: shape, values: m) : nil))
        }
        return (groups, target, mask)
    }

    func testLossAndGradientsEqualDenseMaskedMSE() {
        var rng = SeededRNG(seed: 3)
        let (groups, target, mask) = groups(&rng)
        let x = Tensor.uniform([9, 5], low: -1, high: 1, rng: &rng)
        let w = Tensor.uniform([7, 5], low: -1, high: 1, rng: &rng)
        let b = Tensor.uniform([7], low: -1, high: 1, rng: &rng)
        let (panelLoss, panelGrads) = lossAndGradients(x, w, b, panel: groups)
        let (denseLoss, denseGrads) = lossAndGradients(x, w, b, dense: target, mask: mask)
        XCTAssertEqual(panelLoss, denseLoss, accuracy: 1e-5)
        for (p, d) in zip(panelGrads, denseGrads) {
            XCTAssertEqual(p.shape, d.shape)
            for i in 0..<p.count { XCTAssertEqual(p.scalars[i], d.scalars[i], accuracy: 1e-5) }
        }
        XCTAssertEqual(panelGrads[0].scalars[(8 * 5)..<(9 * 5)].allSatisfy { $0 == 0 }, true, "row outside every group")
        XCTAssertGreaterThan(panelGrads[1].scalars.map(abs).max()!, 1e-3)
        checkGradients([x, w, b]) { _, v in panelLinearMSE(v[0], weight: v[1], bias: v[2], groups: groups) }
    }

    /// Several gradient steps on x, W and b give the same weights through both computations.
    func testWeightsAfterStepsEqualDense() {
        var rng = SeededRNG(seed: 4)
        let (groups, target, mask) = groups(&rng)
        let start = [
            Tensor.uniform([9, 5], low: -1, high: 1, rng: &rng), Tensor.uniform([7, 5], low: -1, high: 1, rng: &rng),
            Tensor.uniform([7], low: -1, high: 1, rng: &rng),
        ]
        var panel = start, dense = start
        for _ in 0..<6 {
            for useDense in [false, true] {
                let g = Graph()
                let current = useDense ? dense : panel
                let vars = current.map { g.input($0, requiresGrad: true) }
                let loss =
                    useDense
                    ? mseLoss(linear(vars[0], weight: vars[1], bias: vars[2]), target: target, mask: mask)
                    : panelLinearMSE(vars[0], weight: vars[1], bias: vars[2], groups: groups)
                g.backward(loss)
                let updated = zip(current, vars).map { value, v in
                    Tensor(shape: value.shape, values: zip(value.scalars, g.grad(v)!.scalars).map { $0 - 0.1 * $1 })
                }
                if useDense { dense = updated } else { panel = updated }
            }
        }
        for (p, d) in zip(panel, dense) {
            for i in 0..<p.count { XCTAssertEqual(p.scalars[i], d.scalars[i], accuracy: 1e-4) }
        }
        XCTAssertNotEqual(panel[1], start[1])
    }

    /// The same thread count gives bit-identical loss and gradients; another thread count the same up to float
    /// rounding (OpenBLAS may split its sums differently); only inputs that need a gradient get one.
    func testThreadCountDoesNotChangeLossOrGradients() {
        var rng = SeededRNG(seed: 6)
        let rows = 3_000, units = 40, h = 8
        let members = (0..<units).filter { $0 % 3 != 0 }.map { Int32($0) }
        let values = (0..<(rows * members.count)).map { _ in Float(rng.nextGaussian()) }
        let mask = (0..<values.count).map { _ in Float(rng.nextDouble() < 0.8 ? 1 : 0) }
        let group = PanelGroup(
            rows: 0..<rows, units: members, target: Tensor(shape: [rows, members.count], values: values),
            mask: Tensor(shape: [rows, members.count], values: mask))
        let x = Tensor.uniform([rows, h], low: -1, high: 1, rng: &rng),
            w = Tensor.uniform([units, h], low: -1, high: 1, rng: &rng)
        let b = Tensor.uniform([units], low: -1, high: 1, rng: &rng)
        let before = Engine.threads
        defer { Engine.setThreads(before) }
        var results: [(Float, [Float], [Float])] = []
        for threads in [2, 2, 1] {
            Engine.setThreads(threads)
            let g = Graph()
            let xv = g.input(x), wv = g.input(w, requiresGrad: true), bv = g.input(b, requiresGrad: true)
            let loss = panelLinearMSE(xv, weight: wv, bias: bv, groups: [group])
            g.backward(loss)
            XCTAssertNil(g.grad(xv), "x needs no gradient")
            results.append((loss.value.scalar, g.grad(wv)!.scalars, g.grad(bv)!.scalars))
        }
        XCTAssertEqual(results[0].0, results[1].0)
        XCTAssertEqual(results[0].1, results[1].1)
        XCTAssertEqual(results[0].2, results[1].2)
        XCTAssertEqual(results[2].0, results[0].0, accuracy: 1e-6 * results[0].0)
        for (a, b) in zip(results[2].1 + results[2].2, results[0].1 + results[0].2) {
            XCTAssertEqual(a, b, accuracy: 1e-6)
        }
        XCTAssertTrue(results[0].1[0..<h].allSatisfy { $0 == 0 }, "unit 0 is in no group")
    }

    /// Groups wider than one block (`PanelGroupBlocks`: several blocks per thread, the last one short) and a unit
    /// shared by two groups: loss and gradients equal the dense masked MSE on 1 and 2 threads.
    func testMultiBlockGroupsEqualDenseMaskedMSE() {
        var rng = SeededRNG(seed: 8)
        let units = 230, h = 6, rows = 11
        let wide = (0..<Int32(units)).filter { $0 % 7 != 3 }.reversed()
        let layout: [(Range<Int>, [Int32])] = [(0..<7, Array(wide)), (7..<10, [5, 200, 17])]
        var target = Tensor(shape: [rows, units], repeating: 0), mask = Tensor(shape: [rows, units], repeating: 0)
        var groups: [PanelGroup] = []
        for (range, members) in layout {
            var t: [Float] = [], m: [Float] = []
            for r in range {
                for u in members {
                    let measured = rng.nextDouble() < 0.85, value = Float(rng.nextGaussian())
                    t.append(measured ? value : 0)
                    m.append(measured ? 1 : 0)
                    if measured {
                        target.withUnsafeMutableBufferPointer { $0[r * units + Int(u)] = value }
                        mask.withUnsafeMutableBufferPointer { $0[r * units + Int(u)] = 1 }
                    }
                }
            }
            let shape = [range.count, members.count]
            groups.append(
                PanelGroup(
                    rows: range, units: members, target: Tensor(shape: shape, values: t),
                    mask: Tensor(shape: shape, values: m)))
        }
        XCTAssertGreaterThan(layout[0].1.count, 2 * PanelGroupBlocks.blockUnits(units: layout[0].1.count, threads: 2))
        let x = Tensor.uniform([rows, h], low: -1, high: 1, rng: &rng)
        let w = Tensor.uniform([units, h], low: -1, high: 1, rng: &rng)
        let b = Tensor.uniform([units], low: -1, high: 1, rng: &rng)
        let before = Engine.threads
        defer { Engine.setThreads(before) }
        for threads in [1, 2] {
            Engine.setThreads(threads)
            let (panelLoss, panelGrads) = lossAndGradients(x, w, b, panel: groups)
            let (denseLoss, denseGrads) = lossAndGradients(x, w, b, dense: target, mask: mask)
            XCTAssertEqual(panelLoss, denseLoss, accuracy: 1e-5)
            for (p, d) in zip(panelGrads, denseGrads) {
                for i in 0..<p.count {
                    XCTAssertEqual(p.scalars[i], d.scalars[i], accuracy: 1e-6, "threads \(threads), element \(i)")
                }
            }
        }
    }

    /// A group built from a dense target and mask keeps only the measured values (one layout per distinct row
    /// pattern) and gives each back at its row and unit; unmeasured ones are nil.
    func testDenseTargetAndMaskRoundTrip() {
        let target = Tensor(shape: [3, 4], values: [1, 2, 3, 4, 5, 0, 7, 0, 9, 0, 11, 0])
        let mask = Tensor(shape: [3, 4], values: [1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0])
        let group = PanelGroup(rows: 2..<5, units: [7, 3, 1, 0], target: target, mask: mask)
        XCTAssertEqual(group.measuredCount, 8)
        XCTAssertEqual(group.rowValues.map(\.scalars), [[1, 2, 3, 4], [5, 7], [9, 11]])
        XCTAssertEqual(group.layouts?.rowLayout, [0, 1, 1])
        for r in 0..<3 {
            for k in 0..<4 {
                XCTAssertEqual(
                    group.target(row: r, unit: k), mask[r, k] != 0 ? target[r, k] : nil, "row \(r) unit \(k)")
            }
        }
        let exact = PanelGroup(rows: 0..<3, units: [7, 3, 1, 0], target: target, mask: nil)
        XCTAssertNil(exact.layouts)
        XCTAssertEqual(exact.target(row: 1, unit: 1), 0, "an exact group measures every unit")
    }

    /// Predictions equal the dense layer's on each group's units.
    func testPredictMatchesDenseLayer() {
        var rng = SeededRNG(seed: 5)
        let x = Tensor.uniform([4, 3], low: -1, high: 1, rng: &rng),
            w = Tensor.uniform([6, 3], low: -1, high: 1, rng: &rng)
        let b = Tensor.uniform([6], low: -1, high: 1, rng: &rng)
        let g = Graph(training: false)
        let dense = linear(g.input(x), weight: g.input(w), bias: g.input(b)).value
        let p = panelLinearPredict(x, weight: w, bias: b, rows: 1..<3, units: [5, 0, 3])
        for (r, row) in (1..<3).enumerated() {
            for (k, u) in [5, 0, 3].enumerated() { XCTAssertEqual(p[r * 3 + k], dense[row, u], accuracy: 1e-5) }
        }
    }

    /// Loss and the gradients of x, W and b through the panel-grouped loss.
    private func lossAndGradients(
        _ x: Tensor, _ w: Tensor, _ b: Tensor, panel groups: [PanelGroup]
    )
        -> (Float, [Tensor])
    {
        lossAndGradients(x, w, b) { v in panelLinearMSE(v[0], weight: v[1], bias: v[2], groups: groups) }
    }

    /// Loss and the gradients of x, W and b through the dense layer and the masked MSE.
    private func lossAndGradients(
        _ x: Tensor, _ w: Tensor, _ b: Tensor, dense target: Tensor, mask: Tensor
    )
        -> (Float, [Tensor])
    {
        lossAndGradients(x, w, b) { v in mseLoss(linear(v[0], weight: v[1], bias: v[2]), target: target, mask: mask) }
    }

    private func lossAndGradients(
        _ x: Tensor, _ w: Tensor, _ b: Tensor, loss: ([Var]) -> Var
    )
        -> (Float, [Tensor])
    {
        let g = Graph()
        let vars = [x, w, b].map { g.input($0, requiresGrad: true) }
        let value = loss(vars)
        g.backward(value)
        return (value.value.scalar, vars.map { g.grad($0)! })
    }
}
