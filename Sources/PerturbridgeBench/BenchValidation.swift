import ArgumentParser

/// Throws a `ValidationError` naming the first flag whose value is not a positive integer (flags in sorted order).
func requirePositive(_ values: [String: Int]) throws {
    if let (flag, value) = values.sorted(by: { $0.key < $1.key }).first(where: { $0.value <= 0 }) {
        throw ValidationError("\(flag) must be a positive integer, got \(value)")
    }
}
