import PerturbData

extension ProfileSet {
    /// One profile set per dataset of an effects table (in `table.datasets` order). Compound keys are joined
    /// with "+"; genes keep the table's vocabulary and measured mask.
    public static func fromEffects(_ table: EffectsTable) throws -> [ProfileSet] {
        try table.datasets.map { dataset in
            let part = table.filter(dataset: dataset)
            let conditions = part.conditions.map {
                ProfileCondition(context: $0.context, compound: $0.compounds.sorted().joined(separator: "+"),
                                 doseMicromolar: $0.doseMicromolar, timeHours: $0.timeHours, replicate: $0.replicate)
            }
            return try ProfileSet(dataset: dataset, genes: part.genes, conditions: conditions, values: part.logFC, measured: part.measured)
        }
    }
}
