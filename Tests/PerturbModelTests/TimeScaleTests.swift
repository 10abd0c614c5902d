import PerturbBase
import PerturbTensor
import XCTest

@testable import PerturbModel

/// `time_scale_hours` (the demo's 24): the model's time feature is hours / scale, nothing else changes.
final class TimeScaleTests: XCTestCase {
    func testTimeFeatureIsHoursOverTheScale() {
        let vocabularies = Vocabularies(table: ModelTestData.table())
        func model(scale: Double) -> LPMModel {
            var config = ModelTestData.config(.multiout)
            config.timeScaleHours = scale
            var rng = SeededRNG(seed: 4)
            return LPMModel(config: config, vocabularies: vocabularies, rng: &rng)
        }
        func predict(_ model: LPMModel, hours: [Float]) -> [Float] {
            let inputs = LPMInputs(
                dataset: [0, 0, 0], context: [0, 0, 0], compoundSet: [0, 1, 1],
                compoundSets: CompoundSets(offsets: [0, 1, 2], indices: [1, 2]), gene: nil,
                logDose: [0, 0.5, 1], time: hours)
            let graph = Graph(training: false)  // variables refer to their graph unowned: keep it alive
            return withExtendedLifetime(graph) { model.forward(inputs, graph: graph).value.scalars }
        }
        let raw = model(scale: 1), days = model(scale: 24)
        XCTAssertEqual(raw.parameters.map(\.value.scalars), days.parameters.map(\.value.scalars), "same weights")
        XCTAssertEqual(predict(days, hours: [24, 48, 72]), predict(raw, hours: [1, 2, 3]))
        XCTAssertNotEqual(
            predict(days, hours: [24, 48, 72]), predict(raw, hours: [24, 48, 72]),
            "the scale must change what the model sees")
    }
}
