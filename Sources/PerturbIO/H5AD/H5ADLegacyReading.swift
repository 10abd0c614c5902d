import CHDF5

/// Reads the pre-0.7 anndata layout: obs/var/obsm/varm as HDF5 compound datasets, categorical codes in the
/// compound with their labels in `uns/<column>_categories`.
enum H5ADLegacyReading {
    /// Reads a compound dataframe; the `index` field becomes the index.
    static func readDataFrame(_ file: H5File, name: String) throws -> DataFrame {
        let dataset = try file.dataset(name)
        guard case .compound(let fields) = dataset.elementType else {
            throw dataset.failure("legacy dataframe expected as a compound dataset, found \(dataset.elementType)")
        }
        var frame = DataFrame(index: [])
        for (position, field) in fields.enumerated() {
            var column = try readField(dataset, field: field, position: position)
            if field == "index" {
                frame.index = column.stringValues()
                continue
            }
            let categoriesName = "uns/\(field)_categories"
            if case .int64(let codes) = column, file.kind(of: categoriesName) == .dataset {
                let categories = try H5ADFrameReading.readArrayColumn(try file.dataset(categoriesName)).stringValues()
                if let bad = codes.firstIndex(where: { $0 < -1 || $0 >= Int64(categories.count) }) {
                    throw dataset.failure(
                        "category code \(codes[bad]) of field '\(field)' at row \(bad) is outside the \(categories.count) categories of /\(categoriesName)"
                    )
                }
                column = .categorical(codes: codes.map { Int32($0) }, categories: categories, ordered: false)
            }
            frame.columns.append((name: field, data: column))
        }
        return frame
    }

    /// Reads the array-valued fields of a compound dataset (legacy obsm/varm) as matrices.
    static func readMatrices(_ file: H5File, name: String) throws -> [String: DenseMatrix] {
        let dataset = try file.dataset(name)
        guard case .compound(let fields) = dataset.elementType else { return [:] }
        let fileType = H5Dget_type(dataset.id)
        defer { H5Tclose(fileType) }
        var result: [String: DenseMatrix] = [:]
        for (position, field) in fields.enumerated() {
            let memberType = H5Tget_member_type(fileType, UInt32(position))
            defer { H5Tclose(memberType) }
            var width = 1
            if H5Tget_class(memberType) == H5T_ARRAY {
                let rank = Int(H5Tget_array_ndims(memberType))
                guard rank >= 1, rank <= 32 else {
                    throw dataset.failure("field '\(field)' has an array type of rank \(rank): the file is damaged")
                }
                var dims = [hsize_t](repeating: 0, count: rank)
                guard H5Tget_array_dims2(memberType, &dims) == rank, dims.allSatisfy({ $0 <= 1 << 20 }) else {
                    throw dataset.failure("field '\(field)' has an invalid array type \(dims): the file is damaged")
                }
                width = dims.reduce(1) { $0 * Int($1) }
                guard width <= 1 << 20 else {
                    throw dataset.failure("field '\(field)' claims \(width) values per row: the file is damaged")
                }
            }
            let arrayType =
                width == 1
                ? H5Tcopy(pb_h5t_native_float()) : H5Tarray_create2(pb_h5t_native_float(), 1, [hsize_t(width)])
            defer { H5Tclose(arrayType) }
            let bytes = try dataset.readCompoundField(field, memberType: arrayType, memberSize: 4 * width)
            let values = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            result[field] = DenseMatrix(rows: dataset.count, cols: width, values: values)
        }
        return result
    }

    private static func readField(_ dataset: H5Dataset, field: String, position: Int) throws -> ColumnData {
        let fileType = H5Dget_type(dataset.id)
        defer { H5Tclose(fileType) }
        let memberType = H5Tget_member_type(fileType, UInt32(position))
        defer { H5Tclose(memberType) }
        let kind = H5ElementType(typeID: memberType)
        let count = dataset.count
        switch kind {
        case .float:
            let bytes = try dataset.readCompoundField(field, memberType: pb_h5t_native_double(), memberSize: 8)
            return .float64(bytes.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) })
        case .integer:
            let bytes = try dataset.readCompoundField(field, memberType: pb_h5t_native_int64(), memberSize: 8)
            return .int64(bytes.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) })
        case .bool, .enumeration:
            let memType = H5Tget_native_type(memberType, H5T_DIR_ASCEND)
            defer { H5Tclose(memType) }
            let size = Int(H5Tget_size(memType))
            guard memType >= 0, size > 0 else { throw dataset.failure("field '\(field)' has a damaged enum type") }
            let bytes = try dataset.readCompoundField(field, memberType: memType, memberSize: size)
            return .bools((0..<count).map { i in bytes[(i * size)..<((i + 1) * size)].contains { $0 != 0 } })
        case .string(false, let size):
            let memType = pb_h5t_fixed_string(size)
            defer { H5Tclose(memType) }
            let bytes = try dataset.readCompoundField(field, memberType: memType, memberSize: size)
            return .strings(H5Strings.decodeFixed(bytes, size: size, count: count))
        default:
            throw dataset.failure("unsupported legacy field '\(field)' of type \(kind)")
        }
    }
}
