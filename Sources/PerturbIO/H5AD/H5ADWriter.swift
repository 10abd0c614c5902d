import CHDF5
import Foundation
import PerturbBase

/// Writes AnnData to .h5ad following anndata's on-disk specification (encoding-type / encoding-version
/// attributes), so that Python's anndata and scanpy read the files unchanged. Writes are atomic.
public enum H5ADWriter {
    /// Writes `adata` to `url` atomically (temporary file + rename). `sparseAsCSR` stores dense X/layers as CSR
    /// (exact zeros dropped). Throws before writing anything when shapes or columns are inconsistent.
    /// `streamedX` (when `adata.X` is nil) writes X block by block, uncompressed and contiguous, so that a matrix
    /// larger than memory can be written and later read back with direct reads.
    public static func write(
        _ adata: AnnData, to url: URL, compression: H5Compression = .gzip(level: 4), sparseAsCSR: Bool = false,
        streamedX: StreamedDenseMatrix? = nil
    ) throws {
        try validate(adata, file: url.path)
        if let streamedX, adata.X != nil || streamedX.rows != adata.shape.rows || streamedX.cols != adata.shape.cols {
            throw FormatError(
                file: url.path, location: "/X",
                message:
                    "streamed X is \(streamedX.rows)×\(streamedX.cols) but obs × var is \(adata.shape.rows)×\(adata.shape.cols) (and X must be absent)"
            )
        }
        try AtomicFile.write(to: url) { temporary in
            let file = try H5File(creating: temporary)
            try setEncoding(file, "anndata", "0.1.0")
            if let X = adata.X { try writeMatrix(file, "X", X, compression: compression, sparseAsCSR: sparseAsCSR) }
            if let streamedX { try writeStreamed(file, "X", streamedX) }
            let layers = try dictGroup(file, "layers")
            for (name, matrix) in adata.layers.sorted(by: { $0.key < $1.key }) {
                try writeMatrix(layers, name, matrix, compression: compression, sparseAsCSR: sparseAsCSR)
            }
            try writeDataFrame(file, "obs", adata.obs, compression: compression)
            try writeDataFrame(file, "var", adata.var, compression: compression)
            for (groupName, matrices) in [("obsm", adata.obsm), ("varm", adata.varm)] {
                let group = try dictGroup(file, groupName)
                for (name, matrix) in matrices.sorted(by: { $0.key < $1.key }) {
                    try writeMatrix(group, name, .dense(matrix), compression: compression, sparseAsCSR: false)
                }
            }
            _ = try dictGroup(file, "obsp")
            _ = try dictGroup(file, "varp")
            try writeUnsGroup(try dictGroup(file, "uns"), adata.uns, compression: compression)
            try file.flush()
        }
    }

    static func validate(_ adata: AnnData, file: String) throws {
        let (rows, cols) = adata.shape
        func fail(_ location: String, _ message: String) -> FormatError {
            FormatError(file: file, location: location, message: message)
        }
        if let X = adata.X, X.rows != rows || X.cols != cols {
            throw fail("/X", "shape mismatch: X is \(X.rows)×\(X.cols) but obs × var is \(rows)×\(cols)")
        }
        for (name, layer) in adata.layers where layer.rows != rows || layer.cols != cols {
            throw fail(
                "/layers/\(name)",
                "shape mismatch: layer is \(layer.rows)×\(layer.cols) but obs × var is \(rows)×\(cols)")
        }
        for (name, matrix) in adata.obsm where matrix.rows != rows {
            throw fail("/obsm/\(name)", "shape mismatch: \(matrix.rows) rows but obs has \(rows)")
        }
        for (name, matrix) in adata.varm where matrix.rows != cols {
            throw fail("/varm/\(name)", "shape mismatch: \(matrix.rows) rows but var has \(cols)")
        }
        for (frameName, frame) in [("obs", adata.obs), ("var", adata.var)] {
            var seen = Set<String>()
            for (name, data) in frame.columns {
                let location = "/\(frameName)/\(name)"
                guard !name.isEmpty, !name.contains("/"), name != "_index" else {
                    throw fail(location, "invalid column name '\(name)'")
                }
                guard seen.insert(name).inserted else { throw fail(location, "duplicate column name") }
                guard data.count == frame.count else {
                    throw fail(
                        location, "shape mismatch: column has \(data.count) values but the index has \(frame.count)")
                }
                switch data {
                case .categorical(let codes, let categories, _):
                    if let bad = codes.firstIndex(where: { $0 < -1 || Int($0) >= categories.count }) {
                        throw fail(
                            location,
                            "category code \(codes[bad]) at row \(bad) is outside the \(categories.count) categories")
                    }
                    guard Set(categories).count == categories.count else {
                        throw fail(location, "duplicate categories")
                    }
                case .nullableInt(let values, let mask) where values.count != mask.count:
                    throw fail(location, "shape mismatch: values and mask differ in length")
                case .nullableBool(let values, let mask) where values.count != mask.count:
                    throw fail(location, "shape mismatch: values and mask differ in length")
                default: break
                }
            }
        }
    }

    static func setEncoding(_ object: H5Object, _ type: String, _ version: String) throws {
        try object.setAttribute("encoding-type", type)
        try object.setAttribute("encoding-version", version)
    }

    private static func dictGroup(_ parent: H5Container, _ name: String) throws -> H5Group {
        let group = try parent.createGroup(name)
        try setEncoding(group, "dict", "0.1.0")
        return group
    }

