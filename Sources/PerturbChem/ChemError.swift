import PerturbBase

/// A SMILES that could not be turned into a molecule, an InChI or a fingerprint.
///
/// `row` is the 0-based position in a batch or input table when the SMILES came from one.
public struct ChemError: UserInputError, Equatable {
    public let smiles: String
    public let reason: String
    public let row: Int?

    public init(smiles: String, reason: String, row: Int? = nil) {
        self.smiles = smiles
        self.reason = reason
        self.row = row
    }

    /// The same error located at `row`.
    public func at(row: Int) -> ChemError { ChemError(smiles: smiles, reason: reason, row: row) }

    public var description: String {
        let location = row.map { "row \($0): " } ?? ""
        return "\(location)SMILES '\(smiles)': \(reason)"
    }
}
