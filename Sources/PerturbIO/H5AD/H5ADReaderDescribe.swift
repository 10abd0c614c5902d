/// Summaries of elements without reading their data, for `perturbridge inspect`.
extension H5ADReader {
    /// Names of the children of the group at `path` (e.g. "obsm", "uns"); empty when it is absent or not a group.
    public func names(in path: String) throws -> [String] {
        guard file.kind(of: path) == .group else { return [] }
        return try file.group(path).childNames()
    }

    /// A one-line description of the element at `path`: its encoding, element type and shape (or nnz).
    public func describeElement(_ path: String) throws -> String {
        switch file.kind(of: path) {
        case .dataset?:
            let dataset = try file.dataset(path)
            let encoding = try dataset.stringAttribute("encoding-type").map { "\($0), " } ?? ""
            let shape = dataset.shape.isEmpty ? "scalar" : dataset.shape.map(String.init).joined(separator: "×")
            return "\(encoding)\(dataset.elementType) \(shape)"
        case .group?:
            let group = try file.group(path)
            let encoding =
                try group.stringAttribute("encoding-type") ?? group.stringAttribute("h5sparse_format").map {
                    "\($0)_matrix"
                } ?? "group"
            if encoding.hasSuffix("_matrix") {
                let element = try H5ADMatrixElement(in: file, name: path)
                return
                    "\(encoding) \(try element.valueType()) \(element.rows)×\(element.cols), nnz \(try element.storedCount())"
            }
            return "\(encoding) (\(try group.childNames().count) entries)"
        default:
            return "absent"
        }
    }
}
