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
