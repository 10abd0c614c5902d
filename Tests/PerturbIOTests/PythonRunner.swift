import Foundation

/// Runs python3 scripts for cross-checks with h5py/anndata; returns nil when python3 or the modules are missing.
enum PythonRunner {
    static func run(_ script: String, arguments: [String] = [], modules: [String] = ["h5py", "numpy"]) throws -> String? {
        guard available(modules) else { return nil }
        let (status, output, errors) = try execute(["-c", script] + arguments)
        guard status == 0 else {
            throw NSError(domain: "python", code: Int(status), userInfo: [NSLocalizedDescriptionKey: "python failed: \(errors)"])
        }
        return output
    }

    private static var cache: [String: Bool] = [:]

    static func available(_ modules: [String]) -> Bool {
        let key = modules.joined(separator: ",")
        if let known = cache[key] { return known }
        let ok = (try? execute(["-c", "import " + key]))?.0 == 0
        cache[key] = ok
        return ok
    }

    private static func execute(_ arguments: [String]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONWARNINGS"] = "ignore"
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
