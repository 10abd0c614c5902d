import Foundation
import PerturbBase
import PerturbChem
import PerturbIO

/// Simulates effects for exactly the conditions of a manifest (the paper's `df_annot_split` layout), one
/// effects `.h5ad` per dataset, streamed block by block so a corpus of billions of values is never in memory.
///
/// Same generative model as `Simulator` (latent compound vectors, Hill dose response, onset in time, context
/// gains, dataset attenuation, replicate noise), with these differences:
/// - Compounds are keyed by their PubChem CID. A CID with a SMILES in the LINCS `pertinfo` table gets a latent
///   from its Morgan fingerprint (√φ·projection + √(1−φ)·noise); others get a structure-free latent. Every draw of
///   a compound comes from a stream named by its CID, so a `--fraction` subset keeps each kept value unchanged.
/// - Genes come from one pool of `genePool` genes (the first 978 are the L1000 landmarks; then the embedded
///   symbols; then `SIMG00001`, ...). Each gene has a detectability; a dataset's context measures the `n` most
///   detectable genes after dataset and context noise, `n` from the panel rules — so panels overlap as
///   expression-filtered RNA-seq panels do, and their union approaches the pool.
/// - A file's genes are the union of its contexts' panels; `obs/gene_panel` says which panel each row measures.
///
/// Deterministic: the same manifest, config and seed give identical files, whatever the thread count.
public enum ManifestSimulator {
    /// One written dataset.
    public struct Written: Sendable {
        public var dataset: String
        public var file: URL
        public var conditions: Int
        /// The file's genes (the union of its panels).
        public var genes: [String]
        /// Genes per panel.
        public var panels: [Int]
        public var values: Int
    }

