import Foundation
import PerturbBase
import PerturbChem
import PerturbData
import PerturbNN
import PerturbTensor

/// One batch of model inputs: per-row codes and scalars plus the batch's distinct compound sets.
public struct LPMInputs {
    public var dataset: [Int32]
    public var context: [Int32]
    /// Row → index into `compoundSets`.
    public var compoundSet: [Int32]
    public var compoundSets: CompoundSets
    /// Gene codes (scalar mode only; nil in multiout mode).
    public var gene: [Int32]?
    public var logDose: [Float]
    public var time: [Float]

    public init(
        dataset: [Int32], context: [Int32], compoundSet: [Int32], compoundSets: CompoundSets, gene: [Int32]?,
        logDose: [Float], time: [Float]
    ) {
        self.dataset = dataset
        self.context = context
        self.compoundSet = compoundSet
        self.compoundSets = compoundSets
        self.gene = gene
        self.logDose = logDose
        self.time = time
    }

    public var count: Int { dataset.count }
}

/// The LPM (seed-spec §3.1–3.3): embeddings of dataset, context, compound set (mean) and — in scalar mode — gene,
/// plus Linear(1 → D) projections of log-dose and time, concatenated (6·D scalar, 5·D multiout) into an MLP of
/// `hiddenLayers` × `hiddenWidth` (ReLU, dropout) with 1 output (scalar) or one per vocabulary gene (multiout).
///
/// Initialization as the reference: embeddings N(0, 1); dose/time `Linear` PyTorch default (U(−1, 1) at fan-in 1);
/// only the predictor MLP gets Xavier-uniform weights with the ReLU gain. Parameter names follow the reference
/// module names (`dataset_embedding_layer.weight`, ..., `neural_network.layers.<i>.weight`).
public final class LPMModel: Module {
    public let config: LPMConfig
    public let vocabularies: Vocabularies
    public let index: VocabularyIndex
    let datasetEmbedding: Embedding
    let contextEmbedding: Embedding
    let compoundEncoder: CompoundEncoder
    let readoutEmbedding: Embedding?
    let doseLayer: Linear
    let timeLayer: Linear
    let predictor: MLP

    /// Builds a freshly initialized model; every draw comes from `rng` in a fixed order.
    public init(config: LPMConfig, vocabularies: Vocabularies, rng: inout SeededRNG) {
        self.config = config
        self.vocabularies = vocabularies
        index = vocabularies.index()
        let d = config.embeddingDim
        datasetEmbedding = Embedding(
            name: "dataset_embedding_layer", count: max(1, vocabularies.datasets.count), dim: d, rng: &rng)
        contextEmbedding = Embedding(
            name: "context_embedding_layer", count: max(1, vocabularies.contexts.count), dim: d, rng: &rng)
        compoundEncoder = config.compoundEncoder.makeEncoder(config: config, vocabularies: vocabularies, rng: &rng)
        readoutEmbedding =
            config.outputMode == .scalar
            ? Embedding(name: "readout_embedding_layer", count: max(1, vocabularies.genes.count), dim: d, rng: &rng)
            : nil
        doseLayer = Linear(name: "log_dose_layer", inputs: 1, outputs: d, rng: &rng)
        timeLayer = Linear(name: "time_layer", inputs: 1, outputs: d, rng: &rng)
        let inputs = (config.outputMode == .scalar ? 6 : 5) * d
        let outputs = config.outputMode == .scalar ? 1 : max(1, vocabularies.genes.count)
        predictor = MLP(
            name: "neural_network", inputs: inputs,
            hidden: Array(repeating: config.hiddenWidth, count: config.hiddenLayers), outputs: outputs,
            activation: .relu, dropout: Float(config.dropout), initialization: .xavierReLU, rng: &rng)
    }

    /// Convenience: fills SMILES missing from the vocabularies from `compoundTable` (for the Morgan encoders).
    public convenience init(
        config: LPMConfig, vocabularies: Vocabularies, compoundTable: [String: Compound], rng: inout SeededRNG
    ) {
        var v = vocabularies
        for (i, key) in v.compounds.enumerated() where v.compoundSmiles[i].isEmpty {
            v.compoundSmiles[i] = compoundTable[key]?.canonicalSmiles ?? ""
        }
        self.init(config: config, vocabularies: v, rng: &rng)
    }

    /// The model's parts in checkpoint and optimizer order.
    private var modules: [Module] {
        [datasetEmbedding, contextEmbedding, compoundEncoder] + (readoutEmbedding.map { [$0] } ?? [])
            + [doseLayer, timeLayer, predictor]
    }

    /// Every parameter, in a fixed order (checkpoint and optimizer order).
    public var parameters: [Parameter] { modules.flatMap(\.parameters) }

    /// Parameters of the compound encoder (the table, or the fingerprint MLP).
    public var compoundParameters: [Parameter] { compoundEncoder.parameters }

    /// Freezes or unfreezes the compound encoder (fine-tuning keeps it fixed).
    public func setCompoundEncoderFrozen(_ frozen: Bool) { compoundEncoder.setFrozen(frozen) }

    /// Vocabulary compounds that got a zero Morgan vector (no or invalid SMILES); empty for the learned table.
    public var zeroFingerprintCompounds: [String] { compoundEncoder.zeroFingerprintKeys }

    /// Forward pass: `[batch, 1]` (scalar) or `[batch, genes]` (multiout). In a training graph dropout draws from
    /// the graph's `rng`.
    public func forward(_ inputs: LPMInputs, graph: Graph) -> Var {
        predictor.output(hidden(inputs, graph: graph))
    }

