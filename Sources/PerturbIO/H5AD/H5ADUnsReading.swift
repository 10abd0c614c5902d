/// Reads `uns` (nested dictionaries of scalars, strings and arrays); elements with no `UnsValue` form (record
/// arrays, sparse matrices, dataframes) are listed in `skipped` by HDF5 path instead of being dropped silently.
struct H5ADUnsReading {
    private(set) var skipped: [String] = []

    mutating func readGroup(_ group: H5Group) throws -> [String: UnsValue] {
        var result: [String: UnsValue] = [:]
        for name in try group.childNames() {
            switch group.kind(of: name) {
            case .dataset?:
                if let value = try readDataset(try group.dataset(name)) { result[name] = value }
            case .group?:
                let child = try group.group(name)
                let encoding = try child.stringAttribute("encoding-type")
                if encoding == nil || encoding == "dict" {
                    result[name] = .group(try readGroup(child))
                } else {
                    skipped.append("\(child.path) (\(encoding!))")
                }
            default:
                skipped.append(group.childPath(name))
            }
        }
        return result
    }

    private mutating func readDataset(_ dataset: H5Dataset) throws -> UnsValue? {
        let scalar = dataset.shape.isEmpty
        guard dataset.shape.count <= 1 else {
            skipped.append("\(dataset.path) (\(dataset.shape.count)-D array)")
            return nil
        }
        switch dataset.elementType {
        case .string:
            let strings = try dataset.readStrings()
            return scalar ? .string(strings.first ?? "") : .strings(strings)
        case .bool:
            let values = try dataset.readBools()
            return scalar ? .bool(values.first ?? false) : .doubles(values.map { $0 ? 1 : 0 })
        case .integer:
            if scalar { return .int(try dataset.readInt64s().first ?? 0) }
            return .doubles(try dataset.readDoubles())
        case .float:
            let values = try dataset.readDoubles()
            return scalar ? .double(values.first ?? 0) : .doubles(values)
        default:
            skipped.append("\(dataset.path) (\(dataset.elementType))")
            return nil
        }
    }
}
