import Foundation
import XCTest
@testable import PerturbData

/// A fresh temporary directory, removed at process exit by the OS tmp cleaner; unique per call.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("perturbdata-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Path of the pyenv python3 with anndata, or nil.
func pythonWithAnndata() -> String? {
    for candidate in ["/root/.pyenv/shims/python3", "/usr/local/bin/python3", "/usr/bin/env"] {
        guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
        let args = candidate == "/usr/bin/env" ? ["python3", "-c", "import anndata"] : ["-c", "import anndata"]
        if (try? runProcess(candidate, args).status) == 0 { return candidate }
    }
    return nil
}

/// Runs a program and returns its exit status and combined output.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Runs a python snippet with the anndata interpreter (`python3 -c`), or skips the test when there is none.
func runPython(_ code: String) throws -> String {
    guard let python = pythonWithAnndata() else { throw XCTSkip("python3 with anndata not found") }
    let args = python == "/usr/bin/env" ? ["python3", "-c", code] : ["-c", code]
    let result = try runProcess(python, args)
    guard result.status == 0 else { XCTFail("python failed: \(result.output)"); return result.output }
    return result.output
}
