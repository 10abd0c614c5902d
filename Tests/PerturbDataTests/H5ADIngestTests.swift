import PerturbBase
import PerturbTestSupport
import XCTest

@testable import PerturbData

final class H5ADIngestTests: XCTestCase {
    /// Writes an OP3 `de_train.h5ad`-layout file with python anndata from the real OP3 metadata (compound names,
    /// LINCS ids, SMILES, the first 40 (cell_type, compound) training pairs, the first 60 gene columns). Values are
    /// seeded random numbers: the real de_train values are not in shared/. Adds 3 bad rows.
    @discardableResult
    func makeOP3File(_ url: URL) throws -> (cellType: String, gene: String, logFC: Double, clipped: Double) {
        let compounds = try Requirement.sharedFile("op3-kaggle-compounds/compounds.csv")
        let pairs = try Requirement.sharedFile("op3-kaggle-celltype-means/de_train_rows_DERIVED.csv")
        let genes = try Requirement.sharedFile("op3-kaggle-idmap/genes.txt")
        let printed = try Python.run(
            """
            import anndata, numpy as np, pandas as pd
            comp = pd.read_csv('\(compounds.path)', index_col=0).set_index('sm_name')
            rows = pd.read_csv('\(pairs.path)').head(40)
            genes = open('\(genes.path)').read().split('\\n')[:60]
            obs = pd.DataFrame({'cell_type': rows.cell_type.values, 'sm_name': rows.sm_name.values})
            obs['sm_lincs_id'] = [comp.loc[n, 'sm_lincs_id'] for n in obs.sm_name]
            obs['SMILES'] = [comp.loc[n, 'SMILES'] for n in obs.sm_name]
            obs['split'] = 'train'
            obs['control'] = obs.sm_name.isin(['Dabrafenib', 'Belinostat'])
            bad = pd.DataFrame({'cell_type': ['NK cells'] * 3, 'sm_name': ['', 'Broken', 'Clotrimazole'], 'sm_lincs_id': ['LSM-0', 'LSM-1', 'LSM-5341'],
                                'SMILES': ['CCO', 'C1CC(', comp.loc['Clotrimazole', 'SMILES']], 'split': 'train', 'control': False})
            obs = pd.concat([obs, bad], ignore_index=True)
            obs.index = [f'{c}, {s}' for c, s in zip(obs.cell_type, obs.sm_name)]
            for c in ['cell_type', 'sm_name', 'split']: obs[c] = obs[c].astype('category')
            rng = np.random.default_rng(0)
            n = len(obs)
            logfc = rng.normal(0, 1, (n, 60)).astype(np.float32)
            logfc[-1, :] = np.nan
            p = rng.uniform(1e-6, 1, (n, 60))
            slp = np.sign(logfc) * -np.log10(p)
            a = anndata.AnnData(obs=obs, var=pd.DataFrame(index=genes),
                                layers={'logFC': logfc, 'P.Value': p, 'sign_log10_pval': slp,
                                        'clipped_sign_log10_pval': np.sign(logfc) * -np.log10(np.maximum(p, 1e-4)), 'is_de': p < 0.05})
            a.write_h5ad('\(url.path)')
            print(obs.cell_type.iloc[3].replace(' ', '_'), genes[7], float(logfc[3, 7]), float(np.clip(slp, -4, 4)[3, 7]))
            """
        ).split(whereSeparator: \.isWhitespace).suffix(4).map(String.init)  // the last line (warnings come first)
        guard printed.count == 4, let logFC = Double(printed[2]), let clipped = Double(printed[3]) else {
            throw InputError("unexpected oracle output: \(printed)")
        }
        return (printed[0].replacingOccurrences(of: "_", with: " "), printed[1], logFC, clipped)
    }

