import PerturbBase

/// A problem with an input file's content or layout: names the file, the place inside it (an HDF5 path such as
/// `/obs/cell_type/codes`, or a line of a text file) and what is wrong.
public struct FormatError: UserInputError, Equatable {
    /// The file, as the user named it.
    public let file: String
    /// Where in the file: an HDF5 path, `line N`, or empty for the whole file.
    public let location: String
    /// What is wrong and, where possible, what to do about it.
    public let message: String

    public init(file: String, location: String, message: String) {
        self.file = file
        self.location = location
        self.message = message
    }

    public var description: String {
        location.isEmpty ? "\(file): \(message)" : "\(file): \(location): \(message)"
    }
}
