/// A design matrix: `rows` observations (samples) × `columns` coefficients, row-major, with column names.
public struct DesignMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Double]
    public var columnNames: [String]

    public init(rows: Int, columns: Int, values: [Double], columnNames: [String]) {
        precondition(values.count == rows * columns && columnNames.count == columns, "design shape mismatch")
        self.rows = rows
        self.columns = columns
        self.values = values
        self.columnNames = columnNames
    }

    public subscript(row: Int, column: Int) -> Double { values[row * columns + column] }

    /// `~ 0 + group + covariate` as R's `model.matrix` builds it: one indicator column per level of `groups` (in the
    /// given level order), then, for each further factor, treatment-coded indicators of its levels after the first
    /// (its first level is absorbed by the group columns).
    public static func groups(
        _ groups: [String], levels: [String], factors: [(name: String, values: [String], levels: [String])] = []
    ) -> DesignMatrix {
        var names = levels
        for f in factors { names += f.levels.dropFirst().map { f.name + $0 } }
        let n = groups.count, p = names.count
        var values = [Double](repeating: 0, count: n * p)
        let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
        for (i, g) in groups.enumerated() { values[i * p + index[g]!] = 1 }
        var offset = levels.count
        for f in factors {
            precondition(f.values.count == n, "factor \(f.name) has \(f.values.count) values for \(n) samples")
            let fi = Dictionary(uniqueKeysWithValues: f.levels.enumerated().map { ($1, $0) })
            for (i, v) in f.values.enumerated() where fi[v]! > 0 { values[i * p + offset + fi[v]! - 1] = 1 }
            offset += f.levels.count - 1
        }
        return DesignMatrix(rows: n, columns: p, values: values, columnNames: names)
    }

    /// The rows `kept`, in that order.
    func selecting(rows kept: [Int]) -> DesignMatrix {
        var out: [Double] = []
        out.reserveCapacity(kept.count * columns)
        for r in kept { out += values[(r * columns)..<((r + 1) * columns)] }
        return DesignMatrix(rows: kept.count, columns: columns, values: out, columnNames: columnNames)
    }
}
