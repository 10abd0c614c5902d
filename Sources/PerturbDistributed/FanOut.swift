import Foundation
import PerturbBase

extension Communicator {
    /// Every rank's `bytes` (any length on each rank), in rank order: the lengths are gathered first, then the bytes
    /// padded to the longest. Two all-gathers.
    public func allgatherVariable(_ bytes: [UInt8]) -> [[UInt8]] {
        guard size > 1 else { return [bytes] }
        var length = Int64(bytes.count)
        let lengthBytes = withUnsafeBytes(of: &length) { Array($0) }
        let lengths = allgather(lengthBytes).map { part in
            part.withUnsafeBytes { Int($0.loadUnaligned(as: Int64.self)) }
        }
        let longest = lengths.max() ?? 0
        let padded = bytes + [UInt8](repeating: 0, count: longest - bytes.count)
        return zip(allgather(padded), lengths).map { Array($0.prefix($1)) }
    }

    /// The rank that runs job `index` of a fan-out: jobs are dealt round-robin in index order.
    public func owner(ofJob index: Int) -> Int { index % size }

    /// Runs the independent jobs `0..<count` spread over the ranks (job i on rank `i % size`, the reference's job
    /// array) and returns every job's result, in index order, on every rank. With one process it simply runs them in
    /// order. A job that throws on any rank makes every rank throw (`collectively`) once all ranks have finished
    /// their own jobs, so no rank waits forever. Results travel as JSON (doubles round-trip exactly; NaN and ±inf as
    /// strings).
    public func fanOut<Result: Codable>(_ what: String, count: Int, job: (Int) throws -> Result) throws -> [Result] {
        guard size > 1 else { return try (0..<count).map(job) }
        let mine = try collectively(what) {
            try (0..<count).filter { owner(ofJob: $0) == rank }.map { index in
                FanOutResult(index: index, value: try job(index))
            }
        }
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let gathered = allgatherVariable(Array(try encoder.encode(mine)))
        var results = [Result?](repeating: nil, count: count)
        for part in gathered {
            for item in try decoder.decode([FanOutResult<Result>].self, from: Data(part)) {
                results[item.index] = item.value
            }
        }
        return try results.enumerated().map { index, value in
            guard let value else {
                throw InputError(
                    "\(what): job \(index) of \(count) returned no result from rank \(owner(ofJob: index))")
            }
            return value
        }
    }

    /// Throws unless every rank sees the files rank 0 writes in `folder` (a fan-out's ranks read each other's
    /// checkpoints there): rank 0 creates the folder and a probe file holding a token it broadcasts, every rank reads
    /// it back, and the probe is removed. When a rank cannot, every rank throws, and rank 0 removes the folder again
    /// if it created it.
    public func requireSharedFolder(_ folder: URL, for what: String) throws {
        guard size > 1 else { return }
        let fm = FileManager.default
        let probe = folder.appendingPathComponent(".rank-probe")
        var token = UInt64.random(in: 1...UInt64.max)
        withUnsafeMutableBytes(of: &token) { broadcast($0, root: 0) }
        var created = false
        if rank == 0 {
            created = !fm.fileExists(atPath: folder.path)
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            try AtomicFile.write(Data(String(token).utf8), to: probe)
        }
        barrier()
        let seen = (try? String(contentsOf: probe, encoding: .utf8)) == String(token)
        var missing = [Double](repeating: 0, count: size)
        if !seen { missing[rank] = 1 }
        allreduceSum(&missing)
        if rank == 0 {
            try? fm.removeItem(at: probe)
            if created && missing.contains(where: { $0 > 0 }) { try? fm.removeItem(at: folder) }
        }
        let blind = missing.indices.filter { missing[$0] > 0 }
        guard blind.isEmpty else {
            throw InputError(
                "\(folder.path): rank\(blind.count > 1 ? "s" : "") \(blind.map(String.init).joined(separator: ", ")) of \(size) cannot read the files rank 0 writes there; \(what) needs an output folder on a file system every rank shares (nothing was written)"
            )
        }
    }
}

/// One job's result with its index, as a fan-out exchanges it.
private struct FanOutResult<Value: Codable>: Codable {
    var index: Int
    var value: Value
}
