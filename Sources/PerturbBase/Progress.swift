import Foundation

/// Reports progress of long work on stderr: done/total, rate, ETA and free-form fields (loss, epoch...).
///
/// Updates are throttled (at most one line per `interval` seconds) so that reporting never slows the work.
/// When stderr is not a terminal, each update is a full line; on a terminal the line is redrawn in place.
public final class ProgressReporter {
    private let label: String
    private let unit: String
    /// Units expected in total (enables the ETA); may be set once known.
    public var total: Int?
    private let interval: Double
    private let start = Date()
    private var lastPrint = Date.distantPast
    private let isTerminal = isatty(STDERR_FILENO) != 0
    /// Set to false to silence all output (tests, `--quiet`).
    public var enabled: Bool
    /// Units done before this reporter started (a resumed epoch): part of `done`, not of the rate.
    public var doneBefore = 0

    public init(label: String, unit: String = "rows", total: Int? = nil, interval: Double = 1.0, enabled: Bool = true) {
        self.label = label
        self.unit = unit
        self.total = total
        self.interval = interval
        self.enabled = enabled
    }

    /// Reports that `done` units are complete; `fields` are appended as `key=value`.
    public func update(done: Int, fields: [(String, String)] = [], force: Bool = false) {
        guard enabled else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastPrint) >= interval else { return }
        lastPrint = now
        let elapsed = max(now.timeIntervalSince(start), 1e-9)
        let rate = Double(done - doneBefore) / elapsed
        var line = "[\(label)] \(done)"
        if let total {
            line += "/\(total)"
            let remaining = rate > 0 ? Double(total - done) / rate : 0
            line += " \(unit) (\(Self.formatRate(rate)) \(unit)/s, ETA \(Self.formatDuration(remaining)))"
        } else {
            line += " \(unit) (\(Self.formatRate(rate)) \(unit)/s, \(Self.formatDuration(elapsed)))"
        }
        for (key, value) in fields { line += " \(key)=\(value)" }
        let out = isTerminal ? "\r\u{1B}[K" + line : line + "\n"
        FileHandle.standardError.write(Data(out.utf8))
    }

    /// Prints a final line and ends the in-place line on terminals.
    public func finish(done: Int, fields: [(String, String)] = []) {
        update(done: done, fields: fields, force: true)
        if enabled && isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// Writes a plain message line to stderr.
    public static func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static func formatRate(_ rate: Double) -> String {
        if rate >= 1e6 { return String(format: "%.2fM", rate / 1e6) }
        if rate >= 1e3 { return String(format: "%.1fk", rate / 1e3) }
        return String(format: "%.1f", rate)
    }

    static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
