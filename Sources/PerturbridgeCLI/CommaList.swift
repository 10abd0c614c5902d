import ArgumentParser
import Foundation

/// A comma-separated option value — `--seeds 0,1,2`, `--datasets sim_l1000,sim_op3`,
/// `--evaluation-contexts "B cells,Myeloid cells"` — as one typed option: the items are trimmed of surrounding
/// spaces (names may hold inner spaces) and each is parsed as `Element`. An empty item (`0,,1`, a trailing comma) or
/// one `Element` rejects makes the parser reject the whole value with an error naming the flag and the value.
///
/// Every comma-separated option of the CLI goes through this type, so the splitting rule lives in one place; what
/// an item may be (a positive width, a known similarity) is checked by the command's `validate()`.
struct CommaList<Element: ExpressibleByArgument>: ExpressibleByArgument {
    /// The items, in the order given.
    var items: [Element]

    init(_ items: [Element]) { self.items = items }

    init?(argument: String) {
        var items: [Element] = []
        for piece in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let text = piece.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, let item = Element(argument: text) else { return nil }
            items.append(item)
        }
        self.items = items
    }

    var defaultValueDescription: String { items.map(\.defaultValueDescription).joined(separator: ",") }
}
