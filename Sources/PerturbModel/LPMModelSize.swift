extension LPMModel {
    /// The number of weights `LPMModel(config:vocabularies:rng:)` allocates, computed without allocating them (as a
    /// `Double`, so absurd sizes from a damaged sidecar cannot overflow): a checkpoint must hold at least this many
    /// floats, which bounds what its sidecar may ask for before anything is built.
    static func parameterCount(config: LPMConfig, vocabularies v: Vocabularies) -> Double {
        let d = Double(config.embeddingDim)
        let genes = Double(max(1, v.genes.count))
        func linear(_ inputs: Double, _ outputs: Double) -> Double { inputs * outputs + outputs }
        var total = Double(max(1, v.datasets.count)) * d + Double(max(1, v.contexts.count)) * d
        total += config.compoundEncoder.encoderType.parameterCount(config: config, vocabularies: v)
        let scalar = config.outputMode == .scalar
        if scalar { total += genes * d }
        total += 2 * linear(1, d)
        let inputs = (scalar ? 6 : 5) * d, outputs = scalar ? 1 : genes
        let hidden = Double(config.hiddenWidth), layers = Double(max(0, config.hiddenLayers))
        total +=
            layers == 0
            ? linear(inputs, outputs)
            : linear(inputs, hidden) + (layers - 1) * linear(hidden, hidden) + linear(hidden, outputs)
        return total
    }
}
