import Foundation
import PerturbBase

/// A 2-D map of compound embeddings: the rows centred and projected on their first two principal components
/// (`TruncatedSVD` of the centred matrix, fixed seed), coloured by a label per compound (the datasets it was seen in
/// training, or a pathway). Up to 8 labels each get a palette colour; with more, the 7 most frequent do and the rest
/// are pooled as "other" (grey); empty labels are "unknown" (light grey).
public struct EmbeddingMap: Sendable {
    /// Legend names with their compound counts: the coloured labels by count, then "other" and "unknown".
    public let groups: [String]
    /// The colour of each group (greys for "other" and "unknown").
    public let colors: [String]
    public let points: [ScatterSVG.Point]
    /// Share of the centred matrix's total variance on each of the two axes.
    public let explained: (first: Double, second: Double)

    /// Labels with a colour of their own when there are more than the palette's 8.
    static let coloured = 7

    /// Projects `matrix` (`labels.count × dim`, row-major) on its top two principal components.
    public init(matrix: [Float], dim: Int, labels: [String]) throws {
        let rows = labels.count
        guard rows >= 2, dim >= 2, matrix.count == rows * dim else {
            throw InputError("embedding map needs at least 2 compounds × 2 dimensions (got \(rows) × \(dim))")
        }
        var centred = matrix
        for c in 0..<dim {
            var mean = 0.0
            for r in 0..<rows { mean += Double(matrix[r * dim + c]) }
            mean /= Double(rows)
            for r in 0..<rows { centred[r * dim + c] = Float(Double(matrix[r * dim + c]) - mean) }
        }
        let svd = TruncatedSVD(fitting: centred, rows: rows, cols: dim, rank: 2, seed: 0)
        let coordinates = svd.transform(centred, rows: rows)
        let total = centred.reduce(0.0) { $0 + Double($1) * Double($1) }
        let share = svd.singularValues.map { total > 0 ? $0 * $0 / total : 0 }
        explained = (share[0], share[1])

        let counts = Dictionary(labels.map { ($0, 1) }, uniquingKeysWith: +)
        let ranked = counts.keys.filter { !$0.isEmpty }.sorted { (counts[$0]!, $1) > (counts[$1]!, $0) }
        let kept = ranked.count <= SVGText.palette.count ? ranked : Array(ranked.prefix(Self.coloured))
        var groups = kept.map { "\($0) (\(counts[$0]!))" }, colors = kept.indices.map(SVGText.color)
        var index = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
        let pooled = ranked.dropFirst(kept.count).map { counts[$0]! }.reduce(0, +)
        if pooled > 0 {
            for label in ranked.dropFirst(kept.count) { index[label] = groups.count }
            groups.append("other (\(pooled))")
            colors.append("#999999")
        }
        if let unknown = counts[""] {
            index[""] = groups.count
            groups.append("unknown (\(unknown))")
            colors.append("#cccccc")
        }
        self.groups = groups
        self.colors = colors
        points = labels.enumerated().map { i, label in
            ScatterSVG.Point(x: Double(coordinates[i * 2]), y: Double(coordinates[i * 2 + 1]), group: index[label]!)
        }
    }

    /// The scatter of the projected compounds.
    public func figure(title: String) -> ScatterSVG {
        ScatterSVG(
            title: title,
            xLabel: String(format: "PC1 (%.0f %% of variance)", explained.first * 100),
            yLabel: String(format: "PC2 (%.0f %% of variance)", explained.second * 100),
            groups: groups, colors: colors, points: points)
    }
}
