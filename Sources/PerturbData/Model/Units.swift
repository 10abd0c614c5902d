import Foundation
import PerturbBase

/// Where a value came from, so that parse errors can name file, column and row.
public struct ValueLocation: Sendable, Equatable {
    public var file: String
    public var column: String
    public var row: Int?
    public init(file: String, column: String, row: Int? = nil) {
        self.file = file
        self.column = column
        self.row = row
    }
    var text: String { "\(file): column '\(column)'" + (row.map { ", row \($0)" } ?? "") }
}

/// A dose or time string that could not be understood.
public struct UnitError: UserInputError, Equatable {
    public let value: String
    public let location: ValueLocation?
    public let reason: String
    public var description: String {
        (location.map { $0.text + ": " } ?? "") + "cannot parse '\(value)': \(reason)"
    }
}

/// Concentration units; all doses are converted to micromolar.
public enum DoseUnit: String, CaseIterable, Codable, Sendable {
    case picomolar = "pM", nanomolar = "nM", micromolar = "uM", millimolar = "mM", molar = "M"

    /// Factor that converts a value in this unit to µM.
    public var toMicromolar: Double {
        switch self {
        case .picomolar: return 1e-6
        case .nanomolar: return 1e-3
        case .micromolar: return 1
        case .millimolar: return 1e3
        case .molar: return 1e6
        }
    }

    /// Parses a unit token, case-insensitive except that `M` alone is molar and `mM` millimolar
    /// (lower-case `mm` is read as millimolar, `m` alone as molar). Accepts `µ`/`μ`/`u` for micro.
    public static func parse(_ token: String) -> DoseUnit? {
        let t = token.trimmingCharacters(in: .whitespaces)
            .replacingOccurrences(of: "µ", with: "u").replacingOccurrences(of: "μ", with: "u")
        switch t.lowercased() {
        case "pm", "picomolar": return .picomolar
        case "nm", "nanomolar": return .nanomolar
        case "um", "micromolar", "umol/l": return .micromolar
        case "mm", "millimolar", "mmol/l": return .millimolar
        case "m", "molar", "mol/l": return .molar
        default: return nil
        }
    }
}

/// Parses dose strings ("10.0 um", "10 uM", "10µM", "500 nM", "1 mM", "0.5 M", or a plain number with a declared
/// default unit) into micromolar. Missing markers ("", "NA", "nan", "-666", "None") give nil.
public enum DoseParser {
    public static func micromolar(
        _ text: String, defaultUnit: DoseUnit? = nil,
        location: ValueLocation? = nil
    ) throws -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if MissingValue.isMissing(trimmed) { return nil }
        let (number, unitText) = splitNumber(trimmed)
        guard let number else {
            throw UnitError(
                value: text, location: location, reason: "expected a number followed by a unit such as '10 uM'")
        }
        guard number >= 0 else { throw UnitError(value: text, location: location, reason: "a dose cannot be negative") }
        if unitText.isEmpty {
            guard let defaultUnit else {
                throw UnitError(
                    value: text, location: location,
                    reason:
                        "no unit given and no default unit declared (write e.g. '\(text) uM' or pass a default unit)")
            }
            return number * defaultUnit.toMicromolar
        }
        guard let unit = DoseUnit.parse(unitText) else {
            throw UnitError(
                value: text, location: location,
                reason: "unknown dose unit '\(unitText)'; known units: pM, nM, uM (µM), mM, M")
        }
        return number * unit.toMicromolar
    }

    /// Splits "10.5uM" into (10.5, "uM"); the number may use exponent notation.
    static func splitNumber(_ text: String) -> (Double?, String) {
        var end = text.startIndex
        var seenDigit = false
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if c.isNumber || c == "." || c == "+" || c == "-" {
                if c.isNumber { seenDigit = true }; index = text.index(after: index); end = index; continue
            }
            if (c == "e" || c == "E") && seenDigit {
                let next = text.index(after: index)
                if next < text.endIndex, text[next].isNumber || text[next] == "-" || text[next] == "+" {
                    index = next; end = next; continue
                }
            }
            break
        }
        let number = Double(text[text.startIndex..<end])
        let unit = text[end...].trimmingCharacters(in: .whitespaces)
        return (number, unit)
    }
}

/// Parses time strings ("24 h", "6 hr", "30 min", "2 d", "1 wk", or a plain number with a default unit) into hours.
public enum TimeParser {
    public static func hours(
        _ text: String, defaultUnit: String? = nil, location: ValueLocation? = nil
    ) throws -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if MissingValue.isMissing(trimmed) { return nil }
        let (number, unitText) = DoseParser.splitNumber(trimmed)
        guard let number else {
            throw UnitError(
                value: text, location: location, reason: "expected a number followed by a unit such as '24 h'")
        }
        guard number >= 0 else { throw UnitError(value: text, location: location, reason: "a time cannot be negative") }
        let unit = unitText.isEmpty ? defaultUnit : unitText
        guard let unit else {
            throw UnitError(
                value: text, location: location,
                reason: "no unit given and no default unit declared (write e.g. '\(text) h')")
        }
        guard let factor = factor(unit) else {
            throw UnitError(
                value: text, location: location,
                reason: "unknown time unit '\(unit)'; known units: s, min, h (hr, hour), d (day), wk (week)")
        }
        return number * factor
    }

    static func factor(_ unit: String) -> Double? {
        switch unit.lowercased() {
        case "s", "sec", "secs", "second", "seconds": return 1.0 / 3600
        case "min", "mins", "minute", "minutes": return 1.0 / 60
        case "h", "hr", "hrs", "hour", "hours": return 1
        case "d", "day", "days": return 24
        case "w", "wk", "wks", "week", "weeks": return 168
        default: return nil
        }
    }
}

/// Markers that mean "no value" in the files we read.
public enum MissingValue {
    public static func isMissing(_ text: String) -> Bool {
        let t = text.lowercased()
        return t.isEmpty || t == "na" || t == "nan" || t == "none" || t == "null" || t == "-666" || t == "-666.0"
    }
}

/// The model's dose feature: log10 of the dose in µM (reference §8.2: `log_dose = log10(dose µM)`).
///
/// Choices (documented, matching the reference's tensor conversion): dose 0 → log10 gives −∞, clamped to −5
/// (i.e. 10 pM, below any real dose); doses above 10^5 µM clamp to +5; a missing dose (nil/NaN) → 0, i.e. 1 µM,
/// the value OP3 uses for its single dose.
public enum LogDose {
    public static let lowerClamp: Float = -5
    public static let upperClamp: Float = 5

    public static func value(micromolar: Double?) -> Float {
        guard let dose = micromolar, !dose.isNaN else { return 0 }
        if dose <= 0 { return lowerClamp }
        return min(upperClamp, max(lowerClamp, Float(log10(dose))))
    }
}
