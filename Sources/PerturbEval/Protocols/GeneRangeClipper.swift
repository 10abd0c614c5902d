import Foundation

/// Per-gene clipping of predictions to the range of the training targets (the reference OP3 predictor clips each
/// gene to its training min/max after inverting the SVD).
public struct GeneRangeClipper: Sendable, Equatable {
    /// Per-gene minimum and maximum of the training targets.
    public let minimum: [Float]
    public let maximum: [Float]

    /// Fits the ranges on a row-major `rows × genes` matrix; non-finite values are ignored (a gene with no finite
    /// value is left unclipped).
    public init(fitting targets: [Float], rows: Int, genes: Int) {
        precondition(targets.count == rows * genes, "GeneRangeClipper: shape mismatch")
        var lo = [Float](repeating: .infinity, count: genes), hi = [Float](repeating: -.infinity, count: genes)
        for r in 0..<rows {
            for g in 0..<genes {
                let v = targets[r * genes + g]
                guard v.isFinite else { continue }
                if v < lo[g] { lo[g] = v }
                if v > hi[g] { hi[g] = v }
            }
        }
        minimum = lo
        maximum = hi
    }

    /// Clips a row-major `rows × genes` prediction in place.
    public func clip(_ prediction: inout [Float]) {
        let genes = minimum.count
        precondition(genes > 0 && prediction.count % genes == 0, "GeneRangeClipper: prediction width mismatch")
        for i in prediction.indices {
            let g = i % genes
            if prediction[i] < minimum[g] {
                prediction[i] = minimum[g]
            } else if prediction[i] > maximum[g] {
                prediction[i] = maximum[g]
            }
        }
    }
}
