/// The standardized identity of a compound: how it is recognized across datasets.
public struct CompoundIdentity: Equatable, Codable, Hashable {
    /// The SMILES as given.
    public let inputSmiles: String
    /// RDKit canonical isomeric SMILES (of the largest fragment when salts were stripped).
    public let canonicalSmiles: String
    /// Standard InChI.
    public let inchi: String
    /// Standard InChIKey (27 characters), the key compounds are joined on.
    public let inchiKey: String

    public init(inputSmiles: String, canonicalSmiles: String, inchi: String, inchiKey: String) {
        self.inputSmiles = inputSmiles
        self.canonicalSmiles = canonicalSmiles
        self.inchi = inchi
        self.inchiKey = inchiKey
    }
}

/// Compound identity and structure utilities over RDKit.
public enum Chem {
    /// Parses `smiles`, optionally keeps its largest fragment (`stripSalts`), and returns canonical SMILES,
    /// InChI and InChIKey. Throws `ChemError` when the SMILES is invalid or InChI cannot represent the molecule.
    public static func identity(smiles: String, stripSalts: Bool = true) throws -> CompoundIdentity {
        let molecule = try Molecule(smiles: smiles, largestFragment: stripSalts)
        let canonical = try molecule.canonicalSmiles()
        let (inchi, key) = try molecule.inchi()
        return CompoundIdentity(inputSmiles: smiles, canonicalSmiles: canonical, inchi: inchi, inchiKey: key)
    }

    /// RDKit canonical isomeric SMILES of `smiles` (all fragments kept).
    public static func canonicalSmiles(_ smiles: String) throws -> String {
        try Molecule(smiles: smiles).canonicalSmiles()
    }

    /// Canonical SMILES of the Bemis–Murcko scaffold (ring systems and linkers); "" for acyclic molecules.
    public static func murckoScaffold(_ smiles: String) throws -> String {
        try Molecule(smiles: smiles).murckoScaffold()
    }

    /// The RDKit version the bridge links (e.g. "2022.09.3").
    public static var rdkitVersion: String { Bridge.rdkitVersion }
}