    /// Writes `<dataset>.h5ad` per dataset of `manifest` into `directory`, plus `split.tsv` (the manifest's split)
    /// and `genes.tsv` (the pool, with the number of datasets measuring each gene). `smilesByCID` maps PubChem CIDs
    /// to SMILES. `progress` is called after each block with (values written, values in total).
    public static func write(
        _ manifest: ConditionManifest, config: ManifestSimulatorConfig, seed: UInt64,
        smilesByCID: [String: String], to directory: URL, threads: Int = Parallel.threadCount,
        progress: @escaping (Int, Int) -> Void = { _, _ in }
    ) throws -> [Written] {
        let pool = try genePool(config)
        for dataset in manifest.datasets {
            let rule = config.rule(for: dataset)
            guard rule.maximum <= pool.count, rule.minimum > 0 else {
                throw InputError(
                    "simulate --manifest: panel size \(rule.minimum)-\(rule.maximum) of dataset '\(dataset)' exceeds the gene pool of \(pool.count)"
                )
            }
        }
        let model = LatentModel(config: config, seed: seed, genes: pool.count)
        let compounds = try compoundTable(
            manifest, config: config, seed: seed, smilesByCID: smilesByCID, threads: threads)
        let byDataset = Dictionary(grouping: manifest.entries, by: \.dataset)
        var plans: [(String, [ConditionManifest.Entry], DatasetPanels)] = []
        var total = 0
        for dataset in manifest.datasets {
            let entries = byDataset[dataset]!
            let panels = DatasetPanels(
                dataset: dataset, contexts: entries.map(\.context), rule: config.rule(for: dataset),
                model: model, config: config, seed: seed)
            total += panels.measuredValues(rows: entries.indices)
            plans.append((dataset, entries, panels))
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var written: [Written] = []
        var done = 0
        var measuredBy = [Int](repeating: 0, count: pool.count)
        for (dataset, entries, panels) in plans {
            let url = directory.appendingPathComponent(fileName(dataset))
            let conditions = entries.map(\.condition)
            let genes = panels.genes.map { pool[Int($0)] }
            let generator = DatasetGenerator(
                dataset: dataset, entries: entries, panels: panels, model: model,
                compounds: compounds, config: config, seed: seed)
            var used: [String: Compound] = [:]
            for e in entries where used[e.perturbation] == nil {
                used[e.perturbation] = compounds.records[e.perturbation]!.compound
            }
            try EffectsStore.writeStreamed(
                conditions: conditions, replicateCounts: Array(repeating: config.replicates, count: entries.count),
                compounds: used, genes: genes,
                panels: GenePanels(members: panels.members, rowPanel: panels.rowPanel),
                provenance: [
                    "source": "perturbridge simulate --manifest", "manifest": manifest.file, "seed": "\(seed)",
                ],
                to: url
            ) { rows, values in
                generator.fill(rows: rows, into: values, threads: threads)
                done += panels.measuredValues(rows: rows)
                progress(done, total)
            }
            for g in panels.genes { measuredBy[Int(g)] += 1 }
            written.append(
                Written(
                    dataset: dataset, file: url, conditions: entries.count, genes: genes,
                    panels: panels.members.map(\.count), values: panels.measuredValues(rows: entries.indices)))
        }
        try manifest.splitAssignment.write(to: directory.appendingPathComponent("split.tsv"))
        var genes = DelimitedTable(header: ["gene", "landmark", "datasets_measuring"])
        for (i, symbol) in pool.enumerated() {
            genes.rows.append([symbol, i < config.landmarkGenes ? "1" : "0", "\(measuredBy[i])"])
        }
        try genes.write(directory.appendingPathComponent("genes.tsv"))
        return written
    }

    /// PubChem CID → SMILES from a LINCS `pertinfo` table (columns `pubchem_cid`, `canonical_smiles`; gzip or
    /// plain TSV). Rows without either are skipped; CIDs written as `123.0` are read as `123`.
    public static func smilesByCID(_ url: URL) throws -> [String: String] {
        let records = try TextFile.readTSV(url)
        guard let header = records.first, let cid = header.firstIndex(of: "pubchem_cid"),
            let smiles = header.firstIndex(of: "canonical_smiles")
        else {
            throw InputError("\(url.path): expected columns pubchem_cid and canonical_smiles (a LINCS pertinfo table)")
        }
        var map: [String: String] = [:]
        for record in records.dropFirst() where record.count > max(cid, smiles) {
            var key = record[cid].trimmingCharacters(in: .whitespaces)
            if key.hasSuffix(".0") { key.removeLast(2) }
            let value = record[smiles].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, !value.isEmpty, !MissingValue.isMissing(value), map[key] == nil else { continue }
            map[key] = value
        }
        return map
    }

    /// A file name for a dataset (characters outside `[A-Za-z0-9._-]` become `_`).
    public static func fileName(_ dataset: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        return String(dataset.map { allowed.contains($0) ? $0 : "_" }) + ".h5ad"
    }

    /// Gene symbols of the pool: landmarks, the other embedded symbols, then `SIMG00001`, ...
    static func genePool(_ config: ManifestSimulatorConfig) throws -> [String] {
        let embedded = try EmbeddedResources.genes()
        let landmarks = embedded.filter(\.landmark).prefix(config.landmarkGenes).map(\.symbol)
        guard landmarks.count == config.landmarkGenes, config.genePool >= config.landmarkGenes else {
            throw InputError(
                "simulate --manifest: the pool needs \(config.landmarkGenes) landmarks (\(landmarks.count) embedded) and genePool ≥ landmarks"
            )
        }
        var pool = landmarks + embedded.filter { !$0.landmark }.map(\.symbol)
        pool = Array(pool.prefix(config.genePool))
        var i = 0
        while pool.count < config.genePool {
            i += 1
            pool.append(String(format: "SIMG%05d", i))
        }
        return pool
    }

    /// Compound records (key = CID) with their latent vectors and potencies.
    static func compoundTable(
        _ manifest: ConditionManifest, config: ManifestSimulatorConfig, seed: UInt64,
        smilesByCID: [String: String], threads: Int
    ) throws -> CompoundLatents {
        let cids = Array(Set(manifest.entries.map(\.perturbation))).sorted()
        let smiles = cids.map { smilesByCID[$0] ?? "" }
        let options = MorganOptions(radius: 2, bits: 2048)
        let withStructure = smiles.indices.filter { !smiles[$0].isEmpty }
        let fingerprints = Morgan.batch(smiles: withStructure.map { smiles[$0] }, options: options, threads: threads)
            .fingerprints
        var fingerprintOf: [Int: Fingerprint] = [:]
        for (j, i) in withStructure.enumerated() { if let fp = fingerprints[j] { fingerprintOf[i] = fp } }
        let k = config.latentDimension
        var projectionRNG = SeededRNG.derived(seed: seed, label: "manifest:projection")
        let projection = (0..<(options.bits * k)).map { _ in projectionRNG.nextGaussian() }
        var records: [String: CompoundLatents.Record] = [:]
        let phi = config.fingerprintShare
        for (i, cid) in cids.enumerated() {
            var rng = SeededRNG.derived(seed: seed, label: "manifest:compound:" + cid)
            var z = (0..<k).map { _ in rng.nextGaussian() }
            if let fp = fingerprintOf[i] {
                var u = [Double](repeating: 0, count: k)
                var set = 0
                for bit in 0..<options.bits where fp.isSet(bit) {
                    set += 1
                    for j in 0..<k { u[j] += projection[bit * k + j] }
                }
                let scale = 1 / Double(max(1, set)).squareRoot()
                for j in 0..<k { z[j] = phi.squareRoot() * u[j] * scale + (1 - phi).squareRoot() * z[j] }
            }
            let log10EC50 = 0.5 * rng.nextGaussian()
            let efficacy = exp(0.3 * rng.nextGaussian()) * (rng.nextDouble() < 0.15 ? 0.1 : 1)
            let compound = Compound(
                key: cid, canonicalSmiles: fingerprintOf[i] != nil ? smiles[i] : "", aliases: ["CID" + cid],
                pubchemCID: cid)
            records[cid] = CompoundLatents.Record(
                compound: compound, latent: z, ec50: pow(10, log10EC50), efficacy: efficacy)
        }
        return CompoundLatents(records: records)
    }
}

/// Per-compound draws of the manifest simulator.
struct CompoundLatents {
    struct Record {
        var compound: Compound
        var latent: [Double]
        var ec50: Double
        var efficacy: Double
    }
    var records: [String: Record]
}

/// Gene detectability, loadings and context draws shared by every dataset.
struct LatentModel {
    /// Detectability per pool gene (landmarks are well expressed: +1).
    let detectability: [Double]
    /// Loadings `[genes × K]`.
    let loadings: [Float]
    let k: Int
    let seed: UInt64
    let contextGainSD: Double

