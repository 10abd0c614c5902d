import PerturbBase
import PerturbNN
import PerturbTensor
import XCTest

final class LayerTests: XCTestCase {
    func testMLPNamesShapesAndXavierBounds() {
        var rng = SeededRNG(seed: 1)
        let mlp = MLP(inputs: 768, hidden: [256, 256], outputs: 1, dropout: 0.1, rng: &rng)
        XCTAssertEqual(
            mlp.parameters.map { $0.name },
            [
                "mlp.layers.0.weight", "mlp.layers.0.bias", "mlp.layers.1.weight", "mlp.layers.1.bias",
                "mlp.layers.2.weight", "mlp.layers.2.bias",
            ])
        XCTAssertEqual(mlp.parameters.map { $0.shape }, [[256, 768], [256], [256, 256], [256], [1, 256], [1]])
        let bound = Float(2).squareRoot() * (6 / Float(768 + 256)).squareRoot()
        let w = mlp.layers[0].weight.value.scalars
        XCTAssertLessThanOrEqual(w.map(abs).max()!, bound)
        XCTAssertGreaterThan(w.map(abs).max()!, 0.95 * bound)
        // Uniform(−a, a) has variance a²/3.
        let variance = w.reduce(0) { $0 + Double($1 * $1) } / Double(w.count)
        XCTAssertEqual(variance, Double(bound * bound) / 3, accuracy: 0.02 * Double(bound * bound))
        let biasBound = 1 / Float(768).squareRoot()
        XCTAssertLessThanOrEqual(mlp.layers[0].bias!.value.scalars.map(abs).max()!, biasBound)
        XCTAssertEqual(mlp.parameters.scalarCount, 768 * 256 + 256 + 256 * 256 + 256 + 256 + 1)
    }

    /// `Module.setFrozen` freezes every parameter of a composite: backward leaves them without gradient and an
    /// optimizer step leaves them unchanged; unfreezing trains them again.
    func testSetFrozenFreezesEveryParameterOfAModule() {
        var rng = SeededRNG(seed: 2)
        let mlp = MLP(inputs: 4, hidden: [3], outputs: 2, dropout: 0, rng: &rng)
        let before = mlp.parameters.map(\.value)
        let x = Tensor.uniform([5, 4], low: -1, high: 1, rng: &rng),
            target = Tensor.uniform([5, 2], low: -1, high: 1, rng: &rng)
        func step() {
            let graph = Graph()
            let optimizer = Adam.adamW(parameters: mlp.parameters, learningRate: 0.1)
            graph.backward(mseLoss(mlp(graph.input(x)), target: target))
            optimizer.step()
        }
        mlp.setFrozen(true)
        XCTAssertTrue(mlp.parameters.allSatisfy(\.frozen))
        step()
        XCTAssertEqual(mlp.parameters.map(\.value), before, "frozen parameters do not move")
        XCTAssertTrue(mlp.parameters.allSatisfy { $0.grad == nil })
        mlp.setFrozen(false)
        step()
        XCTAssertNotEqual(mlp.parameters.map(\.value), before)
    }

    func testMLPMatchesManualComposition() {
        var rng = SeededRNG(seed: 2)
        let mlp = MLP(inputs: 3, hidden: [4], outputs: 2, activation: .tanh, rng: &rng)
        let x = Tensor.normal([5, 3], rng: &rng)
        let g = Graph()
        let out = mlp(g.input(x)).value
        let l0 = mlp.layers[0], l1 = mlp.layers[1]
        let manual = linear(
            tanh(linear(g.input(x), weight: g.input(l0.weight.value), bias: g.input(l0.bias!.value))),
            weight: g.input(l1.weight.value), bias: g.input(l1.bias!.value)
        ).value
        XCTAssertEqual(out, manual)
    }

    func testSequentialAndDropoutLayers() {
        var rng = SeededRNG(seed: 3)
        let net = Sequential([
            Linear(name: "a", inputs: 4, outputs: 8, rng: &rng), ActivationLayer(.gelu), Dropout(0.5),
            Linear(name: "b", inputs: 8, outputs: 1, rng: &rng),
        ])
        XCTAssertEqual(net.parameters.map { $0.name }, ["a.weight", "a.bias", "b.weight", "b.bias"])
        let x = Tensor.normal([6, 4], rng: &rng)
        let eval = Graph(training: false)
        XCTAssertEqual(net(eval.input(x)).value, net(eval.input(x)).value, "evaluation mode needs no randomness")
        let train = Graph(rng: SeededRNG(seed: 9))
        XCTAssertNotEqual(net(train.input(x)).value, net(train.input(x)).value, "each call draws a new mask")
    }

