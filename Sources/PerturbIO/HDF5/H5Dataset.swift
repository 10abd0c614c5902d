import CHDF5

#if canImport(Glibc)
    import Glibc
#endif

/// An open HDF5 dataset: shape, element type, and typed reads of everything or of a range of rows (a hyperslab
/// along the first dimension), converted by HDF5 straight into the requested memory type.
public final class H5Dataset: H5Object {
    public let id: hid_t
    public let fileName: String
    public let path: String
    /// Dimensions (empty for a scalar).
    public let shape: [Int]
    /// The stored element type.
    public let elementType: H5ElementType
    /// File offset of the raw data when it is stored contiguously without filters (nil otherwise).
    private let contiguousOffset: UInt64?

    /// The most bytes the dataset's elements may claim (see `checkClaimedSize`): what the file stores for it,
    /// times the deflate bound when the data is filtered, capped by the file's size.
    private let claimLimit: Int
    /// Bytes per element in the file (16 for a variable-length string's heap reference).
    private let fileElementBytes: Int

    init(id: hid_t, fileName: String, path: String) throws {
        self.id = id
        self.fileName = fileName
        self.path = path
        let layout = try H5Guard.run(file: fileName, location: path) {
            () throws -> (shape: [Int], type: H5ElementType, offset: UInt64?, limit: Int, size: Int) in
            let space = H5Dget_space(id)
            guard space >= 0 else {
                throw FormatError(
                    file: fileName, location: path,
                    message: "cannot read the dataspace (HDF5: \(H5Library.takeErrorMessage()))")
            }
            defer { H5Sclose(space) }
            let shape = try H5Dataset.dimensions(of: space, file: fileName, path: path)
            let type = H5Dget_type(id)
            guard type >= 0 else {
                throw FormatError(
                    file: fileName, location: path,
                    message: "cannot read the element type (HDF5: \(H5Library.takeErrorMessage()))")
            }
            defer { H5Tclose(type) }
            let plist = H5Dget_create_plist(id)
            guard plist >= 0 else {
                throw FormatError(
                    file: fileName, location: path,
                    message: "cannot read the storage layout (HDF5: \(H5Library.takeErrorMessage()))")
            }
            defer { H5Pclose(plist) }
            var offset: UInt64?
            if H5Pget_layout(plist) == H5D_CONTIGUOUS, H5Pget_nfilters(plist) == 0, H5Pget_external_count(plist) == 0 {
                let address = H5Dget_offset(id)
                if address != haddr_t.max { offset = UInt64(address) }
            }
            let stored = min(Int(clamping: H5Dget_storage_size(id)), H5Dataset.fileSize(fileName))
            let limit = stored.multipliedReportingOverflow(
                by: H5Pget_nfilters(plist) > 0 ? H5Dataset.maximumCompressionRatio : 1)
            _ = H5Library.takeErrorMessage()
            return (
                shape, H5ElementType(typeID: type), offset, limit.overflow ? Int.max : limit.partialValue,
                max(1, Int(H5Tget_size(type)))
            )
        }
        shape = layout.shape
        elementType = layout.type
        contiguousOffset = layout.offset
        claimLimit = layout.limit
        fileElementBytes = layout.size
    }

    /// Deflate cannot shrink data more than about 1032:1; with shuffle and the other filters libhdf5 ships, 1100
    /// bounds what a real file's chunks can expand to.
    static let maximumCompressionRatio = 1100
    /// Datasets up to this many bytes are read without the size check (fill values of small unwritten datasets).
    static let uncheckedClaimBytes = 1 << 20

    private static func fileSize(_ name: String) -> Int {
        var info = stat()
        return stat(name, &info) == 0 ? Int(info.st_size) : Int.max
    }

    /// Throws when the header claims more data than the file can hold for this dataset, before anything is
    /// allocated for it: a damaged shape must not become a multi-gigabyte allocation.
    private func checkClaimedSize() throws {
        let (claimed, overflow) = count.multipliedReportingOverflow(by: fileElementBytes)
        guard overflow || claimed > Self.uncheckedClaimBytes else { return }
        guard !overflow, claimed <= claimLimit else {
            throw failure(
                "the header claims \(count) elements (shape \(shape), \(overflow ? "too many" : "\(claimed)") bytes) but the file stores "
                    + "at most \(claimLimit) bytes of data for it: the file is damaged or truncated")
        }
    }

