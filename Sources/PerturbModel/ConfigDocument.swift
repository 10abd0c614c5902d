import Foundation
import PerturbBase
import TOMLKit
import Yams

/// A config file (`.json`, `.yaml`/`.yml` or `.toml`, chosen by extension) as JSON text, so that one decoder —
/// `LPMConfig`'s, with its defaults, unknown-key rule and validation — reads every format the same way. YAML and
/// TOML values become JSON with their numbers written in shortest round-trip form, so `0.002` in any of the three
/// decodes to the same `Double`.
struct ConfigDocument {
    /// The document as JSON.
    var json: Data
    /// The 1-based line of each top-level key, where the parser reports it (YAML).
    var keyLines: [String: Int] = [:]

    /// Parses `data` read from `url`; syntax errors name the file and, where the parser gives it, the line.
    init(_ data: Data, of url: URL) throws {
        let ext = url.pathExtension.lowercased()
        if ext == "json" {
            json = data
            return
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError("\(url.path): config is not UTF-8 text")
        }
        switch ext {
        case "yaml", "yml": self = try Self.yaml(text, url)
        case "toml": self = try Self.toml(text, url)
        default:
            throw InputError("\(url.path): unknown config format '.\(ext)'; use .json, .yaml, .yml or .toml")
        }
    }

    private init(_ value: Value, keyLines: [String: Int]) {
        json = Data(value.json.utf8)
        self.keyLines = keyLines
    }

    /// A JSON value with numbers kept as literal text.
    private indirect enum Value {
        case null, bool(Bool), number(String), string(String), array([Value]), object([(String, Value)])

        var json: String {
            switch self {
            case .null: return "null"
            case .bool(let b): return b ? "true" : "false"
            case .number(let text): return text
            case .string(let s):
                return String(decoding: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
            case .array(let items): return "[" + items.map(\.json).joined(separator: ",") + "]"
            case .object(let pairs):
                return "{" + pairs.map { Value.string($0.0).json + ":" + $0.1.json }.joined(separator: ",") + "}"
            }
        }

        /// A finite number in JSON's grammar (shortest round-trip digits).
        static func number(_ x: Double, _ location: () -> String) throws -> Value {
            guard x.isFinite else { throw InputError("\(location()): \(x) is not a finite number") }
            return .number(x.description)
        }
    }

    private static func yaml(_ text: String, _ url: URL) throws -> ConfigDocument {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                .composer(_, let problem, let mark, _):
                throw InputError("\(url.path): line \(mark.line), column \(mark.column): not valid YAML (\(problem))")
            default:
                throw InputError("\(url.path): not valid YAML (\(error))")
            }
        }
        guard let root, case .mapping(let mapping) = root else {
            throw InputError("\(url.path): a YAML config must be a mapping of config keys (key: value lines)")
        }
        func at(_ node: Node) -> String { node.mark.map { "\(url.path): line \($0.line)" } ?? url.path }
        func value(_ node: Node) throws -> Value {
            switch node {
            case .scalar(let scalar):
                switch Tag.Name(rawValue: node.tag.rawValue) {
                case .null: return .null
                case .bool: return node.bool.map(Value.bool) ?? .string(scalar.string)
                case .int:
                    if let i = node.int { return .number(String(i)) }
                    if let u = UInt64(scalar.string) { return .number(String(u)) }
                    return .string(scalar.string)
                case .float: return try node.float.map { try Value.number($0) { at(node) } } ?? .string(scalar.string)
                default: return .string(scalar.string)
                }
            case .sequence(let sequence): return .array(try sequence.map(value))
            case .mapping(let mapping): return .object(try pairs(mapping))
            case .alias: throw InputError("\(at(node)): YAML aliases are not supported in configs")
            }
        }
        func pairs(_ mapping: Node.Mapping) throws -> [(String, Value)] {
            try mapping.map { key, item in
                guard case .scalar(let k) = key else {
                    throw InputError("\(at(key)): a config key must be a plain name")
                }
                return (k.string, try value(item))
            }
        }
        var lines: [String: Int] = [:]
        for (key, _) in mapping { if let k = key.string, let mark = key.mark { lines[k] = mark.line } }
        return ConfigDocument(.object(try pairs(mapping)), keyLines: lines)
    }

    private static func toml(_ text: String, _ url: URL) throws -> ConfigDocument {
        if let line = TOMLTableHeaders.lineWithoutKey(in: text) {
            throw InputError("\(url.path): line \(line): not valid TOML (a table header needs a name after its '[')")
        }
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw InputError(
                "\(url.path): line \(error.source.begin.line), column \(error.source.begin.column): not valid TOML (\(error.description))"
            )
        }
        func value(_ item: TOMLValueConvertible, _ key: String) throws -> Value {
            switch item.type {
            case .bool: return .bool(item.bool ?? false)
            case .int: return .number(String(item.int ?? 0))
            case .double: return try Value.number(item.double ?? .nan) { "\(url.path): key '\(key)'" }
            case .string: return .string(item.string ?? "")
            case .array: return .array(try (item.array.map(Array.init) ?? []).map { try value($0, key) })
            case .table: return .object(try (item.table.map(Array.init) ?? []).map { ($0.0, try value($0.1, $0.0)) })
            case .date, .time, .dateTime:
                throw InputError("\(url.path): key '\(key)': dates and times are not config values")
            }
        }
        return ConfigDocument(.object(try Array(table).map { ($0.0, try value($0.1, $0.0)) }), keyLines: [:])
    }
}
