import Foundation
import PerturbBase

/// Condition-level effects: conditions × genes log fold changes with a measured mask, the compounds they use and
/// optional extra per-gene layers (e.g. `t`, `pvalue`, `clipped_sign_log10_pval`).
///
/// Invariants (checked by `validate()`): `logFC`, `measured` and each extra layer have
/// `conditions.count × genes.count` entries, row-major; `logFC` is finite everywhere and 0 where not measured;
/// every compound key used by a condition is in `compounds`. Extra layers may hold NaN where a statistic is undefined.
public struct EffectsTable: Sendable {
    public var conditions: [Condition]
    public var genes: [String]
    /// Ensembl ids parallel to `genes` ("" when unknown).
    public var geneEnsemblIds: [String]
    public var logFC: [Float]
    public var measured: [Bool]
    public var compounds: [String: Compound]
    public var extraLayers: [String: [Float]]
    /// Number of replicates pooled into each condition (1 for per-replicate rows or unknown).
    public var replicateCounts: [Int]
    /// Free-form provenance (source files, tool, settings), stored in the file's `uns`.
    public var provenance: [String: String]

    public init(
        conditions: [Condition], genes: [String], geneEnsemblIds: [String]? = nil, logFC: [Float],
        measured: [Bool]? = nil, compounds: [String: Compound], extraLayers: [String: [Float]] = [:],
        replicateCounts: [Int]? = nil, provenance: [String: String] = [:]
    ) {
        self.conditions = conditions
        self.genes = genes
        self.geneEnsemblIds = geneEnsemblIds ?? Array(repeating: "", count: genes.count)
        self.logFC = logFC
        self.measured = measured ?? Array(repeating: true, count: logFC.count)
        self.compounds = compounds
        self.extraLayers = extraLayers
        self.replicateCounts = replicateCounts ?? Array(repeating: 1, count: conditions.count)
        self.provenance = provenance
    }

    /// An empty table over a gene list.
    public static func empty(genes: [String]) -> EffectsTable {
        EffectsTable(conditions: [], genes: genes, logFC: [], compounds: [:])
    }

    public var rowCount: Int { conditions.count }
    public var geneCount: Int { genes.count }

    /// The logFC row of condition `i`.
    public func row(_ i: Int) -> ArraySlice<Float> {
        logFC[(i * genes.count)..<((i + 1) * genes.count)]
    }

    /// The measured mask of condition `i`.
    public func measuredRow(_ i: Int) -> ArraySlice<Bool> {
        measured[(i * genes.count)..<((i + 1) * genes.count)]
    }

    /// Distinct dataset names in first-seen order.
    public var datasets: [String] {
        var seen = Set<String>()
        return conditions.compactMap { seen.insert($0.dataset).inserted ? $0.dataset : nil }
    }

    /// Distinct contexts in first-seen order.
    public var contexts: [String] {
        var seen = Set<String>()
        return conditions.compactMap { seen.insert($0.context).inserted ? $0.context : nil }
    }

    /// Keys of compounds used by at least one condition, sorted.
    public var usedCompoundKeys: [String] {
        Array(Set(conditions.flatMap(\.compounds))).sorted()
    }

    /// Checks the invariants; throws an `InputError` naming the first violation.
    public func validate(source: String = "effects table") throws {
        let n = conditions.count * genes.count
        guard genes.count == geneEnsemblIds.count else {
            throw InputError("\(source): \(genes.count) genes but \(geneEnsemblIds.count) Ensembl ids")
        }
        guard logFC.count == n, measured.count == n else {
            throw InputError(
                "\(source): logFC has \(logFC.count) and measured \(measured.count) values, expected \(conditions.count) × \(genes.count) = \(n)"
            )
        }
        guard replicateCounts.count == conditions.count else {
            throw InputError("\(source): replicate counts do not match conditions")
        }
        for (name, layer) in extraLayers where layer.count != n {
            throw InputError("\(source): layer '\(name)' has \(layer.count) values, expected \(n)")
        }
        if let bad = logFC.firstIndex(where: { !$0.isFinite }) {
            throw InputError(
                "\(source): non-finite logFC at row \(bad / max(genes.count, 1)), gene '\(genes[bad % genes.count])'")
        }
        var seenGenes = Set<String>()
        for gene in genes where !seenGenes.insert(gene).inserted {
            throw InputError("\(source): gene '\(gene)' appears twice")
        }
        for (i, condition) in conditions.enumerated() {
            for key in condition.compounds where compounds[key] == nil {
                throw InputError("\(source): row \(i) uses compound '\(key)' missing from the compounds table")
            }
        }
    }