    /// The dimensions of a simple dataspace; throws when the header claims more elements than an Int can count.
    static func dimensions(of space: hid_t, file: String, path: String) throws -> [Int] {
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0, rank <= 32 else {
            throw FormatError(
                file: file, location: path, message: "invalid dataspace (rank \(rank)): the file is damaged")
        }
        if rank == 0 { return [] }
        var dims = [hsize_t](repeating: 0, count: rank)
        guard H5Sget_simple_extent_dims(space, &dims, nil) == rank else {
            throw FormatError(
                file: file, location: path,
                message: "cannot read the dataspace dimensions (HDF5: \(H5Library.takeErrorMessage()))")
        }
        var total = 1
        for dim in dims {
            guard dim <= hsize_t(1 << 48) else {
                throw FormatError(
                    file: file, location: path,
                    message: "invalid shape \(dims): a dimension of \(dim) elements; the file is damaged")
            }
            let (product, overflow) = total.multipliedReportingOverflow(by: Int(dim))
            guard !overflow, product <= 1 << 48 else {
                throw FormatError(
                    file: file, location: path,
                    message: "invalid shape \(dims): more elements than any file holds; the file is damaged")
            }
            total = product
        }
        return dims.map { Int($0) }
    }

    deinit { H5Dclose(id) }

    /// The dataset that the object-reference attribute `attribute` points to, or nil when there is none.
    public func referencedDataset(_ attribute: String) throws -> H5Dataset? {
        let handle = guarded { pb_h5_open_referenced(id, attribute) }
        guard handle >= 0 else { _ = H5Library.takeErrorMessage(); return nil }
        guard H5Iget_type(handle) == H5I_DATASET else {
            H5Oclose(handle)
            throw failure("attribute '\(attribute)' refers to an object that is not a dataset")
        }
        return try H5Dataset(id: handle, fileName: fileName, path: "\(path) → \(attribute)")
    }

    /// Number of elements (1 for a scalar).
    public var count: Int { shape.reduce(1, *) }

    /// Elements per row (product of all dimensions after the first).
    public var rowElements: Int { shape.dropFirst().reduce(1, *) }

    // MARK: reading

    /// Reads `rows` (all when nil) into a new array through memory type `memType`; `elementSize` bytes per value.
    func readRaw<T>(memType: hid_t, rows: Range<Int>?, as: T.Type) throws -> [T] {
        try checkClaimedSize()
        let selected = try selection(rows)
        let total = selected.count * (shape.isEmpty ? 1 : rowElements)
        if total == 0 { return [] }
        return try [T](unsafeUninitializedCapacity: total) { buffer, initialized in
            HugePages.advise(UnsafeMutableRawPointer(buffer.baseAddress!), bytes: total * MemoryLayout<T>.stride)
            try read(into: UnsafeMutableRawPointer(buffer.baseAddress!), memType: memType, rows: rows)
            initialized = total
        }
    }

