import Foundation
import PerturbBase
import PerturbStats

/// One dataset's draws of its `SimulatedDistortions`: per-context programs, per-gene saturation levels and per-batch
/// offsets, each from its own seeded stream so that a dataset's distortions do not depend on the others.
struct AssayDistortion {
    let settings: SimulatedDistortions
    let genes: Int
    /// The dataset's genes as indices into the simulator's gene pool of `poolSize` genes (for the shared program).
    let panel: [Int]
    let poolSize: Int
    let seed: UInt64
    let dataset: String
    private let saturation: [Double]
    private let batchOffsets: [[Double]]

    /// `panel` defaults to the first `genes` genes of a pool of that size.
    init(
        _ settings: SimulatedDistortions, genes: Int, seed: UInt64, dataset: String, panel: [Int]? = nil,
        poolSize: Int? = nil
    ) {
        self.settings = settings
        self.genes = genes
        self.panel = panel ?? Array(0..<genes)
        self.poolSize = poolSize ?? genes
        self.seed = seed
        self.dataset = dataset
        var rng = SeededRNG.derived(seed: seed, label: "sim:saturation:" + dataset)
        saturation =
            settings.saturation > 0 ? (0..<genes).map { _ in settings.saturation * exp(0.5 * rng.nextGaussian()) } : []
        var batchRNG = SeededRNG.derived(seed: seed, label: "sim:batches:" + dataset)
        batchOffsets = (0..<max(1, settings.batches)).map { _ in
            (0..<genes).map { _ in settings.batchSD * batchRNG.nextGaussian() }
        }
    }

    /// The program every compound of `context` shares in this dataset (zeros without one): √ρ·(the context's program,
    /// the same in every dataset) + √(1 − ρ)·(this dataset's own), ρ = `programSharing`.
    func contextProgram(_ context: String) -> [Double] {
        guard settings.contextProgramSD > 0 else { return [Double](repeating: 0, count: genes) }
        var sharedRNG = SeededRNG.derived(seed: seed, label: "sim:context-program:" + context)
        let shared = (0..<poolSize).map { _ in sharedRNG.nextGaussian() }
        var ownRNG = SeededRNG.derived(seed: seed, label: "sim:context-program:" + dataset + ":" + context)
        let rho = min(1, max(0, settings.programSharing))
        return panel.map { gene in
            settings.contextProgramSD
                * (rho.squareRoot() * shared[gene] + (1 - rho).squareRoot() * ownRNG.nextGaussian())
        }
    }

    /// The assay's response f_g(y) = s_g·tanh(y / s_g) (y itself without saturation).
    func respond(_ y: Double, gene: Int) -> Double {
        guard !saturation.isEmpty else { return y }
        return saturation[gene] * tanh(y / saturation[gene])
    }

    /// The per-gene offsets of the batch `condition` falls in (chosen by a hash of its id, so stable across runs).
    func batchOffsets(of condition: Condition) -> [Double] {
        guard batchOffsets.count > 1 else { return batchOffsets[0] }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in condition.id.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return batchOffsets[Int(h % UInt64(batchOffsets.count))]
    }
}

/// The p-value layers of a simulated dataset: each stored value is the mean of `replicates` draws with noise SD
/// `noise`, so z = value·√replicates / noise, P = erfc(|z|/√2) (two-sided), and BH over every value of the dataset
/// (the reference's across-contrast adjustment).
enum SimulatedStatistics {
    static func layers(logFC: [Float], noise: Double, replicates: Int) -> [String: [Float]] {
        let scale = Double(max(1, replicates)).squareRoot() / noise
        let p = logFC.map { erfc(abs(Double($0) * scale) / 2.0.squareRoot()) }
        return ["pvalue": p.map(Float.init), "adj_pvalue": BenjaminiHochberg.adjust(p).map(Float.init)]
    }
}
