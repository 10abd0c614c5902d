import Foundation

/// Lazy reader of an .h5ad file: opens it, reads obs/var and the shape eagerly, and matrices on demand, whole or
/// as row ranges (HDF5 hyperslabs) for streaming files larger than memory.
///
/// Supports the current anndata encoding (encoding-type attributes) and the pre-0.7 layout (compound obs/var).
/// Debian's HDF5 is built without thread safety: use readers from one thread at a time (read, then hand the
/// Float buffers to parallel code).
public final class H5ADReader {
    public let url: URL
    /// (observations, variables).
    public let shape: (rows: Int, cols: Int)
    /// obs as read at open. `releaseObs()` drops it (for a reader kept only for its matrices once obs has been
    /// parsed into something lighter), with what HDF5 cached while reading it; `obs` is then empty and
    /// `readAll()` reads it from the file again.
    public private(set) var obs: DataFrame
    private var obsReleased = false
    public let `var`: DataFrame
    /// Names of the matrices under `layers/`.
    public let layerNames: [String]
    /// True for the pre-0.7 layout (compound-typed obs/var).
    public let isLegacyLayout: Bool
    /// HDF5 paths that `readAll()` could not represent (e.g. record arrays in uns), filled by `readAll()`.
    public private(set) var skippedElements: [String] = []

    private(set) var file: H5File
    /// Matrix elements opened so far, by layer name ("" for X), so that chunked reads do not reopen them.
    private var openElements: [String: H5ADMatrixElement] = [:]

    public init(url: URL) throws {
        self.url = url
        file = try H5File(openForReading: url)
        guard file.exists("obs"), file.exists("var") else {
            let missing = file.exists("obs") ? "var" : "obs"
            throw FormatError(
                file: url.path, location: "/\(missing)",
                message: "missing group: not an AnnData file (.h5ad needs obs and var)")
        }
        if let encoding = try file.stringAttribute("encoding-type"), encoding != "anndata" {
            throw FormatError(
                file: url.path, location: "/", message: "unsupported encoding '\(encoding)' (expected 'anndata')")
        }
        isLegacyLayout = file.kind(of: "obs") == .dataset
        obs = try H5ADReader.readFrame(file, name: "obs", legacy: isLegacyLayout)
        self.var = try H5ADReader.readFrame(file, name: "var", legacy: isLegacyLayout)
        shape = (obs.count, self.var.count)
        layerNames = file.kind(of: "layers") == .group ? try file.group("layers").childNames() : []
        if file.exists("X") { _ = try matrixElement(layer: nil) }
    }

    private static func readFrame(_ file: H5File, name: String, legacy: Bool) throws -> DataFrame {
        legacy
            ? try H5ADLegacyReading.readDataFrame(file, name: name)
            : try H5ADFrameReading.readDataFrame(file, name: name)
    }

    /// Drops the obs frame read at open (see `obs`) and reopens the file: reading obs's variable-length strings
    /// fills HDF5's metadata cache with the file's global heap (about 1 KB per row, up to 32 MB per open file),
    /// which HDF5 keeps until the file is closed; a reader kept open for its matrices does not need it.
    public func releaseObs() throws {
        obs = DataFrame(index: [])
        obsReleased = true
        openElements = [:]
        file = try H5File(openForReading: url)
    }

    /// True when the file has an `X` matrix.
    public var hasX: Bool { file.exists("X") }

    /// Opens X (layer nil) or `layers/<layer>` and checks its shape against obs × var.
    func matrixElement(layer: String?) throws -> H5ADMatrixElement {
        if let cached = openElements[layer.map { "layers/" + $0 } ?? ""] { return cached }
        let element: H5ADMatrixElement
        if let layer {
            guard file.kind(of: "layers") == .group else {
                throw FormatError(
                    file: url.path, location: "/layers",
                    message: "missing group (the file has no layers; asked for '\(layer)')")
            }
            let layers = try file.group("layers")
            guard layers.exists(layer) else {
                throw FormatError(
                    file: url.path, location: "/layers/\(layer)",
                    message:
                        "missing layer; layers are: \(layerNames.isEmpty ? "(none)" : layerNames.joined(separator: ", "))"
                )
            }
            element = try H5ADMatrixElement(in: layers, name: layer)
        } else {
            guard file.exists("X") else {
                throw FormatError(file: url.path, location: "/X", message: "missing matrix X")
            }
            element = try H5ADMatrixElement(in: file, name: "X")
        }
        guard element.rows == shape.rows, element.cols == shape.cols else {
            throw FormatError(
                file: url.path, location: element.path,
                message:
                    "shape mismatch: matrix is \(element.rows)×\(element.cols) but obs × var is \(shape.rows)×\(shape.cols)"
            )
        }
        openElements[layer.map { "layers/" + $0 } ?? ""] = element
        return element
    }

    /// Reads X (layer nil) or a layer as a dense row-major matrix. `rows` selects a row range (hyperslab read);
    /// `columns` selects columns by index, in the given order.
    public func readDense(layer: String?, rows: Range<Int>? = nil, columns: [Int]? = nil) throws -> DenseMatrix {
        let element = try matrixElement(layer: layer)
        let range = rows ?? 0..<shape.rows
        if let columns { return try element.readDense(rows: range, columns: columns) }
        return try element.readDense(rows: range)
    }

