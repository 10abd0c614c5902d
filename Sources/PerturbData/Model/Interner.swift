/// Hands out one shared instance per distinct value: equal strings or arrays interned here share their storage,
/// so many rows holding the same few values cost one buffer instead of one each.
struct Interner<Value: Hashable> {
    private var seen: [Value: Value] = [:]

    /// The stored instance equal to `value` (`value` itself the first time).
    mutating func intern(_ value: Value) -> Value {
        if let known = seen[value] { return known }
        seen[value] = value
        return value
    }
}
