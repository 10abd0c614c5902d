import CHDF5

/// A matrix element of an .h5ad file (X, a layer, an obsm entry) opened for reading: a dense 2-D dataset, or a
/// sparse group in CSR/CSC form (anndata's `csr_matrix`/`csc_matrix` encodings, or the pre-0.7 `h5sparse` layout).
struct H5ADMatrixElement {
    /// The open datasets of a sparse group (kept open so that chunked reads do not reopen them).
    final class SparseParts {
        let group: H5Group
        let data: H5Dataset
        let indices: H5Dataset
        let indptr: H5Dataset
        let csr: Bool

        init(group: H5Group, csr: Bool) throws {
            self.group = group
            self.csr = csr
            data = try group.dataset("data")
            indices = try group.dataset("indices")
            indptr = try group.dataset("indptr")
        }
    }

    enum Storage {
        case dense(H5Dataset)
        case sparse(SparseParts)
    }

    let storage: Storage
    let rows: Int
    let cols: Int
    let path: String

    init(in container: H5Container, name: String) throws {
        let fullPath = container.childPath(name)
        path = fullPath
        switch container.kind(of: name) {
        case nil:
            throw FormatError(file: container.fileName, location: fullPath, message: "missing matrix element")
        case .dataset?:
            let dataset = try container.dataset(name)
            if let encoding = try dataset.stringAttribute("encoding-type"), encoding != "array" {
                throw FormatError(
                    file: container.fileName, location: fullPath,
                    message:
                        "unsupported encoding '\(encoding)' for a matrix (supported: array, csr_matrix, csc_matrix)")
            }
            guard dataset.elementType.isNumeric else {
                throw FormatError(
                    file: container.fileName, location: fullPath,
                    message: "wrong dtype: expected a numeric matrix, found \(dataset.elementType)")
            }
            switch dataset.shape.count {
            case 2: (rows, cols) = (dataset.shape[0], dataset.shape[1])
            case 1: (rows, cols) = (dataset.shape[0], 1)
            default:
                throw FormatError(
                    file: container.fileName, location: fullPath,
                    message: "expected a 1-D or 2-D array, found shape \(dataset.shape)")
            }
            storage = .dense(dataset)
        case .group?:
            let group = try container.group(name)
            let encoding =
                try group.stringAttribute("encoding-type")
                ?? group.stringAttribute("h5sparse_format").map { "\($0)_matrix" }
            guard let encoding, encoding == "csr_matrix" || encoding == "csc_matrix" else {
                throw FormatError(
                    file: container.fileName, location: fullPath,
                    message:
                        "unsupported encoding '\(try group.stringAttribute("encoding-type") ?? "none")' for a matrix (supported: array, csr_matrix, csc_matrix)"
                )
            }
            let shape = try group.doublesAttribute("shape") ?? group.doublesAttribute("h5sparse_shape")
            guard let shape, shape.count == 2 else {
                throw FormatError(
                    file: container.fileName, location: fullPath,
                    message: "sparse matrix without a 2-element 'shape' attribute")
            }
            guard let rowCount = Self.dimension(shape[0]), let colCount = Self.dimension(shape[1]) else {
                throw FormatError(
                    file: container.fileName, location: fullPath,
                    message:
                        "invalid 'shape' attribute \(shape): expected two whole numbers from 0 to 2^40; the file is damaged"
                )
            }
            (rows, cols) = (rowCount, colCount)
            for part in ["data", "indices", "indptr"] where group.kind(of: part) != .dataset {
                throw FormatError(
                    file: container.fileName, location: group.childPath(part),
                    message: "missing dataset of the \(encoding)")
            }
            storage = .sparse(try SparseParts(group: group, csr: encoding == "csr_matrix"))
        case .other?:
            throw FormatError(file: container.fileName, location: fullPath, message: "not a dataset or group")
        }
    }

    /// A sparse matrix dimension from its `shape` attribute: a whole number in 0...2^40, nil otherwise.
    private static func dimension(_ value: Double) -> Int? {
        guard let whole = Int(exactly: value), whole >= 0, whole <= 1 << 40 else { return nil }
        return whole
    }

    var encodingName: String {
        switch storage {
        case .dense: return "dense"
        case .sparse(let parts): return parts.csr ? "csr_matrix" : "csc_matrix"
        }
    }

    /// The stored value type of the dense data or of the sparse `data`.
    func valueType() throws -> H5ElementType {
        switch storage {
        case .dense(let dataset): return dataset.elementType
        case .sparse(let parts): return parts.data.elementType
        }
    }

    /// Number of stored values (rows × cols for dense, nnz for sparse).
    func storedCount() throws -> Int {
        switch storage {
        case .dense: return rows * cols
        case .sparse(let parts): return parts.data.count
        }
    }