    init(config: ManifestSimulatorConfig, seed: UInt64, genes: Int) {
        k = config.latentDimension
        self.seed = seed
        contextGainSD = config.contextGainSD
        var rng = SeededRNG.derived(seed: seed, label: "manifest:genes")
        detectability = (0..<genes).map { rng.nextGaussian() + ($0 < config.landmarkGenes ? 1 : 0) }
        var loadingRNG = SeededRNG.derived(seed: seed, label: "manifest:loadings")
        var loadings = [Float](repeating: 0, count: genes * config.latentDimension)
        for g in 0..<genes {
            let s = exp(0.5 * loadingRNG.nextGaussian()) / Double(config.latentDimension).squareRoot()
            for j in 0..<config.latentDimension {
                loadings[g * config.latentDimension + j] = Float(s * loadingRNG.nextGaussian())
            }
        }
        self.loadings = loadings
    }

    /// Gains on the K programs and a sensitivity, per context name (shared across datasets).
    func context(_ name: String) -> (gain: [Double], sensitivity: Double) {
        var rng = SeededRNG.derived(seed: seed, label: "manifest:context:" + name)
        return ((0..<k).map { _ in 1 + contextGainSD * rng.nextGaussian() }, exp(0.2 * rng.nextGaussian()))
    }
}

/// The panels of one dataset: one per context, the file's genes (their union, pool order) and each row's panel.
struct DatasetPanels {
    /// Pool indices of the file's genes, ascending.
    let genes: [Int32]
    /// Per panel, file columns measured.
    let members: [[Int32]]
    let rowPanel: [Int32]

    /// Values measured by `rows` (the sum of their panel sizes).
    func measuredValues(rows: Range<Int>) -> Int { rows.reduce(0) { $0 + members[Int(rowPanel[$1])].count } }

    init(
        dataset: String, contexts: [String], rule: PanelSizeRule, model: LatentModel, config: ManifestSimulatorConfig,
        seed: UInt64
    ) {
        var seen: [String: Int32] = [:]
        var names: [String] = []
        let rowPanel =
            rule.landmarks
            ? [Int32](repeating: 0, count: contexts.count)
            : contexts.map { name -> Int32 in
                if let p = seen[name] { return p }
                seen[name] = Int32(names.count)
                names.append(name)
                return Int32(names.count - 1)
            }
        var datasetRNG = SeededRNG.derived(seed: seed, label: "manifest:panel:" + dataset)
        let datasetScore = model.detectability.map { $0 + config.datasetPanelNoise * datasetRNG.nextGaussian() }
        let order = seededShuffle(Array(names.indices), &datasetRNG)
        var poolPanels: [[Int32]] = []
        for (p, name) in names.enumerated() {
            if rule.landmarks { continue }
            let rank = names.count > 1 ? Double(order.firstIndex(of: p)!) / Double(names.count - 1) : 0
            let size = rule.minimum + Int((Double(rule.maximum - rule.minimum) * rank).rounded())
            var rng = SeededRNG.derived(seed: seed, label: "manifest:panel:" + dataset + ":" + name)
            let score = datasetScore.map { $0 + config.contextPanelNoise * rng.nextGaussian() }
            var ranked = score.enumerated().map { (score: $0.element, gene: Int32($0.offset)) }
            ranked.sort { $0.score > $1.score || ($0.score == $1.score && $0.gene < $1.gene) }
            poolPanels.append(ranked.prefix(size).map(\.gene).sorted())
        }
        if rule.landmarks { poolPanels = [(0..<Int32(config.landmarkGenes)).map { $0 }] }
        let union = Array(Set(poolPanels.joined())).sorted()
        var column = [Int32](repeating: -1, count: model.detectability.count)
        for (c, g) in union.enumerated() { column[Int(g)] = Int32(c) }
        genes = union
        members = poolPanels.map { $0.map { column[Int($0)] } }
        self.rowPanel = rowPanel
    }
}

/// Fills blocks of one dataset's logFC matrix: value = α_g·a_r·Σ_k L_gk·γ_xk·z_ck + offset_g + noise, 0 outside
/// the row's panel. Each row draws its noise from its own stream, so blocks can be filled in parallel.
struct DatasetGenerator {
    let entries: [ConditionManifest.Entry]
    let panels: DatasetPanels
    /// Per row: the K-vector a_r·γ_x ⊙ z_c.
    let programs: [Float]
    /// Per file column: attenuation-scaled loadings `[genes × K]`, offset.
    let loadings: [Float]
    let offsets: [Float]
    let noise: Float
    let k: Int
    let seed: UInt64
    let datasetStream: UInt64

