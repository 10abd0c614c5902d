import Foundation
import PerturbBase
import PerturbTensor

/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
/// header length, a JSON header `{name: {"dtype", "shape", "data_offsets"}, "__metadata__": {...}}` padded with
/// spaces to 8 bytes, then the raw little-endian tensor bytes. Tensors are F32; files are readable by Python's
/// `safetensors.numpy.load_file`.
public enum SafeTensors {
    /// Serializes named tensors (written in name order) with optional string metadata.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        let names = tensors.keys.sorted()
        var header: [String: Any] = [:]
        var offset = 0
        for name in names {
            let t = tensors[name]!
            let bytes = t.count * 4
            header[name] =
                ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for name in names {
            tensors[name]!.withUnsafeBufferPointer { buffer in
                // Float is stored little-endian on every platform Swift runs this package on (x86_64, arm64).
                data.append(
                    UnsafeBufferPointer(
                        start: UnsafeRawPointer(buffer.baseAddress!)
                            .assumingMemoryBound(to: UInt8.self), count: buffer.count * 4))
            }
        }
        return data
    }

    /// Writes tensors atomically to `url`.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata), to: url)
    }

    /// Reads every tensor of a safetensors file; damaged or unsupported content throws `CheckpointError`.
    public static func read(_ url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CheckpointError(file: url.path, problem: "file not found or unreadable")
        }
        return try decode(data, file: url.path)
    }

    /// The `__metadata__` of a safetensors file, reading only its header; damaged content throws `CheckpointError`.
    public static func readMetadata(_ url: URL) throws -> [String: String] {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw CheckpointError(file: url.path, problem: "file not found or unreadable")
        }
        defer { try? handle.close() }
        let size = Int((try? handle.seekToEnd()) ?? 0)
        try? handle.seek(toOffset: 0)
        var start = try handle.read(upToCount: 8) ?? Data()
        if start.count == 8, size >= 8 {
            // At most the rest of the file: a damaged length is reported by `parseHeader`, not read.
            start += try handle.read(upToCount: Int(min(headerLength(start), UInt64(size - 8)))) ?? Data()
        }
        return (try parseHeader(start, fileSize: size, file: url.path).object["__metadata__"] as? [String: String])
            ?? [:]
    }

    /// The header-length field of a safetensors file (its first 8 bytes, little-endian).
    private static func headerLength(_ data: Data) -> UInt64 {
        data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    /// The JSON header of a safetensors file of `fileSize` bytes that starts with `data` (at least through its
    /// header), and where its tensor bytes start; a file too short for its header or a header that is not a JSON
    /// object throws `CheckpointError` naming `file`.
    private static func parseHeader(
        _ data: Data, fileSize: Int, file: String
    ) throws -> (object: [String: Any], end: Int) {
        guard fileSize >= 8, data.count >= 8 else {
            throw CheckpointError(
                file: file, problem: "truncated: \(fileSize) bytes, too short for a safetensors header")
        }
        let length = headerLength(data)
        guard length <= UInt64(fileSize - 8) else {
            throw CheckpointError(
                file: file,
                problem: "truncated or not safetensors: header length \(length) exceeds file size \(fileSize)")
        }
        let end = 8 + Int(length)
        guard end <= data.count, let object = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<end)),
            let header = object as? [String: Any]
        else {
            throw CheckpointError(file: file, problem: "corrupted safetensors header (not a JSON object)")
        }
        return (header, end)
    }

    /// Parses safetensors bytes; `file` names the source in errors.
    public static func decode(
        _ data: Data, file: String
    ) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let (header, headerEnd) = try parseHeader(data, fileSize: data.count, file: file)
        let payload = data.count - headerEnd
        var metadata: [String: String] = [:]
        var tensors: [String: Tensor] = [:]
        for (name, entry) in header {
            if name == "__metadata__" {
                metadata = (entry as? [String: String]) ?? [:]
                continue
            }
            guard let info = entry as? [String: Any], let dtype = info["dtype"] as? String,
                let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw CheckpointError(file: file, tensor: name, problem: "malformed header entry")
            }
            guard dtype == "F32" else {
                throw CheckpointError(
                    file: file, tensor: name, problem: "dtype \(dtype) is not supported (expected F32)")
            }
            let count = shape.reduce(1, *)
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[1] - offsets[0] == count * 4 else {
                throw CheckpointError(
                    file: file, tensor: name,
                    problem: "shape \(shape) does not match data offsets \(offsets)")
            }
            guard offsets[1] <= payload else {
                throw CheckpointError(
                    file: file, tensor: name,
                    problem: "truncated: data ends at byte \(offsets[1]) but the file holds \(payload) data bytes")
            }
            var t = Tensor(uninitializedShape: shape)
            let start = headerEnd + offsets[0]
            t.withUnsafeMutableBufferPointer { dst in
                data.withUnsafeBytes { raw in
                    UnsafeMutableRawBufferPointer(dst).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: raw[start..<(start + count * 4)]))
                }
            }
            tensors[name] = t
        }
        return (tensors, metadata)
    }
}
