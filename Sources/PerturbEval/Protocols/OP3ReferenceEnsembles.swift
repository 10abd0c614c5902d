import Foundation

/// The two weighted ensembles of the OP3 method `nn_retraining_with_pseudolabels`, with the hyper-parameters and
/// weights hard-coded in openproblems-bio/task_perturbation_prediction
/// `src/methods/nn_retraining_with_pseudolabels/notebook_264.py` (stage 1: `load_params`, `load_weights`) and
/// `notebook_266.py` (stage 2), MIT licensed; the same tables are in theislab/op3_signatures
/// `src/methods/nn_retraining_with_pseudolabels_mol_emb_learning_missed/` (the paper's variant). Every value is
/// the notebooks' (learning rates rounded to Float).
public struct OP3ReferenceEnsemble: Sendable {
    public var models: [OP3ReferenceModelSpec]
    /// Weight of each model in the weighted mean (divided by their sum).
    public var weights: [Double]

    /// Stage 1 (notebook 264): models 1, 2, 3, 5, 6, 7, 8 with their Optuna epochs, the pseudo-label ensemble.
    public static let stage1 = OP3ReferenceEnsemble(
        models: [
            .init(
                .model1, epochs: 114, batch: 128, lr: 0.008457844054540857, embedding: 22, components: 50,
                dense: [256, 1024], dropout: [0.2, 0.2]),
            .init(
                .model2, epochs: 136, batch: 64, lr: 0.007787474024659863, embedding: 10, components: 60,
                dense: [384, 1280], dropout: [0.4643149193312417, 0.10101884612160547]),
            .init(
                .model3, epochs: 157, batch: 64, lr: 0.004311857150745656, embedding: 62, components: 119,
                dense: [560, 480, 248, 224],
                dropout: [0.4359908049836846, 0.34432694543970555, 0.01112409967333259, 0.23133616975077548]),
            .init(
                .model5, epochs: 122, batch: 32, lr: 0.004429076555977599, embedding: 32, components: 71,
                dense: [256, 1024], dropout: [0.40604535344002984, 0.178189970426619]),
            .init(
                .model6, epochs: 112, batch: 128, lr: 0.009773732221901085, embedding: 60, components: 126,
                dense: [436, 416], dropout: [0.4024659444883379, 0.2573940194596736]),
            .init(
                .model7, epochs: 141, batch: 128, lr: 0.005530331519967936, embedding: 48, components: 100,
                dense: [712, 400, 232, 216],
                dropout: [0.4903998136177629, 0.032371643764537134, 0.11138300987168903, 0.019885384663655765]),
            .init(
                .model8, epochs: 143, batch: 192, lr: 0.00971858172843266, embedding: 48, components: 100,
                dense: [312, 344, 248], dropout: [0.10974777738609129, 0.10106027333885811, 0.09775833250663657]),
        ],
        weights: [
            0.15224443321212433, 0.7152220796128623, 0.7547606691460997, 0.05786285275052854, 0.9602177109190158,
            0.4968056740470425, 0.9881673272809887,
        ])

