import Foundation
import PerturbBase
import PerturbChem

/// Simulates condition-level effects of real drugs in several assays, so that the whole pipeline can be run and
/// tested without downloading data. Deterministic: the same config and seed give bit-identical tables.
///
/// Generative model (all draws from `SeededRNG.derived(seed:label:)`, one stream per component):
/// 1. Compounds: `compoundCount` drugs of the embedded library (a seeded subset), keyed by InChIKey.
///    x_c = Morgan fingerprint (radius 2, 2048 bits). Structural latent u_c = Wᵀx_c / √|x_c| with W ∈ ℝ^{2048×K}
///    i.i.d. N(0, 1) (a fixed random projection), so compounds sharing substructures get correlated u.
///    Latent z_c = √φ·u_c + √(1−φ)·ε_c, ε_c ~ N(0, I_K), φ = `fingerprintShare`: fingerprints carry most, not all,
///    of the signal.
/// 2. Potency and efficacy: log10 EC50_c (µM) = 0.5·(a·u_c)/√K + N(0, 0.5²) with a ~ N(0, I); efficacy
///    m_c = exp(N(0, 0.3²)), times 0.1 for an `inactiveFraction` of compounds.
/// 3. Genes: loadings L ∈ ℝ^{G×K}, L_gk = s_g·N(0, 1)/√K with gene scale s_g = exp(N(0, 0.5²)); shared by every
///    dataset (the biology is the same, the assays differ).
/// 4. Contexts: gains γ_x ∈ ℝ^K = 1 + `contextGainSD`·N(0, I) (per context name, shared across datasets) and a
///    sensitivity b_x = exp(N(0, 0.2²)).
/// 5. True effect of compound c in context x at dose d and time t on gene g:
///    μ = m_c·b_x·H(d)·T(t)·Σ_k L_gk·γ_xk·z_ck, H(d) = d^h / (d^h + EC50_c^h) (h = `hillSlope`),
///    T(t) = 1 − exp(−t/τ) (τ = `onsetHours`).
/// 6. Dataset (assay) d: gene panel (L1000 landmarks, all genes, or a random subset), attenuation α_d with a
///    per-gene factor exp(N(0, 0.1²)), a per-gene offset N(0, 0.02²), compound subset, dose grid, times, contexts.
///    Each of R_d replicates observes α_d·μ + offset + N(0, σ_d²); the stored effect is the replicate mean
///    (`n_replicates` = R_d). Conditions are written per dataset, one effects `.h5ad` each.
public enum Simulator {
    /// The simulated datasets, in config order, and the compounds used.
    public struct Output: Sendable {
        public var tables: [EffectsTable]
        public var compounds: [Compound]
        /// Compound key → embedded drug name and pathway.
        public var names: [String: (name: String, pathway: String)]
        /// Compound key → its true generative parameters: the latent vector z (`latentDimension` values), the
        /// efficacy and log10 EC50 — what an ideal compound representation would recover (`oracle` features).
        public var latents: [String: [Double]]
    }

    /// Runs the generative model; one `EffectsTable` per dataset.
    public static func run(config: SimulatorConfig, seed: UInt64) throws -> [EffectsTable] {
        try simulate(config: config, seed: seed).tables
    }

