import Foundation

/// Runs an R peer script (`Rscript -e script` in `directory`) and returns the whitespace-separated fields of what it
/// printed; nil when Rscript cannot start or the script fails (no R, or no limma).
enum RPeer {
    static func fields(rscript: String, script: String, in directory: URL) -> [Substring]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [rscript, "-e", script]
        process.currentDirectoryURL = directory
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return output.split(whereSeparator: { $0 == " " || $0 == "\n" })
    }
}