    func testEmbeddingsAndFrozenTable() {
        var rng = SeededRNG(seed: 4)
        let emb = Embedding(name: "gene", count: 10, dim: 3, rng: &rng)
        let bag = EmbeddingBag(
            name: "compound", table: Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6]), frozen: true)
        let g = Graph()
        let rows = emb([1, 1, 7], graph: g)
        let bags = bag(offsets: [0, 2, 3], indices: [0, 2, 1], graph: g)
        XCTAssertEqual(bags.value.scalars, [3, 4, 3, 4])
        g.backward(sum(rows) + sum(bags))
        XCTAssertNil(bag.weight.grad)
        let grad = emb.weight.grad!
        XCTAssertEqual(grad[1, 0], 2); XCTAssertEqual(grad[7, 2], 1); XCTAssertEqual(grad[0, 0], 0)
        // N(0, 1) init.
        let big = Embedding(name: "big", count: 1000, dim: 16, rng: &rng).weight.value.scalars
        let m = big.reduce(0, +) / Float(big.count)
        let sd = (big.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Float(big.count)).squareRoot()
        XCTAssertEqual(m, 0, accuracy: 0.03); XCTAssertEqual(sd, 1, accuracy: 0.03)
    }

    /// Keras `Dense` init: Glorot uniform weights (gain 1) and a zero bias.
    func testKerasDefaultLinearInit() {
        var rng = SeededRNG(seed: 6)
        let layer = Linear(name: "dense", inputs: 300, outputs: 100, initialization: .kerasDefault, rng: &rng)
        let bound = (6 / Float(400)).squareRoot()
        let w = layer.weight.value.scalars.map(abs)
        XCTAssertLessThanOrEqual(w.max()!, bound)
        XCTAssertGreaterThan(w.max()!, 0.99 * bound)
        XCTAssertEqual(layer.bias!.value.scalars, [Float](repeating: 0, count: 100))
    }

    /// Training graphs normalize with the batch statistics and move the running statistics by 1 − momentum (Keras);
    /// evaluation graphs apply the running statistics; gradients reach gamma and beta only.
    func testBatchNorm1dTrainingAndEvaluation() {
        let bn = BatchNorm1d(name: "bn", features: 2)
        XCTAssertEqual(bn.parameters.map(\.name), ["bn.gamma", "bn.beta"])
        XCTAssertEqual(bn.momentum, 0.99); XCTAssertEqual(bn.epsilon, 1e-3)
        let x = Tensor(shape: [4, 2], values: [1, 10, 2, 20, 3, 30, 6, 40])  // means 3, 25; biased variances 3.5, 125
        let train = Graph()
        let y = bn(train.input(x))
        XCTAssertEqual(y.value[0, 0], -2 / (3.5 + 1e-3).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(bn.runningMean.scalars[0], 0.03, accuracy: 1e-6)
        XCTAssertEqual(bn.runningMean.scalars[1], 0.25, accuracy: 1e-6)
        XCTAssertEqual(bn.runningVariance.scalars[0], 0.99 + 0.035, accuracy: 1e-6)
        XCTAssertEqual(bn.runningVariance.scalars[1], 0.99 + 1.25, accuracy: 1e-5)
        train.backward(sum(y * train.input(x)))
        XCTAssertNotNil(bn.gamma.grad); XCTAssertNotNil(bn.beta.grad)

        let eval = Graph(training: false)
        let (mean, variance) = (bn.runningMean, bn.runningVariance)
        let z = bn(eval.input(x)).value
        XCTAssertEqual(z[3, 1], (40 - mean.scalars[1]) / (variance.scalars[1] + 1e-3).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(bn.runningMean, mean, "evaluation leaves the running statistics alone")
        // Many training steps on the same batch converge to its statistics.
        for _ in 0..<2000 { let g = Graph(); withExtendedLifetime(g) { _ = bn(g.input(x)) } }
        XCTAssertEqual(bn.runningMean.scalars[1], 25, accuracy: 1e-3)
        XCTAssertEqual(bn.runningVariance.scalars[0], 3.5, accuracy: 1e-3)
    }
}
