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
