/// Per-pair agreement metrics of the reference (seed spec §5.3 `observed_deg_metrics`, `score_signature_pair`).
///
/// For a pair (left = dataset A's profile, right = dataset B's) over the pair's gene universe, with DE masks
/// `mask_L`, `mask_R` (`DifferentialExpression`):
/// - `deg_spearman_left` / `_right`: Spearman of the two logFC vectors over the genes DE on that side and finite in
///   both; NaN with fewer than 2 genes or a constant rank vector. `deg_spearman_sym`: their mean, NaN if either is
///   NaN (`strict_symmetric_mean`). Table 4's "rank agreement".
/// - `direction_agreement`: fraction of genes with sign(L) = sign(R) among genes DE in both and finite; NaN if none.
///   Table 5.
/// - `de_overlap_k50/100/200`: each side's DE genes ranked by |logFC| descending (stable in gene order);
///   |top-k(L) ∩ top-k(R)| / k, NaN if either list is shorter than k. `de_overlap_refn_left/right` use k = the
///   number of DE genes of that side, `_sym` their strict mean (so, as in the reference, `_sym` is defined only when
///   both sides have equally many DE genes).
/// - `spearman_all`: Spearman over all genes finite in both ("signature similarity", Table 6).
public enum AgreementMetric: String, CaseIterable, Codable, Sendable {
    case degSpearmanSym = "deg_spearman_sym"
    case degSpearmanLeft = "deg_spearman_left"
    case degSpearmanRight = "deg_spearman_right"
    case directionAgreement = "direction_agreement"
    case overlapRefNSym = "de_overlap_refn_sym"
    case overlapRefNLeft = "de_overlap_refn_left"
    case overlapRefNRight = "de_overlap_refn_right"
    case overlapK50 = "de_overlap_k50"
    case overlapK100 = "de_overlap_k100"
    case overlapK200 = "de_overlap_k200"
    case spearmanAll = "spearman_all"

    /// Metrics whose baselines include per-peer distributions (the reference's `PEER_METRICS` and the signature
    /// Spearman); the others get centroid baselines only.
    public static let withPeers: [AgreementMetric] = [.degSpearmanSym, .directionAgreement, .spearmanAll]

    /// The top-k sizes of `de_overlap_k*`.
    public static let overlapSizes = [50, 100, 200]

    /// The range the metric can take, for colour scales: −1...1 for the Spearman correlations, 0...1 for the
    /// fractions (direction agreement, overlaps).
    public var valueRange: ClosedRange<Double> {
        switch self {
        case .degSpearmanSym, .degSpearmanLeft, .degSpearmanRight, .spearmanAll: return -1...1
        case .directionAgreement, .overlapRefNSym, .overlapRefNLeft, .overlapRefNRight, .overlapK50, .overlapK100,
            .overlapK200:
            return 0...1
        }
    }

    /// A short human label for reports.
    public var title: String {
        switch self {
        case .degSpearmanSym: return "DEG-restricted logFC Spearman (symmetric)"
        case .degSpearmanLeft: return "DEG-restricted logFC Spearman (left DE genes)"
        case .degSpearmanRight: return "DEG-restricted logFC Spearman (right DE genes)"
        case .directionAgreement: return "Direction agreement on genes DE in both"
        case .overlapRefNSym: return "DE overlap at the reference side's DE count (symmetric)"
        case .overlapRefNLeft: return "DE overlap at the left side's DE count"
        case .overlapRefNRight: return "DE overlap at the right side's DE count"
        case .overlapK50: return "Top-50 DE overlap"
        case .overlapK100: return "Top-100 DE overlap"
        case .overlapK200: return "Top-200 DE overlap"
        case .spearmanAll: return "All-gene logFC Spearman"
        }
    }
}

/// One profile on a pair's gene universe: logFC (NaN where not measured) and DE flags, with its centered,
/// unit-norm average ranks when every value is finite (for fast all-gene Spearman against many peers).
struct AlignedProfile: Sendable {
    let values: [Double]
    let de: [Bool]
    let allFinite: Bool
    /// Centered, L2-normalized average ranks; nil unless all values are finite and not constant.
    let ranks: [Double]?

