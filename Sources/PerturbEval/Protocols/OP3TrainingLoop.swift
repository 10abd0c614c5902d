import PerturbBase
import PerturbNN
import PerturbTensor

/// The mini-batch loop of the OP3 predictors, Keras' `fit(shuffle=True)`: every epoch a seeded Fisher–Yates shuffle
/// of the rows (continuing from the previous epoch's order), batches of `batchSize` rows in that order (the last one
/// partial), one optimizer step per batch on a training graph that carries the dropout stream from batch to batch.
struct OP3TrainingLoop {
    var epochs: Int
    var batchSize: Int

    /// Trains over `count` rows: `loss` records the loss of the batch `rows` on `graph`, whose dropout draws from
    /// `dropout`; `epochEnded` receives the epoch number (from 1) and its mean batch loss.
    func run(
        count: Int, optimizer: Optimizer, shuffle rng: inout SeededRNG, dropout: SeededRNG,
        epochEnded: ((Int, Double) -> Void)? = nil, loss: (_ rows: ArraySlice<Int>, _ graph: Graph) -> Var
    ) {
        precondition(epochs >= 1 && batchSize >= 1, "OP3TrainingLoop: epochs \(epochs) and batch size \(batchSize)")
        var order = Array(0..<count)
        let graph = Graph(training: true, rng: dropout)
        for epoch in 0..<epochs {
            rng.shuffle(&order)
            var lossSum = 0.0, batches = 0
            for start in stride(from: 0, to: order.count, by: batchSize) {
                graph.reset()
                let value = loss(order[start..<min(order.count, start + batchSize)], graph)
                optimizer.zeroGrad()
                graph.backward(value)
                optimizer.step()
                lossSum += Double(value.value.scalar)
                batches += 1
            }
            epochEnded?(epoch + 1, lossSum / Double(max(batches, 1)))
        }
    }
}
