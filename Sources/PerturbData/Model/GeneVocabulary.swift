import Foundation

/// A union vocabulary of readout genes, harmonized by Ensembl id (version suffix dropped) when known and
/// otherwise by symbol. Datasets with different panels (978 L1000 landmarks, ~18k RNA-seq genes) map into one
/// vocabulary; a condition's `measured` mask says which genes its assay read out.
public struct GeneVocabulary: Equatable, Sendable {
    /// Gene symbols in vocabulary order (the column names of effects tables).
    public private(set) var symbols: [String] = []
    /// Ensembl ids ("" when unknown), parallel to `symbols`.
    public private(set) var ensemblIds: [String] = []
    private var bySymbol: [String: Int] = [:]
    private var byEnsembl: [String: Int] = [:]

    public init() {}

    public init(symbols: [String], ensemblIds: [String]? = nil) {
        for (i, symbol) in symbols.enumerated() { _ = add(symbol: symbol, ensemblId: ensemblIds?[i]) }
    }

    public var count: Int { symbols.count }

    /// Strips an Ensembl version suffix ("ENSG00000141510.16" → "ENSG00000141510"); nil for non-Ensembl text.
    public static func normalizedEnsembl(_ id: String?) -> String? {
        guard let id, id.hasPrefix("ENS") else { return nil }
        return String(id.split(separator: ".").first ?? Substring(id))
    }

    /// Index of a gene by Ensembl id (preferred) or symbol.
    public func index(symbol: String, ensemblId: String? = nil) -> Int? {
        if let e = Self.normalizedEnsembl(ensemblId), let i = byEnsembl[e] { return i }
        return bySymbol[symbol.trimmingCharacters(in: .whitespaces)]
    }

    /// Adds a gene if not present (matching by Ensembl id first, then symbol) and returns its index.
    /// An empty symbol with an Ensembl id uses the id as the symbol.
    @discardableResult
    public mutating func add(symbol: String, ensemblId: String? = nil) -> Int {
        let ensembl = Self.normalizedEnsembl(ensemblId)
        let trimmed = symbol.trimmingCharacters(in: .whitespaces)
        let name = trimmed.isEmpty ? (ensembl ?? trimmed) : trimmed
        if let i = index(symbol: name, ensemblId: ensembl) {
            if let ensembl, ensemblIds[i].isEmpty { ensemblIds[i] = ensembl; byEnsembl[ensembl] = i }
            return i
        }
        let i = symbols.count
        symbols.append(name)
        ensemblIds.append(ensembl ?? "")
        bySymbol[name] = i
        if let ensembl { byEnsembl[ensembl] = i }
        return i
    }

    /// Adds all genes of a panel and returns, for each panel column, its vocabulary index.
    public mutating func merge(symbols: [String], ensemblIds: [String]? = nil) -> [Int] {
        symbols.enumerated().map { add(symbol: $0.element, ensemblId: ensemblIds?[$0.offset]) }
    }

    public static func == (a: GeneVocabulary, b: GeneVocabulary) -> Bool {
        a.symbols == b.symbols && a.ensemblIds == b.ensemblIds
    }
}
