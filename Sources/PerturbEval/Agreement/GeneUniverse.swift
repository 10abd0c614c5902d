/// Which genes a cross-dataset pair is scored on.
public enum GeneScope: String, CaseIterable, Sendable {
    /// The intersection across all active datasets containing the cell type (seed spec §5.3
    /// `global_gene_scope_lines`; the reference's `*_global` columns).
    case global
    /// The genes the two datasets of the pair share in that cell type (`shared_gene_positions`, which the
    /// reference's DEG and signature scorers use for their headline columns).
    case pair
}

/// The genes each dataset measures per cell type, and the gene universes built from them (seed spec §5.3 "Genes").
///
/// A dataset contains a cell type when it has a cross-dataset row there (`crossDatasetRows(rules:)`); it contains a
/// gene in that cell type when at least one such row measures it (the analogue of the reference's per-line file,
/// whose `var` lists the genes kept for that cell type). Genes are keyed by symbol; empty symbols are dropped. With
/// the context rule off every row is in the one cell type "*".
struct GeneUniverse: Sendable {
    let scope: GeneScope
    /// Per set: cell type → gene indices measured there.
    let present: [[String: Set<Int>]]
    /// Per set: symbol → gene index.
    let index: [[String: Int]]
    let symbols: [[String]]

    init(sets: [ProfileSet], rules: MatchRules, scope: GeneScope) {
        self.scope = scope
        symbols = sets.map(\.genes)
        index = sets.map { set in
            var map = [String: Int]()
            for (g, symbol) in set.genes.enumerated() where !symbol.isEmpty && map[symbol] == nil { map[symbol] = g }
            return map
        }
        present = sets.map { set in
            var cells = [String: Set<Int>]()
            for r in set.crossDatasetRows(rules: rules) {
                let cell = rules.context ? set.conditions[r].context : "*"
                var genes = cells[cell] ?? []
                for g in set.genes.indices where set.usable(r, g) { genes.insert(g) }
                cells[cell] = genes
            }
            return cells
        }
    }

    /// Symbols set `s` measures in `cell`.
    func symbolsPresent(_ s: Int, cell: String) -> Set<String> {
        Set((present[s][cell] ?? []).map { symbols[s][$0] }.filter { index[s][$0] != nil })
    }

    /// Gene index pairs (in set `a`, in set `b`) a cross-dataset pair in `cell` is scored on: under `global` the
    /// symbols every dataset containing `cell` measures there, sorted; under `pair` the symbols both measure, in
    /// `a`'s gene order.
    func crossDataset(_ a: Int, _ b: Int, cell: String) -> [(Int, Int)] {
        switch scope {
        case .global:
            var shared: Set<String>?
            for s in present.indices where present[s][cell] != nil {
                let genes = symbolsPresent(s, cell: cell)
                shared = shared.map { $0.intersection(genes) } ?? genes
            }
            return (shared ?? []).sorted().map { (index[a][$0]!, index[b][$0]!) }
        case .pair:
            let inB = symbolsPresent(b, cell: cell)
            return (present[a][cell] ?? []).sorted().compactMap { g in
                let symbol = symbols[a][g]
                guard index[a][symbol] == g, inB.contains(symbol) else { return nil }
                return (g, index[b][symbol]!)
            }
        }
    }

    /// Gene indices of set `s` for replicate pairs in `cell` (context `cell` of the set's own rows): every gene some
    /// non-control row of that cell type measures, in gene order.
    static func withinDataset(_ set: ProfileSet, rows: [Int]) -> [Int] {
        var genes = Set<Int>()
        for r in rows { for g in set.genes.indices where set.usable(r, g) { genes.insert(g) } }
        return genes.sorted()
    }
}
