import ArgumentParser
import Foundation
import PerturbBase
import PerturbChem

/// `perturbridge-bench chem`: Morgan fingerprinting throughput (parse + sanitize + fingerprint) of PerturbChem,
/// single-threaded and on all cores, against RDKit Python (bench/chem_peer.py) on the same molecules in the same run.
///
///     perturbridge-bench chem [--molecules N] [--radius 2] [--bits 2048] [--repeats 3] [--threads T]
///                             [--python /usr/bin/python3] [--input FILE.smi]
enum ChemBench {
    struct Settings: ParsableArguments {
        @Option(help: "LINCS drug SMILES to fingerprint.") var molecules = 6000
        @Option(help: "Morgan radius.") var radius = 2
        @Option(help: "Fingerprint bits.") var bits = 2048
        @Option(help: "Repeats (best of).") var repeats = 3
        @Option(help: "Threads of the parallel run.") var threads = Parallel.threadCount
        @Option(help: "Python with RDKit for the peer.") var python = "/usr/bin/python3"
        @Option(help: "A .smi file instead of the LINCS drugs.") var input: String?

        func validate() throws {
            try requirePositive([
                "--molecules": molecules, "--radius": radius, "--bits": bits, "--repeats": repeats,
                "--threads": threads,
            ])
        }
    }

    static func run(_ settings: Settings) throws {
        let smiles = try loadSmiles(settings)
        let options = MorganOptions(radius: settings.radius, bits: settings.bits)
        print(
            "chem bench: \(smiles.count) LINCS drug SMILES, Morgan radius \(settings.radius), \(settings.bits) bits, best of \(settings.repeats)"
        )
        print("RDKit (Swift bridge) \(Chem.rdkitVersion); \(settings.threads) threads")

        func timeSwift(threads: Int) -> (seconds: Double, valid: Int, onBits: Int) {
            let start = DispatchTime.now().uptimeNanoseconds
            let result = Morgan.batch(smiles: smiles, options: options, threads: threads)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            return (
                seconds, result.fingerprints.filter { $0 != nil }.count,
                result.fingerprints.reduce(0) { $0 + ($1?.popCount ?? 0) }
            )
        }
        _ = Morgan.batch(smiles: Array(smiles.prefix(100)), options: options, threads: 1)  // warm-up
        // Repeats interleave the two implementations so that both see the same machine load; best of each.
        var swiftSingle = Double.infinity, swiftAll = Double.infinity
        var peerSingle = Double.infinity, peerAll = Double.infinity
        var peerVersion = "", processes = 0, valid = 0, onBits = 0
        for _ in 0..<settings.repeats {
            let single = timeSwift(threads: 1)
            let peer = try runPeer(smiles: smiles, settings: settings)
            let all = timeSwift(threads: settings.threads)
            guard peer.valid == single.valid, peer.onBits == single.onBits, all.onBits == single.onBits else {
                throw InputError(
                    "chem bench: Swift and RDKit Python disagree (valid \(single.valid) vs \(peer.valid), on-bits \(single.onBits) vs \(peer.onBits))"
                )
            }
            swiftSingle = min(swiftSingle, single.seconds)
            swiftAll = min(swiftAll, all.seconds)
            peerSingle = min(peerSingle, peer.single)
            peerAll = min(peerAll, peer.parallel)
            (peerVersion, processes, valid, onBits) = (peer.version, peer.processes, peer.valid, peer.onBits)
        }
        let n = Double(smiles.count)
        func rate(_ seconds: Double) -> String { String(format: "%9.0f mol/s", n / seconds) }
        print("same work checked: \(valid) valid molecules, \(onBits) on-bits in both")
        print("PerturbChem   1 thread : \(rate(swiftSingle))")
        print("RDKit Python  1 process: \(rate(peerSingle)) (RDKit \(peerVersion))")
        print("PerturbChem  \(String(format: "%2d", settings.threads)) threads: \(rate(swiftAll))")
        print("RDKit Python \(String(format: "%2d", processes)) processes: \(rate(peerAll))")
        print(String(format: "ratio per thread (PerturbChem / RDKit Python): %.2f", peerSingle / swiftSingle))
        print(String(format: "ratio all cores  (PerturbChem / RDKit Python): %.2f", peerAll / swiftAll))
        print(
            String(
                format: "scaling on %d threads: PerturbChem %.2fx, RDKit Python %.2fx (ideal %d)", settings.threads,
                swiftSingle / swiftAll, peerSingle / peerAll, settings.threads))
    }

    static func loadSmiles(_ settings: Settings) throws -> [String] {
        if let input = settings.input {
            let text = try String(contentsOfFile: input, encoding: .utf8)
            return Array(text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }.prefix(settings.molecules))
        }
        guard let url = SharedData.dataFile("chemcpa-smiles/lincs_drugs_smiles.csv") else {
            throw InputError(
                "chem bench: shared/data/chemcpa-smiles/lincs_drugs_smiles.csv not found; pass --input FILE.smi")
        }
        let records = DelimitedTable.parse(try String(contentsOf: url, encoding: .utf8), delimiter: ",")
        return Array(
            records.compactMap { $0.count >= 2 ? $0[1].trimmingCharacters(in: .whitespaces) : nil }
                .prefix(settings.molecules))
    }

    struct Peer: Decodable {
        let rdkit_version: String, valid: Int, on_bits: Int, single_seconds: Double, parallel_seconds: Double,
            processes: Int
        var version: String { rdkit_version }
        var onBits: Int { on_bits }
        var single: Double { single_seconds }
        var parallel: Double { parallel_seconds }
    }

    /// Runs bench/chem_peer.py on the same SMILES (written to a temporary file).
    static func runPeer(smiles: [String], settings: Settings) throws -> Peer {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("bench/chem_peer.py")
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw InputError("chem bench: \(script.path) not found")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("chem-bench-\(getpid()).smi")
        try (smiles.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: settings.python)
        process.arguments = [
            script.path, file.path, "--radius", "\(settings.radius)", "--bits", "\(settings.bits)",
            "--processes", "\(settings.threads)", "--repeats", "1",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw InputError(
                "chem bench: \(settings.python) \(script.path) failed (status \(process.terminationStatus)); it needs python3-rdkit"
            )
        }
        return try JSONDecoder().decode(Peer.self, from: data)
    }
}