    func testOP3DeTrainLayout() throws {
        let url = try temporaryDirectory().appendingPathComponent("de_train.h5ad")
        let oracle = try makeOP3File(url)
        XCTAssertEqual(try EffectsFormat.detect(url), .op3)
        var report = IngestReport(source: "de_train.h5ad", format: "op3")
        let table = try ConditionH5ADIngest.ingest(url, columns: .op3, resolver: CompoundResolver(), report: &report)
        try table.validate()
        XCTAssertEqual(table.rowCount, 40)
        XCTAssertEqual(table.genes.count, 60)
        XCTAssertEqual(report.skipped["missing compound"]?.count, 1)
        XCTAssertEqual(report.skipped["invalid SMILES"]?.count, 1)
        XCTAssertEqual(report.skipped["NaN effects (no finite value for any gene)"]?.count, 1)
        XCTAssertEqual(Set(table.conditions.compactMap(\.doseMicromolar)), [1])
        XCTAssertEqual(Set(table.conditions.compactMap(\.timeHours)), [24])
        XCTAssertEqual(Set(table.datasets), ["op3"])
        XCTAssertEqual(Set(table.extraLayers.keys), ["P.Value", "sign_log10_pval", "clipped_sign_log10_pval"])
        // Row 3, gene 7 as anndata wrote it (the three bad rows are the file's last, so the order is kept).
        let gene = try XCTUnwrap(table.genes.firstIndex(of: oracle.gene))
        XCTAssertEqual(table.conditions[3].context, oracle.cellType)
        XCTAssertEqual(Double(table.logFC[3 * table.genes.count + gene]), oracle.logFC, accuracy: 1e-6)
        XCTAssertEqual(
            Double(table.extraLayers["clipped_sign_log10_pval"]![3 * table.genes.count + gene]),
            oracle.clipped, accuracy: 1e-5)
        XCTAssertTrue(table.compounds.values.allSatisfy { $0.key.count == 27 && !$0.canonicalSmiles.isEmpty })
        XCTAssertTrue(
            table.compounds.values.contains { $0.aliases.contains("Clotrimazole") && $0.aliases.contains("LSM-5341") })
        // Round trip through our store keeps the layers.
        let out = url.deletingLastPathComponent().appendingPathComponent("effects.h5ad")
        try table.write(to: out)
        XCTAssertEqual(try EffectsFormat.detect(out), .effects, "our effects file, although it came from OP3")
        let back = try EffectsTable.read(out)
        XCTAssertEqual(back.extraLayers["clipped_sign_log10_pval"]!, table.extraLayers["clipped_sign_log10_pval"]!)
    }

