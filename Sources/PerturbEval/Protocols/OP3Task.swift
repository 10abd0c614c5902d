import Foundation
import PerturbBase
import PerturbData

/// The OP3 prediction task drawn from an effects table: one row per single-compound condition, its cell type
/// (context) and compound, and the target layer over the genes every row measures with finite values.
public struct OP3Task: Sendable {
    /// The rows used (controls, replicate rows and multi-compound rows are left out).
    public var table: EffectsTable
    public var cellTypes: [String]
    /// Compound keys, in first-appearance order.
    public var compounds: [String]
    public var rowCellType: [Int32]
    public var rowCompound: [Int32]
    /// Genes kept (measured and finite in every row).
    public var genes: [String]
    /// Targets, row-major `rows × genes.count`.
    public var targets: [Float]
    /// How the target layer was obtained, and what was left out.
    public var notes: [String]

    public var rowCount: Int { table.rowCount }

    /// Builds the task from `table` with target `layer` (see `TargetLayer`). The predictor sees no dose: with
    /// `dose` (µM) only the rows at that dose (within 1 %) are kept, for data with several doses per compound.
    public static func make(
        from source: EffectsTable, layer: String, file: String, dose: Double? = nil
    ) throws -> OP3Task {
        let singles = source.conditions.indices.filter {
            source.conditions[$0].compounds.count == 1 && source.conditions[$0].replicate == nil
        }
        var notes: [String] = []
        let dropped = source.rowCount - singles.count
        if dropped > 0 { notes.append("\(dropped) control, replicate or multi-compound rows left out") }
        var usable = singles
        if let dose {
            usable = singles.filter {
                source.conditions[$0].doseMicromolar.map { abs($0 - dose) <= 0.01 * dose } ?? false
            }
            notes.append(
                "\(singles.count - usable.count) rows at doses other than \(Condition.format(dose)) µM left out")
        }
        guard usable.count >= 2 else {
            throw InputError(
                "\(file): only \(usable.count) single-compound conditions; the OP3 protocol needs compound-treated rows"
            )
        }
        let table = source.selecting(rows: usable)
        let (layerValues, note) = try TargetLayer.values(of: table, layer: layer, file: file)
        notes.append(note)
        let g = table.geneCount
        let keep = (0..<g).filter { c in
            (0..<table.rowCount).allSatisfy { r in table.measured[r * g + c] && layerValues[r * g + c].isFinite }
        }
        guard !keep.isEmpty else {
            throw InputError(
                "\(file): no gene is measured with a finite '\(layer)' value in every row; choose another --layer or dataset"
            )
        }
        if keep.count < g {
            notes.append("\(g - keep.count) of \(g) genes left out (not measured or not finite in every row)")
        }
        var targets = [Float](); targets.reserveCapacity(table.rowCount * keep.count)
        for r in 0..<table.rowCount { for c in keep { targets.append(layerValues[r * g + c]) } }
        var cellIndex: [String: Int32] = [:], compoundIndex: [String: Int32] = [:]
        var cellTypes: [String] = [], compounds: [String] = []
        var rowCell: [Int32] = [], rowCompound: [Int32] = []
        for condition in table.conditions {
            let key = condition.compounds[0]
            if cellIndex[condition.context] == nil {
                cellIndex[condition.context] = Int32(cellTypes.count); cellTypes.append(condition.context)
            }
            if compoundIndex[key] == nil { compoundIndex[key] = Int32(compounds.count); compounds.append(key) }
            rowCell.append(cellIndex[condition.context]!)
            rowCompound.append(compoundIndex[key]!)
        }
        return OP3Task(
            table: table, cellTypes: cellTypes, compounds: compounds, rowCellType: rowCell, rowCompound: rowCompound,
            genes: keep.map { table.genes[$0] }, targets: targets, notes: notes)
    }

    /// A readable compound name (first alias, else the key).
    public func compoundName(_ index: Int) -> String {
        let key = compounds[index]
        return table.compounds[key]?.aliases.first ?? key
    }

    /// The examples of `rows`.
    public func examples(_ rows: [Int]) -> OP3Examples {
        OP3Examples(cellTypes: rows.map { rowCellType[$0] }, compounds: rows.map { rowCompound[$0] })
    }

    /// Targets of `rows`, row-major.
    public func targets(_ rows: [Int]) -> [Float] {
        let g = genes.count
        var out = [Float](); out.reserveCapacity(rows.count * g)
        for r in rows { out += targets[(r * g)..<((r + 1) * g)] }
        return out
    }
}
