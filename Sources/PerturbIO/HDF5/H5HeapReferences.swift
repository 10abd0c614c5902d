import CHDF5
import CZlib
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Checks the global-heap references of a variable-length string dataset before libhdf5 follows them.
///
/// Each stored string is a reference (length, heap collection address, object index) into a global heap
/// collection. libhdf5 1.10.8 trusts both: `H5HG_read` copies the object's stored size into a buffer sized by the
/// reference's length, and reads `heap->obj[index]` without checking the index, so a damaged file makes it
/// overflow the heap, dereference NULL, or (a collection whose object sizes do not advance) loop forever. Here the
/// references are read raw from the file (contiguous data, or chunks undone from deflate, shuffle and fletcher32)
/// and every collection they name is parsed as libhdf5 parses it; a reference libhdf5 could not follow safely is a
/// `FormatError` naming the string. Layouts and filters this cannot decode (compact data, other filters, a user
/// block) are left to libhdf5 and the crash guard.
struct H5HeapReferences {
    private let dataset: H5Dataset
    private let fd: Int32
    private let fileSize: Int
    /// Bytes of a file address and of a length field (from the superblock).
    private let addressBytes: Int
    private let lengthBytes: Int
    /// Parsed collections by address (nil: the collection is damaged, with the reason).
    private var collections: [UInt64: Result<Collection, FormatError>] = [:]

    /// Bytes of one stored reference: length (4), collection address, object index (4).
    private var referenceBytes: Int { 8 + addressBytes }

    /// Checks every reference of `dataset` (a variable-length string dataset); throws on the first that libhdf5
    /// could not follow safely.
    static func check(_ dataset: H5Dataset) throws {
        guard var checker = try H5HeapReferences(dataset) else { return }
        defer { close(checker.fd) }
        try checker.run()
    }

