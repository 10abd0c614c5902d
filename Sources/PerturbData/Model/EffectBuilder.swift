import Foundation
import PerturbBase
import PerturbStats

/// One sample (well, pseudobulk, bulk library) of a sample-level matrix.
public struct SampleAnnotation: Sendable {
    /// The pooled condition this sample belongs to; nil for a vehicle control.
    public var condition: Condition?
    /// Samples are compared with the controls of the same group (e.g. the plate, or plate + time + context).
    public var controlGroup: String
    /// Replicate identity kept on per-replicate effects (e.g. `plate:well`).
    public var replicate: String
    /// The plate the sample was measured on (the covariate of limma's plate-covariate design); nil when unknown.
    public var plate: String?
    /// A control's context and time (a treated sample carries them in `condition`); nil when unknown. The
    /// plate-covariate design pools a context's controls per time.
    public var controlContext: String?
    public var controlTime: Double?

    public init(
        condition: Condition?, controlGroup: String, replicate: String, plate: String? = nil,
        controlContext: String? = nil, controlTime: Double? = nil
    ) {
        self.condition = condition
        self.controlGroup = controlGroup
        self.replicate = replicate
        self.plate = plate
        self.controlContext = controlContext
        self.controlTime = controlTime
    }
}

/// Builds condition-level effects from samples on a log scale (log2 expression) and their matched controls.
///
/// For each treated sample s in control group k: replicate effect e_s = x_s − mean(controls of k), per gene over
/// finite values. The pooled effect of a condition is the mean of its replicates' effects, which on a single plate
/// equals mean(treated) − mean(vehicle controls). Genes with no finite treated or control value are unmeasured.
///
/// Statistics (when a condition has ≥ 2 replicates and its control groups ≥ 2 controls): a Welch t-statistic
/// t = mean(e) / sqrt(s²_t/n_t + s²_c/n_c), where s²_t is the sample variance of the replicate effects and s²_c the
/// pooled within-group variance of the controls (n_c controls, Σ(n_k − 1) degrees of freedom), with
/// Welch–Satterthwaite degrees of freedom and a two-sided p-value. On a single plate this is exactly Welch's test
/// of treated versus controls. It is NOT limma: no moderated variances (eBayes), no voom weights, no design
/// covariates — use it for diagnostics and as a p-value layer, not as a replacement for the reference DEG step.
public enum EffectBuilder {
    public struct Options: Sendable {
        public var statistics = true
        public var keepReplicates = true
        /// With `.limma` the ingest replaces the pooled effects by `LimmaEffects` and no Welch layers are computed here
        /// (`perturbridge effects` defaults to `.limma`).
        public var method = EffectMethod.meanDifference
        /// The layout of the limma model (with `.limma`).
        public var limmaDesign = LimmaDesign.plateCovariate
        public init(
            statistics: Bool = true, keepReplicates: Bool = true, method: EffectMethod = .meanDifference,
            limmaDesign: LimmaDesign = .plateCovariate
        ) {
            self.statistics = statistics
            self.keepReplicates = keepReplicates
            self.method = method
            self.limmaDesign = limmaDesign
        }

        /// Whether this builder computes the Welch layers.
        var welch: Bool { statistics && method == .meanDifference }
    }

    public struct Result: Sendable {
        /// One row per condition (replicate nil), with `n_replicates`; extra layers `t`, `pvalue` when computed.
        public var pooled: EffectsTable
        /// One row per treated sample (replicate set); empty when not kept.
        public var replicates: EffectsTable
    }

    /// Per-gene statistics of one control group.
    struct ControlStats {
        var count: [Int32]
        var mean: [Float]
        var sumSquares: [Double]
    }