    /// Reads rows `rows` of X or a layer as row-major Floats straight into `buffer`, which must hold at least
    /// `rows.count * shape.cols` Floats: the allocation-free path for streaming large dense files.
    public func readRows(layer: String?, rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws {
        let element = try matrixElement(layer: layer)
        let needed = rows.count * element.cols
        guard buffer.count >= needed * MemoryLayout<Float>.stride, let base = buffer.baseAddress else {
            throw FormatError(
                file: url.path, location: element.path,
                message: "buffer too small for \(rows.count) rows of \(element.cols) values")
        }
        try element.readDense(rows: rows, into: base)
    }

    /// Starts the OS reading rows `rows` of a dense X or layer into the page cache and returns at once, so that a
    /// later `readRows` of them does not wait on the disk (a hint: nothing for sparse storage or on errors).
    public func adviseWillNeed(layer: String?, rows: Range<Int>) {
        (try? matrixElement(layer: layer))?.adviseWillNeed(rows: rows)
    }

    /// Reads rows `rows` of a CSR X or layer into `target`, reusing its arrays' storage: the allocation-free
    /// path for streaming large sparse files chunk by chunk.
    public func readCSRRows(layer: String?, rows: Range<Int>, into target: inout CSRMatrix) throws {
        try matrixElement(layer: layer).readCSR(rows: rows, into: &target)
    }

    /// Reads X or a layer keeping its stored form (dense stays dense, CSR stays CSR, CSC becomes CSR).
    public func readMatrix(layer: String?, rows: Range<Int>? = nil) throws -> MatrixStorage {
        try matrixElement(layer: layer).readStorage(rows: rows ?? 0..<shape.rows)
    }

    /// Column indices of the named genes (var index), in the given order; throws naming the missing ones.
    public func columnIndices(genes: [String]) throws -> [Int] {
        var position: [String: Int] = [:]
        for (i, name) in self.var.index.enumerated() where position[name] == nil { position[name] = i }
        let missing = genes.filter { position[$0] == nil }
        guard missing.isEmpty else {
            throw FormatError(
                file: url.path, location: "/var",
                message:
                    "\(missing.count) gene(s) not in var names: \(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? ", ..." : "")"
            )
        }
        return genes.map { position[$0]! }
    }

    /// Reads X or a layer restricted to the named genes (var names), in that order.
    public func readDense(layer: String?, rows: Range<Int>? = nil, genes: [String]) throws -> DenseMatrix {
        try readDense(layer: layer, rows: rows, columns: try columnIndices(genes: genes))
    }

    /// Describes X or a layer without reading it: encoding, stored value type and stored value count.
    public func describeMatrix(layer: String?) throws -> (encoding: String, dtype: String, stored: Int) {
        let element = try matrixElement(layer: layer)
        return (element.encodingName, try element.valueType().description, try element.storedCount())
    }

    /// Reads everything representable: X, layers, obs, var, obsm, varm and uns. Unrepresentable elements are
    /// recorded in `skippedElements`.
    public func readAll() throws -> AnnData {
        var skipped: [String] = []
        let X = hasX ? try readMatrix(layer: nil) : nil
        var layers: [String: MatrixStorage] = [:]
        for name in layerNames { layers[name] = try readMatrix(layer: name) }
        let obsm = try readAxisMatrices("obsm", rows: shape.rows, skipped: &skipped)
        let varm = try readAxisMatrices("varm", rows: shape.cols, skipped: &skipped)
        let uns = try readUns()
        skippedElements = skipped + skippedElements
        return AnnData(
            X: X, obs: obsReleased ? try H5ADReader.readFrame(file, name: "obs", legacy: isLegacyLayout) : obs,
            var: self.var, layers: layers, obsm: obsm, varm: varm, uns: uns)
    }

    /// Reads only `uns` (nested dictionaries of scalars, strings and arrays); elements without an `UnsValue`
    /// form are listed in `skippedElements`.
    public func readUns() throws -> [String: UnsValue] {
        var unsReader = H5ADUnsReading()
        let uns = file.kind(of: "uns") == .group ? try unsReader.readGroup(try file.group("uns")) : [:]
        skippedElements = unsReader.skipped
        return uns
    }

    /// Reads only `varm` (per-gene matrices such as gene-panel memberships).
    public func readVarm() throws -> [String: DenseMatrix] {
        var skipped: [String] = []
        return try readAxisMatrices("varm", rows: shape.cols, skipped: &skipped)
    }

    private func readAxisMatrices(_ name: String, rows: Int, skipped: inout [String]) throws -> [String: DenseMatrix] {
        switch file.kind(of: name) {
        case .dataset?:
            return try H5ADLegacyReading.readMatrices(file, name: name)
        case .group?:
            let group = try file.group(name)
            var result: [String: DenseMatrix] = [:]
            for child in try group.childNames() {
                let element: H5ADMatrixElement
                do {
                    element = try H5ADMatrixElement(in: group, name: child)
                } catch let error as FormatError where error.message.hasPrefix("unsupported encoding") {
                    skipped.append(group.childPath(child))
                    continue
                }
                guard element.rows == rows else {
                    throw FormatError(
                        file: url.path, location: element.path,
                        message: "shape mismatch: \(element.rows) rows, expected \(rows)")
                }
                result[child] = try element.readDense(rows: 0..<rows)
            }
            return result
        default:
            return [:]
        }
    }
}
