import CHDF5

/// Typed dataset writers (values are written through their native memory types; files use the same types, which
/// on the little-endian machines we target equal numpy's `<f4`, `<i8` and so on).
extension H5Container {
    private func writeNumbers<T>(
        _ name: String, _ values: [T], dims: [Int]?, type: hid_t, compression: H5Compression
    ) throws -> H5Dataset {
        let shape = dims ?? [values.count]
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values for shape \(shape)")
        let dataset = try createDataset(name, type: type, dims: shape, compression: compression)
        if !values.isEmpty {
            try values.withUnsafeBytes { try dataset.write(from: $0.baseAddress!, memType: type) }
        }
        return dataset
    }

    /// Writes float32 values with shape `dims` (1-D when nil).
    @discardableResult
    public func writeFloats(
        _ name: String, _ values: [Float], dims: [Int]? = nil, compression: H5Compression = .none
    ) throws -> H5Dataset {
        try writeNumbers(name, values, dims: dims, type: pb_h5t_native_float(), compression: compression)
    }

    /// Writes float64 values.
    @discardableResult
    public func writeDoubles(
        _ name: String, _ values: [Double], dims: [Int]? = nil, compression: H5Compression = .none
    ) throws -> H5Dataset {
        try writeNumbers(name, values, dims: dims, type: pb_h5t_native_double(), compression: compression)
    }

    /// Writes int64 values.
    @discardableResult
    public func writeInt64s(
        _ name: String, _ values: [Int64], dims: [Int]? = nil, compression: H5Compression = .none
    ) throws -> H5Dataset {
        try writeNumbers(name, values, dims: dims, type: pb_h5t_native_int64(), compression: compression)
    }

    /// Writes int32 values.
    @discardableResult
    public func writeInt32s(
        _ name: String, _ values: [Int32], dims: [Int]? = nil, compression: H5Compression = .none
    ) throws -> H5Dataset {
        try writeNumbers(name, values, dims: dims, type: pb_h5t_native_int32(), compression: compression)
    }

    /// Writes int16 values.
    @discardableResult
    public func writeInt16s(_ name: String, _ values: [Int16], compression: H5Compression = .none) throws -> H5Dataset {
        try writeNumbers(name, values, dims: nil, type: pb_h5t_native_int16(), compression: compression)
    }

    /// Writes int8 values.
    @discardableResult
    public func writeInt8s(_ name: String, _ values: [Int8], compression: H5Compression = .none) throws -> H5Dataset {
        try writeNumbers(name, values, dims: nil, type: pb_h5t_native_int8(), compression: compression)
    }

    /// Writes bools as the numpy-bool enum (int8 FALSE/TRUE) that h5py and anndata use.
    @discardableResult
    public func writeBools(
        _ name: String, _ values: [Bool], scalar: Bool = false, compression: H5Compression = .none
    ) throws -> H5Dataset {
        let type = pb_h5t_bool_enum()
        defer { H5Tclose(type) }
        let dataset = try createDataset(name, type: type, dims: scalar ? [] : [values.count], compression: compression)
        let bytes = values.map { Int8($0 ? 1 : 0) }
        if !bytes.isEmpty { try bytes.withUnsafeBytes { try dataset.write(from: $0.baseAddress!, memType: type) } }
        return dataset
    }

    /// Writes variable-length UTF-8 strings (1-D, or a scalar when `scalar` and one value).
    @discardableResult
    public func writeStrings(
        _ name: String, _ values: [String], scalar: Bool = false, compression: H5Compression = .none
    ) throws -> H5Dataset {
        let type = pb_h5t_vlen_utf8()
        defer { H5Tclose(type) }
        let dataset = try createDataset(name, type: type, dims: scalar ? [] : [values.count], compression: compression)
        if !values.isEmpty {
            try H5Strings.withCStringPointers(values) { try dataset.write(from: UnsafeRawPointer($0), memType: type) }
        }
        return dataset
    }

    /// Writes a scalar float64.
    @discardableResult
    public func writeScalar(_ name: String, _ value: Double) throws -> H5Dataset {
        try writeNumbers(name, [value], dims: [], type: pb_h5t_native_double(), compression: .none)
    }

    /// Writes a scalar int64.
    @discardableResult
    public func writeScalar(_ name: String, _ value: Int64) throws -> H5Dataset {
        try writeNumbers(name, [value], dims: [], type: pb_h5t_native_int64(), compression: .none)
    }
}
