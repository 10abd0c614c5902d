import Foundation
import XCTest

@testable import PerturbIO

/// Compares an AnnData with the JSON dump that `AnnDataPythonRoundTripTests.dumpFunction` prints.
enum AnnDataComparison {
    struct Mismatch: Error, CustomStringConvertible { let description: String }

    static func assertEqual(
        _ adata: AnnData, pythonJSON: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let jsonLine = pythonJSON.split(separator: "\n").last.map(String.init) ?? ""
        guard let root = try JSONSerialization.jsonObject(with: Data(jsonLine.utf8)) as? [String: Any] else {
            throw Mismatch(description: "python printed no JSON object")
        }
        if let x = root["X"] as? [[String]] {
            try compareMatrix(adata.X?.toDense(), x, "X")
            XCTAssertEqual(
                root["X_sparse"] as? Bool,
                {
                    if case .csr? = adata.X { return true }; return false
                }(), "X sparse flag", file: file, line: line)
        } else {
            XCTAssertNil(adata.X, file: file, line: line)
        }
        let layers = root["layers"] as? [String: [Any]] ?? [:]
        XCTAssertEqual(Set(layers.keys), Set(adata.layers.keys), "layer names", file: file, line: line)
        for (name, pair) in layers {
            try compareMatrix(adata.layers[name]?.toDense(), pair[0] as? [[String]] ?? [], "layers/\(name)")
            let isCSR: Bool = {
                if case .csr? = adata.layers[name] { return true }; return false
            }()
            XCTAssertEqual(pair[1] as? Bool, isCSR, "layers/\(name) sparse flag", file: file, line: line)
        }
        try compareFrame(adata.obs, root["obs"] as? [String: Any] ?? [:], "obs")
        try compareFrame(adata.var, root["var"] as? [String: Any] ?? [:], "var")
        for (key, ours) in [("obsm", adata.obsm), ("varm", adata.varm)] {
            let theirs = root[key] as? [String: [[String]]] ?? [:]
            XCTAssertEqual(Set(theirs.keys), Set(ours.keys), key, file: file, line: line)
            for (name, values) in theirs { try compareMatrix(ours[name], values, "\(key)/\(name)") }
        }
        let uns = root["uns"] as? [String: Any] ?? [:]
        XCTAssertEqual(try unsValue(["group": uns]), UnsValue.group(adata.uns), "uns", file: file, line: line)
    }

    /// Column-by-column equality with NaN equal to NaN.
    static func framesEqual(_ a: DataFrame, _ b: DataFrame) -> Bool {
        a.index == b.index && a.columnNames == b.columnNames
            && zip(a.columns, b.columns).allSatisfy { columnsEqual($0.data, $1.data) }
    }

    private static func compareMatrix(_ ours: DenseMatrix?, _ texts: [[String]], _ name: String) throws {
        let theirs = texts.map { $0.map { Double($0)! } }
        guard let ours else { throw Mismatch(description: "\(name): missing on our side") }
        guard ours.rows == theirs.count, ours.cols == (theirs.first?.count ?? ours.cols) else {
            throw Mismatch(
                description: "\(name): shape \(ours.rows)x\(ours.cols) vs \(theirs.count)x\(theirs.first?.count ?? 0)")
        }
        for r in 0..<ours.rows {
            for c in 0..<ours.cols where ours[r, c] != Float(theirs[r][c]) {
                throw Mismatch(description: "\(name)[\(r), \(c)]: ours \(ours[r, c]) vs python \(theirs[r][c])")
            }
        }
    }

    private static func compareFrame(_ ours: DataFrame, _ theirs: [String: Any], _ name: String) throws {
        guard ours.index == (theirs["index"] as? [String] ?? []) else {
            throw Mismatch(description: "\(name) index differs")
        }
        let columns = theirs["columns"] as? [[Any]] ?? []
        guard ours.columnNames == columns.map({ $0[0] as? String ?? "" }) else {
            throw Mismatch(description: "\(name) columns: ours \(ours.columnNames) vs python \(columns.map { $0[0] })")
        }
        for entry in columns {
            let columnName = entry[0] as! String
            let spec = entry[1] as! [String: Any]
            let expected = try columnData(spec)
            let actual = ours.column(columnName)!
            guard columnsEqual(actual, expected) else {
                throw Mismatch(description: "\(name)/\(columnName): ours \(actual) vs python \(expected)")
            }
        }
    }

    /// Equality that treats NaN as equal to NaN and ignores values hidden by a nullable mask.
    private static func columnsEqual(_ a: ColumnData, _ b: ColumnData) -> Bool {
        switch (a, b) {
        case (.float64(let x), .float64(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
        case (.nullableInt(let xv, let xm), .nullableInt(let yv, let ym)):
            return xm == ym && zip(zip(xv, yv), xm).allSatisfy { $1 || $0.0 == $0.1 }
        case (.nullableBool(let xv, let xm), .nullableBool(let yv, let ym)):
            return xm == ym && zip(zip(xv, yv), xm).allSatisfy { $1 || $0.0 == $0.1 }
        default:
            return a == b
        }
    }

    private static func columnData(_ spec: [String: Any]) throws -> ColumnData {
        let values = spec["values"] as? [Any] ?? []
        switch spec["kind"] as? String {
        case "cat":
            return .categorical(
                codes: (spec["codes"] as! [Int]).map { Int32($0) }, categories: spec["categories"] as! [String],
                ordered: spec["ordered"] as! Bool)
        case "nint":
            return .nullableInt(values: values.map { Int64(($0 as? Int) ?? 0) }, mask: values.map { $0 is NSNull })
        case "nbool":
            return .nullableBool(values: values.map { ($0 as? Bool) ?? false }, mask: values.map { $0 is NSNull })
        case "bool": return .bools(values.map { $0 as! Bool })
        case "int": return .int64(values.map { Int64(($0 as! NSNumber).int64Value) })
        case "float": return .float64(values.map { ($0 as? String).flatMap(Double.init) ?? .nan })
        case "str": return .strings(values.map { $0 as! String })
        default: throw Mismatch(description: "unknown column kind \(spec)")
        }
    }

    private static func unsValue(_ spec: [String: Any]) throws -> UnsValue {
        guard let (kind, value) = spec.first else { throw Mismatch(description: "empty uns spec") }
        switch kind {
        case "group":
            var out: [String: UnsValue] = [:]
            for (k, v) in value as! [String: Any] { out[k] = try unsValue(v as! [String: Any]) }
            return .group(out)
        case "string": return .string(value as! String)
        case "bool": return .bool(value as! Bool)
        case "int": return .int((value as! NSNumber).int64Value)
        case "double": return .double(Double(value as! String)!)
        case "strings": return .strings(value as! [String])
        case "doubles": return .doubles((value as! [String]).map { Double($0)! })
        default: throw Mismatch(description: "unknown uns kind \(kind)")
        }
    }
}