    /// Reads `rows` (all when nil) into caller memory that has room for `rows.count * rowElements` values of
    /// `memType`. This is the zero-copy path used for streaming.
    public func read(into pointer: UnsafeMutableRawPointer, memType: hid_t, rows: Range<Int>?) throws {
        let selected = try selection(rows)
        if selected.isEmpty || count == 0 { return }
        if try readDirect(into: pointer, memType: memType, rows: selected) { return }
        let fileSpace = H5Dget_space(id)
        defer { H5Sclose(fileSpace) }
        var memSpace = pb_h5s_all()
        if let rows, !shape.isEmpty {
            var start = [hsize_t](repeating: 0, count: shape.count)
            start[0] = hsize_t(rows.lowerBound)
            var counts = shape.map { hsize_t($0) }
            counts[0] = hsize_t(rows.count)
            H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, counts, nil)
            memSpace = H5Screate_simple(Int32(counts.count), counts, nil)
        }
        defer { if memSpace != pb_h5s_all() { H5Sclose(memSpace) } }
        let bytes = selected.count * max(1, rowElements) * Int(H5Tget_size(memType))
        let status = guarded(bytes: bytes) { H5Dread(id, memType, memSpace, fileSpace, pb_h5p_default(), pointer) }
        if status < 0 {
            let stack = H5Library.takeErrorMessage()
            let hint =
                stack.contains("truncated") || stack.contains("addr overflow") || stack.contains("read failed")
                ? "cannot read data: the file looks truncated or corrupt" : "cannot read data"
            throw FormatError(file: fileName, location: path, message: "\(hint) (HDF5: \(stack))")
        }
    }

    /// Asks the OS to start reading rows `rows` of a contiguous dataset into the page cache and returns at once
    /// (`posix_fadvise` WILLNEED), so that a later `read` of them does not wait on the disk; does nothing for other
    /// layouts or rows outside the dataset.
    public func adviseWillNeed(rows: Range<Int>) {
        guard let contiguousOffset, !shape.isEmpty, rows.lowerBound >= 0, rows.upperBound <= shape[0], !rows.isEmpty
        else { return }
        let fileType = H5Dget_type(id)
        defer { H5Tclose(fileType) }
        let rowBytes = rowElements * Int(H5Tget_size(fileType))
        H5DirectRead.adviseWillNeed(
            path: fileName, offset: contiguousOffset + UInt64(rows.lowerBound * rowBytes), bytes: rows.count * rowBytes)
    }

    /// Reads through `H5DirectRead` when the data is contiguous, unfiltered, numeric and stored exactly in
    /// `memType` (no conversion needed) and the read is large enough to be worth it; returns false otherwise.
    private func readDirect(into pointer: UnsafeMutableRawPointer, memType: hid_t, rows: Range<Int>) throws -> Bool {
        guard let contiguousOffset, !shape.isEmpty else { return false }
        switch elementType {
        case .float, .integer: break
        default: return false
        }
        let fileType = H5Dget_type(id)
        defer { H5Tclose(fileType) }
        guard H5Tequal(fileType, memType) > 0 else { return false }
        let rowBytes = rowElements * Int(H5Tget_size(memType))
        let bytes = rows.count * rowBytes
        guard bytes >= 1 << 20 else { return false }
        try H5DirectRead.read(
            path: fileName, location: path, offset: contiguousOffset + UInt64(rows.lowerBound * rowBytes),
            bytes: bytes, into: pointer)
        return true
    }

    private func selection(_ rows: Range<Int>?) throws -> Range<Int> {
        let rowCount = shape.first ?? 1
        guard let rows else { return 0..<rowCount }
        guard !shape.isEmpty, rows.lowerBound >= 0, rows.upperBound <= rowCount else {
            throw failure("row range \(rows.lowerBound)..<\(rows.upperBound) is outside the \(rowCount) rows stored")
        }
        return rows
    }

    private func requireNumeric(_ wanted: String) throws {
        guard elementType.isNumeric else {
            throw failure("wrong dtype: expected \(wanted) numbers, found \(elementType)")
        }
    }

    /// Values as Float (any numeric type converts), rows along the first dimension.
    public func readFloats(rows: Range<Int>? = nil) throws -> [Float] {
        if elementType == .bool { return try readBools(rows: rows).map { $0 ? 1 : 0 } }
        try requireNumeric("float")
        return try readRaw(memType: pb_h5t_native_float(), rows: rows, as: Float.self)
    }

    /// Values as Double.
    public func readDoubles(rows: Range<Int>? = nil) throws -> [Double] {
        if elementType == .bool { return try readBools(rows: rows).map { $0 ? 1 : 0 } }
        try requireNumeric("float")
        return try readRaw(memType: pb_h5t_native_double(), rows: rows, as: Double.self)
    }

    /// Values as Int64 (floats are converted by HDF5).
    public func readInt64s(rows: Range<Int>? = nil) throws -> [Int64] {
        if elementType == .bool { return try readBools(rows: rows).map { $0 ? 1 : 0 } }
        try requireNumeric("integer")
        return try readRaw(memType: pb_h5t_native_int64(), rows: rows, as: Int64.self)
    }

    /// Values as Int32.
    public func readInt32s(rows: Range<Int>? = nil) throws -> [Int32] {
        try requireNumeric("integer")
        return try readRaw(memType: pb_h5t_native_int32(), rows: rows, as: Int32.self)
    }

    /// Bools from a numpy-bool enum or from integers (non-zero = true).
    public func readBools(rows: Range<Int>? = nil) throws -> [Bool] {
        switch elementType {
        case .bool, .enumeration:
            let fileType = guarded { H5Dget_type(id) }
            guard fileType >= 0 else { throw failure("cannot read the element type", includeHDF5Stack: true) }
            defer { H5Tclose(fileType) }
            let memType = guarded { H5Tget_native_type(fileType, H5T_DIR_ASCEND) }
            guard memType >= 0 else { throw failure("cannot convert the enum type (damaged?)", includeHDF5Stack: true) }
            defer { H5Tclose(memType) }
            let size = Int(H5Tget_size(memType))
            guard size > 0 else { throw failure("the enum type has no size: the file is damaged") }
            let bytes: [UInt8] = try readBytes(memType: memType, size: size, rows: rows)
            if size == 1 { return bytes.map { $0 != 0 } }
            return stride(from: 0, to: bytes.count, by: size).map { i in bytes[i..<(i + size)].contains { $0 != 0 } }
        case .integer, .float:
            return try readDoubles(rows: rows).map { $0 != 0 }
        default:
            throw failure("wrong dtype: expected bools, found \(elementType)")
        }
    }

    private func readBytes(memType: hid_t, size: Int, rows: Range<Int>?) throws -> [UInt8] {
        try checkClaimedSize()
        let selected = try selection(rows)
        let total = selected.count * (shape.isEmpty ? 1 : rowElements) * size
        if total == 0 { return [] }
        return try [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            try read(into: UnsafeMutableRawPointer(buffer.baseAddress!), memType: memType, rows: rows)
            initialized = total
        }
    }

    /// Strings from variable-length or fixed-length string data (fixed-length: NUL padding removed, Latin-1
    /// fallback for non-UTF-8 bytes). Variable-length strings are checked against their global heap first
    /// (`H5HeapReferences`).
    public func readStrings(rows: Range<Int>? = nil) throws -> [String] {
        guard case .string(let variable, let size) = elementType else {
            throw failure("wrong dtype: expected strings, found \(elementType)")
        }
        try checkClaimedSize()
        let selected = try selection(rows)
        let total = selected.count * (shape.isEmpty ? 1 : rowElements)
        if total == 0 { return [] }
        let fileType = H5Dget_type(id)
        defer { H5Tclose(fileType) }
        if !variable {
            let bytes = try readBytes(memType: fileType, size: size, rows: rows)
            return H5Strings.decodeFixed(
                bytes, size: size, count: total, spacePadded: H5Tget_strpad(fileType) == H5T_STR_SPACEPAD)
        }
        try H5HeapReferences.check(self)
        let memType = pb_h5t_vlen_utf8()
        defer { H5Tclose(memType) }
        H5Tset_cset(memType, H5Tget_cset(fileType))
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: total)
        try pointers.withUnsafeMutableBufferPointer { buffer in
            try read(into: UnsafeMutableRawPointer(buffer.baseAddress!), memType: memType, rows: rows)
        }
        let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
        let space = H5Screate_simple(1, [hsize_t(total)], nil)
        defer { H5Sclose(space) }
        guard guarded({ H5Dvlen_reclaim(memType, space, pb_h5p_default(), &pointers) }) >= 0 else {
            throw failure("cannot release the strings read", includeHDF5Stack: true)
        }
        return strings
    }

    /// Reads one field of a compound dataset through memory type `memType` (HDF5 matches fields by name).
    func readCompoundField(_ field: String, memberType: hid_t, memberSize: Int) throws -> [UInt8] {
        let memType = H5Tcreate(H5T_COMPOUND, memberSize)
        defer { H5Tclose(memType) }
        H5Tinsert(memType, field, 0, memberType)
        return try readBytes(memType: memType, size: memberSize, rows: nil)
    }

    // MARK: writing

    /// Writes all values from `pointer`, given in memory type `memType`.
    public func write(from pointer: UnsafeRawPointer, memType: hid_t) throws {
        guard H5Dwrite(id, memType, pb_h5s_all(), pb_h5s_all(), pb_h5p_default(), pointer) >= 0 else {
            throw failure("cannot write data", includeHDF5Stack: true)
        }
    }

    /// Writes rows `rows` (a hyperslab along the first dimension) from `pointer`, which holds
    /// `rows.count * rowElements` values of memory type `memType`: the path for matrices written block by block.
    public func write(rows: Range<Int>, from pointer: UnsafeRawPointer, memType: hid_t) throws {
        precondition(
            !shape.isEmpty && rows.lowerBound >= 0 && rows.upperBound <= shape[0], "row range \(rows) outside \(shape)")
        if rows.isEmpty { return }
        let fileSpace = H5Dget_space(id)
        defer { H5Sclose(fileSpace) }
        var start = [hsize_t](repeating: 0, count: shape.count)
        start[0] = hsize_t(rows.lowerBound)
        var counts = shape.map { hsize_t($0) }
        counts[0] = hsize_t(rows.count)
        H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, counts, nil)
        let memSpace = H5Screate_simple(Int32(counts.count), counts, nil)
        defer { H5Sclose(memSpace) }
        guard H5Dwrite(id, memType, memSpace, fileSpace, pb_h5p_default(), pointer) >= 0 else {
            throw failure("cannot write rows \(rows)", includeHDF5Stack: true)
        }
    }
}