    /// Keeps the rows at `indices` (in that order); compounds are pruned to those still used.
    public func selecting(rows indices: [Int]) -> EffectsTable {
        let g = genes.count
        var out = EffectsTable(
            conditions: indices.map { conditions[$0] }, genes: genes, geneEnsemblIds: geneEnsemblIds,
            logFC: [], measured: [], compounds: [:],
            replicateCounts: indices.map { replicateCounts[$0] }, provenance: provenance)
        out.logFC.reserveCapacity(indices.count * g)
        out.measured.reserveCapacity(indices.count * g)
        for i in indices {
            out.logFC.append(contentsOf: logFC[(i * g)..<((i + 1) * g)])
            out.measured.append(contentsOf: measured[(i * g)..<((i + 1) * g)])
        }
        for (name, layer) in extraLayers {
            var values: [Float] = []
            values.reserveCapacity(indices.count * g)
            for i in indices { values.append(contentsOf: layer[(i * g)..<((i + 1) * g)]) }
            out.extraLayers[name] = values
        }
        for key in out.usedCompoundKeys { out.compounds[key] = compounds[key] }
        return out
    }

    /// Rows of one dataset.
    public func filter(dataset: String) -> EffectsTable {
        selecting(rows: conditions.indices.filter { conditions[$0].dataset == dataset })
    }

    /// Concatenates tables over the union gene vocabulary (harmonized by Ensembl id, then symbol). Genes a table
    /// lacks are unmeasured (mask false, logFC 0) for its rows; an extra layer missing from a table is NaN there.
    /// Compounds with the same key are merged (aliases united).
    public static func concatenate(_ tables: [EffectsTable]) -> EffectsTable {
        var vocabulary = GeneVocabulary()
        let maps = tables.map { vocabulary.merge(symbols: $0.genes, ensemblIds: $0.geneEnsemblIds) }
        let g = vocabulary.count
        let layerNames = Set(tables.flatMap { $0.extraLayers.keys }).sorted()
        let totalRows = tables.reduce(0) { $0 + $1.rowCount }
        var out = EffectsTable(
            conditions: [], genes: vocabulary.symbols, geneEnsemblIds: vocabulary.ensemblIds,
            logFC: [Float](repeating: 0, count: totalRows * g),
            measured: [Bool](repeating: false, count: totalRows * g), compounds: [:],
            replicateCounts: [])
        for name in layerNames { out.extraLayers[name] = [Float](repeating: .nan, count: totalRows * g) }
        var base = 0
        for (t, table) in tables.enumerated() {
            let map = maps[t]
            let tg = table.geneCount
            for r in 0..<table.rowCount {
                let dst = (base + r) * g
                let src = r * tg
                for c in 0..<tg {
                    out.logFC[dst + map[c]] = table.logFC[src + c]
                    out.measured[dst + map[c]] = table.measured[src + c]
                }
                for (name, layer) in table.extraLayers {
                    for c in 0..<tg { out.extraLayers[name]![dst + map[c]] = layer[src + c] }
                }
            }
            out.conditions += table.conditions
            out.replicateCounts += table.replicateCounts
            for (key, compound) in table.compounds {
                if var existing = out.compounds[key] {
                    existing.addAliases(compound.aliases)
                    if existing.canonicalSmiles.isEmpty { existing.canonicalSmiles = compound.canonicalSmiles }
                    out.compounds[key] = existing
                } else {
                    out.compounds[key] = compound
                }
            }
            for (k, v) in table.provenance { out.provenance[tables.count > 1 ? "\(t).\(k)" : k] = v }
            base += table.rowCount
        }
        return out
    }
}