    func testChemPerturBridgeDEGWithNameMapAndMissingGenes() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("CVCL_0023_de.h5ad")
        _ = try Python.run(
            """
            import anndata, numpy as np, pandas as pd
            obs = pd.DataFrame({'dataset': ['srivatsan20_sciplex3'] * 4, 'cell_type': ['CVCL_0023'] * 4,
                                'perturbagen': ['Dexamethasone', 'Dexamethasone', 'Vorinostat', 'Unknownib'],
                                'pubchem_cid': ['5743', '5743', '5311', ''], 'pert_dose_uM': [0.1, 10.0, 1.0, 1.0],
                                'pert_time_h': [24.0, 24.0, 24.0, 72.0]},
                               index=['5743_0.1uM_24h - DMSO_24h', '5743_10uM_24h - DMSO_24h', '5311_1uM_24h - DMSO_24h', 'x_1uM_72h - DMSO_72h'])
            var = pd.DataFrame({'symbol': ['TP53', 'MYC', 'EGFR']}, index=['ENSG00000141510', 'ENSG00000136997', 'ENSG00000146648'])
            lfc = np.array([[1, 2, np.nan], [3, 4, 5], [-1, 0.5, 0.25], [0, 0, 1]], dtype=np.float32)
            a = anndata.AnnData(obs=obs, var=var, layers={'logFC': lfc, 't': lfc * 2, 'P.Value': np.full((4, 3), 0.5), 'B': lfc})
            a.write_h5ad('\(url.path)')
            """)
        let map = dir.appendingPathComponent("names.tsv")
        try
            "name\tsmiles\nDexamethasone\tC[C@@H]1C[C@H]2[C@@H]3CCC4=CC(=O)C=C[C@]4(C)[C@@]3(F)[C@@H](O)C[C@]2(C)[C@@]1(O)C(=O)CO\nVorinostat\tO=C(CCCCCCC(=O)Nc1ccccc1)NO\n"
            .write(to: map, atomically: true, encoding: .utf8)
        var report = IngestReport(source: url.lastPathComponent, format: "cpb-deg")
        let resolver = CompoundResolver(smilesByName: try CompoundResolver.loadNameMap(map))
        XCTAssertEqual(try EffectsFormat.detect(url), .cpbDeg)
        let table = try ConditionH5ADIngest.ingest(url, columns: .chemPerturBridge, resolver: resolver, report: &report)
        XCTAssertEqual(table.rowCount, 4)
        XCTAssertEqual(table.genes, ["TP53", "MYC", "EGFR"])
        XCTAssertEqual(table.geneEnsemblIds[2], "ENSG00000146648")
        XCTAssertEqual(Array(table.measuredRow(0)), [true, true, false])
        XCTAssertEqual(Array(table.row(1)), [3, 4, 5])
        XCTAssertEqual(table.conditions[0].doseMicromolar, 0.1)
        XCTAssertEqual(table.conditions[3].timeHours, 72)
        XCTAssertEqual(Set(table.extraLayers.keys), ["t", "pvalue"])
        let dexamethasone = try XCTUnwrap(table.compounds["UREBDLICKHMUKA-CXSFZGCWSA-N"])
        XCTAssertEqual(dexamethasone.aliases, ["Dexamethasone", "5743"])
        XCTAssertEqual(table.conditions[3].compounds, ["name:Unknownib"])
        XCTAssertEqual(resolver.unresolvedNames, ["Unknownib"])
    }

    func testSampleLevelCountsAgainstNumpy() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("pseudobulk.h5ad")
        let expected = try Python.run(
            """
            import anndata, numpy as np, pandas as pd
            rng = np.random.default_rng(1)
            rows = []
            for plate in ['P1', 'P2']:
                for w in range(3): rows.append((plate, f'C{w}', 'DMSO', True, 0.0))
                for w in range(2): rows.append((plate, f'A{w}', 'Vorinostat', False, 1.0))
            rows.append(('P2', 'B0', 'Vorinostat', False, 10.0))
            obs = pd.DataFrame(rows, columns=['plate', 'well', 'perturbagen', 'is_control', 'pert_dose_uM'])
            obs['cell_type'] = 'CVCL_0023'; obs['pert_time_h'] = 24.0; obs['dataset'] = 'toy'
            obs.index = [f'{p}_{w}' for p, w in zip(obs.plate, obs.well)]
            X = rng.poisson(200, (len(obs), 5)).astype(np.float32)
            a = anndata.AnnData(X=X, obs=obs, var=pd.DataFrame(index=['G1', 'G2', 'G3', 'G4', 'G5']))
            a.write_h5ad('\(url.path)')
            L = np.log2(X / X.sum(1, keepdims=True) * 1e6 + 1)
            eff = []
            for plate in ['P1', 'P2']:
                c = L[(obs.plate == plate) & obs.is_control].mean(0)
                eff += list(L[((obs.plate == plate) & (obs.pert_dose_uM == 1.0)).values] - c)
            print(' '.join(f'{v:.6f}' for v in np.mean(eff, 0)))
            """)
        let numpy = expected.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        XCTAssertEqual(numpy.count, 5)
        XCTAssertEqual(try EffectsFormat.detect(url), .samplesH5AD)
        XCTAssertEqual(try EffectsFormat.detect(URL(fileURLWithPath: "any.GCTX")), .gct)
        XCTAssertThrowsError(try EffectsFormat.detect(dir.appendingPathComponent("x.csv"))) {
            XCTAssertTrue("\($0)".contains("x.csv") && "\($0)".contains("--format"), "\($0)")
        }
        XCTAssertThrowsError(try EffectsFormat.detect(dir.appendingPathComponent("missing.h5ad"))) {
            XCTAssertTrue("\($0)".contains("missing.h5ad") && "\($0)".contains("not found"), "\($0)")
        }
        var report = IngestReport(source: "pseudobulk.h5ad", format: "samples-h5ad")
        let result = try SampleH5ADIngest.ingest(url, resolver: CompoundResolver(), report: &report)
        XCTAssertEqual(result.pooled.rowCount, 2)
        XCTAssertEqual(report.controlsUsed, 6)
        XCTAssertTrue(report.notes.contains { $0.contains("log2(CPM + 1)") })
        let row = result.pooled.conditions.firstIndex { $0.doseMicromolar == 1 }!
        for (i, v) in result.pooled.row(row).enumerated() { XCTAssertEqual(Double(v), numpy[i], accuracy: 1e-4) }
        XCTAssertEqual(result.pooled.replicateCounts[row], 4)
        XCTAssertNotNil(result.pooled.extraLayers["t"])
        XCTAssertEqual(result.replicates.rowCount, 5)
    }
}
