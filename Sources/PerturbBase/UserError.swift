/// An error caused by the user's input (a file, a flag, a value), as opposed to a bug in the program.
///
/// The CLI exits with status 1 and prints `description` for these; every other error exits with status 2.
/// Messages should name the file, the field and the row, and say what to fix.
public protocol UserInputError: Error, CustomStringConvertible {}

/// A generic user-input error with a ready message.
public struct InputError: UserInputError, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
