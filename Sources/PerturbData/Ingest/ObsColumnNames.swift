/// The obs columns that both `.h5ad` ingests (condition-level and sample-level) read, so that callers can override
/// them the same way. A nil column means "not in the file": the default value applies.
public protocol ObsColumnNames {
    var dataset: String? { get set }
    var datasetDefault: String { get set }
    var context: String { get set }
    var compound: String { get set }
    var smiles: String? { get set }
    var dose: String? { get set }
    var time: String? { get set }
    var doseDefaultUnit: DoseUnit { get set }
}

extension SampleColumns: ObsColumnNames {}
extension ConditionColumns: ObsColumnNames {}
