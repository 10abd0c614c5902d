import CRDKitBridge

/// A parsed and sanitized RDKit molecule.
///
/// Parse once and ask for several things (canonical SMILES, InChI, fingerprints) without re-parsing.
/// A `Molecule` must not be used from two threads at once (RDKit caches properties inside it); give each
/// thread its own.
public final class Molecule {
    let handle: OpaquePointer
    /// The SMILES the molecule was parsed from.
    public let smiles: String

    /// Parses `smiles` like RDKit's `Chem.MolFromSmiles` (with sanitization). With `largestFragment`, only the
    /// largest fragment is kept (salts, counter-ions and solvents are stripped).
    public init(smiles: String, largestFragment: Bool = false) throws {
        _ = Bridge.initialized
        var pointer: OpaquePointer?
        try Bridge.call(smiles: smiles) { pb_molecule_from_smiles(smiles, largestFragment ? 1 : 0, &pointer, $0, $1) }
        guard let pointer else { throw ChemError(smiles: smiles, reason: "RDKit returned no molecule") }
        handle = pointer
        self.smiles = smiles
    }

    deinit { pb_molecule_free(handle) }

    /// Number of atoms in the molecular graph (hydrogens only when written explicitly).
    public var atomCount: Int { Int(pb_molecule_atom_count(handle)) }

    /// Canonical isomeric SMILES (RDKit `Chem.MolToSmiles`).
    public func canonicalSmiles() throws -> String {
        var out: UnsafeMutablePointer<CChar>?
        try Bridge.call(smiles: smiles) { pb_molecule_canonical_smiles(handle, &out, $0, $1) }
        return Bridge.takeString(out)
    }

    /// Standard InChI and InChIKey (libinchi; see Sources/CRDKitBridge/README.md).
    public func inchi() throws -> (inchi: String, inchiKey: String) {
        var inchi: UnsafeMutablePointer<CChar>?
        var key: UnsafeMutablePointer<CChar>?
        try Bridge.call(smiles: smiles) { pb_molecule_inchi(handle, &inchi, &key, $0, $1) }
        return (Bridge.takeString(inchi), Bridge.takeString(key))
    }

    /// Canonical SMILES of the Bemis–Murcko scaffold; "" for acyclic molecules.
    public func murckoScaffold() throws -> String {
        var out: UnsafeMutablePointer<CChar>?
        try Bridge.call(smiles: smiles) { pb_molecule_murcko_scaffold(handle, &out, $0, $1) }
        return Bridge.takeString(out)
    }
}