    /// Runs the generative model and returns tables plus the compound list.
    public static func simulate(config: SimulatorConfig, seed: UInt64) throws -> Output {
        let k = config.latentDimension
        // Gene pool: the first landmarkGenes landmarks and the first otherGenes non-landmarks.
        let genePool = try EmbeddedResources.genes()
        let landmarks = genePool.filter(\.landmark).prefix(config.landmarkGenes).map(\.symbol)
        let others = genePool.filter { !$0.landmark }.prefix(config.otherGenes).map(\.symbol)
        let genes = landmarks + others
        let g = genes.count

        // Compounds: seeded subset of the library.
        var pickRNG = SeededRNG.derived(seed: seed, label: "sim:compounds")
        let library = try EmbeddedResources.drugs()
        guard config.compoundCount <= library.count else {
            throw InputError(
                "simulator: compoundCount \(config.compoundCount) exceeds the \(library.count) embedded drugs")
        }
        let drugs = Array(seededShuffle(library, &pickRNG).prefix(config.compoundCount))
        var compounds: [Compound] = []
        var names: [String: (name: String, pathway: String)] = [:]
        var fingerprints: [Fingerprint] = []
        let options = MorganOptions(radius: 2, bits: 2048)
        for drug in drugs {
            let identity = try Chem.identity(smiles: drug.smiles)
            guard names[identity.inchiKey] == nil else { continue }
            compounds.append(
                Compound(key: identity.inchiKey, canonicalSmiles: identity.canonicalSmiles, aliases: [drug.name]))
            names[identity.inchiKey] = (drug.name, drug.pathway)
            fingerprints.append(try Morgan.fingerprint(smiles: identity.canonicalSmiles, options: options))
        }
        let nc = compounds.count

        // 1. Latent compound vectors from fingerprints.
        var projectionRNG = SeededRNG.derived(seed: seed, label: "sim:projection")
        var projection = [Double](repeating: 0, count: options.bits * k)
        for i in projection.indices { projection[i] = projectionRNG.nextGaussian() }
        var residualRNG = SeededRNG.derived(seed: seed, label: "sim:residual")
        var potencyRNG = SeededRNG.derived(seed: seed, label: "sim:potency")
        let potencyDirection = (0..<k).map { _ in potencyRNG.nextGaussian() }
        var latent = [Double](repeating: 0, count: nc * k)
        var log10EC50 = [Double](repeating: 0, count: nc)
        var efficacy = [Double](repeating: 0, count: nc)
        let phi = config.fingerprintShare
        for c in 0..<nc {
            var u = [Double](repeating: 0, count: k)
            var setBits = 0
            for bit in 0..<options.bits where fingerprints[c].isSet(bit) {
                setBits += 1
                for j in 0..<k { u[j] += projection[bit * k + j] }
            }
            let scale = 1 / Double(max(1, setBits)).squareRoot()
            for j in 0..<k {
                latent[c * k + j] =
                    phi.squareRoot() * u[j] * scale + (1 - phi).squareRoot() * residualRNG.nextGaussian()
            }
            let projected = zip(potencyDirection, u).reduce(0) { $0 + $1.0 * $1.1 } * scale / Double(k).squareRoot()
            log10EC50[c] = 0.5 * projected + 0.5 * potencyRNG.nextGaussian()
            efficacy[c] =
                exp(0.3 * potencyRNG.nextGaussian()) * (potencyRNG.nextDouble() < config.inactiveFraction ? 0.1 : 1)
        }

        // 3. Gene loadings shared across datasets.
        var loadingRNG = SeededRNG.derived(seed: seed, label: "sim:loadings")
        var loadings = [Double](repeating: 0, count: g * k)
        for gene in 0..<g {
            let s = exp(0.5 * loadingRNG.nextGaussian()) / Double(k).squareRoot()
            for j in 0..<k { loadings[gene * k + j] = s * loadingRNG.nextGaussian() }
        }

        // 4. Context gains and sensitivities, per context name.
        func contextParameters(_ name: String) -> (gain: [Double], sensitivity: Double) {
            var rng = SeededRNG.derived(seed: seed, label: "sim:context:" + name)
            let gain = (0..<k).map { _ in 1 + config.contextGainSD * rng.nextGaussian() }
            return (gain, exp(0.2 * rng.nextGaussian()))
        }

        var tables: [EffectsTable] = []
        for spec in config.datasets {
            var rng = SeededRNG.derived(seed: seed, label: "sim:dataset:" + spec.name)
            let panel: [Int]
            switch spec.panel {
            case .landmarks: panel = Array(0..<landmarks.count)
            case .all: panel = Array(0..<g)
            case .randomFraction(let f):
                panel = Array(seededShuffle(Array(0..<g), &rng).prefix(max(1, Int(f * Double(g))))).sorted()
            }
            let p = panel.count
            let nPick = max(1, Int((spec.compoundFraction * Double(nc)).rounded()))
            let picked = Array(seededShuffle(Array(0..<nc), &rng).prefix(nPick)).sorted()
            let geneAttenuation = panel.map { _ in spec.attenuation * exp(0.1 * rng.nextGaussian()) }
            let geneOffset = panel.map { _ in 0.02 * rng.nextGaussian() }
            var table = EffectsTable(
                conditions: [], genes: panel.map { genes[$0] }, logFC: [], measured: nil,
                compounds: [:], replicateCounts: [],
                provenance: ["source": "perturbridge simulate", "seed": "\(seed)", "assay": spec.assay])
            var noiseRNG = SeededRNG.derived(seed: seed, label: "sim:noise:" + spec.name)
            let distortion = AssayDistortion(
                spec.distortions, genes: p, seed: seed, dataset: spec.name, panel: panel, poolSize: g)
            var program = [Double](repeating: 0, count: p)
            for context in spec.contexts {
                let (gain, sensitivity) = contextParameters(context)
                let contextProgram = distortion.contextProgram(context)
                for c in picked {
                    for gi in 0..<p {
                        var s = 0.0
                        let base = panel[gi] * k
                        for j in 0..<k { s += loadings[base + j] * gain[j] * latent[c * k + j] }
                        program[gi] = s
                    }
                    for time in spec.timesHours {
                        for dose in spec.dosesMicromolar {
                            let hill =
                                pow(dose, config.hillSlope)
                                / (pow(dose, config.hillSlope) + pow(pow(10, log10EC50[c]), config.hillSlope))
                            let amplitude = efficacy[c] * sensitivity * hill * (1 - exp(-time / config.onsetHours))
                            let condition = Condition(
                                dataset: spec.name, context: context, compounds: [compounds[c].key],
                                doseMicromolar: dose, timeHours: time)
                            table.conditions.append(condition)
                            table.replicateCounts.append(spec.replicates)
                            let onset = 1 - exp(-time / config.onsetHours)
                            let batch = distortion.batchOffsets(of: condition)
                            for gi in 0..<p {
                                var noise = 0.0
                                for _ in 0..<spec.replicates { noise += noiseRNG.nextGaussian() }
                                let truth =
                                    distortion.respond(
                                        geneAttenuation[gi] * amplitude * program[gi] + onset * contextProgram[gi],
                                        gene: gi) + batch[gi]
                                let value = truth + geneOffset[gi] + spec.noise * noise / Double(spec.replicates)
                                table.logFC.append(Float(value))
                            }
                        }
                    }
                }
            }
            table.measured = [Bool](repeating: true, count: table.logFC.count)
            if spec.distortions.statistics {
                table.extraLayers = SimulatedStatistics.layers(
                    logFC: table.logFC, noise: spec.noise, replicates: spec.replicates)
            }
            for c in picked { table.compounds[compounds[c].key] = compounds[c] }
            tables.append(table)
        }
        var latents: [String: [Double]] = [:]
        for c in 0..<nc {
            latents[compounds[c].key] = Array(latent[(c * k)..<((c + 1) * k)]) + [efficacy[c], log10EC50[c]]
        }
        return Output(tables: tables, compounds: compounds, names: names, latents: latents)
    }
}
