import Foundation
import PerturbStats

/// How `LimmaEffects` lays out the linear model of a context (seed spec §1.2).
public enum LimmaDesign: String, CaseIterable, Codable, Sendable {
    /// The reference's design (`run_deg.R`): one level per treated condition and one per control time (the context's
    /// vehicle controls pooled per time; control times without treated samples dropped; controls of unknown time
    /// serve every time), plate as a covariate when the samples span more than one plate — `~ 0 + cond + plate` —
    /// and each condition against the controls of its time.
    case plateCovariate = "plate-covariate"
    /// One level per condition and per control group (a plate, or plate + context + time) and each condition against
    /// the mean of its own control groups: plate effects are absorbed by the control levels (the reference's
    /// `control_per_plate` variant).
    case controlGroups = "control-groups"
}

/// The design of one context: the samples it uses, its matrix, and each condition's contrast.
struct ContextDesign {
    var used: [Int]
    var design: DesignMatrix
    /// Per condition the weights of its contrast over design columns, in the order of the context's conditions;
    /// conditions without matching controls are left out.
    var contrasts: [(condition: Condition, weights: [String: Double])]
    /// Conditions left out because no control of their time is in the context (plate-covariate design).
    var withoutControls: [Condition]

    /// `treated`: the context's treated samples whose control group has controls; `conditions`: the context's pooled
    /// conditions in output order.
    static func make(
        _ kind: LimmaDesign, samples: [SampleAnnotation], treated: [Int], context: String,
        conditions: [Condition]
    ) -> ContextDesign {
        switch kind {
        case .controlGroups: return controlGroups(samples: samples, treated: treated, conditions: conditions)
        case .plateCovariate:
            return plateCovariate(samples: samples, treated: treated, context: context, conditions: conditions)
        }
    }

    /// Levels in order of first appearance over `used`, named L0, L1, ...
    private static func levels(
        _ keys: [String]
    ) -> (levels: [String], levelOf: [String: String], sampleLevels: [String]) {
        var levels: [String] = [], levelOf: [String: String] = [:], sampleLevels: [String] = []
        for key in keys {
            if levelOf[key] == nil { levelOf[key] = "L\(levels.count)"; levels.append("L\(levels.count)") }
            sampleLevels.append(levelOf[key]!)
        }
        return (levels, levelOf, sampleLevels)
    }

    private static func conditionKey(_ c: Condition) -> String { "condition\u{1}" + c.id }

    static func controlGroups(samples: [SampleAnnotation], treated: [Int], conditions: [Condition]) -> ContextDesign {
        var groupsOf: [Condition: Set<String>] = [:]
        for i in treated { groupsOf[samples[i].condition!.pooled, default: []].insert(samples[i].controlGroup) }
        let groups = groupsOf.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        let controls = samples.indices.filter {
            samples[$0].condition == nil && groups.contains(samples[$0].controlGroup)
        }
        let used = treated + controls
        let (levels, levelOf, sampleLevels) = levels(
            used.map { i in
                samples[i].condition.map { conditionKey($0.pooled) } ?? "control\u{1}" + samples[i].controlGroup
            })
        let contrasts = conditions.compactMap { condition -> (Condition, [String: Double])? in
            guard let own = groupsOf[condition]?.sorted() else { return nil }
            var w = [levelOf[conditionKey(condition)]!: 1.0]
            for group in own { w[levelOf["control\u{1}" + group]!, default: 0] -= 1 / Double(own.count) }
            return (condition, w)
        }
        return ContextDesign(
            used: used, design: DesignMatrix.groups(sampleLevels, levels: levels), contrasts: contrasts,
            withoutControls: [])
    }

    static func plateCovariate(
        samples: [SampleAnnotation], treated: [Int], context: String, conditions: [Condition]
    ) -> ContextDesign {
        // A control of unknown time (an input without a time for its vehicle wells) serves every time.
        let anyTime = "any time"
        func controlKey(_ s: SampleAnnotation) -> String {
            s.controlTime == nil ? anyTime : Condition.format(s.controlTime)
        }
        let treatedTimes = Set(treated.map { Condition.format(samples[$0].condition!.timeHours) })
        // The context's controls: those that name it, else (context unknown) those on the treated samples' control groups.
        let groups = Set(treated.map { samples[$0].controlGroup })
        let controls = samples.indices.filter { i in
            let s = samples[i]
            guard s.condition == nil else { return false }
            let inContext = s.controlContext.map { $0 == context } ?? groups.contains(s.controlGroup)
            return inContext && (s.controlTime == nil || treatedTimes.contains(controlKey(s)))
        }
        let controlTimes = Set(controls.map { controlKey(samples[$0]) })
        func controlLevelKey(of condition: Condition) -> String? {
            let time = Condition.format(condition.timeHours)
            if controlTimes.contains(time) { return "control\u{1}" + time }
            return controlTimes.contains(anyTime) ? "control\u{1}" + anyTime : nil
        }
        let kept = treated.filter { controlLevelKey(of: samples[$0].condition!.pooled) != nil }
        let used = kept + controls
        let (levels, levelOf, sampleLevels) = levels(
            used.map { i in
                samples[i].condition.map { conditionKey($0.pooled) } ?? "control\u{1}" + controlKey(samples[i])
            })
        let plates = used.map { samples[$0].plate ?? "" }
        let plateLevels = Array(Set(plates)).sorted()
        let factors = plateLevels.count > 1 ? [(name: "plate", values: plates, levels: plateLevels)] : []
        var contrasts: [(condition: Condition, weights: [String: Double])] = [], withoutControls: [Condition] = []
        let fitted = Set(kept.map { samples[$0].condition!.pooled })
        for condition in conditions {
            guard fitted.contains(condition), let key = controlLevelKey(of: condition), let control = levelOf[key]
            else {
                withoutControls.append(condition)
                continue
            }
            contrasts.append((condition, [levelOf[conditionKey(condition)]!: 1, control: -1]))
        }
        return ContextDesign(
            used: used, design: DesignMatrix.groups(sampleLevels, levels: levels, factors: factors),
            contrasts: contrasts, withoutControls: withoutControls)
    }
}
