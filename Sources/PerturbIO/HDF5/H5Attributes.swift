import CHDF5

/// Reading and writing attributes on any HDF5 object (strings, string arrays, integers, floats, bools).
extension H5Object {
    /// True when the object carries an attribute called `name`.
    public func hasAttribute(_ name: String) -> Bool {
        guarded { H5Aexists(id, name) > 0 }
    }

    /// Opens attribute `name` and calls `body` with it, its type and its element count, checked against the bytes
    /// the attribute stores (a damaged count must not size an allocation); the whole call runs guarded.
    private func withAttribute<T>(_ name: String, _ body: (hid_t, hid_t, Int) throws -> T) throws -> T? {
        guard hasAttribute(name) else { return nil }
        return try guarded {
            let attr = H5Aopen(id, name, pb_h5p_default())
            guard attr >= 0 else { throw failure("cannot open attribute '\(name)'", includeHDF5Stack: true) }
            defer { H5Aclose(attr) }
            let type = H5Aget_type(attr)
            guard type >= 0 else {
                throw failure("cannot read the type of attribute '\(name)'", includeHDF5Stack: true)
            }
            defer { H5Tclose(type) }
            let space = H5Aget_space(attr)
            guard space >= 0 else {
                throw failure("cannot read the dataspace of attribute '\(name)'", includeHDF5Stack: true)
            }
            defer { H5Sclose(space) }
            let points = H5Sget_simple_extent_npoints(space)
            let stored = Int(clamping: H5Aget_storage_size(attr))
            let elementBytes = max(1, Int(H5Tget_size(type)))
            guard points >= 0, points <= Int64(stored / elementBytes) else {
                throw failure(
                    "attribute '\(name)' claims \(points) elements but stores \(stored) bytes: the file is damaged")
            }
            return try body(attr, type, Int(points))
        }
    }

    /// The element type of attribute `name`, or nil when absent.
    public func attributeType(_ name: String) throws -> H5ElementType? {
        try withAttribute(name) { _, type, _ in H5ElementType(typeID: type) }
    }

    /// The attribute as strings (a scalar gives one element); nil when absent. Throws if it is not a string.
    public func stringsAttribute(_ name: String) throws -> [String]? {
        try withAttribute(name) { attr, type, count in
            let kind = H5ElementType(typeID: type)
            switch kind {
            case .string(let variable, let size):
                if count == 0 { return [] }
                if variable {
                    let memType = pb_h5t_vlen_utf8()
                    defer { H5Tclose(memType) }
                    H5Tset_cset(memType, H5Tget_cset(type))
                    var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
                    guard H5Aread(attr, memType, &pointers) >= 0 else {
                        throw failure("cannot read attribute '\(name)'", includeHDF5Stack: true)
                    }
                    let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
                    let space = H5Aget_space(attr)
                    H5Dvlen_reclaim(memType, space, pb_h5p_default(), &pointers)
                    H5Sclose(space)
                    return strings
                }
                var bytes = [UInt8](repeating: 0, count: count * size)
                guard H5Aread(attr, type, &bytes) >= 0 else {
                    throw failure("cannot read attribute '\(name)'", includeHDF5Stack: true)
                }
                return H5Strings.decodeFixed(
                    bytes, size: size, count: count, spacePadded: H5Tget_strpad(type) == H5T_STR_SPACEPAD)
            case .float, .integer:
                let values = try readNumericAttribute(attr, count: count, name: name)
                return values.map { $0.rounded() == $0 ? String(Int64($0)) : String($0) }
            default:
                throw failure("attribute '\(name)' holds \(kind), expected a string")
            }
        }
    }

    /// The first (or scalar) string of attribute `name`; nil when absent.
    public func stringAttribute(_ name: String) throws -> String? {
        try stringsAttribute(name)?.first
    }

    /// The attribute as doubles (integers and bools convert); nil when absent. Throws for strings.
    public func doublesAttribute(_ name: String) throws -> [Double]? {
        try withAttribute(name) { attr, type, count in
            let kind = H5ElementType(typeID: type)
            switch kind {
            case .float, .integer:
                return try readNumericAttribute(attr, count: count, name: name)
            case .bool:
                return try readBoolAttribute(attr, type: type, count: count, name: name).map { $0 ? 1 : 0 }
            default:
                throw failure("attribute '\(name)' holds \(kind), expected numbers")
            }
        }
    }

