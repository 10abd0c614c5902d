import Foundation

/// Which genes of the simulator's gene pool a simulated assay reads out.
public enum SimulatedPanel: Codable, Equatable, Sendable {
    /// The L1000 landmark genes of the pool.
    case landmarks
    /// Every gene of the pool.
    case all
    /// A seeded random subset of this fraction of the pool.
    case randomFraction(Double)
}

/// One simulated dataset (assay): its panel, contexts, compounds, doses, times, replicates, attenuation and noise.
public struct SimulatedDatasetSpec: Codable, Equatable, Sendable {
    public var name: String
    public var assay: String
    public var contexts: [String]
    public var panel: SimulatedPanel
    /// Fraction of the compound library this dataset profiles (a seeded subset; datasets overlap by chance).
    public var compoundFraction: Double
    public var dosesMicromolar: [Double]
    public var timesHours: [Double]
    public var replicates: Int
    /// Multiplies the true effect (assay sensitivity; L1000 is strongly attenuated).
    public var attenuation: Double
    /// Standard deviation of per-replicate, per-gene noise (log2 units).
    public var noise: Double
    /// The assay's distortions of the true effect (`SimulatedDistortions`; none by default).
    public var distortions = SimulatedDistortions()

    public init(
        name: String, assay: String, contexts: [String], panel: SimulatedPanel, compoundFraction: Double,
        dosesMicromolar: [Double], timesHours: [Double], replicates: Int, attenuation: Double, noise: Double,
        distortions: SimulatedDistortions = SimulatedDistortions()
    ) {
        self.distortions = distortions
        self.name = name
        self.assay = assay
        self.contexts = contexts
        self.panel = panel
        self.compoundFraction = compoundFraction
        self.dosesMicromolar = dosesMicromolar
        self.timesHours = timesHours
        self.replicates = replicates
        self.attenuation = attenuation
        self.noise = noise
    }
}

/// Preset sizes: `small` for tests (seconds in debug builds), `default` for the demo (a few thousand conditions),
/// `realistic`: the default's datasets with assay distortions and p-value layers, for the agreement analysis
/// (`SimulatedDistortions`).
public enum SimulatorSize: String, Codable, CaseIterable, Sendable {
    case small, `default`, realistic
}

/// How an assay distorts the true effect μ before noise (seed spec §6.5 motivates them: the published direction
/// agreement beats the same-context centroid while rank agreement falls below it). Per dataset:
/// - a context program v_{x,g} ~ N(0, `contextProgramSD`²) shared by every compound of a context (the response to
///   treatment as such: handling, stress, cytotoxicity), a share `programSharing` of it common to every dataset
///   with that context, scaled by the onset T(t), added to μ;
/// - a gene-wise saturating response f_g(y) = s_g·tanh(y / s_g), s_g = `saturation`·exp(N(0, 0.5²)) (each assay's
///   dynamic range differs per gene: signs stay, magnitudes and so ranks across genes change between assays);
/// - batch offsets: each condition falls in one of `batches` batches (seeded), each batch adds N(0, `batchSD`²)
///   per gene.
/// With `statistics`, the dataset also gets `pvalue` and `adj_pvalue` layers (the replicate-mean z test of the
/// simulated noise, BH over the dataset), so DE can be called by adjusted P as in the published DEG files.
public struct SimulatedDistortions: Codable, Equatable, Sendable {
    public var contextProgramSD = 0.0
    /// Share ρ of the context program's variance common to every dataset with that context (the cell's own
    /// response; the rest is the assay's).
    public var programSharing = 0.0
    /// 0 = linear response.
    public var saturation = 0.0
    public var batches = 1
    public var batchSD = 0.0
    public var statistics = false

    public init(
        contextProgramSD: Double = 0, programSharing: Double = 0, saturation: Double = 0, batches: Int = 1,
        batchSD: Double = 0, statistics: Bool = false
    ) {
        self.contextProgramSD = contextProgramSD
        self.programSharing = programSharing
        self.saturation = saturation
        self.batches = batches
        self.batchSD = batchSD
        self.statistics = statistics
    }
}

/// Settings of the simulator's generative model (see `Simulator`).
public struct SimulatorConfig: Codable, Equatable, Sendable {
    /// Number of drugs taken from the embedded library (first N in a seeded order).
    public var compoundCount: Int
    /// Number of L1000 landmark genes and of other genes in the gene pool.
    public var landmarkGenes: Int
    public var otherGenes: Int
    /// Dimension K of the latent compound/program space.
    public var latentDimension: Int
    /// Share φ of a compound's latent vector explained by its fingerprint (z = √φ·u_fp + √(1−φ)·ε).
    public var fingerprintShare: Double
    /// Fraction of compounds that are nearly inactive (efficacy × 0.1).
    public var inactiveFraction: Double
    /// Time constant τ (hours) of the response onset 1 − exp(−t/τ).
    public var onsetHours: Double
    /// Hill slope of the dose–response.
    public var hillSlope: Double
    /// Spread (SD) of the context gains on the latent programs.
    public var contextGainSD: Double
    public var datasets: [SimulatedDatasetSpec]

