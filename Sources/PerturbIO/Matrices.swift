/// A dense row-major Float matrix.
public struct DenseMatrix: Equatable {
    public var rows: Int
    public var cols: Int
    /// Row-major values, `rows * cols` of them.
    public var values: [Float]

    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "DenseMatrix: \(values.count) values for \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// A matrix filled with `value` (zeros by default; large zero matrices use huge pages, see `HugePages`).
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        let values = value == 0 ? HugePages.zeroedFloats(rows * cols) : [Float](repeating: value, count: rows * cols)
        self.init(rows: rows, cols: cols, values: values)
    }

    public subscript(r: Int, c: Int) -> Float {
        get { values[r * cols + c] }
        set { values[r * cols + c] = newValue }
    }

    /// One row as a slice.
    public func row(_ r: Int) -> ArraySlice<Float> { values[(r * cols)..<((r + 1) * cols)] }

    /// The transpose (blocked, so that both sides are walked mostly contiguously).
    public func transposed() -> DenseMatrix {
        var out = [Float](repeating: 0, count: values.count)
        let block = 32
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for r0 in stride(from: 0, to: rows, by: block) {
                    for c0 in stride(from: 0, to: cols, by: block) {
                        for r in r0..<min(rows, r0 + block) {
                            for c in c0..<min(cols, c0 + block) { dst[c * rows + r] = src[r * cols + c] }
                        }
                    }
                }
            }
        }
        return DenseMatrix(rows: cols, cols: rows, values: out)
    }

    /// The sub-matrix made of the given columns, in the given order.
    public func selectingColumns(_ columns: [Int]) -> DenseMatrix {
        var out = [Float](repeating: 0, count: rows * columns.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows {
                    let base = r * cols
                    let outBase = r * columns.count
                    for (j, c) in columns.enumerated() { dst[outBase + j] = src[base + c] }
                }
            }
        }
        return DenseMatrix(rows: rows, cols: columns.count, values: out)
    }
}

/// A compressed-sparse-row Float matrix (scipy's `csr_matrix` layout).
public struct CSRMatrix: Equatable {
    public var rows: Int
    public var cols: Int
    /// Non-zero values, row after row.
    public var data: [Float]
    /// Column index of each value in `data`.
    public var indices: [Int32]
    /// `rows + 1` offsets into `data`; row r holds `data[indptr[r]..<indptr[r+1]]`.
    public var indptr: [Int64]

    public init(rows: Int, cols: Int, data: [Float], indices: [Int32], indptr: [Int64]) {
        self.rows = rows
        self.cols = cols
        self.data = data
        self.indices = indices
        self.indptr = indptr
    }

    /// Builds the CSR form of a dense matrix, dropping exact zeros.
    public init(dense: DenseMatrix) {
        var data: [Float] = []
        var indices: [Int32] = []
        var indptr: [Int64] = [0]
        indptr.reserveCapacity(dense.rows + 1)
        for r in 0..<dense.rows {
            for c in 0..<dense.cols {
                let value = dense.values[r * dense.cols + c]
                if value != 0 {
                    data.append(value)
                    indices.append(Int32(c))
                }
            }
            indptr.append(Int64(data.count))
        }
        self.init(rows: dense.rows, cols: dense.cols, data: data, indices: indices, indptr: indptr)
    }

    /// The dense form (duplicate entries are summed, as scipy does).
    public func toDense() -> DenseMatrix {
        var out = [Float](repeating: 0, count: rows * cols)
        out.withUnsafeMutableBufferPointer { dst in
            for r in 0..<rows {
                let base = r * cols
                for k in Int(indptr[r])..<Int(indptr[r + 1]) { dst[base + Int(indices[k])] += data[k] }
            }
        }
        return DenseMatrix(rows: rows, cols: cols, values: out)
    }
}

/// A matrix stored either dense or as CSR.
public enum MatrixStorage: Equatable {
    case dense(DenseMatrix)
    case csr(CSRMatrix)

    public var rows: Int {
        switch self {
        case .dense(let m): return m.rows
        case .csr(let m): return m.rows
        }
    }

    public var cols: Int {
        switch self {
        case .dense(let m): return m.cols
        case .csr(let m): return m.cols
        }
    }

    public func toDense() -> DenseMatrix {
        switch self {
        case .dense(let m): return m
        case .csr(let m): return m.toDense()
        }
    }
}

/// A dense float32 matrix produced block by block while it is written (never whole in memory): `fill` receives a
/// row range and a row-major buffer of `rows.count × cols` values to overwrite.
public struct StreamedDenseMatrix {
    public var rows: Int
    public var cols: Int
    /// Rows per block handed to `fill`.
    public var blockRows: Int
    public var fill: (_ rows: Range<Int>, _ values: UnsafeMutableBufferPointer<Float>) throws -> Void

    public init(
        rows: Int, cols: Int, blockRows: Int,
        fill: @escaping (_ rows: Range<Int>, _ values: UnsafeMutableBufferPointer<Float>) throws -> Void
    ) {
        self.rows = rows
        self.cols = cols
        self.blockRows = blockRows
        self.fill = fill
    }
}
