import Foundation
import PerturbBase

/// The real drug structures and gene symbols embedded in the package (see Resources/README.md for sources).
public enum EmbeddedResources {
    /// One embedded drug.
    public struct Drug: Sendable, Equatable {
        public var name: String
        public var smiles: String
        public var pathway: String
    }

    /// The 276 curated drugs (name, canonical SMILES, pathway), in file order.
    public static func drugs() throws -> [Drug] {
        try rows("drugs").map { f in
            guard f.count >= 3 else {
                throw InputError("embedded drugs.tsv: malformed line '\(f.joined(separator: "\t"))'")
            }
            return Drug(name: f[0], smiles: f[1], pathway: f[2])
        }
    }

    /// The 2,000 embedded gene symbols with their L1000-landmark flag (landmarks first).
    public static func genes() throws -> [(symbol: String, landmark: Bool)] {
        try rows("genes").map { ($0[0], $0.count > 1 && $0[1] == "1") }
    }

    private static func rows(_ name: String) throws -> [[String]] {
        guard
            let url = Bundle.module.url(forResource: name, withExtension: "tsv", subdirectory: "Resources")
                ?? Bundle.module.url(forResource: name, withExtension: "tsv")
        else {
            throw InputError("embedded resource \(name).tsv is missing from the PerturbData bundle")
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }
}
