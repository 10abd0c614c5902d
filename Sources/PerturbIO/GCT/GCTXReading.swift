import Foundation

/// Reads GCTX (CMap's HDF5 layout): `0/DATA/0/matrix` stored as (columns, rows) in HDF5's row-major order, and
/// metadata datasets under `0/META/ROW` and `0/META/COL` (each with an `id` dataset).
enum GCTXReading {
    static func read(_ url: URL) throws -> GCTData {
        let file = try H5File(openForReading: url)
        let matrixSet = try file.dataset("0/DATA/0/matrix")
        let rowMeta = try readMeta(try file.group("0/META/ROW"))
        let colMeta = try readMeta(try file.group("0/META/COL"))
        let (nRows, nCols) = (rowMeta.count, colMeta.count)
        guard matrixSet.shape.count == 2 else {
            throw matrixSet.failure("expected a 2-D matrix, found shape \(matrixSet.shape)")
        }
        var matrix: DenseMatrix
        if matrixSet.shape == [nCols, nRows] {
            matrix = DenseMatrix(rows: nCols, cols: nRows, values: try matrixSet.readFloats()).transposed()
        } else if matrixSet.shape == [nRows, nCols] {
            matrix = DenseMatrix(rows: nRows, cols: nCols, values: try matrixSet.readFloats())
        } else {
            throw matrixSet.failure(
                "shape mismatch: matrix is \(matrixSet.shape) but META/ROW has \(nRows) ids and META/COL \(nCols)")
        }
        for i in matrix.values.indices where matrix.values[i] == -666 { matrix.values[i] = .nan }
        return GCTData(matrix: matrix, rowMeta: rowMeta, colMeta: colMeta)
    }

    private static func readMeta(_ group: H5Group) throws -> DataFrame {
        guard group.kind(of: "id") == .dataset else { throw group.failure("missing dataset 'id'", child: "id") }
        let ids = try readColumn(try group.dataset("id")).stringValues()
        var frame = DataFrame(index: ids)
        for name in try group.childNames() where name != "id" {
            guard group.kind(of: name) == .dataset else { continue }
            let column = try readColumn(try group.dataset(name))
            guard column.count == ids.count else {
                throw group.failure("shape mismatch: \(column.count) values for \(ids.count) ids", child: name)
            }
            frame.columns.append((name: name, data: column))
        }
        return frame
    }

    /// A metadata dataset as a column; 2-D (1, n) arrays written by R are flattened; -666 becomes missing.
    private static func readColumn(_ dataset: H5Dataset) throws -> ColumnData {
        guard dataset.shape.count == 1 || (dataset.shape.count == 2 && dataset.shape.contains(1)) else {
            throw dataset.failure("expected a 1-D metadata array, found shape \(dataset.shape)")
        }
        switch dataset.elementType {
        case .string:
            return .strings(try dataset.readStrings().map { $0 == GCTReader.missingMarker ? "" : $0 })
        case .integer, .bool:
            let values = try dataset.readInt64s()
            let mask = values.map { $0 == -666 }
            return mask.contains(true)
                ? .nullableInt(values: values.map { $0 == -666 ? 0 : $0 }, mask: mask) : .int64(values)
        case .float:
            return .float64(try dataset.readDoubles().map { $0 == -666 ? .nan : $0 })
        default:
            throw dataset.failure("wrong dtype: unsupported metadata type \(dataset.elementType)")
        }
    }
}
