import Foundation
import PerturbBase
import PerturbData
import PerturbIO

/// Scores a prediction file against a truth file with the OP3 row-wise metrics (seed spec §5.1), the way the OP3
/// metric scripts do: truth = a layer of the truth `.h5ad` (default `clipped_sign_log10_pval`), prediction = the
/// `prediction` layer of a prediction `.h5ad` or a Kaggle-style CSV (`id` + gene columns, rows named by an
/// `id_map.csv` with `id, cell_type, sm_name`); genes = the truth's var names (every one must be predicted) or the
/// intersection; rows matched by obs names, else by (cell type, compound name). NaN in the truth is an error; a
/// NaN prediction counts as 0 (and is reported). Each metric is the arithmetic mean over truth rows.
public struct PredictionScoring {
    /// The OP3 metric ids and the row-wise metric behind each, in the order printed.
    public static let metrics: [(id: String, metric: RowwiseMetric)] = [
        ("mean_rowwise_rmse", .rmse), ("mean_rowwise_mae", .mae), ("mean_rowwise_pearson", .pearson),
        ("mean_rowwise_spearman", .spearman), ("mean_rowwise_cosine", .cosine),
    ]

    /// Which genes are scored.
    public enum GeneSet: String, CaseIterable, Sendable {
        /// The truth's var names; a gene the prediction lacks is an error (the OP3 default).
        case truth
        /// Genes in both files.
        case intersection
    }

    /// A prediction: row names, row keys (cell type, compound name; empty when unknown), genes and values.
    public struct Matrix: Sendable {
        public var rowNames: [String]
        public var rowKeys: [String]
        public var genes: [String]
        public var values: [Float]
    }

    /// The scores and what the alignment did.
    public struct Result: Sendable {
        public var values: [(id: String, value: Double)]
        public var rows: Int
        public var genes: Int
        /// Prediction values that were not finite and were scored as 0.
        public var nonFinitePredictions: Int
        /// Prediction rows that match no truth row (ignored).
        public var unusedPredictionRows: Int
    }

    /// Reads the truth of an `.h5ad`: `layer` when given; otherwise OP3's `clipped_sign_log10_pval` when the file has
    /// it, else the only layer of a file without X (as `evaluate op3` writes its truth), else X.
    public static func readTruth(_ url: URL, layer given: String?) throws -> Matrix {
        let reader = try H5ADReader(url: url)
        if let given, !reader.layerNames.contains(given) {
            throw FormatError(
                file: url.path, location: "/layers/\(given)",
                message:
                    "no such layer; layers are \(reader.layerNames.joined(separator: ", ")) (choose one with --truth-layer)"
            )
        }
        let layer: String?
        if let given {
            layer = given
        } else if reader.layerNames.contains(TargetLayer.defaultName) {
            layer = TargetLayer.defaultName
        } else {
            layer = !reader.hasX && reader.layerNames.count == 1 ? reader.layerNames[0] : nil
        }
        return Matrix(
            rowNames: reader.obs.index, rowKeys: rowKeys(reader.obs), genes: reader.var.index,
            values: try reader.readDense(layer: layer).values)
    }

    /// Reads a prediction `.h5ad`: `layer` (default `prediction`; X when the file has no such layer and `layer` was
    /// not given explicitly).
    public static func readPrediction(h5ad url: URL, layer: String?) throws -> Matrix {
        let reader = try H5ADReader(url: url)
        let name = layer ?? "prediction"
        let chosen: String?
        if reader.layerNames.contains(name) {
            chosen = name
        } else if layer == nil && reader.hasX {
            chosen = nil
        } else {
            throw FormatError(
                file: url.path, location: "/layers/\(name)",
                message:
                    "no such layer; layers are \(reader.layerNames.joined(separator: ", "))\(reader.hasX ? " (and X)" : "")"
            )
        }
        return Matrix(
            rowNames: reader.obs.index, rowKeys: rowKeys(reader.obs), genes: reader.var.index,
            values: try reader.readDense(layer: chosen).values)
    }

    /// Reads a Kaggle-style submission: column `id` then one column per gene; `idMap` (`id, cell_type, sm_name`)
    /// names each row. Errors name the file, line and column.
    public static func readPrediction(csv url: URL, idMap: URL) throws -> Matrix {
        let map = try DelimitedTable.read(idMap)
        let ids = try map.column("id", file: idMap.path), cellTypes = try map.column("cell_type", file: idMap.path)
        let names = try map.column("sm_name", file: idMap.path)
        var keyOf: [String: String] = [:]
        for i in ids.indices { keyOf[ids[i]] = key(cellTypes[i], names[i]) }
        let table = try DelimitedTable.read(url)
        guard table.header.first == "id" else {
            throw InputError(
                "\(url.path): line 1: the first column must be 'id' (Kaggle submission layout), found '\(table.header.first ?? "")'"
            )
        }
        let genes = Array(table.header.dropFirst())
        var values: [Float] = []
        values.reserveCapacity(table.rows.count * genes.count)
        var rowNames: [String] = [], rowKeys: [String] = []
        for (r, row) in table.rows.enumerated() {
            guard row.count == table.header.count else {
                throw InputError(
                    "\(url.path): line \(r + 2): \(row.count) fields, the header has \(table.header.count)")
            }
            guard let rowKey = keyOf[row[0]] else {
                throw InputError("\(url.path): line \(r + 2): id '\(row[0])' is not in \(idMap.path)")
            }
            rowNames.append(row[0])
            rowKeys.append(rowKey)
            for (j, field) in row.dropFirst().enumerated() {
                let text = field.trimmingCharacters(in: .whitespaces)
                if text.isEmpty || MissingValue.isMissing(text) { values.append(.nan); continue }
                guard let v = Float(text) else {
                    throw InputError("\(url.path): line \(r + 2), column '\(genes[j])': '\(field)' is not a number")
                }
                values.append(v)
            }
        }
        return Matrix(rowNames: rowNames, rowKeys: rowKeys, genes: genes, values: values)
    }

