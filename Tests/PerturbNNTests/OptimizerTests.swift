import PerturbBase
import PerturbNN
import PerturbTensor
import XCTest

/// Reference values come from PyTorch 2.13 (`torch.optim`), 3 steps with gradients [0.5, −1, 2]·step.
final class OptimizerTests: XCTestCase {
    private func run(_ make: ([Parameter]) -> Optimizer) -> [Float] {
        let p = Parameter(name: "p", value: Tensor(shape: [3], values: [1, 2, -3]))
        let opt = make([p])
        for s in 1...3 {
            opt.zeroGrad()
            p.grad = Tensor(shape: [3], values: [0.5 * Float(s), -1 * Float(s), 2 * Float(s)])
            opt.step()
        }
        return p.value.scalars
    }

    private func assertClose(_ a: [Float], _ b: [Float], file: StaticString = #filePath, line: UInt = #line) {
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 2e-5, file: file, line: line) }
    }

    func testAdamWMatchesPyTorch() {
        assertClose(
            run { Adam.adamW(parameters: $0, learningRate: 0.1, weightDecay: 0.01) },
            [0.7049811, 2.286028, -3.283031])
    }

    func testAdamMatchesPyTorch() {
        assertClose(
            run { Adam(parameters: $0, learningRate: 0.1, weightDecay: .l2(0.1)) },
            [0.7056953, 2.289913, -3.290569])
    }

    func testSGDMomentumMatchesPyTorch() {
        assertClose(
            run { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.1) },
            [0.471774, 2.833968, -4.723557])
    }

    /// A long parameter (split over two threads, through the C kernel's vectorized loop and its remainder) updates
    /// every element exactly as one-element parameters do, for both weight-decay rules.
    func testLaneAndTailPathsGiveIdenticalUpdates() {
        let count = 70_001
        let start = (0..<count).map { Float(($0 % 17) - 8) / 3 }
        let gradients = (0..<count).map { Float(($0 % 11) - 5) / 7 }
        let before = Engine.threads
        defer { Engine.setThreads(before) }
        Engine.setThreads(2)
        for decay in [Adam.WeightDecay.decoupled(0.01), .l2(0.1)] {
            let long = Parameter(name: "long", value: Tensor(shape: [count], values: start))
            let singles = (0..<23).map { Parameter(name: "p\($0)", value: Tensor(shape: [1], values: [start[$0]])) }
            let a = Adam(parameters: [long], learningRate: 0.05, weightDecay: decay)
            let b = Adam(parameters: singles, learningRate: 0.05, weightDecay: decay)
            for step in 1...3 {
                long.grad = Tensor(shape: [count], values: gradients.map { $0 * Float(step) })
                for (i, p) in singles.enumerated() { p.grad = Tensor(shape: [1], values: [gradients[i] * Float(step)]) }
                a.step()
                b.step()
            }
            XCTAssertEqual(Array(long.value.scalars[0..<23]), singles.map { $0.value.scalars[0] }, "\(decay)")
            XCTAssertNotEqual(Array(long.value.scalars[0..<23]), Array(start[0..<23]))
        }
    }

    func testFrozenAndGradlessParametersAreSkipped() {
        let frozen = Parameter(name: "f", value: Tensor(shape: [2], values: [1, 1]), frozen: true)
        let idle = Parameter(name: "i", value: Tensor(shape: [2], values: [1, 1]))
        frozen.grad = Tensor(shape: [2], values: [5, 5])
        let opt = Adam.adamW(parameters: [frozen, idle], learningRate: 0.1)
        opt.step()
        XCTAssertEqual(frozen.value.scalars, [1, 1])
        XCTAssertEqual(idle.value.scalars, [1, 1])
        XCTAssertTrue(opt.stateTensors().isEmpty)
    }

    func testSchedules() {
        let exp = LearningRateSchedule.exponential(gamma: 0.97)
        XCTAssertEqual(exp.learningRate(base: 2e-3, epoch: 0, step: 50), 2e-3)
        XCTAssertEqual(exp.learningRate(base: 2e-3, epoch: 2, step: 0), 2e-3 * 0.97 * 0.97, accuracy: 1e-9)
        let cosine = LearningRateSchedule.cosine(warmupSteps: 10, totalSteps: 110, minimumFactor: 0.1)
        XCTAssertEqual(cosine.factor(epoch: 0, step: 0), 0.1, accuracy: 1e-12)
        XCTAssertEqual(cosine.factor(epoch: 0, step: 9), 1, accuracy: 1e-12)
        XCTAssertEqual(cosine.factor(epoch: 0, step: 60), 0.55, accuracy: 1e-12)
        XCTAssertEqual(cosine.factor(epoch: 0, step: 110), 0.1, accuracy: 1e-12)
        XCTAssertEqual(LearningRateSchedule.constant.learningRate(base: 0.5, epoch: 9, step: 9), 0.5)
    }

    func testGradientClipping() {
        let a = Parameter(name: "a", value: .zeros([2])), b = Parameter(name: "b", value: .zeros([1]))
        a.grad = Tensor(shape: [2], values: [3, 0]); b.grad = Tensor(shape: [1], values: [4])
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 1), 5, accuracy: 1e-6)
        XCTAssertEqual(a.grad!.scalars[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(b.grad!.scalars[0], 0.8, accuracy: 1e-5)
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 10), 1, accuracy: 1e-5)
        XCTAssertEqual(b.grad!.scalars[0], 0.8, accuracy: 1e-5)
    }
}
