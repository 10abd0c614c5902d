import CRDKitBridge
import PerturbBase

/// Calls into the C bridge with a message buffer and turns a failure status into a Swift error.
enum Bridge {
    static let messageCapacity = 512

    /// Runs `body(messageBuffer, capacity)`; on a non-OK status throws `ChemError` for molecule problems
    /// (parse, InChI) and `InputError` for caller mistakes, naming `smiles`.
    static func call(smiles: String, _ body: (UnsafeMutablePointer<CChar>, Int) -> PBStatus) throws {
        let failure: (PBStatus, String)? = withUnsafeTemporaryAllocation(of: CChar.self, capacity: messageCapacity) {
            buffer in
            let status = body(buffer.baseAddress!, messageCapacity)
            return status == PB_OK ? nil : (status, String(cString: buffer.baseAddress!))
        }
        guard let (status, message) = failure else { return }
        switch status {
        case PB_ERR_ARGUMENT:
            throw InputError(message)
        case PB_ERR_INTERNAL:
            throw ChemError(smiles: smiles, reason: "RDKit error: \(message)")
        default:
            throw ChemError(smiles: smiles, reason: message)
        }
    }

    /// Takes ownership of a malloc'd string returned by the bridge.
    static func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        defer { pb_string_free(pointer) }
        return String(cString: pointer)
    }

    /// Silences RDKit's stderr logging once per process.
    static let initialized: Void = { pb_bridge_init() }()

    /// The version of the RDKit library in use.
    static var rdkitVersion: String { String(cString: pb_rdkit_version()) }
}
