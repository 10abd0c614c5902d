import Foundation
import PerturbBase
import PerturbData
import PerturbNN
import PerturbTensor

@testable import PerturbModel

/// Small deterministic effects data for model tests (seconds in debug builds).
enum ModelTestData {
    static let smiles = [
        "CC(=O)Oc1ccccc1C(=O)O", "Cn1cnc2c1c(=O)n(C)c(=O)n2C", "CC(C)Cc1ccc(cc1)C(C)C(=O)O", "CC(=O)Nc1ccc(O)cc1",
        "c1ccc2ccccc2c1", "OC(=O)c1ccccc1O", "CCN(CC)CC", "Clc1ccccc1",
    ]

    /// Two datasets × two contexts × 8 compounds × 2 doses, 12 genes; dataset "dB" does not measure genes 8..<12.
    /// logFC = compound effect · gene loading · dose factor · context gain + small noise, so it is learnable.
    static func table(seed: UInt64 = 1) -> EffectsTable {
        var rng = SeededRNG(seed: seed)
        let genes = (0..<12).map { "G\($0)" }
        let compoundEffects = smiles.indices.map { _ in (0..<3).map { _ in Float(rng.nextGaussian()) } }
        let loadings = genes.indices.map { _ in (0..<3).map { _ in Float(rng.nextGaussian()) } }
        var conditions: [Condition] = []
        var logFC: [Float] = [], measured: [Bool] = []
        var compounds: [String: Compound] = [:]
        for (i, s) in smiles.enumerated() {
            compounds["K\(i)"] = Compound(key: "K\(i)", canonicalSmiles: s, aliases: ["drug\(i)"])
        }
        for dataset in ["dA", "dB"] {
            for (ci, context) in ["c1", "c2"].enumerated() {
                for c in smiles.indices {
                    for dose in [1.0, 10.0] {
                        conditions.append(
                            Condition(
                                dataset: dataset, context: context, compounds: ["K\(c)"],
                                doseMicromolar: dose, timeHours: 24))
                        for g in genes.indices {
                            let isMeasured = dataset == "dA" || g < 8
                            var v: Float = 0
                            for k in 0..<3 { v += compoundEffects[c][k] * loadings[g][k] }
                            v *= Float(log10(dose) + 1) * (ci == 0 ? 1 : 0.5)
                            v += 0.05 * Float(rng.nextGaussian())
                            logFC.append(isMeasured ? v : 0)
                            measured.append(isMeasured)
                        }
                    }
                }
            }
        }
        return EffectsTable(
            conditions: conditions, genes: genes, logFC: logFC, measured: measured, compounds: compounds)
    }

    /// Tiny model settings: D = 8, hidden 16.
    static func config(
        _ mode: OutputMode = .scalar, encoder: CompoundEncoderKind = .learned, epochs: Int = 3
    ) -> LPMConfig {
        var c = LPMConfig()
        c.outputMode = mode
        c.compoundEncoder = encoder
        c.embeddingDim = 8
        c.hiddenWidth = 16
        c.fingerprintBits = 64
        c.fingerprintHidden = 16
        c.batchSize = mode == .scalar ? 64 : 8
        c.maxEpochs = epochs
        c.threads = 1
        c.shardConditions = 16
        c.shuffleBufferMB = 1
        c.learningRate = 1e-2
        c.seed = 7
        return c
    }

    /// Every 5th row validation, the rest training.
    static func split(_ table: EffectsTable) -> (train: [Int], validation: [Int]) {
        let rows = Array(table.conditions.indices)
        return (rows.filter { $0 % 5 != 0 }, rows.filter { $0 % 5 == 0 })
    }

    /// Trains on `table` with the standard split into a fresh folder.
    static func fit(
        _ config: LPMConfig, _ table: EffectsTable, _ dir: URL, initFrom: URL? = nil, freeze: Bool = false,
        resume: Bool = false, vocabularies: Vocabularies? = nil
    ) throws -> TrainingRun {
        let (train, validation) = split(table)
        return try Trainer.fit(
            config: config, data: table, trainRows: train, validationRows: validation, runDirectory: dir,
            initFrom: initFrom, freezeCompoundEmbeddings: freeze, vocabularies: vocabularies,
            resume: resume, progress: false)
    }

    /// Parameter values by name.
    static func weights(_ model: LPMModel) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.value.scalars) })
    }
}
