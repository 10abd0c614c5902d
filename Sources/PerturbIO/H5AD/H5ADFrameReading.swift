import CHDF5

/// Reads anndata dataframes (obs/var) in the current encoding (`dataframe` 0.2.0 and its column encodings).
enum H5ADFrameReading {
    /// Reads the dataframe group `name` of `container`.
    static func readDataFrame(_ container: H5Container, name: String) throws -> DataFrame {
        let group = try container.group(name)
        let encoding = try group.stringAttribute("encoding-type")
        guard encoding == nil || encoding == "dataframe" else {
            throw group.failure("unsupported encoding '\(encoding!)' for a dataframe (expected 'dataframe')")
        }
        guard let indexName = try group.stringAttribute("_index") else {
            throw group.failure("dataframe without an '_index' attribute naming its index dataset")
        }
        guard group.kind(of: indexName) == .dataset else {
            throw group.failure(
                "missing index dataset '\(indexName)' named by the '_index' attribute", child: indexName)
        }
        let index = try readColumn(group, name: indexName).stringValues()
        let order: [String]
        if try group.attributeType("column-order")?.isString == true {
            order = try group.stringsAttribute("column-order") ?? []
        } else {
            order = []  // anndata writes an empty float64 array when there are no columns
        }
        var frame = DataFrame(index: index)
        for columnName in order {
            guard group.exists(columnName) else {
                throw group.failure("column '\(columnName)' listed in column-order is missing", child: columnName)
            }
            let column = try readColumn(group, name: columnName)
            guard column.count == index.count else {
                throw group.failure(
                    "shape mismatch: column has \(column.count) values but the index has \(index.count)",
                    child: columnName)
            }
            frame.columns.append((name: columnName, data: column))
        }
        return frame
    }

    /// Reads one column element: a plain array (strings, numbers, bools) or a categorical / nullable group.
    static func readColumn(_ group: H5Container, name: String) throws -> ColumnData {
        if group.kind(of: name) == .dataset {
            let dataset = try group.dataset(name)
            // anndata 0.7: categorical codes as a dataset whose `categories` attribute references the labels.
            if dataset.hasAttribute("categories"), let labels = try dataset.referencedDataset("categories") {
                let codes = try dataset.readInt32s()
                let categories = try readArrayColumn(labels).stringValues()
                try checkCodes(codes, categories.count, dataset)
                return .categorical(
                    codes: codes, categories: categories, ordered: try labels.boolAttribute("ordered") ?? false)
            }
            return try readArrayColumn(dataset)
        }
        let element = try group.group(name)
        let encoding = try element.stringAttribute("encoding-type") ?? "none"
        switch encoding {
        case "categorical":
            let codesSet = try element.dataset("codes")
            let codes = try codesSet.readInt32s()
            let categories = try readArrayColumn(try element.dataset("categories")).stringValues()
            try checkCodes(codes, categories.count, codesSet)
            return .categorical(
                codes: codes, categories: categories, ordered: try element.boolAttribute("ordered") ?? false)
        case "nullable-integer":
            let values = try element.dataset("values").readInt64s()
            let mask = try element.dataset("mask").readBools()
            try checkMask(element, values.count, mask.count)
            return .nullableInt(values: values, mask: mask)
        case "nullable-boolean":
            let values = try element.dataset("values").readBools()
            let mask = try element.dataset("mask").readBools()
            try checkMask(element, values.count, mask.count)
            return .nullableBool(values: values, mask: mask)
        case "nullable-string-array":
            let values = try element.dataset("values").readStrings()
            let mask = try element.dataset("mask").readBools()
            try checkMask(element, values.count, mask.count)
            return .strings(zip(values, mask).map { $1 ? "" : $0 })
        default:
            throw element.failure(
                "unsupported encoding '\(encoding)' for a dataframe column (supported: array, string-array, categorical, nullable-integer, nullable-boolean)"
            )
        }
    }

    private static func checkCodes(_ codes: [Int32], _ categories: Int, _ dataset: H5Dataset) throws {
        if let bad = codes.firstIndex(where: { $0 < -1 || Int($0) >= categories }) {
            throw dataset.failure("category code \(codes[bad]) at row \(bad) is outside the \(categories) categories")
        }
    }

    private static func checkMask(_ element: H5Group, _ values: Int, _ mask: Int) throws {
        guard values == mask else { throw element.failure("shape mismatch: \(values) values but \(mask) mask entries") }
    }

    static func readArrayColumn(_ dataset: H5Dataset) throws -> ColumnData {
        guard dataset.shape.count <= 1 else {
            throw dataset.failure("expected a 1-D column, found shape \(dataset.shape)")
        }
        switch dataset.elementType {
        case .string: return .strings(try dataset.readStrings())
        case .bool: return .bools(try dataset.readBools())
        case .integer: return .int64(try dataset.readInt64s())
        case .float: return .float64(try dataset.readDoubles())
        default: throw dataset.failure("wrong dtype: unsupported column type \(dataset.elementType)")
        }
    }
}