    /// - Parameters:
    ///   - values: samples × genes, row-major, log scale (NaN = missing).
    ///   - compounds: the compounds the conditions use (by key).
    public static func build(
        values: [Float], samples: [SampleAnnotation], genes: [String], geneEnsemblIds: [String]? = nil,
        compounds: [String: Compound], options: Options = Options(),
        report: inout IngestReport
    ) -> Result {
        let g = genes.count
        precondition(values.count == samples.count * g, "values must be samples × genes")
        // Control statistics per group.
        var controlRows: [String: [Int]] = [:]
        for (i, s) in samples.enumerated() where s.condition == nil {
            controlRows[s.controlGroup, default: []].append(i)
        }
        var stats: [String: ControlStats] = [:]
        for (group, rows) in controlRows {
            var count = [Int32](repeating: 0, count: g)
            var sum = [Double](repeating: 0, count: g)
            for r in rows {
                for c in 0..<g { let v = values[r * g + c]; if v.isFinite { count[c] += 1; sum[c] += Double(v) } }
            }
            let mean = (0..<g).map { count[$0] > 0 ? Float(sum[$0] / Double(count[$0])) : .nan }
            var ss = [Double](repeating: 0, count: g)
            for r in rows {
                for c in 0..<g {
                    let v = values[r * g + c]; if v.isFinite { let d = Double(v - mean[c]); ss[c] += d * d }
                }
            }
            stats[group] = ControlStats(count: count, mean: mean, sumSquares: ss)
        }
        report.controlsUsed += controlRows.values.reduce(0) { $0 + $1.count }

        // Treated samples grouped by pooled condition, first-seen order.
        var order: [Condition] = []
        var members: [Condition: [Int]] = [:]
        for (i, s) in samples.enumerated() {
            guard let condition = s.condition?.pooled else { continue }
            guard stats[s.controlGroup] != nil else {
                report.skip(
                    "no vehicle controls in the sample's control group",
                    example: "\(s.replicate) (group \(s.controlGroup))")
                continue
            }
            if members[condition] == nil { order.append(condition) }
            members[condition, default: []].append(i)
        }

        var pooled = EffectsTable(
            conditions: [], genes: genes, geneEnsemblIds: geneEnsemblIds, logFC: [], measured: [],
            compounds: [:], replicateCounts: [])
        var replicates = pooled
        var tLayer: [Float] = []
        var pLayer: [Float] = []
        var anyStatistics = false
        var effects = [Float](repeating: 0, count: g)
        for condition in order {
            let rows = members[condition]!
            var sum = [Double](repeating: 0, count: g)
            var sumSq = [Double](repeating: 0, count: g)
            var n = [Int32](repeating: 0, count: g)
            var replicateEffects: [[Float]] = []
            for r in rows {
                let control = stats[samples[r].controlGroup]!
                for c in 0..<g {
                    let v = values[r * g + c]
                    let m = control.mean[c]
                    effects[c] = (v.isFinite && m.isFinite) ? v - m : .nan
                    if effects[c].isFinite {
                        n[c] += 1; sum[c] += Double(effects[c]); sumSq[c] += Double(effects[c]) * Double(effects[c])
                    }
                }
                if options.keepReplicates { replicateEffects.append(effects) }
            }
            guard n.contains(where: { $0 > 0 }) else {
                report.skip("NaN effects (no finite value for any gene)", example: condition.id)
                continue
            }
            pooled.conditions.append(condition)
            pooled.replicateCounts.append(rows.count)
            for c in 0..<g {
                let ok = n[c] > 0
                pooled.logFC.append(ok ? Float(sum[c] / Double(n[c])) : 0)
                pooled.measured.append(ok)
            }
            if options.welch {
                let groups = Set(rows.map { samples[$0].controlGroup }).sorted().map { stats[$0]! }
                for c in 0..<g {
                    let nt = Double(n[c])
                    let nc = Double(groups.reduce(0) { $0 + Int($1.count[c]) })
                    let dfc = Double(groups.reduce(0) { $0 + max(0, Int($1.count[c]) - 1) })
                    guard nt >= 2, nc >= 2, dfc >= 1 else { tLayer.append(.nan); pLayer.append(.nan); continue }
                    let meanT = sum[c] / nt
                    let varT = max(0, (sumSq[c] - nt * meanT * meanT) / (nt - 1))
                    let varC = groups.reduce(0.0) { $0 + $1.sumSquares[c] } / dfc
                    let a = varT / nt, b = varC / nc
                    let se = (a + b).squareRoot()
                    guard se > 0 else { tLayer.append(.nan); pLayer.append(.nan); continue }
                    let t = meanT / se
                    let df = (a + b) * (a + b) / (a * a / (nt - 1) + b * b / dfc)
                    tLayer.append(Float(t))
                    pLayer.append(Float(StudentT.twoSidedPValue(t: t, df: df)))
                    anyStatistics = true
                }
            }
            if options.keepReplicates {
                for (k, r) in rows.enumerated() {
                    var replicateCondition = condition
                    replicateCondition.replicate = samples[r].replicate
                    replicates.conditions.append(replicateCondition)
                    replicates.replicateCounts.append(1)
                    for v in replicateEffects[k] {
                        replicates.logFC.append(v.isFinite ? v : 0); replicates.measured.append(v.isFinite)
                    }
                }
            }
        }
        if options.welch && anyStatistics {
            pooled.extraLayers["t"] = tLayer
            pooled.extraLayers["pvalue"] = pLayer
        }
        for key in pooled.usedCompoundKeys { pooled.compounds[key] = compounds[key] }
        for key in replicates.usedCompoundKeys { replicates.compounds[key] = compounds[key] }
        report.conditionsWritten += pooled.rowCount
        report.replicateRows += replicates.rowCount
        return Result(pooled: pooled, replicates: replicates)
    }
}
