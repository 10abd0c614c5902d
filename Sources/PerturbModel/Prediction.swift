import Foundation
import PerturbBase
import PerturbChem
import PerturbData
import PerturbNN
import PerturbTensor

extension LPMModel {
    /// Predicted logFC for `rows` of `table` (every row when nil), row-major `rows × table.genes`, NaN for genes
    /// outside the model's vocabulary. Datasets, contexts and compounds must be in the vocabulary, except that a
    /// `fingerprint_mlp` or `morgan_fixed` model embeds unknown compounds from their SMILES in `table.compounds`
    /// (inductive). Throws an `InputError` naming the row otherwise.
    public func predict(_ table: EffectsTable, rows: [Int]? = nil, batchSize: Int = 4096) throws -> [Float] {
        let rows = rows ?? Array(table.conditions.indices)
        return try predict(
            conditions: rows.map { table.conditions[$0] }, rowNumbers: rows, compounds: table.compounds,
            genes: table.genes, batchSize: batchSize)
    }

    /// Predicted logFC of `conditions`, row-major `conditions × genes` (NaN for genes outside the vocabulary), as
    /// `predict(_:rows:)`; `compounds` gives the SMILES of compounds outside the vocabulary, `rowNumbers` (default
    /// 0, 1, …) name the rows in errors.
    public func predict(
        conditions: [Condition], rowNumbers: [Int]? = nil, compounds: [String: Compound], genes: [String],
        batchSize: Int = 4096
    ) throws -> [Float] {
        let rowNumbers = rowNumbers ?? Array(conditions.indices)
        var index = self.index
        var extra: [Fingerprint] = []
        if let options = compoundEncoder.newMoleculeFingerprint {
            let unknown = Set(conditions.flatMap(\.compounds)).filter { index.compounds[$0] == nil }.sorted()
            for key in unknown {
                guard let smiles = compounds[key]?.canonicalSmiles, !smiles.isEmpty else {
                    throw InputError(
                        "predict: compound '\(key)' is outside the vocabulary and has no SMILES to fingerprint")
                }
                index.compounds[key] = Int32(vocabularies.compounds.count + extra.count)
                extra.append(try Morgan.fingerprint(smiles: smiles, options: options))
            }
        }
        let sets = CompoundSetTable()
        let encoder = ConditionEncoder(index: index, sets: sets)
        let geneMap = index.geneMap(genes)
        let g = genes.count
        var out = [Float](repeating: .nan, count: conditions.count * g)
        var builder = BatchBuilder(sets: sets, panels: [], geneCount: vocabularies.genes.count)
        let graph = Graph(training: false)
        let encoded = try zip(conditions, rowNumbers).map { try encoder.encode($0, row: $1, source: "predict") }
        let knownGenes = (0..<g).filter { geneMap[$0] >= 0 }
        let codes = knownGenes.map { geneMap[$0] }
        /// Every output row of the layout, in batches of `batchSize`, scattered into `out`.
        func run<Layout: OutputLayout>(_: Layout.Type) {
            let count = Layout.predictionRows(conditions: encoded.count, genes: codes.count)
            for lo in stride(from: 0, to: count, by: batchSize) {
                let rows = lo..<min(count, lo + batchSize)
                var inputs = Layout.inputs(rows: rows, conditions: encoded, genes: codes, builder: &builder)
                inputs.compoundSets.extraFingerprints = extra
                graph.reset()
                Layout.scatter(forward(inputs, graph: graph).value, rows: rows, genes: codes) { row, k, value in
                    out[row * g + knownGenes[k]] = value
                }
            }
        }
        run(config.outputMode.layout)
        graph.reset()
        return out
    }
}
