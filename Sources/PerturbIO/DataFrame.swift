/// One column of an obs/var dataframe (or of GCT row/column metadata).
public enum ColumnData: Equatable {
    case strings([String])
    case float64([Double])
    case int64([Int64])
    case bools([Bool])
    /// Category codes into `categories`; code -1 = missing.
    case categorical(codes: [Int32], categories: [String], ordered: Bool)
    /// Nullable integers; `mask` true = missing.
    case nullableInt(values: [Int64], mask: [Bool])
    /// Nullable bools; `mask` true = missing.
    case nullableBool(values: [Bool], mask: [Bool])

    public var count: Int {
        switch self {
        case .strings(let v): return v.count
        case .float64(let v): return v.count
        case .int64(let v): return v.count
        case .bools(let v): return v.count
        case .categorical(let codes, _, _): return codes.count
        case .nullableInt(let v, _): return v.count
        case .nullableBool(let v, _): return v.count
        }
    }

    /// The values as text: categorical → labels ("" for missing), numbers → their description, missing → "".
    public func stringValues() -> [String] {
        switch self {
        case .strings(let v): return v
        case .float64(let v): return v.map { $0.isNaN ? "" : Self.format($0) }
        case .int64(let v): return v.map { String($0) }
        case .bools(let v): return v.map { String($0) }
        case .categorical(let codes, let categories, _):
            return codes.map { $0 >= 0 && Int($0) < categories.count ? categories[Int($0)] : "" }
        case .nullableInt(let v, let mask): return zip(v, mask).map { $1 ? "" : String($0) }
        case .nullableBool(let v, let mask): return zip(v, mask).map { $1 ? "" : String($0) }
        }
    }

    /// The values as numbers (NaN for missing); strings and categories only when every non-empty value parses,
    /// otherwise nil.
    public func doubleValues() -> [Double]? {
        switch self {
        case .float64(let v): return v
        case .int64(let v): return v.map { Double($0) }
        case .bools(let v): return v.map { $0 ? 1 : 0 }
        case .nullableInt(let v, let mask): return zip(v, mask).map { $1 ? .nan : Double($0) }
        case .nullableBool(let v, let mask): return zip(v, mask).map { $1 ? .nan : ($0 ? 1 : 0) }
        case .strings, .categorical:
            var out: [Double] = []
            for text in stringValues() {
                if text.isEmpty { out.append(.nan); continue }
                guard let value = Double(text) else { return nil }
                out.append(value)
            }
            return out
        }
    }

    /// A short name of the column's type, for summaries.
    public var typeName: String {
        switch self {
        case .strings: return "string"
        case .float64: return "float64"
        case .int64: return "int64"
        case .bools: return "bool"
        case .categorical(_, let categories, let ordered):
            return "categorical[\(categories.count)\(ordered ? ", ordered" : "")]"
        case .nullableInt: return "nullable int64"
        case .nullableBool: return "nullable bool"
        }
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(format: "%.1f", value) }
        return String(value)
    }
}

/// A table with a string index and named, typed columns (anndata's obs/var).
public struct DataFrame: Equatable {
    /// Row names (obs_names / var_names, GCT rid/cid).
    public var index: [String]
    /// Columns in order.
    public var columns: [(name: String, data: ColumnData)]

    public init(index: [String], columns: [(name: String, data: ColumnData)] = []) {
        self.index = index
        self.columns = columns
    }

    /// Number of rows.
    public var count: Int { index.count }

    /// Column names in order.
    public var columnNames: [String] { columns.map(\.name) }

    /// The column called `name`, if any.
    public func column(_ name: String) -> ColumnData? {
        columns.first { $0.name == name }?.data
    }

    /// Replaces the column `name` or appends it.
    public mutating func set(_ name: String, _ data: ColumnData) {
        if let position = columns.firstIndex(where: { $0.name == name }) {
            columns[position].data = data
        } else {
            columns.append((name: name, data: data))
        }
    }

    public static func == (lhs: DataFrame, rhs: DataFrame) -> Bool {
        lhs.index == rhs.index && lhs.columns.count == rhs.columns.count
            && zip(lhs.columns, rhs.columns).allSatisfy { $0.name == $1.name && $0.data == $1.data }
    }
}