    init(values: [Double], de: [Bool]) {
        precondition(values.count == de.count, "values and DE flags differ in length")
        self.values = values
        self.de = de
        allFinite = values.allSatisfy(\.isFinite)
        ranks = allFinite ? Self.normalizedRanks(values) : nil
    }

    /// The profile of row `row` of `set` on the gene indices `genes`.
    init(set: ProfileSet, row: Int, genes: [Int]) {
        self.init(values: genes.map { set.value(row, $0) }, de: genes.map { set.isDE(row, $0) })
    }

    /// Centered average ranks scaled to unit norm; nil when constant.
    static func normalizedRanks(_ values: [Double]) -> [Double]? {
        guard values.count >= 2 else { return nil }
        let ranks = Ranking.averageRanks(values)
        let mean = ranks.reduce(0, +) / Double(ranks.count)
        let centered = ranks.map { $0 - mean }
        let norm = VectorStatistics.norm(centered)
        return norm > 0 ? centered.map { $0 / norm } : nil
    }

    /// Indices of the DE genes ranked by |logFC| descending, ties in gene order (`ranked_genes_from_mask`).
    var rankedDE: [Int] { PairMetrics.rankedByMagnitude(values, where: de) }
}

/// Computes `AgreementMetric`s: observed pairs and sample-referenced baseline comparisons.
enum PairMetrics {
    /// Spearman of `a` and `b` over the positions where `mask` holds and both are finite (`signed_spearman`);
    /// NaN for fewer than 2 positions or a constant rank vector.
    static func spearman(_ a: [Double], _ b: [Double], mask: [Bool]? = nil) -> Double {
        var x: [Double] = []
        var y: [Double] = []
        for i in a.indices where (mask?[i] ?? true) && a[i].isFinite && b[i].isFinite {
            x.append(a[i])
            y.append(b[i])
        }
        guard x.count >= 2 else { return .nan }
        return VectorStatistics.spearman(x, y) ?? .nan
    }

    /// All-gene Spearman of two profiles: a dot product of prepared ranks when both are complete, else `spearman`.
    static func spearmanAll(_ a: AlignedProfile, _ b: AlignedProfile) -> Double {
        guard a.allFinite && b.allFinite else { return spearman(a.values, b.values) }
        guard let ra = a.ranks, let rb = b.ranks else { return .nan }
        var dot = 0.0
        for i in ra.indices { dot += ra[i] * rb[i] }
        return min(1, max(-1, dot))
    }

    /// Fraction of equal signs over the positions where `mask` holds and both are finite; NaN if none.
    static func direction(_ a: [Double], _ b: [Double], mask: [Bool]) -> Double {
        var same = 0
        var n = 0
        for i in a.indices where mask[i] && a[i].isFinite && b[i].isFinite {
            n += 1
            if VectorStatistics.sign(a[i]) == VectorStatistics.sign(b[i]) { same += 1 }
        }
        return n > 0 ? Double(same) / Double(n) : .nan
    }

    /// Positions where `mask` holds (and the value is finite) ordered by |value| descending, ties in position order.
    static func rankedByMagnitude(_ values: [Double], where mask: [Bool]) -> [Int] {
        let positions = values.indices.filter { mask[$0] && values[$0].isFinite }
        return Ranking.topIndicesByMagnitude(positions.map { values[$0] }, k: positions.count).map { positions[$0] }
    }

    /// |top-n(a) ∩ top-n(b)| / n; NaN if n ≤ 0 or either list is shorter than n (`top_overlap_fraction`).
    static func overlap(_ a: [Int], _ b: [Int], n: Int) -> Double {
        guard n > 0, a.count >= n, b.count >= n else { return .nan }
        let top = Set(a.prefix(n))
        return Double(b.prefix(n).filter(top.contains).count) / Double(n)
    }

    /// The mean of two values, NaN if either is NaN (`strict_symmetric_mean`).
    static func strictMean(_ a: Double, _ b: Double) -> Double { a.isFinite && b.isFinite ? (a + b) / 2 : .nan }

