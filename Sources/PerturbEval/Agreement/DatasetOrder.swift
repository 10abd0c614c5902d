/// The reference's dataset order and paper labels (seed spec §5.3 `DATASET_SPECS`): dataset pairs are all
/// combinations in this order, so tables list pairs as the paper does.
public enum DatasetOrder {
    /// Canonical key, paper label and accepted spellings (compared lower-cased with non-alphanumerics removed).
    static let known: [(key: String, label: String, aliases: [String])] = [
        ("l1000_phase1", "L1000 Ph1", ["l1000phase1", "l1000phasei", "lincsphase1", "lincsphasei", "l1000ph1"]),
        ("l1000_phase2", "L1000 Ph2", ["l1000phase2", "l1000phaseii", "lincsphase2", "lincsphaseii", "l1000ph2"]),
        ("tahoe", "Tahoe", ["tahoe", "tahoe100", "tahoe100m"]),
        ("cigs_mce", "CIGS MCE", ["cigsmce"]),
        (
            "novartis_batch_2500", "Novartis",
            ["novartisbatch2500", "novartis", "novartisdrugseq", "novartisdrugsequ2os"]
        ),
        ("vcpi_0001", "VCPI-0001", ["vcpi0001"]),
        ("cigs_tcm", "CIGS TCM", ["cigstcm"]),
        ("vcpi_0002", "VCPI-0002", ["vcpi0002"]),
        ("gdpx2", "GDPx2", ["gdpx2", "ginkgogdpx2"]),
        ("dilimap_train_val", "DILImap", ["dilimaptrainval", "dilimaptrain", "dilimap"]),
        ("sciplex", "sci-Plex", ["sciplex", "sciplex3"]),
        ("op3", "OP3", ["op3"]),
    ]

    static func normalized(_ name: String) -> String {
        String(
            name.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) }.map(
                Character.init))
    }

    /// Position of a dataset in the canonical order; nil for a dataset the reference does not list.
    public static func rank(_ dataset: String) -> Int? {
        let n = normalized(dataset)
        return known.firstIndex { $0.aliases.contains(n) }
    }

    /// The paper label of a known dataset, else the name itself.
    public static func label(_ dataset: String) -> String {
        rank(dataset).map { known[$0].label } ?? dataset
    }

    /// Indices of `datasets` sorted into the canonical order; unknown datasets follow in their given order.
    public static func order(_ datasets: [String]) -> [Int] {
        datasets.indices.sorted { i, j in
            switch (rank(datasets[i]), rank(datasets[j])) {
            case (let x?, let y?): return x != y ? x < y : i < j
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return i < j
            }
        }
    }

    /// "A–B" with paper labels.
    public static func pairLabel(_ a: String, _ b: String) -> String { "\(label(a))–\(label(b))" }
}
