import ArgumentParser
import PerturbData
import PerturbEval
import PerturbModel

// Library enums as typed options: the parser lists their values in --help and rejects anything else with an
// error that names the flag and the valid values.

extension CompoundEncoderKind: ExpressibleByArgument {}
extension OutputMode: ExpressibleByArgument {}
extension TrainingMode: ExpressibleByArgument {}
extension SampleNormalization: ExpressibleByArgument {}
extension CompoundKey: ExpressibleByArgument {}
extension EffectMethod: ExpressibleByArgument {}
extension LimmaDesign: ExpressibleByArgument {}
extension PredictionScoring.GeneSet: ExpressibleByArgument {}

extension DoseUnit: ExpressibleByArgument {
    /// Accepts the spellings `DoseUnit.parse` accepts (`uM`, `µM`, `um`, ...).
    public init?(argument: String) {
        guard let unit = DoseUnit.parse(argument) else { return nil }
        self = unit
    }
}

/// `perturbridge effects --format`: `auto` (`EffectsFormat.detect`) or one of the `EffectsFormat`s, whose values
/// the parser lists and checks (a new format needs no edit here).
enum FormatChoice: ExpressibleByArgument, Equatable {
    case auto
    case fixed(EffectsFormat)

    init?(argument: String) {
        if argument == "auto" { self = .auto; return }
        guard let format = EffectsFormat(rawValue: argument) else { return nil }
        self = .fixed(format)
    }

    static var allValueStrings: [String] { ["auto"] + EffectsFormat.allCases.map(\.rawValue) }

    /// The option's spelling (`auto`, `cpb-deg`, ...).
    var name: String {
        switch self {
        case .auto: return "auto"
        case .fixed(let format): return format.rawValue
        }
    }

    var defaultValueDescription: String { name }

    /// The format given, nil for `auto`.
    var format: EffectsFormat? {
        if case .fixed(let format) = self { return format }
        return nil
    }
}
