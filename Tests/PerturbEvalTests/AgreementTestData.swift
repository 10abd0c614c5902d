import PerturbBase

@testable import PerturbEval

/// Synthetic profile sets with known structure for the agreement tests.
enum AgreementTestData {
    /// `compounds` compounds × `contexts` contexts of random effects over `genes` genes (seeded).
    static func effects(
        compounds: Int, contexts: Int, genes: Int, seed: UInt64
    ) -> (conditions: [ProfileCondition], values: [Float]) {
        var rng = SeededRNG(seed: seed)
        var conditions: [ProfileCondition] = []
        var values: [Float] = []
        for c in 0..<contexts {
            for k in 0..<compounds {
                conditions.append(
                    ProfileCondition(context: "cell\(c)", compound: "K\(k)", doseMicromolar: 1, timeHours: 24))
                values += (0..<genes).map { _ in Float(rng.nextGaussian() * 1.5) }
            }
        }
        return (conditions, values)
    }

    static func geneNames(_ n: Int) -> [String] { (0..<n).map { "G\($0)" } }

    /// Dataset B derived from A by `transform` applied to every value.
    static func pair(
        transform: (Float) -> Float, compounds: Int = 12, contexts: Int = 2, genes: Int = 60
    ) throws -> [ProfileSet] {
        let (conditions, values) = effects(compounds: compounds, contexts: contexts, genes: genes, seed: 11)
        let a = try ProfileSet(dataset: "A", genes: geneNames(genes), conditions: conditions, values: values)
        let b = try ProfileSet(
            dataset: "B", genes: geneNames(genes), conditions: conditions, values: values.map(transform))
        return [a, b]
    }
}
