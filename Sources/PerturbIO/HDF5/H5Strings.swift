import Foundation

/// Conversions between Swift strings and HDF5's string layouts.
enum H5Strings {
    /// Splits `count` fixed-length strings of `size` bytes, dropping NUL padding (and the trailing spaces of space-padded types, as MATLAB/R writers use), decoding
    /// UTF-8 and falling back to Latin-1 for bytes that are not UTF-8 (such as the `\xb5` micro sign in L1000 files).
    static func decodeFixed(_ bytes: [UInt8], size: Int, count: Int, spacePadded: Bool = false) -> [String] {
        (0..<count).map { index in
            let start = index * size
            var end = start
            while end < start + size && bytes[end] != 0 { end += 1 }
            if spacePadded { while end > start && bytes[end - 1] == 0x20 { end -= 1 } }
            let slice = bytes[start..<end]
            if let text = String(validating: slice, as: UTF8.self) { return text }
            return String(slice.map { Character(Unicode.Scalar($0)) })
        }
    }

    /// Calls `body` with an array of C string pointers (one per value) that stay valid during the call.
    static func withCStringPointers<T>(
        _ values: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) throws -> T
    ) rethrows -> T {
        var offsets: [Int] = []
        offsets.reserveCapacity(values.count)
        var storage: [CChar] = []
        for value in values {
            offsets.append(storage.count)
            storage.append(contentsOf: value.utf8CString)
        }
        return try storage.withUnsafeBufferPointer { buffer in
            var pointers: [UnsafePointer<CChar>?] = offsets.map { buffer.baseAddress! + $0 }
            if pointers.isEmpty { pointers = [nil] }
            return try pointers.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
        }
    }
}
