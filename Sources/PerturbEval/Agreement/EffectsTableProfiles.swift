import PerturbBase
import PerturbData

extension ProfileSet {
    /// One profile set per dataset of an effects table (in `table.datasets` order), with DE genes called from the
    /// dataset's p-value layers (`DifferentialExpression`; a layer counts for a dataset only where it holds a finite
    /// value for one of its rows, so a dataset concatenated without p-values falls back, flagged, instead of calling
    /// nothing DE). A condition's compound identity is `cid:<PubChem CID>` when every compound of it carries a CID
    /// (the reference keys compounds by CID, seed spec §5.3), else its compound keys; several compounds are joined
    /// with "+". Genes keep the table's vocabulary and measured mask.
    /// - Throws: when a p-value layer has the wrong size.
    public static func fromEffects(
        _ table: EffectsTable, de options: DEOptions = DEOptions(), source: String = "effects table"
    ) throws -> [ProfileSet] {
        try table.datasets.map { dataset in
            let part = table.filter(dataset: dataset)
            let conditions = part.conditions.map {
                ProfileCondition(
                    context: $0.context, compound: identity(of: $0.compounds, in: part),
                    doseMicromolar: $0.doseMicromolar, timeHours: $0.timeHours, replicate: $0.replicate)
            }
            let layers = Set(part.extraLayers.filter { $0.value.contains(where: \.isFinite) }.keys)
            let rule = DifferentialExpression.rule(layers: layers, options: options)
            let layer: [Float]?
            switch rule {
            case .adjustedP(let name), .benjaminiHochberg(let name): layer = part.extraLayers[name]
            case .logFCFallback: layer = nil
            }
            let call = try DifferentialExpression.call(
                values: part.logFC, measured: part.measured, genes: part.genes.count,
                layer: layer, rule: rule, options: options, source: "\(source), dataset \(dataset)")
            return try ProfileSet(
                dataset: dataset, genes: part.genes, conditions: conditions, values: part.logFC,
                measured: part.measured, de: call)
        }
    }

    /// `cid:<n>` per compound when all carry a valid PubChem CID (`Compound.normalizedCID`), else the compound keys;
    /// sorted and joined with "+".
    static func identity(of keys: [String], in table: EffectsTable) -> String {
        let cids = keys.map { table.compounds[$0].flatMap { Compound.normalizedCID($0.pubchemCID) } }
        let useCID = !keys.isEmpty && cids.allSatisfy { $0 != nil }
        return (useCID ? cids.map { "cid:" + $0! } : keys).sorted().joined(separator: "+")
    }
}
