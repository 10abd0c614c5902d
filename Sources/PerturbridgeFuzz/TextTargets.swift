import Foundation
import PerturbBase
import PerturbChem
import PerturbData
import PerturbIO

/// The readers of text inputs: GCT text, split TSVs, manifests (condition tables and published splits), signature
/// tables (`effects --format signatures`) and compound tables with their SMILES (through RDKit).
extension FuzzTarget {
    static func gct(_ corpus: SeedCorpus) -> FuzzTarget {
        let seeds = [
            corpus.shared("l1000-cmappy/test_p100.gct", .text),
            corpus.shared("l1000-l1ktools-pipeline/TEST_A375_24H_X1_B20_NORM_n23x978.gct", .text),
            corpus.fixture("test_l1000_head.gct", .text),
        ]
        return FuzzTarget(
            name: "gct", entryPoints: "GCTReader.read, L1000Ingest (limma, as `effects`)",
            seeds: seeds.compactMap { $0 }, run: readGCT)
    }

    static func split(_ corpus: SeedCorpus) -> FuzzTarget {
        FuzzTarget(
            name: "split", entryPoints: "SplitAssignment.read (pretrain --split)",
            seeds: [corpus.fixture("split.tsv", .text)].compactMap { $0 }
        ) { url in
            _ = try SplitAssignment.read(url).splitOf
        }
    }

    static func manifest(_ corpus: SeedCorpus) -> FuzzTarget {
        let annotation = "chem-perturbridge-splits/df_annot_split.tsv.gz"
        let seeds = [
            corpus.sharedHead(annotation, lines: 300, name: "df_annot_split.tsv.gz", format: .gzipText),
            corpus.sharedHead(annotation, lines: 300, name: "df_annot_split.tsv", format: .text),
            corpus.sharedHead(
                "chem-perturbridge-splits/heldout_molecules.tsv", lines: 150,
                name: "heldout_molecules.tsv", format: .text),
        ]
        return FuzzTarget(
            name: "manifest",
            entryPoints: "ConditionTable.read (split --conditions), "
                + "PublishedSplit.read + apply (split --from)",
            seeds: seeds.compactMap { $0 }
        ) { url in
            try everyStep(
                { _ = try ConditionTable.read(url) },
                {
                    let published = try PublishedSplit.read(url)
                    _ = published.apply(
                        to: try ConditionManifest.read(url, requireSplit: false).entries.map(\.condition))
                })
        }
    }

    static func signatures(_ corpus: SeedCorpus) -> FuzzTarget {
        let seeds = [
            corpus.sharedHead(
                "l1000-sepl1000-lucius/tStats-transposed-head.txt", lines: 30,
                name: "tStats-transposed-head.txt", format: .text)
        ]
        return FuzzTarget(
            name: "signatures",
            entryPoints: "EffectsFormat.signatures.ingest (effects --format signatures)",
            seeds: seeds.compactMap { $0 }
        ) { url in
            var report = IngestReport(source: url.lastPathComponent, format: "signatures")
            _ = try EffectsFormat.signatures.ingest(url, options: IngestOptions(), report: &report)
        }
    }

    static func compounds(_ corpus: SeedCorpus) -> FuzzTarget {
        let hasSmiles: (Substring) -> Bool = { line in
            let smiles = line.split(separator: "\t", omittingEmptySubsequences: false).dropFirst(12).first
            return smiles.map { !$0.isEmpty } ?? false
        }
        let seeds = [
            corpus.sharedHead(
                "chemcpa-smiles/trapnell_drugs_smiles.csv", lines: 40, header: "name,smiles,pathway",
                name: "trapnell.csv", format: .text),
            corpus.sharedHead(
                "chemcpa-smiles/lincs_drugs_smiles.csv", lines: 40, header: "pert_id,smiles",
                name: "lincs.csv", format: .text),
            corpus.sharedHead(
                "l1000-lincs-metadata/pertinfo.tsv.gz", lines: 40, name: "pertinfo.tsv.gz",
                format: .gzipText,
                keep: hasSmiles),
        ]
        return FuzzTarget(
            name: "compounds",
            entryPoints: "CompoundResolver name/CID maps + resolve (effects --smiles-map); "
                + "DelimitedTable + CompoundFeaturizer + Murcko scaffolds "
                + "(fingerprint, split --kind scaffold)",
            seeds: seeds.compactMap { $0 }, run: readCompoundTable)
    }

    /// What `effects --smiles-map/--cid-map` and `fingerprint` do with a compound table: every SMILES is parsed,
    /// identified (InChIKey), fingerprinted and reduced to its scaffold by RDKit.
    static func readCompoundTable(_ url: URL) throws {
        try everyStep(
            {
                let names = try CompoundResolver.loadNameMap(url)
                _ = try CompoundResolver.loadCIDMap(url, required: false)
                let resolver = CompoundResolver(smilesByName: names)
                for name in names.keys.sorted() { _ = resolver.resolve(names: [name], smiles: nil) }
            },
            {
                guard url.pathExtension != "gz" else { return }
                let table = try DelimitedTable.read(url)
                let column = ["smiles", "canonical_smiles", "SMILES"].first { table.header.contains($0) } ?? "smiles"
                let smiles = try table.column(column, file: url.path)
                _ = CompoundFeaturizer.run(smiles: smiles, options: MorganOptions(), stripSalts: true, threads: 1)
                for text in smiles { _ = try? Chem.murckoScaffold(text) }
            })
    }

    /// Runs every step even when an earlier one throws (each is a separate command's reading of the same file), then
    /// rethrows the first error.
    static func everyStep(_ steps: (() throws -> Void)...) throws {
        var first: Error?
        for step in steps {
            do { try step() } catch { if first == nil { first = error } }
        }
        if let first { throw first }
    }
}
