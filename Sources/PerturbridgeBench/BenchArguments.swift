import PerturbBase

/// The `--flag value` and `--switch` arguments of one benchmark, with errors that name the bench and the flag.
struct BenchArguments {
    private let bench: String
    private var values: [String: String] = [:]
    private var switches: Set<String> = []

    /// Parses `arguments`; any flag outside `valueFlags` and `switchFlags` is an error.
    init(_ arguments: [String], bench: String, valueFlags: Set<String>, switchFlags: Set<String> = []) throws {
        self.bench = bench
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            if switchFlags.contains(flag) { switches.insert(flag); continue }
            guard valueFlags.contains(flag) else {
                throw InputError("\(bench) bench: unknown option \(flag); options: \((valueFlags.union(switchFlags)).sorted().joined(separator: " "))")
            }
            guard let value = rest.popFirst() else { throw InputError("\(bench) bench: \(flag) needs a value") }
            values[flag] = value
        }
    }

    /// The value of `flag`, or nil when it was not given.
    func string(_ flag: String) -> String? { values[flag] }

    /// The positive integer value of `flag`, or `defaultValue` when it was not given.
    func positiveInt(_ flag: String, default defaultValue: Int) throws -> Int {
        guard let value = values[flag] else { return defaultValue }
        guard let n = Int(value), n > 0 else { throw InputError("\(bench) bench: \(flag) must be a positive integer, got '\(value)'") }
        return n
    }

    /// True when the switch was given.
    func isSet(_ flag: String) -> Bool { switches.contains(flag) }
}
