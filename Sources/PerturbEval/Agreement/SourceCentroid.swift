/// The reference's published baseline (`source_centroid`, spec §5.3): a sample is scored against the gene-wise mean
/// of its own dataset's peers — rows with the same context, dose and time but a different compound — using the same
/// metric; a pair's baseline value is the mean of its two sides' scores (NaN if either side is undefined).
/// A gene enters the centroid only when every peer measures it (`require_all_finite=True`). DE-restricted metrics use
/// the sample's DE genes only (the reference's sample-referenced convention: a centroid of many compounds is shrunk
/// towards 0 and has few DE genes of its own).
enum SourceCentroid {
    /// Gene-wise mean over the peers of `row` among `candidates`, on `genes` (indices into the set's genes);
    /// nil when the row has no peer. `valid[j]` is false where a peer lacks gene `genes[j]`.
    static func centroid(of row: Int, in set: ProfileSet, candidates: [Int], genes: [Int]) -> (values: [Double], valid: [Bool])? {
        let c = set.conditions[row]
        let peers = candidates.filter {
            let p = set.conditions[$0]
            return p.compound != c.compound && p.context == c.context && p.sameDose(as: c) && p.sameTime(as: c)
        }
        guard !peers.isEmpty else { return nil }
        var sums = [Double](repeating: 0, count: genes.count)
        var valid = [Bool](repeating: true, count: genes.count)
        let width = set.genes.count
        for peer in peers {
            for (j, g) in genes.enumerated() where valid[j] {
                if set.usable(peer, g) { sums[j] += Double(set.values[peer * width + g]) } else { valid[j] = false }
            }
        }
        return (sums.map { $0 / Double(peers.count) }, valid)
    }

    /// Scores `row` of `set` against its peer centroid over `genes`; nil without peers.
    static func score(row: Int, in set: ProfileSet, candidates: [Int], genes: [Int], scale: (mean: Double, sd: Double),
                      options: AgreementOptions) -> (scores: [AgreementMetric: Double], genes: Int)? {
        guard let (centroid, valid) = centroid(of: row, in: set, candidates: candidates, genes: genes) else { return nil }
        var sample: [Double] = [], reference: [Double] = []
        for (j, g) in genes.enumerated() where valid[j] && set.usable(row, g) {
            sample.append(Double(set.values[row * set.genes.count + g]))
            reference.append(centroid[j])
        }
        var scores = PairAgreement.score(sample, reference, scaleA: scale, scaleB: scale, options: options)
        let de = sample.indices.filter { abs(sample[$0]) > options.deThreshold }
        scores[.spearmanDE] = VectorStatistics.spearman(de.map { sample[$0] }, de.map { reference[$0] }) ?? .nan
        let direction = VectorStatistics.signConcordance(sample, reference, positions: de) ?? .nan
        scores[.directionDEBoth] = direction
        scores[.directionDEEither] = direction
        return (scores, sample.count)
    }
}
