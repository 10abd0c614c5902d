import CHDF5

/// Process-wide HDF5 setup: HDF5's own error printing is switched off once, and error stacks are turned into text
/// for our messages instead.
enum H5Library {
    private static let setup: Void = { pb_h5_silence_errors() }()

    /// Ensures HDF5 is initialized with automatic error printing disabled.
    static func prepare() { _ = setup }

    /// The current HDF5 error stack as one line (innermost cause first), cleared afterwards.
    static func takeErrorMessage() -> String {
        var buffer = [CChar](repeating: 0, count: 1024)
        buffer.withUnsafeMutableBufferPointer { pb_h5_error_messages($0.baseAddress!) }
        return String(cString: buffer)
    }
}
