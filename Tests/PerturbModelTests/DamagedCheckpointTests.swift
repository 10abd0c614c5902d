import Foundation
import PerturbBase
import PerturbData
import PerturbNN
import PerturbTensor
import PerturbTestSupport
import XCTest

@testable import PerturbModel

/// Checkpoint sidecars and optimizer state damaged the ways `perturbridge-fuzz` found: each is a user error naming
/// the file, never a trap while building the model or restoring the optimizer.
final class DamagedCheckpointTests: XCTestCase {
    /// The size bound `LPMCheckpoint.load` checks a sidecar against counts exactly the weights the model allocates.
    func testParameterCountMatchesTheModel() {
        let vocabularies = Vocabularies(table: ModelTestData.table())
        for mode in [OutputMode.scalar, .multiout] {
            for encoder in CompoundEncoderKind.allCases {
                for layers in [0, 1, 3] {
                    var config = ModelTestData.config(mode, encoder: encoder)
                    config.hiddenLayers = layers
                    var rng = SeededRNG(seed: 1)
                    let model = LPMModel(config: config, vocabularies: vocabularies, rng: &rng)
                    let allocated = Double(model.parameters.reduce(0) { $0 + $1.value.count })
                    XCTAssertEqual(
                        LPMModel.parameterCount(config: config, vocabularies: vocabularies), allocated,
                        "\(mode) \(encoder) \(layers) layers")
                }
            }
        }
    }

    /// A sidecar whose config is invalid, whose vocabularies are inconsistent or whose model would not fit in the
    /// checkpoint file is rejected before the model is built.
    func testDamagedSidecarIsAUserError() throws {
        let dir = try temporaryDirectory()
        _ = try ModelTestData.fit(ModelTestData.config(.multiout, epochs: 1), ModelTestData.table(), dir)
        let best = RunFolder(dir).best, sidecar = Checkpoint.sidecarURL(for: best)
        let original = try String(contentsOf: sidecar, encoding: .utf8)
        let damages: [(String, String, String)] = [
            ("\"embedding_dim\" : 8", "\"embedding_dim\" : -8", "embedding_dim must be positive"),
            ("\"hidden_layers\" : 2", "\"hidden_layers\" : -1", "hidden_layers must be ≥ 0"),
            ("\"embedding_dim\" : 8", "\"embedding_dim\" : 80000000", "too few for the"),
            ("\"hidden_layers\" : 2", "\"hidden_layers\" : 900000000000", "too few for the"),
            ("\"Control\"", "\"Kontrol\"", "must start with \"Control\""),
        ]
        for (find, replacement, expected) in damages {
            XCTAssertTrue(original.contains(find), "the sidecar no longer holds \(find)")
            let damaged = original.replacingOccurrences(of: find, with: replacement)
            try damaged.write(to: sidecar, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try LPMCheckpoint.load(best)) { error in
                XCTAssertTrue(error is UserInputError, "\(type(of: error)): \(error)")
                let text = "\(error)"
                let namesFile = text.contains(sidecar.path) || text.contains(best.path)
                XCTAssertTrue(namesFile && text.contains(expected), text)
            }
        }
    }

    /// An Adam step count that is not one whole number ≥ 0 (NaN, negative, fractional, not a scalar) is an error
    /// naming the tensor.
    func testDamagedAdamStepIsAUserError() throws {
        var rng = SeededRNG(seed: 2)
        let parameter = Parameter(name: "w", value: .normal([2, 3], rng: &rng))
        let adam = Adam.adamW(parameters: [parameter], learningRate: 0.1, weightDecay: 0)
        func state(step: Tensor) -> [String: Tensor] {
            let zeros = Tensor(shape: [2, 3], repeating: 0)
            return ["adam_m/w": zeros, "adam_v/w": zeros, "adam_step/w": step]
        }
        for step in [
            Tensor(scalar: .nan), Tensor(scalar: -3), Tensor(scalar: 1.5), Tensor(scalar: 1e30),
            Tensor(shape: [2], values: [1, 2]),
        ] {
            XCTAssertThrowsError(try adam.loadState(state(step: step), file: "x.safetensors")) { error in
                XCTAssertTrue("\(error)".contains("adam_step/w"), "\(error)")
            }
        }
        XCTAssertNoThrow(try adam.loadState(state(step: Tensor(scalar: 7)), file: "x.safetensors"))
    }
}