    private static func writeMatrix(
        _ parent: H5Container, _ name: String, _ matrix: MatrixStorage, compression: H5Compression, sparseAsCSR: Bool
    ) throws {
        switch matrix {
        case .dense(let dense) where !sparseAsCSR:
            let dataset = try parent.writeFloats(
                name, dense.values, dims: [dense.rows, dense.cols], compression: compression)
            try setEncoding(dataset, "array", "0.2.0")
        case .dense(let dense):
            try writeCSR(parent, name, CSRMatrix(dense: dense), compression: compression)
        case .csr(let csr):
            try writeCSR(parent, name, csr, compression: compression)
        }
    }

    private static func writeStreamed(_ parent: H5Container, _ name: String, _ matrix: StreamedDenseMatrix) throws {
        let type = pb_h5t_native_float()
        let dataset = try parent.createDataset(name, type: type, dims: [matrix.rows, matrix.cols], compression: .none)
        try setEncoding(dataset, "array", "0.2.0")
        let block = max(1, matrix.blockRows)
        var buffer = [Float](repeating: 0, count: min(matrix.rows, block) * matrix.cols)
        for lo in stride(from: 0, to: matrix.rows, by: block) {
            let rows = lo..<min(matrix.rows, lo + block)
            try buffer.withUnsafeMutableBufferPointer { values in
                let part = UnsafeMutableBufferPointer(rebasing: values[0..<(rows.count * matrix.cols)])
                try matrix.fill(rows, part)
                try dataset.write(rows: rows, from: UnsafeRawPointer(part.baseAddress!), memType: type)
            }
        }
    }

    private static func writeCSR(
        _ parent: H5Container, _ name: String, _ csr: CSRMatrix, compression: H5Compression
    ) throws {
        let group = try parent.createGroup(name)
        try setEncoding(group, "csr_matrix", "0.1.0")
        try group.setAttribute("shape", [Int64(csr.rows), Int64(csr.cols)])
        try group.writeFloats("data", csr.data, compression: compression)
        try group.writeInt32s("indices", csr.indices, compression: compression)
        try group.writeInt64s("indptr", csr.indptr, compression: compression)
    }

    private static func writeDataFrame(
        _ parent: H5Container, _ name: String, _ frame: DataFrame, compression: H5Compression
    ) throws {
        let group = try parent.createGroup(name)
        try setEncoding(group, "dataframe", "0.2.0")
        try group.setAttribute("_index", "_index")
        if frame.columns.isEmpty {
            try group.setAttribute("column-order", [Double]())
        } else {
            try group.setAttribute("column-order", frame.columnNames)
        }
        try setEncoding(
            try group.writeStrings("_index", frame.index, compression: compression), "string-array", "0.2.0")
        for (columnName, data) in frame.columns {
            try writeColumn(group, columnName, data, compression: compression)
        }
    }

    private static func writeColumn(
        _ group: H5Group, _ name: String, _ data: ColumnData, compression: H5Compression
    ) throws {
        switch data {
        case .strings(let values):
            try setEncoding(try group.writeStrings(name, values, compression: compression), "string-array", "0.2.0")
        case .float64(let values):
            try setEncoding(try group.writeDoubles(name, values, compression: compression), "array", "0.2.0")
        case .int64(let values):
            try setEncoding(try group.writeInt64s(name, values, compression: compression), "array", "0.2.0")
        case .bools(let values):
            try setEncoding(try group.writeBools(name, values, compression: compression), "array", "0.2.0")
        case .categorical(let codes, let categories, let ordered):
            let element = try group.createGroup(name)
            try setEncoding(element, "categorical", "0.2.0")
            try element.setAttribute("ordered", ordered)
            let codesSet: H5Dataset
            if categories.count < Int(Int8.max) {
                codesSet = try element.writeInt8s("codes", codes.map { Int8($0) }, compression: compression)
            } else if categories.count < Int(Int16.max) {
                codesSet = try element.writeInt16s("codes", codes.map { Int16($0) }, compression: compression)
            } else {
                codesSet = try element.writeInt32s("codes", codes, compression: compression)
            }
            try setEncoding(codesSet, "array", "0.2.0")
            try setEncoding(
                try element.writeStrings("categories", categories, compression: compression), "string-array", "0.2.0")
        case .nullableInt(let values, let mask):
            let element = try group.createGroup(name)
            try setEncoding(element, "nullable-integer", "0.1.0")
            try element.writeInt64s("values", zip(values, mask).map { $1 ? 0 : $0 }, compression: compression)
            try element.writeBools("mask", mask, compression: compression)
        case .nullableBool(let values, let mask):
            let element = try group.createGroup(name)
            try setEncoding(element, "nullable-boolean", "0.1.0")
            try element.writeBools("values", zip(values, mask).map { $1 ? false : $0 }, compression: compression)
            try element.writeBools("mask", mask, compression: compression)
        }
    }

    private static func writeUnsGroup(_ group: H5Group, _ values: [String: UnsValue], compression: H5Compression) throws
    {
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .string(let text):
                try setEncoding(try group.writeStrings(name, [text], scalar: true), "string", "0.2.0")
            case .double(let number):
                try setEncoding(try group.writeScalar(name, number), "numeric-scalar", "0.2.0")
            case .int(let number):
                try setEncoding(try group.writeScalar(name, number), "numeric-scalar", "0.2.0")
            case .bool(let flag):
                try setEncoding(try group.writeBools(name, [flag], scalar: true), "numeric-scalar", "0.2.0")
            case .strings(let texts):
                try setEncoding(try group.writeStrings(name, texts, compression: compression), "string-array", "0.2.0")
            case .doubles(let numbers):
                try setEncoding(try group.writeDoubles(name, numbers, compression: compression), "array", "0.2.0")
            case .group(let children):
                try writeUnsGroup(try dictGroup(group, name), children, compression: compression)
            }
        }
    }
}
