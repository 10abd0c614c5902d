/// A dense Float32 array in row-major order with value semantics.
///
/// Copies share one buffer until one of them is mutated (copy-on-write), so passing tensors around is cheap.
/// Most operations treat a tensor as a matrix: rank 2 is `[rows, cols]`, rank 1 `[n]` is one row, rank 0 is a scalar.
public struct Tensor {
    /// Extent of each dimension; the product is `count`.
    public private(set) var shape: [Int]
    var storage: TensorStorage

    /// Number of elements.
    public var count: Int { storage.count }

    /// A tensor whose contents are unspecified; every element must be written before it is read. Its buffer is
    /// recycled through the tensor pool unless `pooled` is false (a tensor kept for many steps, such as a training
    /// row waiting in a shuffle buffer).
    public init(uninitializedShape shape: [Int], pooled: Bool = true) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: shape.reduce(1, *), pooled: pooled)
    }

    /// A tensor filled with `value`.
    public init(shape: [Int], repeating value: Float) {
        self.init(uninitializedShape: shape)
        storage.pointer.initialize(repeating: value, count: count)
    }

    /// A tensor holding `values` (row-major); `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        let expected = shape.reduce(1, *)
        precondition(
            values.count == expected,
            "Tensor(shape: \(shape)) needs \(expected) values, got \(values.count)")
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A scalar (rank-0) tensor.
    public init(scalar: Float) { self.init(shape: [], values: [scalar]) }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }

    /// Rows when viewed as a matrix (rank 0 and 1 → 1 row; higher ranks fold leading dimensions).
    public var rows: Int { shape.count <= 1 ? 1 : count / shape[shape.count - 1] }
    /// Columns when viewed as a matrix (the last dimension; 1 for scalars).
    public var cols: Int { shape.isEmpty ? 1 : shape[shape.count - 1] }

    /// The elements as an array (row-major).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The only element of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "Tensor.scalar needs exactly one element, shape is \(shape)")
        return storage.pointer[0]
    }

    /// Element at `(row, col)` of the matrix view.
    public subscript(row: Int, col: Int) -> Float {
        get {
            precondition(
                row >= 0 && row < rows && col >= 0 && col < cols,
                "Tensor index (\(row), \(col)) out of range for shape \(shape)")
            return storage.pointer[row * cols + col]
        }
        set {
            precondition(
                row >= 0 && row < rows && col >= 0 && col < cols,
                "Tensor index (\(row), \(col)) out of range for shape \(shape)")
            makeUnique()
            storage.pointer[row * cols + col] = newValue
        }
    }

    /// The same elements under another shape with the same element count (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(
            newShape.reduce(1, *) == count,
            "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        var t = self
        t.shape = newShape
        return t
    }

    /// The matrix rows at `indices` (in that order) as a new `[indices.count, cols]` tensor, e.g. a batch of targets
    /// or the output-weight rows of a gene panel; rows are copied in parallel.
    public func gatherRows<I: BinaryInteger>(_ indices: [I]) -> Tensor {
        let c = cols, n = rows
        for (i, index) in indices.enumerated() {
            precondition(
                index >= 0 && Int(index) < n,
                "gatherRows: row \(index) at position \(i) outside 0..<\(n) (shape \(shape))")
        }
        let out = Tensor(uninitializedShape: [indices.count, c])
        let src = storage.pointer, dst = out.storage.pointer
        indices.withUnsafeBufferPointer { ip in
            Engine.parallelFor(indices.count, minimumChunk: max(1, 65_536 / max(1, c))) { range in
                for k in range { (dst + k * c).update(from: src + Int(ip[k]) * c, count: c) }
            }
        }
        return out
    }

    /// Read-only access to the elements.

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Mutable access to the elements; copies the buffer first if another tensor shares it.

    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Ensures this tensor owns its buffer alone.

    public mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Sets every element to `value`.
    public mutating func fill(_ value: Float) {
        withUnsafeMutableBufferPointer { $0.update(repeating: value) }
    }

    /// Raw pointer for kernels that write; makes the buffer unique first. Valid while `self` is alive and no
    /// copy of it is made and mutated.
    public mutating func mutablePointer() -> UnsafeMutablePointer<Float> {
        makeUnique()
        return storage.pointer
    }

    /// Raw pointer for kernels that read only (valid while `self` is alive and unmodified).
    public var readPointer: UnsafePointer<Float> { UnsafePointer(storage.pointer) }
}

extension Tensor: Equatable {
    /// Equal shapes and bit-for-bit equal elements (NaN never equals itself).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        for i in 0..<lhs.count where lhs.storage.pointer[i] != rhs.storage.pointer[i] { return false }
        return true
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", ..." : "")])"
    }
}