    /// The predictor's last hidden representation `[batch, hiddenWidth]` (what the output layer reads).
    func hidden(_ inputs: LPMInputs, graph: Graph) -> Var {
        precondition(
            (inputs.gene != nil) == (config.outputMode == .scalar),
            "LPMModel.forward: gene codes are required exactly in scalar mode")
        let compounds = compoundEncoder.encode(inputs.compoundSets, graph: graph)
        let time = config.timeScaleHours == 1 ? inputs.time : inputs.time.map { $0 / Float(config.timeScaleHours) }
        var parts: [ConcatPart] = [
            .rows(of: graph.parameter(datasetEmbedding.weight), indices: inputs.dataset),
            .rows(of: graph.parameter(contextEmbedding.weight), indices: inputs.context),
            .rows(of: compounds, indices: inputs.compoundSet),
        ]
        if let readoutEmbedding, let gene = inputs.gene {
            parts.append(.rows(of: graph.parameter(readoutEmbedding.weight), indices: gene))
        }
        for (values, layer) in [(inputs.logDose, doseLayer), (time, timeLayer)] {
            parts.append(.scaled(values, weight: graph.parameter(layer.weight), bias: graph.parameter(layer.bias!)))
        }
        return predictor.hidden(parts)
    }

    /// The training loss of a batch, the one place where the output modes differ: scalar mode is the MSE of the
    /// single output; multi-output mode scores each row only on the genes it measures (`panelLinearMSE`: one
    /// GEMM per gene-panel group against the gathered output rows, equal to the dense masked MSE).
    func loss(_ batch: Batch, graph: Graph) -> Var {
        switch batch.objective {
        case .scalars(let target):
            return mseLoss(forward(batch.inputs, graph: graph), target: target)
        case .panels(let groups):
            let h = hidden(batch.inputs, graph: graph)
            let output = predictor.output
            return panelLinearMSE(
                h, weight: graph.parameter(output.weight), bias: graph.parameter(output.bias!), groups: groups)
        }
    }

    /// Predictions of a batch for its measured values, in the order of `Batch.forEachMeasuredValue` (no dropout).
    func predictions(_ batch: Batch, graph: Graph) -> [Float] {
        switch batch.objective {
        case .scalars:
            return forward(batch.inputs, graph: graph).value.scalars
        case .panels(let groups):
            let h = hidden(batch.inputs, graph: graph).value
            let output = predictor.output
            var out: [Float] = []
            for group in groups {
                let p = panelLinearPredict(
                    h, weight: output.weight.value, bias: output.bias!.value, rows: group.rows, units: group.units)
                if group.layouts == nil {
                    out.append(contentsOf: p)
                } else {
                    let u = group.units.count
                    for i in p.indices where group.target(row: i / u, unit: i % u) != nil { out.append(p[i]) }
                }
            }
            return out
        }
    }

    // MARK: Embeddings

    /// The perturbation vector of every vocabulary compound except Control: keys, row-major `[keys, dim]`, dim.
    public func compoundEmbeddings() -> (keys: [String], matrix: [Float], dim: Int) {
        let n = vocabularies.compounds.count
        let codes = (1..<max(1, n)).map { Int32($0) }
        let matrix = encode(sets: CompoundSets(offsets: (0...codes.count).map { Int32($0) }, indices: codes))
        return (Array(vocabularies.compounds.dropFirst()), matrix, config.embeddingDim)
    }

    /// Whether molecules outside the vocabulary get an embedding from their structure (`fingerprint_mlp`,
    /// `morgan_fixed`).
    public var embedsNewMolecules: Bool { compoundEncoder.newMoleculeFingerprint != nil }

    /// Embeddings of arbitrary molecules from their SMILES (`fingerprint_mlp` and `morgan_fixed` only). Throws a
    /// `ChemError` naming the (0-based) row of the first invalid SMILES.
    public func embed(smiles: [String]) throws -> [Float] {
        guard let options = compoundEncoder.newMoleculeFingerprint else {
            throw InputError(
                "embedding new molecules needs a fingerprint_mlp or morgan_fixed model; this checkpoint uses \(config.compoundEncoder.rawValue) (only its \(vocabularies.compounds.count - 1) vocabulary compounds have embeddings)"
            )
        }
        var fps: [Fingerprint] = []
        for (row, s) in smiles.enumerated() {
            do { fps.append(try Morgan.fingerprint(smiles: s, options: options)) } catch let e as ChemError {
                throw e.at(row: row)
            }
        }
        let base = Int32(vocabularies.compounds.count)
        return encode(
            sets: CompoundSets(
                offsets: (0...fps.count).map { Int32($0) }, indices: (0..<fps.count).map { base + Int32($0) },
                extraFingerprints: fps))
    }

    /// Evaluates the compound encoder on `sets` in chunks (no gradient).
    func encode(sets: CompoundSets) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(sets.count * config.embeddingDim)
        let chunk = 4096
        let graph = Graph(training: false)
        for lo in stride(from: 0, to: sets.count, by: chunk) {
            let hi = min(sets.count, lo + chunk)
            let base = sets.offsets[lo]
            let part = CompoundSets(
                offsets: sets.offsets[lo...hi].map { $0 - base },
                indices: Array(sets.indices[Int(base)..<Int(sets.offsets[hi])]),
                extraFingerprints: sets.extraFingerprints)
            graph.reset()
            out.append(contentsOf: compoundEncoder.encode(part, graph: graph).value.scalars)
        }
        graph.reset()
        return out
    }
}