    /// The OP3 metrics of `prediction` on `truth`.
    public static func score(
        truth: Matrix, prediction: Matrix, genes geneSet: GeneSet = .truth,
        truthFile: String, predictionFile: String
    ) throws -> Result {
        let predictedColumn = Dictionary(
            prediction.genes.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let genes: [String]
        switch geneSet {
        case .truth:
            let missing = truth.genes.filter { predictedColumn[$0] == nil }
            guard missing.isEmpty else {
                throw InputError(
                    "\(predictionFile): \(missing.count) of the truth's \(truth.genes.count) genes are not predicted (\(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? ", ..." : "")); use --genes intersection to score the shared genes"
                )
            }
            genes = truth.genes
        case .intersection:
            genes = truth.genes.filter { predictedColumn[$0] != nil }
            guard !genes.isEmpty else { throw InputError("\(predictionFile): no gene in common with \(truthFile)") }
        }
        let rowOf = try matchRows(
            truth: truth, prediction: prediction, truthFile: truthFile, predictionFile: predictionFile)
        let truthColumn = Dictionary(truth.genes.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let n = truth.rowNames.count, g = genes.count
        var y = [Float](repeating: 0, count: n * g), p = [Float](repeating: 0, count: n * g)
        let tc = genes.map { truthColumn[$0]! }, pc = genes.map { predictedColumn[$0]! }
        for r in 0..<n {
            let pr = rowOf[r]
            for j in 0..<g {
                y[r * g + j] = truth.values[r * truth.genes.count + tc[j]]
                p[r * g + j] = prediction.values[pr * prediction.genes.count + pc[j]]
            }
        }
        let scores: RowwiseScores
        do {
            scores = try RowwiseScores.evaluate(
                truth: y, prediction: p, rows: n, genes: g, rowLabels: truth.rowNames, geneNames: genes)
        } catch let error as NonFiniteTruthError {
            throw InputError("\(truthFile): \(error.description)")
        }
        return Result(
            values: metrics.map { ($0.id, scores.mean($0.metric)) }, rows: n, genes: g,
            nonFinitePredictions: scores.nonFinitePredictionsReplaced,
            unusedPredictionRows: prediction.rowNames.count - Set(rowOf).count)
    }

    /// For each truth row, the prediction row: by name when every truth row name is predicted, else by
    /// (cell type, compound name).
    static func matchRows(truth: Matrix, prediction: Matrix, truthFile: String, predictionFile: String) throws -> [Int]
    {
        let byName = Dictionary(prediction.rowNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        if truth.rowNames.allSatisfy({ byName[$0] != nil }) { return truth.rowNames.map { byName[$0]! } }
        guard !truth.rowKeys.contains(""), !prediction.rowKeys.contains("") else {
            let missing = truth.rowNames.filter { byName[$0] == nil }
            throw InputError(
                "\(predictionFile): \(missing.count) truth rows are not predicted (by obs name: \(missing.prefix(3).joined(separator: ", "))); without cell_type and sm_name columns rows can only be matched by name"
            )
        }
        var byKey: [String: Int] = [:]
        for (i, k) in prediction.rowKeys.enumerated() {
            if byKey[k] != nil {
                throw InputError(
                    "\(predictionFile): row \(prediction.rowNames[i]) repeats the cell type and compound \(k.replacingOccurrences(of: "\u{1}", with: " / "))"
                )
            }
            byKey[k] = i
        }
        let missing = truth.rowKeys.indices.filter { byKey[truth.rowKeys[$0]] == nil }
        guard missing.isEmpty else {
            let examples = missing.prefix(3).map { truth.rowKeys[$0].replacingOccurrences(of: "\u{1}", with: " / ") }
            throw InputError(
                "\(predictionFile): \(missing.count) of the \(truth.rowNames.count) rows of \(truthFile) are not predicted (\(examples.joined(separator: "; ")))"
            )
        }
        return truth.rowKeys.map { byKey[$0]! }
    }

    /// Row keys from obs: OP3's `cell_type` + `sm_name`, or our effects files' `context` + `compound_names`.
    static func rowKeys(_ obs: DataFrame) -> [String] {
        for (cell, name) in [("cell_type", "sm_name"), ("context", "compound_names")] {
            if let c = obs.column(cell)?.stringValues(), let n = obs.column(name)?.stringValues() {
                return zip(c, n).map { key($0, $1) }
            }
        }
        return Array(repeating: "", count: obs.count)
    }

    static func key(_ cellType: String, _ name: String) -> String { cellType + "\u{1}" + name }
}