    /// The mean of the finite values, NaN if none (`mean_available`).
    static func meanAvailable(_ values: [Double]) -> Double { VectorStatistics.finiteMean(values) ?? .nan }

    /// Observed metrics of a matched pair.
    static func observed(_ left: AlignedProfile, _ right: AlignedProfile) -> [AgreementMetric: Double] {
        let l = left.values
        let r = right.values
        let rankedL = left.rankedDE
        let rankedR = right.rankedDE
        var out = [AgreementMetric: Double]()
        out[.degSpearmanLeft] = spearman(l, r, mask: left.de)
        out[.degSpearmanRight] = spearman(l, r, mask: right.de)
        out[.degSpearmanSym] = strictMean(out[.degSpearmanLeft]!, out[.degSpearmanRight]!)
        out[.directionAgreement] = direction(l, r, mask: zip(left.de, right.de).map { $0 && $1 })
        out[.overlapRefNLeft] = overlap(rankedL, rankedR, n: rankedL.count)
        out[.overlapRefNRight] = overlap(rankedL, rankedR, n: rankedR.count)
        out[.overlapRefNSym] = strictMean(out[.overlapRefNLeft]!, out[.overlapRefNRight]!)
        for (metric, k) in zip([AgreementMetric.overlapK50, .overlapK100, .overlapK200], AgreementMetric.overlapSizes) {
            out[metric] = overlap(rankedL, rankedR, n: k)
        }
        out[.spearmanAll] = spearmanAll(left, right)
        return out
    }

    /// One side's scores against a baseline `reference` (a centroid or a peer) in the sample-referenced convention
    /// (`sample_baseline_deg_metrics`): DE-restricted Spearman over the sample's DE genes; direction over the
    /// sample's DE genes where the reference is finite; overlaps of the sample's ranked DE genes with the
    /// reference's genes ranked by |value| over all finite genes, at k = the sample's DE count and at 50/100/200;
    /// all-gene Spearman. Keys are the side-level metrics `degSpearmanSym`, `directionAgreement`, `overlapRefNSym`,
    /// `overlapK*`, `spearmanAll`.
    static func sampleReferenced(_ sample: AlignedProfile, _ reference: AlignedProfile) -> [AgreementMetric: Double] {
        let s = sample.values
        let c = reference.values
        let rankedSample = sample.rankedDE
        let rankedReference = rankedByMagnitude(c, where: [Bool](repeating: true, count: c.count))
        var out = [AgreementMetric: Double]()
        out[.degSpearmanSym] = spearman(s, c, mask: sample.de)
        out[.directionAgreement] = direction(s, c, mask: sample.de)
        out[.overlapRefNSym] = overlap(rankedSample, rankedReference, n: sample.de.filter { $0 }.count)
        for (metric, k) in zip([AgreementMetric.overlapK50, .overlapK100, .overlapK200], AgreementMetric.overlapSizes) {
            out[metric] = overlap(rankedSample, rankedReference, n: k)
        }
        out[.spearmanAll] = spearmanAll(sample, reference)
        return out
    }

    /// A baseline's pair value per metric from the two sides' sample-referenced scores: left/right metrics take
    /// their side, every other metric the mean of the available sides (`mean_available`).
    static func pairValues(
        left: [AgreementMetric: Double]?, right: [AgreementMetric: Double]?
    ) -> [AgreementMetric: Double] {
        func side(_ scores: [AgreementMetric: Double]?, _ m: AgreementMetric) -> Double { scores?[m] ?? .nan }
        var out = [AgreementMetric: Double]()
        for metric in AgreementMetric.allCases {
            switch metric {
            case .degSpearmanLeft: out[metric] = side(left, .degSpearmanSym)
            case .degSpearmanRight: out[metric] = side(right, .degSpearmanSym)
            case .overlapRefNLeft: out[metric] = side(left, .overlapRefNSym)
            case .overlapRefNRight: out[metric] = side(right, .overlapRefNSym)
            default: out[metric] = meanAvailable([side(left, metric), side(right, metric)])
            }
        }
        return out
    }
}