    /// The attribute as a bool (a numpy bool enum or an integer); nil when absent.
    public func boolAttribute(_ name: String) throws -> Bool? {
        try withAttribute(name) { attr, type, count in
            let kind = H5ElementType(typeID: type)
            switch kind {
            case .bool, .enumeration:
                return try readBoolAttribute(attr, type: type, count: count, name: name).first ?? false
            case .float, .integer:
                return (try readNumericAttribute(attr, count: count, name: name).first ?? 0) != 0
            default:
                throw failure("attribute '\(name)' holds \(kind), expected a bool")
            }
        }
    }

    private func readNumericAttribute(_ attr: hid_t, count: Int, name: String) throws -> [Double] {
        var values = [Double](repeating: 0, count: count)
        if count > 0, H5Aread(attr, pb_h5t_native_double(), &values) < 0 {
            throw failure("cannot read attribute '\(name)' as numbers", includeHDF5Stack: true)
        }
        return values
    }

    private func readBoolAttribute(_ attr: hid_t, type: hid_t, count: Int, name: String) throws -> [Bool] {
        let memType = H5Tget_native_type(type, H5T_DIR_ASCEND)
        guard memType >= 0 else {
            throw failure("cannot convert attribute '\(name)' (damaged type?)", includeHDF5Stack: true)
        }
        defer { H5Tclose(memType) }
        let size = Int(H5Tget_size(memType))
        guard size > 0 else { throw failure("attribute '\(name)' has a type without size: the file is damaged") }
        var bytes = [UInt8](repeating: 0, count: count * size)
        if count > 0, H5Aread(attr, memType, &bytes) < 0 {
            throw failure("cannot read attribute '\(name)'", includeHDF5Stack: true)
        }
        return (0..<count).map { i in bytes[(i * size)..<((i + 1) * size)].contains { $0 != 0 } }
    }

    // MARK: writing

    private func createAttribute(_ name: String, type: hid_t, dims: [Int]?, write: (hid_t) -> herr_t) throws {
        if hasAttribute(name) { H5Adelete(id, name) }
        let space: hid_t
        if let dims {
            let sizes = dims.map { hsize_t($0) }
            space = H5Screate_simple(Int32(sizes.count), sizes, nil)
        } else {
            space = H5Screate(H5S_SCALAR)
        }
        defer { H5Sclose(space) }
        let attr = H5Acreate2(id, name, type, space, pb_h5p_default(), pb_h5p_default())
        guard attr >= 0 else { throw failure("cannot create attribute '\(name)'", includeHDF5Stack: true) }
        defer { H5Aclose(attr) }
        guard write(attr) >= 0 else { throw failure("cannot write attribute '\(name)'", includeHDF5Stack: true) }
    }

    /// Writes a scalar variable-length UTF-8 string attribute (the way h5py writes `str`).
    public func setAttribute(_ name: String, _ value: String) throws {
        let type = pb_h5t_vlen_utf8()
        defer { H5Tclose(type) }
        try value.withCString { pointer in
            var pointers: [UnsafePointer<CChar>?] = [pointer]
            try createAttribute(name, type: type, dims: nil) { H5Awrite($0, type, &pointers) }
        }
    }

    /// Writes a 1-D variable-length UTF-8 string array attribute.
    public func setAttribute(_ name: String, _ values: [String]) throws {
        let type = pb_h5t_vlen_utf8()
        defer { H5Tclose(type) }
        try H5Strings.withCStringPointers(values) { pointers in
            try createAttribute(name, type: type, dims: [values.count]) { H5Awrite($0, type, pointers) }
        }
    }

    /// Writes a 1-D int64 array attribute.
    public func setAttribute(_ name: String, _ values: [Int64]) throws {
        try createAttribute(name, type: pb_h5t_native_int64(), dims: [values.count]) { attr in
            values.withUnsafeBufferPointer { H5Awrite(attr, pb_h5t_native_int64(), $0.baseAddress) }
        }
    }

    /// Writes a 1-D float64 array attribute (anndata writes an empty one for an empty `column-order`).
    public func setAttribute(_ name: String, _ values: [Double]) throws {
        try createAttribute(name, type: pb_h5t_native_double(), dims: [values.count]) { attr in
            values.withUnsafeBufferPointer { H5Awrite(attr, pb_h5t_native_double(), $0.baseAddress) }
        }
    }

    /// Writes a scalar bool attribute as the numpy-bool enum.
    public func setAttribute(_ name: String, _ value: Bool) throws {
        let type = pb_h5t_bool_enum()
        defer { H5Tclose(type) }
        var byte: Int8 = value ? 1 : 0
        try createAttribute(name, type: type, dims: nil) { H5Awrite($0, type, &byte) }
    }
}
