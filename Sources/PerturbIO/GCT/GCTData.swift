import Foundation

/// An L1000 GCT/GCTX dataset: a feature × sample matrix with row and column metadata.
public struct GCTData: Equatable {
    /// rows = features (genes/probes), cols = samples (wells/signatures); -666 and NaN cells are NaN.
    public var matrix: DenseMatrix
    /// Row metadata; index = row ids (rid).
    public var rowMeta: DataFrame
    /// Column metadata; index = column ids (cid).
    public var colMeta: DataFrame

    public init(matrix: DenseMatrix, rowMeta: DataFrame, colMeta: DataFrame) {
        self.matrix = matrix
        self.rowMeta = rowMeta
        self.colMeta = colMeta
    }
}

/// Reads GCT 1.2 / 1.3 text and GCTX (HDF5) files.
public enum GCTReader {
    /// The CMap missing-value marker.
    public static let missingMarker = "-666"

    /// Reads `url`: HDF5 content is read as GCTX, `#1.2`/`#1.3` text as GCT. A `.gctx` name holding text (or a
    /// `.gct` name holding HDF5) is rejected with a message saying what the file really is.
    public static func read(_ url: URL) throws -> GCTData {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FormatError(file: url.path, location: "", message: "file not found")
        }
        let isHDF5 = H5File.isHDF5(url)
        let ext = url.pathExtension.lowercased()
        if ext == "gctx" && !isHDF5 {
            let head =
                (try? FileHandle(forReadingFrom: url).read(upToCount: 4)).flatMap {
                    $0.map { String(decoding: $0, as: UTF8.self) }
                } ?? ""
            let hint =
                head.hasPrefix("#1.")
                ? " (it starts with '\(head)': GCT text under a .gctx name; rename it to .gct)" : ""
            throw FormatError(file: url.path, location: "", message: "not an HDF5 file, so not GCTX\(hint)")
        }
        if isHDF5 { return try GCTXReading.read(url) }
        return try GCTTextReading.read(url)
    }

    /// Infers a metadata column's type from text: integers (nullable when some are missing), floats (NaN when
    /// missing) or strings ("" when missing). Missing = "-666", "" or "NA"/"na"/"nan".
    static func inferColumn(_ texts: [String]) -> ColumnData {
        let missing = texts.map(isMissingText)
        var ints: [Int64] = []
        ints.reserveCapacity(texts.count)
        var allInts = true
        for (text, isMissing) in zip(texts, missing) {
            if isMissing { ints.append(0); continue }
            guard let value = Int64(text) else { allInts = false; break }
            ints.append(value)
        }
        let anyPresent = missing.contains(false)
        if allInts && anyPresent {
            return missing.contains(true) ? .nullableInt(values: ints, mask: missing) : .int64(ints)
        }
        var doubles: [Double] = []
        var allDoubles = anyPresent
        for (text, isMissing) in zip(texts, missing) where allDoubles {
            if isMissing { doubles.append(.nan); continue }
            guard let value = Double(text) else { allDoubles = false; break }
            doubles.append(value)
        }
        if allDoubles { return .float64(doubles) }
        return .strings(zip(texts, missing).map { $1 ? "" : $0 })
    }

    static func isMissingText(_ text: String) -> Bool {
        text.isEmpty || text == missingMarker || text == "-666.0" || text == "NA" || text == "na" || text == "nan"
            || text == "NaN"
    }
}
