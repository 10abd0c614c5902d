import Foundation

/// Learning-rate schedules as multipliers of the base rate.
public enum LearningRateSchedule: Codable, Equatable {
    /// The base rate throughout.
    case constant
    /// `base · gamma^epoch` (PyTorch `ExponentialLR` stepped once per epoch; the reference uses gamma 0.97).
    case exponential(gamma: Double)
    /// Linear warmup from 0 over `warmupSteps`, then cosine decay to `minimumFactor · base` at `totalSteps`.
    case cosine(warmupSteps: Int, totalSteps: Int, minimumFactor: Double)

    /// Multiplier of the base rate at the given epoch (0-based) and global step (0-based).
    public func factor(epoch: Int, step: Int) -> Double {
        switch self {
        case .constant:
            return 1
        case .exponential(let gamma):
            return pow(gamma, Double(epoch))
        case .cosine(let warmup, let total, let minimum):
            if step < warmup { return Double(step + 1) / Double(warmup) }
            let span = max(total - warmup, 1)
            let progress = min(Double(step - warmup) / Double(span), 1)
            return minimum + (1 - minimum) * 0.5 * (1 + cos(Double.pi * progress))
        }
    }

    /// The learning rate for `base` at the given epoch and step.
    public func learningRate(base: Float, epoch: Int, step: Int) -> Float {
        Float(Double(base) * factor(epoch: epoch, step: step))
    }
}
