import ArgumentParser
import PerturbTensor

/// `perturbridge-bench <bench> [options]`: benchmarks that run the peer implementation in the same run and print
/// ratios (see the README's Performance section).
struct PerturbridgeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perturbridge-bench",
        abstract: "Benchmarks against their peers (RDKit Python, h5py, PyTorch, R limma), in the same run.",
        subcommands: [Chem.self, CPB.self, EngineCommand.self, IO.self, Limma.self, LimmaTahoe.self, Model.self]
    )

    struct Chem: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Morgan fingerprinting against RDKit Python.")
        @OptionGroup var settings: ChemBench.Settings
        func run() throws { try ChemBench.run(settings) }
    }

    struct CPB: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cpb", abstract: "One multi-output epoch on the paper's corpus shape against a PyTorch peer.")
        @OptionGroup var settings: CPBBench.Settings
        func run() throws { try CPBBench.run(settings) }
    }

    struct EngineCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "engine", abstract: "Training steps of the reference LPM shape against sgemm and PyTorch.")
        @OptionGroup var settings: EngineBench.Settings
        func run() throws { try EngineBench.run(settings) }
    }

    struct IO: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "io", abstract: ".h5ad reads against h5py.")
        @OptionGroup var settings: IOBench.Settings
        func run() throws { try IOBench.run(settings) }
    }

    struct Limma: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The whole-plate limma fit (lmFit + contrasts + trended eBayes) against R's limma.")
        @OptionGroup var settings: LimmaBench.Settings
        func run() throws { try LimmaBench.run(settings) }
    }

    struct LimmaTahoe: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "limma-tahoe",
            abstract:
                "A Tahoe-sized limma fit (1,137 contrasts × 20,000 genes): streamed, one-shot and R's limma, with peak memory."
        )
        @OptionGroup var settings: LimmaTahoeBench.Settings
        func run() throws { try LimmaTahoeBench.run(settings) }
    }

    struct Model: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The scalar training pipeline on simulated files against PyTorch.")
        @OptionGroup var settings: ModelBench.Settings
        func run() throws { try ModelBench.run(settings) }
    }
}

BLASCore.relaunchIfGeneric()
PerturbridgeBench.main()
