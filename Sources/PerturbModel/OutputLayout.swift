import PerturbTensor

/// What training, validation and prediction do differently per output mode, as one conformance per mode: the record
/// a batch is made of, how a corpus shard becomes records and records a `Batch`, and which output rows of the model
/// answer which (condition, gene) of a prediction. The loops themselves (`TrainingSession.trainEpoch`,
/// `TrainingCorpus.validate`, `LPMModel.predict`) are written once, generic over the layout; `OutputMode.layout` is
/// the one switch. A new output mode is a conformance and a case there, plus its input width and output head in
/// `LPMModel.init` and, if its loss differs, a `Batch.Objective`.
protocol OutputLayout {
    /// One training or validation record.
    associatedtype Record: BufferedRecord
    /// What `batch_size` counts ("rows", "scalars"), for progress and messages.
    static var unit: String { get }
    /// Records in one training epoch.
    static func trainRecordCount(_ corpus: TrainingCorpus) -> Int
    /// Shuffle-buffer bytes of the largest training record (a batch of them must fit in the buffer).
    static func largestRecordBytes(_ corpus: TrainingCorpus) -> Int
    /// The records of one corpus shard, in row order.
    static func records(_ corpus: TrainingCorpus, _ shard: TrainingCorpus.Shard) throws -> [Record]
    /// The batch of `records`.
    static func batch(_ records: [Record], builder: inout BatchBuilder) -> Batch
    /// A rank's records of one optimizer step in the order they are cut into micro-batches. The step's gradient is
    /// the sum over its micro-batches whatever the order, so a layout may put records that share model inputs
    /// together: each micro-batch then projects fewer distinct table rows (`concatLinear`).
    static func microBatchOrder(_ records: [Record]) -> [Record]

    /// Output rows of the model that predict every one of `genes` genes for `conditions` conditions.
    static func predictionRows(conditions: Int, genes: Int) -> Int
    /// Model inputs of the output rows `rows`, for `conditions` and the vocabulary gene codes `genes`.
    static func inputs(
        rows: Range<Int>, conditions: [EncodedCondition], genes: [Int32],
        builder: inout BatchBuilder
    ) -> LPMInputs
    /// Passes every predicted value of the output rows `rows` (`output`, as `LPMModel.forward` returns it) to `write`
    /// with its condition and the position of its gene in `genes`.
    static func scatter(
        _ output: Tensor, rows: Range<Int>, genes: [Int32],
        _ write: (_ condition: Int, _ gene: Int, _ value: Float) -> Void)
}

extension OutputMode {
    /// The mode's layout: the one place that maps an output mode to its records, batches and prediction rows.
    var layout: any OutputLayout.Type {
        switch self {
        case .scalar: return ScalarLayout.self
        case .multiout: return MultiOutputLayout.self
        }
    }
}

/// `scalar`: one record per measured (condition, gene) value; one output per row, whose inputs carry the gene code.
/// Prediction rows run over the conditions, and within each over the genes.
enum ScalarLayout: OutputLayout {
    static let unit = "scalars"
    static func trainRecordCount(_ corpus: TrainingCorpus) -> Int { corpus.trainValueCount }
    static func largestRecordBytes(_ corpus: TrainingCorpus) -> Int { MemoryLayout<ScalarRecord>.stride }
    static func records(_ corpus: TrainingCorpus, _ shard: TrainingCorpus.Shard) throws -> [ScalarRecord] {
        try corpus.scalarRecords(shard)
    }
    static func batch(_ records: [ScalarRecord], builder: inout BatchBuilder) -> Batch { builder.batch(records) }
    /// Grouped by gene (a stable counting sort): a step of 262,144 scalars over ~43,500 genes cut into 16
    /// micro-batches then has ~1/16 of the step's genes in each, instead of ~10,000, so the gene embedding rows are
    /// projected about once per step rather than once per micro-batch.
    static func microBatchOrder(_ records: [ScalarRecord]) -> [ScalarRecord] {
        guard let largest = records.lazy.map(\.gene).max() else { return records }
        var starts = [Int](repeating: 0, count: Int(largest) + 2)
        for r in records { starts[Int(r.gene) + 1] += 1 }
        for g in 1..<starts.count { starts[g] += starts[g - 1] }
        var sorted = records
        for r in records {
            sorted[starts[Int(r.gene)]] = r
            starts[Int(r.gene)] += 1
        }
        return sorted
    }

    static func predictionRows(conditions: Int, genes: Int) -> Int { conditions * genes }
    static func inputs(
        rows: Range<Int>, conditions: [EncodedCondition], genes: [Int32],
        builder: inout BatchBuilder
    ) -> LPMInputs {
        let n = genes.count
        return builder.inputs(rows.map { conditions[$0 / n] }, gene: rows.map { genes[$0 % n] })
    }
    static func scatter(
        _ output: Tensor, rows: Range<Int>, genes: [Int32],
        _ write: (_ condition: Int, _ gene: Int, _ value: Float) -> Void
    ) {
        let n = genes.count, p = output.readPointer
        for (i, row) in rows.enumerated() { write(row / n, row % n, p[i]) }
    }
}

/// `multiout`: one record per condition with the values of its gene panel; one output per vocabulary gene. Prediction
/// rows are the conditions.
enum MultiOutputLayout: OutputLayout {
    static let unit = "rows"
    static func trainRecordCount(_ corpus: TrainingCorpus) -> Int { corpus.trainConditionCount }
    static func largestRecordBytes(_ corpus: TrainingCorpus) -> Int { corpus.largestRowBytes }
    static func records(_ corpus: TrainingCorpus, _ shard: TrainingCorpus.Shard) throws -> [TrainingRow] {
        try corpus.rows(shard)
    }
    static func batch(_ records: [TrainingRow], builder: inout BatchBuilder) -> Batch { builder.batch(records) }
    /// As drawn: a row's inputs are its condition's, shared with few other rows of a step.
    static func microBatchOrder(_ records: [TrainingRow]) -> [TrainingRow] { records }

    static func predictionRows(conditions: Int, genes: Int) -> Int { conditions }
    static func inputs(
        rows: Range<Int>, conditions: [EncodedCondition], genes: [Int32],
        builder: inout BatchBuilder
    ) -> LPMInputs {
        builder.inputs(Array(conditions[rows]), gene: nil)
    }
    static func scatter(
        _ output: Tensor, rows: Range<Int>, genes: [Int32],
        _ write: (_ condition: Int, _ gene: Int, _ value: Float) -> Void
    ) {
        let width = output.cols, p = output.readPointer
        for (i, row) in rows.enumerated() {
            for (k, code) in genes.enumerated() { write(row, k, p[i * width + Int(code)]) }
        }
    }
}