    /// Stage 2 (notebook 266): 20 models (model 1 ×1, 2 ×3, 3 ×2, 4 ×2, 5 ×3, 6 ×3, 7 ×2, 8 ×4), all 200
    /// epochs, retrained on the training rows plus the stage-1 pseudo-labels of the held-out rows; weights `w_0` …
    /// `w_19`.
    public static let stage2 = OP3ReferenceEnsemble(
        models: [
            .init(
                .model1, epochs: 200, batch: 128, lr: 0.008457844054540857, embedding: 22, components: 50,
                dense: [256, 1024], dropout: [0.2, 0.2]),
            .init(
                .model2, epochs: 200, batch: 64, lr: 0.007787474024659863, embedding: 10, components: 60,
                dense: [384, 1280], dropout: [0.4643149193312417, 0.10101884612160547]),
            .init(
                .model2, epochs: 200, batch: 192, lr: 0.00830447680398929, embedding: 32, components: 96,
                dense: [284, 1424], dropout: [0.27860934847913565, 0.04217965884576308]),
            .init(
                .model2, epochs: 200, batch: 64, lr: 0.006661059864181284, embedding: 22, components: 61,
                dense: [232, 1184], dropout: [0.46230673331531297, 0.24430331733550426]),
            .init(
                .model3, epochs: 200, batch: 64, lr: 0.004311857150745656, embedding: 62, components: 119,
                dense: [560, 480, 248, 224],
                dropout: [0.4359908049836846, 0.34432694543970555, 0.01112409967333259, 0.23133616975077548]),
            .init(
                .model3, epochs: 200, batch: 64, lr: 0.007915642160705914, embedding: 22, components: 55,
                dense: [504, 136, 232, 512],
                dropout: [0.0072011388198520605, 0.07781770809801486, 0.3482776196327668, 0.4010684312497648]),
            .init(
                .model4, epochs: 200, batch: 64, lr: 0.005948541271442179, embedding: 46, components: 213,
                dense: [872, 264, 256], dropout: [0.17543603718794346, 0.3587657616370447, 0.12077512068514727]),
            .init(
                .model4, epochs: 200, batch: 128, lr: 0.006444109866334638, embedding: 62, components: 104,
                dense: [552, 480, 216], dropout: [0.323390730123547, 0.15142047240687942, 0.034625791669279364]),
            .init(
                .model5, epochs: 200, batch: 32, lr: 0.005430251128204367, embedding: 56, components: 108,
                dense: [256, 1024], dropout: [0.02868537022302934, 0.35808251111776157]),
            .init(
                .model5, epochs: 200, batch: 192, lr: 0.00528860262509972, embedding: 60, components: 78,
                dense: [256, 1024], dropout: [0.2978319229273037, 0.3236224036130246]),
            .init(
                .model5, epochs: 200, batch: 32, lr: 0.004429076555977599, embedding: 32, components: 71,
                dense: [256, 1024], dropout: [0.40604535344002984, 0.178189970426619]),
            .init(
                .model6, epochs: 200, batch: 128, lr: 0.0030468340279031702, embedding: 62, components: 144,
                dense: [396, 912], dropout: [0.2643057707162437, 0.1738090239074675]),
            .init(
                .model6, epochs: 200, batch: 128, lr: 0.009773732221901085, embedding: 60, components: 126,
                dense: [436, 416], dropout: [0.4024659444883379, 0.2573940194596736]),
            .init(
                .model6, epochs: 200, batch: 160, lr: 0.005742157072582258, embedding: 56, components: 134,
                dense: [504, 928], dropout: [0.26460638891781607, 0.243272371789527]),
            .init(
                .model7, epochs: 200, batch: 128, lr: 0.0026256302897014814, embedding: 62, components: 167,
                dense: [824, 184, 208, 472],
                dropout: [0.04406850232282358, 0.051203939042409885, 0.05926676325711479, 0.08819762697219703]),
            .init(
                .model7, epochs: 200, batch: 128, lr: 0.005530331519967936, embedding: 48, components: 100,
                dense: [712, 400, 232, 216],
                dropout: [0.4903998136177629, 0.032371643764537134, 0.11138300987168903, 0.019885384663655765]),
            .init(
                .model8, epochs: 200, batch: 192, lr: 0.00971858172843266, embedding: 48, components: 100,
                dense: [312, 344, 248], dropout: [0.10974777738609129, 0.10106027333885811, 0.09775833250663657]),
            .init(
                .model8, epochs: 200, batch: 192, lr: 0.008078165473745607, embedding: 16, components: 72,
                dense: [1016, 392, 176], dropout: [0.21410737149365255, 0.40541433561062473, 0.10476819447155189]),
            .init(
                .model8, epochs: 200, batch: 160, lr: 0.005427125417330768, embedding: 36, components: 128,
                dense: [760, 416, 240], dropout: [0.16485069317527304, 0.014216669745902685, 0.05820818430142793]),
            .init(
                .model8, epochs: 200, batch: 224, lr: 0.0077454113093514835, embedding: 38, components: 246,
                dense: [856, 352, 112], dropout: [0.058963634508929205, 0.10928657766717247, 0.06218368685386452]),
        ],
        weights: [
            0.039503611057797205, 0.22778329445024798, 0.6470451053292054, 0.14998376919294348, 0.2417986187654036,
            0.018231625997453538, 0.0670756518443389, 0.45476025839087764, 0.8953651930541969, 0.2341721081339142,
            0.3780523499542964, 0.3428728268932388, 0.58025233963141, 0.815817039069762, 0.4865022144120589,
            0.01707600530474928, 0.26623418232070073, 0.20727099624448486, 0.47400340366957744, 0.6758531294442794,
        ])
}