    private init?(_ dataset: H5Dataset) throws {
        let sizes = dataset.guarded { () -> (address: Int, length: Int, userBlock: Int)? in
            let file = H5Iget_file_id(dataset.id)
            guard file >= 0 else { return nil }
            defer { H5Fclose(file) }
            let plist = H5Fget_create_plist(file)
            guard plist >= 0 else { return nil }
            defer { H5Pclose(plist) }
            var address = 0, length = 0
            var userBlock: hsize_t = 0
            guard H5Pget_sizes(plist, &address, &length) >= 0, H5Pget_userblock(plist, &userBlock) >= 0 else {
                return nil
            }
            return (address, length, Int(clamping: userBlock))
        }
        _ = H5Library.takeErrorMessage()
        let widths = [2, 4, 8]
        guard let sizes, sizes.userBlock == 0, widths.contains(sizes.address), widths.contains(sizes.length) else {
            return nil
        }
        let fd = open(dataset.fileName, O_RDONLY)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            return nil
        }
        self.dataset = dataset
        self.fd = fd
        fileSize = Int(info.st_size)
        addressBytes = sizes.address
        lengthBytes = sizes.length
    }

    private mutating func run() throws {
        switch storage() {
        case .contiguous(let offset):
            let bytes = try read(at: offset, count: dataset.count * referenceBytes, what: "the string references")
            for element in 0..<dataset.count {
                try checkReference(in: bytes, at: element * referenceBytes, element: element)
            }
        case .chunked(let chunk, let filters):
            for stored in try chunks() {
                let raw = try read(at: stored.address, count: stored.size, what: "a chunk of string references")
                let expected = chunk.reduce(1, *) * referenceBytes
                let bytes = try undo(filters, skipped: stored.filterMask, on: raw, expected: expected)
                for (local, element) in elements(of: stored.offset, chunk: chunk) {
                    try checkReference(in: bytes, at: local * referenceBytes, element: element)
                }
            }
        case .unchecked:
            return
        }
    }

    // MARK: where the references are stored

    private enum Filter {
        case deflate, shuffle(elementBytes: Int), fletcher32
    }

    private enum Storage {
        /// Contiguous raw data at a file offset.
        case contiguous(UInt64)
        /// Chunks of these dimensions, written through these filters (in pipeline order).
        case chunked([Int], [Filter])
        /// Not allocated, compact, or filtered in a way this cannot undo.
        case unchecked
    }

    private func storage() -> Storage {
        let rank = dataset.shape.count
        return dataset.guarded { () -> Storage in
            let plist = H5Dget_create_plist(dataset.id)
            guard plist >= 0 else { return .unchecked }
            defer { H5Pclose(plist) }
            switch H5Pget_layout(plist) {
            case H5D_CONTIGUOUS:
                let address = H5Dget_offset(dataset.id)
                let unallocated = address == haddr_t.max || H5Pget_external_count(plist) != 0
                return unallocated ? .unchecked : .contiguous(UInt64(address))
            case H5D_CHUNKED:
                var dims = [hsize_t](repeating: 0, count: max(1, rank))
                guard rank > 0, H5Pget_chunk(plist, Int32(rank), &dims) == rank,
                    dims.allSatisfy({ $0 > 0 && $0 <= 1 << 32 })
                else {
                    return .unchecked
                }
                var filters: [Filter] = []
                for index in 0..<max(0, H5Pget_nfilters(plist)) {
                    var flags: UInt32 = 0, config: UInt32 = 0, valueCount = 4
                    var values = [UInt32](repeating: 0, count: 4)
                    switch H5Pget_filter2(plist, UInt32(index), &flags, &valueCount, &values, 0, nil, &config) {
                    case H5Z_FILTER_DEFLATE: filters.append(.deflate)
                    case H5Z_FILTER_SHUFFLE:
                        let width = valueCount > 0 && values[0] > 0 ? Int(values[0]) : referenceBytes
                        filters.append(.shuffle(elementBytes: width))
                    case H5Z_FILTER_FLETCHER32: filters.append(.fletcher32)
                    default: return .unchecked
                    }
                }
                return .chunked(dims.map { Int($0) }, filters)
            default:
                return .unchecked
            }
        }
    }

    private struct StoredChunk {
        var offset: [Int]
        var address: UInt64
        var size: Int
        var filterMask: UInt32
    }

    private func chunks() throws -> [StoredChunk] {
        try dataset.guarded {
            let space = H5Dget_space(dataset.id)
            guard space >= 0 else { throw dataset.failure("cannot read the dataspace", includeHDF5Stack: true) }
            defer { H5Sclose(space) }
            var count: hsize_t = 0
            guard H5Dget_num_chunks(dataset.id, space, &count) >= 0 else {
                throw dataset.failure("cannot list the chunks of the strings", includeHDF5Stack: true)
            }
            return try (0..<count).map { index in
                var offset = [hsize_t](repeating: 0, count: dataset.shape.count)
                var mask: UInt32 = 0, address: haddr_t = 0
                var size: hsize_t = 0
                guard H5Dget_chunk_info(dataset.id, space, index, &offset, &mask, &address, &size) >= 0 else {
                    throw dataset.failure("cannot locate chunk \(index) of the strings", includeHDF5Stack: true)
                }
                return StoredChunk(
                    offset: offset.map { Int(clamping: $0) }, address: UInt64(address),
                    size: Int(clamping: size), filterMask: mask)
            }
        }
    }

    /// (index inside the chunk, index in the dataset) of the chunk's elements that lie inside the dataset's extent.
    private func elements(of offset: [Int], chunk: [Int]) -> [(Int, Int)] {
        let shape = dataset.shape
        var result: [(Int, Int)] = []
        for local in 0..<chunk.reduce(1, *) {
            var rest = local, element = 0, stride = 1, inside = true
            for axis in (0..<shape.count).reversed() {
                let coordinate = offset[axis] + rest % chunk[axis]
                rest /= chunk[axis]
                inside = inside && coordinate < shape[axis]
                element += coordinate * stride
                stride *= shape[axis]
            }
            if inside { result.append((local, element)) }
        }
        return result
    }

    /// The chunk's bytes before the filters (applied in pipeline order when written) that its mask did not skip.
    private func undo(_ filters: [Filter], skipped mask: UInt32, on raw: [UInt8], expected: Int) throws -> [UInt8] {
        var bytes = raw
        for (index, filter) in filters.enumerated().reversed() where mask & (1 << UInt32(index)) == 0 {
            switch filter {
            case .fletcher32:
                guard bytes.count >= 4 else {
                    throw damaged("a chunk of string references is shorter than its checksum")
                }
                bytes.removeLast(4)
            case .shuffle(let width):
                bytes = Self.unshuffle(bytes, width: width)
            case .deflate:
                guard expected <= max(bytes.count, 1) * H5Dataset.maximumCompressionRatio, expected < 1 << 32 else {
                    throw damaged(
                        "a chunk of \(bytes.count) compressed bytes claims \(expected) bytes of string "
                            + "references")
                }
                var out = [UInt8](repeating: 0, count: expected)
                var length = uLongf(expected)
                let status = out.withUnsafeMutableBufferPointer { o in
                    bytes.withUnsafeBufferPointer { i in
                        uncompress(o.baseAddress, &length, i.baseAddress, uLong(i.count))
                    }
                }
                guard status == Z_OK, Int(length) == expected else {
                    throw damaged(
                        "a chunk of string references does not decompress to its \(expected) bytes "
                            + "(zlib status \(status))")
                }
                bytes = out
            }
        }
        guard bytes.count >= expected else {
            throw damaged("a chunk of string references holds \(bytes.count) of its \(expected) bytes")
        }
        return bytes
    }

    private static func unshuffle(_ bytes: [UInt8], width: Int) -> [UInt8] {
        guard width > 1 else { return bytes }
        let count = bytes.count / width
        var out = bytes
        for byte in 0..<width {
            for element in 0..<count { out[element * width + byte] = bytes[byte * count + element] }
        }
        return out
    }

    // MARK: the references and their heap collections

    private mutating func checkReference(in bytes: [UInt8], at start: Int, element: Int) throws {
        let length = Self.integer(bytes, at: start, bytes: 4)
        let address = Self.integer(bytes, at: start + 4, bytes: addressBytes)
        let index = Self.integer(bytes, at: start + 4 + addressBytes, bytes: 4)
        guard address != 0 else { return }  // a null string: libhdf5 does not read the heap
        let collection = try self.collection(at: address).get()
        guard index > 0, let object = collection.objects[Int(index)] else {
            throw damaged(
                "string \(element) refers to object \(index) of the global heap collection at byte "
                    + "\(address), which has no such object")
        }
        guard object.size == length else {
            throw damaged(
                "string \(element) has \(length) bytes but its global heap object \(index) "
                    + "(collection at byte \(address)) holds \(object.size)")
        }
    }

    /// A global heap collection: its objects by index, each with its data size.
    private struct Collection {
        var objects: [Int: (begin: Int, size: UInt64)]
    }

    private mutating func collection(at address: UInt64) -> Result<Collection, FormatError> {
        if let parsed = collections[address] { return parsed }
        let parsed = Result { try parseCollection(at: address) }.mapError { $0 as? FormatError ?? damaged("\($0)") }
        collections[address] = parsed
        return parsed
    }

    /// Parses the collection at `address` the way `H5HG__cache_heap_deserialize` does, rejecting what would make it
    /// loop, read outside the collection or hand out an object that extends past it.
    private func parseCollection(at address: UInt64) throws -> Collection {
        let where_ = "the global heap collection at byte \(address)"
        let headerBytes = Self.align(8 + lengthBytes), objectHeaderBytes = Self.align(8 + lengthBytes)
        let header = try read(at: address, count: headerBytes, what: where_)
        guard header.starts(with: Array("GCOL".utf8)), header[4] == 1 else {
            throw damaged("\(where_) has no valid signature")
        }
        let size = Self.integer(header, at: 8, bytes: lengthBytes)
        guard size >= 4096, size <= UInt64(fileSize), address <= UInt64(fileSize) - size else {
            throw damaged("\(where_) claims \(size) bytes (at least 4096, and inside the file's \(fileSize) bytes)")
        }
        let bytes = try read(at: address, count: Int(size), what: where_)
        var objects: [Int: (begin: Int, size: UInt64)] = [:]
        var p = headerBytes
        while p < bytes.count {
            if p + objectHeaderBytes > bytes.count { break }  // too small for an object header: free space
            let index = Int(Self.integer(bytes, at: p, bytes: 2))
            let objectSize = Self.integer(bytes, at: p + 8, bytes: lengthBytes)
            let room = UInt64(bytes.count - p)
            if index == 0 {
                guard objectSize >= UInt64(objectHeaderBytes), objectSize <= room else {
                    throw damaged("\(where_): its free space at byte \(p) claims \(objectSize) bytes")
                }
                p += Int(objectSize)
            } else {
                guard objectSize <= room - UInt64(objectHeaderBytes) else {
                    throw damaged(
                        "\(where_): object \(index) at byte \(p) claims \(objectSize) bytes, "
                            + "past the collection's end")
                }
                objects[index] = (p, objectSize)
                p += objectHeaderBytes + Self.align(Int(objectSize))
            }
        }
        return Collection(objects: objects)
    }

    // MARK: helpers

    private static func align(_ n: Int) -> Int { (n + 7) & ~7 }

    private static func integer(_ bytes: [UInt8], at start: Int, bytes count: Int) -> UInt64 {
        var value: UInt64 = 0
        for k in (0..<count).reversed() { value = value << 8 | UInt64(bytes[start + k]) }
        return value
    }

    private func read(at offset: UInt64, count: Int, what: String) throws -> [UInt8] {
        guard count >= 0, offset <= UInt64(fileSize), UInt64(count) <= UInt64(fileSize) - offset else {
            throw damaged(
                "\(what) (\(count) bytes at byte \(offset)) lie past the end of the file "
                    + "(\(fileSize) bytes): it is truncated or damaged")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                let reason = got == 0 ? "the file ends early" : String(cString: strerror(errno))
                throw damaged("cannot read \(what): \(reason)")
            }
            done += got
        }
        return bytes
    }

    private func damaged(_ message: String) -> FormatError {
        dataset.failure("\(message): the file is damaged; copy or download it again")
    }
}