    public static func preset(_ size: SimulatorSize) -> SimulatorConfig {
        switch size {
        case .realistic:
            var config = preset(.default)
            // More contexts in common, so that more dataset pairs have matched conditions.
            config.datasets[1].contexts = ["HepG2", "MCF7"]
            config.datasets[2].contexts = ["U2OS", "A549"]
            for i in config.datasets.indices {
                // Assays differ in how much of the effect a context program masks and in their dynamic range.
                let programSD = [0.35, 0.55, 0.3, 0.3, 0.3][i % 5], saturation = [0.3, 0.35, 0.4, 0.35, 0.5][i % 5]
                config.datasets[i].distortions = SimulatedDistortions(
                    contextProgramSD: programSD, programSharing: 0.5,
                    saturation: saturation,
                    batches: 4, batchSD: 0.05, statistics: true)
            }
            return config
        case .default:
            return SimulatorConfig(
                compoundCount: 200, landmarkGenes: 978, otherGenes: 1022, latentDimension: 16, fingerprintShare: 0.7,
                inactiveFraction: 0.15, onsetHours: 12, hillSlope: 1.2, contextGainSD: 0.3,
                datasets: [
                    SimulatedDatasetSpec(
                        name: "sim_l1000", assay: "L1000 (simulated)", contexts: ["A375", "MCF7", "PC3"],
                        panel: .landmarks, compoundFraction: 0.6, dosesMicromolar: [0.12, 1.11, 10],
                        timesHours: [24], replicates: 3, attenuation: 0.5, noise: 0.35),
                    SimulatedDatasetSpec(
                        name: "sim_bulk_rnaseq", assay: "bulk RNA-seq (simulated)", contexts: ["HepG2"],
                        panel: .all, compoundFraction: 0.35, dosesMicromolar: [1, 10], timesHours: [24],
                        replicates: 2, attenuation: 1.0, noise: 0.08),
                    SimulatedDatasetSpec(
                        name: "sim_drugseq", assay: "DRUG-seq (simulated)", contexts: ["U2OS"],
                        panel: .randomFraction(0.75), compoundFraction: 0.6, dosesMicromolar: [0.1, 1, 10],
                        timesHours: [24], replicates: 2, attenuation: 0.7, noise: 0.25),
                    SimulatedDatasetSpec(
                        name: "sim_sciplex", assay: "sci-Plex pseudobulk (simulated)",
                        contexts: ["A549", "K562", "MCF7"],
                        panel: .randomFraction(0.6), compoundFraction: 0.4, dosesMicromolar: [1, 10],
                        timesHours: [24, 72], replicates: 1, attenuation: 0.8, noise: 0.2),
                    SimulatedDatasetSpec(
                        name: "sim_op3", assay: "OP3 PBMC pseudobulk (simulated)",
                        contexts: ["B cells", "Myeloid cells", "T cells", "NK cells"],
                        panel: .randomFraction(0.9), compoundFraction: 0.3, dosesMicromolar: [1], timesHours: [24],
                        replicates: 1, attenuation: 0.9, noise: 0.2),
                ])
        case .small:
            return SimulatorConfig(
                compoundCount: 40, landmarkGenes: 96, otherGenes: 64, latentDimension: 8, fingerprintShare: 0.7,
                inactiveFraction: 0.15, onsetHours: 12, hillSlope: 1.2, contextGainSD: 0.3,
                datasets: [
                    SimulatedDatasetSpec(
                        name: "sim_l1000", assay: "L1000 (simulated)", contexts: ["A375", "MCF7"],
                        panel: .landmarks, compoundFraction: 0.7, dosesMicromolar: [1, 10], timesHours: [24],
                        replicates: 3, attenuation: 0.5, noise: 0.35),
                    SimulatedDatasetSpec(
                        name: "sim_bulk_rnaseq", assay: "bulk RNA-seq (simulated)", contexts: ["HepG2"],
                        panel: .all, compoundFraction: 0.5, dosesMicromolar: [10], timesHours: [24],
                        replicates: 2, attenuation: 1.0, noise: 0.08),
                    SimulatedDatasetSpec(
                        name: "sim_op3", assay: "OP3 PBMC pseudobulk (simulated)",
                        contexts: ["B cells", "Myeloid cells", "T cells", "NK cells"],
                        panel: .randomFraction(0.8), compoundFraction: 0.5, dosesMicromolar: [1], timesHours: [24],
                        replicates: 1, attenuation: 0.9, noise: 0.2),
                ])
        }
    }
}