    private func checkRows(_ range: Range<Int>) throws {
        guard range.lowerBound >= 0, range.upperBound <= rows else {
            throw FormatError(
                file: fileName, location: path,
                message: "row range \(range.lowerBound)..<\(range.upperBound) is outside the \(rows) rows")
        }
    }

    private var fileName: String {
        switch storage {
        case .dense(let d): return d.fileName
        case .sparse(let parts): return parts.group.fileName
        }
    }

    /// Reads rows `range` as a dense matrix, straight into the Float buffer for dense storage.
    func readDense(rows range: Range<Int>) throws -> DenseMatrix {
        try checkRows(range)
        switch storage {
        case .dense(let dataset):
            let values = try dataset.readFloats(rows: range)
            return DenseMatrix(rows: range.count, cols: cols, values: values)
        case .sparse:
            return try readStorage(rows: range).toDense()
        }
    }

    /// Reads rows `range` as row-major Floats into `pointer` (room for `range.count * cols` Floats).
    func readDense(rows range: Range<Int>, into pointer: UnsafeMutableRawPointer) throws {
        try checkRows(range)
        switch storage {
        case .dense(let dataset):
            guard dataset.elementType.isNumeric, dataset.elementType != .bool else {
                throw FormatError(
                    file: fileName, location: path,
                    message: "wrong dtype: expected numbers, found \(dataset.elementType)")
            }
            try dataset.read(into: pointer, memType: pb_h5t_native_float(), rows: range)
        case .sparse:
            let values = try readDense(rows: range).values
            values.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
    }

    /// Starts reading rows `range` of dense storage into the page cache (see `H5Dataset.adviseWillNeed`).
    func adviseWillNeed(rows range: Range<Int>) {
        if case .dense(let dataset) = storage { dataset.adviseWillNeed(rows: range) }
    }

    /// Reads CSR rows `range` into `target`, reusing its storage (for streaming without allocation).
    func readCSR(rows range: Range<Int>, into target: inout CSRMatrix) throws {
        try checkRows(range)
        guard case .sparse(let parts) = storage, parts.csr else {
            throw FormatError(
                file: fileName, location: path, message: "not stored as csr_matrix (it is \(encodingName))")
        }
        try readCSRRows(parts, range, into: &target)
    }

    /// Reads rows `range` keeping the stored form (CSC is converted to CSR).
    func readStorage(rows range: Range<Int>) throws -> MatrixStorage {
        try checkRows(range)
        switch storage {
        case .dense:
            return .dense(try readDense(rows: range))
        case .sparse(let parts):
            if parts.csr { return .csr(try readCSRRows(parts, range)) }
            let full = try readCSC(parts)
            return .csr(full.slicingRows(range))
        }
    }

    /// Reads rows `range` restricted to `columns` (in that order), in blocks so memory stays bounded.
    func readDense(rows range: Range<Int>, columns: [Int]) throws -> DenseMatrix {
        if let bad = columns.first(where: { $0 < 0 || $0 >= cols }) {
            throw FormatError(
                file: fileName, location: path, message: "column index \(bad) is outside the \(cols) columns")
        }
        try checkRows(range)
        if case .sparse(let parts) = storage, !parts.csr {
            return try readDense(rows: range).selectingColumns(columns)
        }
        var out = [Float]()
        out.reserveCapacity(range.count * columns.count)
        let blockRows = max(1, (1 << 20) / max(1, cols))
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(range.upperBound, start + blockRows)
            out += try readDense(rows: start..<end).selectingColumns(columns).values
            start = end
        }
        return DenseMatrix(rows: range.count, cols: columns.count, values: out)
    }

    private func readCSRRows(_ parts: SparseParts, _ range: Range<Int>) throws -> CSRMatrix {
        var result = CSRMatrix(rows: 0, cols: cols, data: [], indices: [], indptr: [0])
        try readCSRRows(parts, range, into: &result)
        return result
    }

