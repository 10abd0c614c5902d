import Foundation
import PerturbBase
import PerturbIO

/// Which genes each row of an effects file measures, as a few shared panels: an assay measures one gene set per
/// context (L1000: the 978 landmarks; RNA-seq: the genes passing its expression filter), so a file of n rows needs
/// only a panel code per row instead of an n × genes mask.
public struct GenePanels: Sendable, Equatable {
    /// Per panel, the file columns (gene indices) it measures, sorted ascending.
    public var members: [[Int32]]
    /// The panel code of each row.
    public var rowPanel: [Int32]

    public init(members: [[Int32]], rowPanel: [Int32]) {
        self.members = members
        self.rowPanel = rowPanel
    }

    /// Checks codes and member indices; errors name the file.
    func validate(rows: Int, genes: Int, file: String) throws {
        guard rowPanel.count == rows else {
            throw FormatError(
                file: file, location: "/obs/\(EffectsStore.panelColumn)",
                message: "\(rowPanel.count) panel codes for \(rows) rows")
        }
        if let bad = rowPanel.firstIndex(where: { $0 < 0 || Int($0) >= members.count }) {
            throw FormatError(
                file: file, location: "/obs/\(EffectsStore.panelColumn)",
                message: "row \(bad): panel code \(rowPanel[bad]) outside the \(members.count) panels")
        }
        for (p, list) in members.enumerated() {
            if let bad = list.first(where: { $0 < 0 || Int($0) >= genes }) {
                throw FormatError(
                    file: file, location: "/varm/\(EffectsStore.panelMatrix)",
                    message: "panel \(p): gene \(bad) outside the \(genes) genes")
            }
        }
    }

    /// Genes × panels membership (1 = measured), the `varm` layout.
    func membershipMatrix(genes: Int) -> DenseMatrix {
        var values = [Float](repeating: 0, count: genes * members.count)
        for (p, list) in members.enumerated() { for g in list { values[Int(g) * members.count + p] = 1 } }
        return DenseMatrix(rows: genes, cols: members.count, values: values)
    }

    /// The row-major mask of `rows` over `genes` columns.
    public func mask(rows: Range<Int>, genes: Int) -> [Bool] {
        var out = [Bool](repeating: false, count: rows.count * genes)
        for (i, row) in rows.enumerated() {
            for g in members[Int(rowPanel[row])] { out[i * genes + Int(g)] = true }
        }
        return out
    }

    /// The panels of an open `.h5ad`, or nil when it has no `obs/gene_panel` column. Errors name the element.
    static func read(_ reader: H5ADReader, file: String) throws -> GenePanels? {
        guard let column = reader.obs.column(EffectsStore.panelColumn) else { return nil }
        guard let codes = column.doubleValues() else {
            throw FormatError(
                file: file, location: "/obs/\(EffectsStore.panelColumn)", message: "expected integer panel codes")
        }
        guard let matrix = try reader.readVarm()[EffectsStore.panelMatrix] else {
            throw FormatError(
                file: file, location: "/varm/\(EffectsStore.panelMatrix)",
                message: "obs/gene_panel is present but the panel table is missing")
        }
        var members = [[Int32]](repeating: [], count: matrix.cols)
        for g in 0..<matrix.rows {
            for p in 0..<matrix.cols where matrix.values[g * matrix.cols + p] != 0 { members[p].append(Int32(g)) }
        }
        var rowPanel: [Int32] = []
        rowPanel.reserveCapacity(codes.count)
        for (row, code) in codes.enumerated() {
            guard code.isFinite, code == code.rounded(), code >= 0, code < Double(members.count) else {
                throw FormatError(
                    file: file, location: "/obs/\(EffectsStore.panelColumn)",
                    message: "row \(row): panel code \(code) is not one of the \(members.count) panels")
            }
            rowPanel.append(Int32(code))
        }
        let panels = GenePanels(members: members, rowPanel: rowPanel)
        try panels.validate(rows: reader.shape.rows, genes: reader.shape.cols, file: file)
        return panels
    }
}
