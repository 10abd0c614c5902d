import CHDF5

/// An open HDF5 object (file, group or dataset) that knows the file and path it came from, for error messages.
public protocol H5Object: AnyObject {
    /// The HDF5 identifier; valid while the object is alive.
    var id: hid_t { get }
    /// The file name as the user gave it.
    var fileName: String { get }
    /// The absolute HDF5 path of this object (`/` for the root).
    var path: String { get }
}

extension H5Object {
    /// An error about this object (or a child when `child` is given), with HDF5's own reason appended if any.
    func failure(_ message: String, child: String? = nil, includeHDF5Stack: Bool = false) -> FormatError {
        var text = message
        if includeHDF5Stack {
            let stack = H5Library.takeErrorMessage()
            if !stack.isEmpty { text += " (HDF5: \(stack))" }
        }
        return FormatError(file: fileName, location: child.map(childPath) ?? path, message: text)
    }

    /// The absolute path of a child named `name`.
    func childPath(_ name: String) -> String {
        path == "/" ? "/" + name : path + "/" + name
    }
}