    /// Reads rows `range` of a CSR group into `target`, reusing its arrays' storage when large enough.
    func readCSRRows(_ parts: SparseParts, _ range: Range<Int>, into target: inout CSRMatrix) throws {
        let group = parts.group
        let indptrSet = parts.indptr
        guard indptrSet.shape == [rows + 1] else {
            throw FormatError(
                file: group.fileName, location: indptrSet.path,
                message: "shape mismatch: indptr has shape \(indptrSet.shape), expected [\(rows + 1)] for \(rows) rows")
        }
        let dataSet = parts.data
        let indexSet = parts.indices
        guard dataSet.shape.count == 1, indexSet.shape == dataSet.shape else {
            throw FormatError(
                file: group.fileName, location: group.path,
                message: "shape mismatch: data has shape \(dataSet.shape) but indices \(indexSet.shape)")
        }
        Self.resize(&target.indptr, to: range.count + 1)
        try target.indptr.withUnsafeMutableBytes {
            try indptrSet.read(
                into: $0.baseAddress!, memType: pb_h5t_native_int64(), rows: range.lowerBound..<(range.upperBound + 1))
        }
        let low = target.indptr[0]
        let high = target.indptr[range.count]
        guard low >= 0, high >= low, Int(high) <= dataSet.count else {
            throw FormatError(
                file: group.fileName, location: indptrSet.path,
                message: "indptr values \(low)...\(high) are outside the \(dataSet.count) stored values")
        }
        let count = Int(high - low)
        let stored = Int(low)..<Int(high)
        Self.resize(&target.data, to: count)
        Self.resize(&target.indices, to: count)
        guard dataSet.elementType.isNumeric, dataSet.elementType != .bool, indexSet.elementType.isNumeric else {
            throw FormatError(
                file: group.fileName, location: group.path,
                message:
                    "wrong dtype: data is \(dataSet.elementType), indices \(indexSet.elementType); expected numbers")
        }
        if count > 0 {
            try target.data.withUnsafeMutableBytes {
                try dataSet.read(into: $0.baseAddress!, memType: pb_h5t_native_float(), rows: stored)
            }
            try target.indices.withUnsafeMutableBytes {
                try indexSet.read(into: $0.baseAddress!, memType: pb_h5t_native_int32(), rows: stored)
            }
        }
        var previous: Int64 = 0
        for i in 0...range.count {
            let local = target.indptr[i] - low
            if local < previous {
                throw FormatError(
                    file: group.fileName, location: indptrSet.path,
                    message: "indptr decreases at row \(range.lowerBound + i - 1)")
            }
            target.indptr[i] = local
            previous = local
        }
        let limit = Int32(clamping: cols)
        let (smallest, largest) = target.indices.withUnsafeBufferPointer { buffer -> (Int32, Int32) in
            var low = Int32.max, high = Int32.min
            for value in buffer {
                low = Swift.min(low, value)
                high = Swift.max(high, value)
            }
            return (low, high)
        }
        if count > 0, smallest < 0 || largest >= limit,
            let bad = target.indices.firstIndex(where: { $0 < 0 || $0 >= limit })
        {
            throw FormatError(
                file: group.fileName, location: indexSet.path,
                message:
                    "column index \(target.indices[bad]) at position \(Int(low) + bad) is outside the \(cols) columns")
        }
        target.rows = range.count
        target.cols = cols
    }

    /// Sets `array.count` to `count`, reusing the storage when its capacity suffices; storage that must be
    /// allocated is left unfilled (the caller overwrites every element with file data right away).
    private static func resize<T: Numeric & BitwiseCopyable>(_ array: inout [T], to count: Int) {
        if array.count > count {
            array.removeLast(array.count - count)
        } else if array.capacity >= count {
            array.append(contentsOf: repeatElement(.zero, count: count - array.count))
        } else {
            array = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                HugePages.advise(UnsafeMutableRawPointer(buffer.baseAddress!), bytes: count * MemoryLayout<T>.stride)
                initialized = count
            }
        }
    }

    private func readCSC(_ parts: SparseParts) throws -> CSRMatrix {
        // A CSC matrix is the CSR form of the transpose: read it as cols × rows CSR, then transpose.
        let transposedElement = H5ADMatrixElement(storage: .sparse(parts), rows: cols, cols: rows, path: path)
        let transposed = try transposedElement.readCSRRows(parts, 0..<cols)
        return transposed.transposed()
    }

    private init(storage: Storage, rows: Int, cols: Int, path: String) {
        self.storage = storage
        self.rows = rows
        self.cols = cols
        self.path = path
    }
}

extension CSRMatrix {
    /// The transpose, in CSR form (column indices sorted within each row).
    public func transposed() -> CSRMatrix {
        var counts = [Int64](repeating: 0, count: cols + 1)
        for c in indices { counts[Int(c) + 1] += 1 }
        for c in 0..<cols { counts[c + 1] += counts[c] }
        var next = counts
        var outData = [Float](repeating: 0, count: data.count)
        var outIndices = [Int32](repeating: 0, count: data.count)
        for r in 0..<rows {
            for k in Int(indptr[r])..<Int(indptr[r + 1]) {
                let c = Int(indices[k])
                let slot = Int(next[c])
                outData[slot] = data[k]
                outIndices[slot] = Int32(r)
                next[c] += 1
            }
        }
        return CSRMatrix(rows: cols, cols: rows, data: outData, indices: outIndices, indptr: counts)
    }

    /// Rows `range` as a new CSR matrix.
    public func slicingRows(_ range: Range<Int>) -> CSRMatrix {
        let low = Int(indptr[range.lowerBound])
        let high = Int(indptr[range.upperBound])
        return CSRMatrix(
            rows: range.count, cols: cols, data: Array(data[low..<high]), indices: Array(indices[low..<high]),
            indptr: indptr[range.lowerBound...range.upperBound].map { $0 - Int64(low) })
    }
}