    init(
        dataset: String, entries: [ConditionManifest.Entry], panels: DatasetPanels, model: LatentModel,
        compounds: CompoundLatents, config: ManifestSimulatorConfig, seed: UInt64
    ) {
        k = model.k
        self.entries = entries
        self.panels = panels
        self.seed = seed
        var rng = SeededRNG.derived(seed: seed, label: "manifest:dataset:" + dataset)
        datasetStream = rng.next()
        let attenuation = dataset.range(of: "LINCS", options: .caseInsensitive) != nil ? 0.5 : 0.9
        var loadings = [Float](repeating: 0, count: panels.genes.count * k)
        var offsets = [Float](repeating: 0, count: panels.genes.count)
        for (c, g) in panels.genes.enumerated() {
            let a = Float(attenuation * exp(0.1 * rng.nextGaussian()))
            for j in 0..<k { loadings[c * k + j] = a * model.loadings[Int(g) * k + j] }
            offsets[c] = Float(0.02 * rng.nextGaussian())
        }
        self.loadings = loadings
        self.offsets = offsets
        noise = Float(config.noise / Double(config.replicates).squareRoot())
        var contextCache: [String: (gain: [Double], sensitivity: Double)] = [:]
        var programs = [Float](repeating: 0, count: entries.count * k)
        for (r, e) in entries.enumerated() {
            if contextCache[e.context] == nil { contextCache[e.context] = model.context(e.context) }
            let (gain, sensitivity) = contextCache[e.context]!
            let compound = compounds.records[e.perturbation]!
            let dose = e.doseMicromolar
            let h = config.hillSlope
            let hill = dose > 0 ? pow(dose, h) / (pow(dose, h) + pow(compound.ec50, h)) : 0
            let amplitude = compound.efficacy * sensitivity * hill * (1 - exp(-e.timeHours / config.onsetHours))
            for j in 0..<k { programs[r * k + j] = Float(amplitude * gain[j] * compound.latent[j]) }
        }
        self.programs = programs
    }

    func fill(rows: Range<Int>, into values: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = panels.genes.count, k = self.k
        let base = values.baseAddress!
        let noise = self.noise, stream = seed ^ datasetStream
        loadings.withUnsafeBufferPointer { l in
            offsets.withUnsafeBufferPointer { offset in
                programs.withUnsafeBufferPointer { programs in
                    Parallel.forEachChunk(count: rows.count, threads: threads) { chunk in
                        for i in chunk {
                            let r = rows.lowerBound + i
                            let out = base + i * g
                            out.initialize(repeating: 0, count: g)
                            var rng = SeededRNG(seed: stream, stream: UInt64(r))
                            let z = programs.baseAddress! + r * k
                            panels.members[Int(panels.rowPanel[r])].withUnsafeBufferPointer { columns in
                                func value(_ column: Int, _ e: Float) -> Float {
                                    let w = l.baseAddress! + column * k
                                    var s: Float = 0
                                    for j in 0..<k { s += w[j] * z[j] }
                                    return s + offset[column] + noise * e
                                }
                                var n = 0
                                while n < columns.count {
                                    let (e0, e1) = rng.nextGaussianPair()
                                    out[Int(columns[n])] = value(Int(columns[n]), e0)
                                    if n + 1 < columns.count {
                                        out[Int(columns[n + 1])] = value(Int(columns[n + 1]), e1)
                                    }
                                    n += 2
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension SeededRNG {
    /// Two independent standard normal Floats (Box–Muller, both halves used).
    mutating func nextGaussianPair() -> (Float, Float) {
        let bits = next()
        let u1 = max(Float(bits >> 40) * (1.0 / 16_777_216.0), 1e-7)
        let u2 = Float((bits >> 8) & 0xFF_FFFF) * (1.0 / 16_777_216.0)
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Float.pi * u2
        return (radius * cos(angle), radius * sin(angle))
    }
}
