import CHDF5
import Foundation

/// An open HDF5 file; it is also the root group.
public final class H5File: H5Container {
    public let id: hid_t
    public let fileName: String
    public var path: String { "/" }

    /// Opens an existing file read-only. Errors say whether the file is missing, not HDF5, or truncated/corrupt.
    public init(openForReading url: URL) throws {
        H5Library.prepare()
        let name = url.path
        guard FileManager.default.fileExists(atPath: name) else {
            throw FormatError(file: name, location: "", message: "file not found")
        }
        let isHDF5 = H5Guard.run(file: name, location: "") { H5Fis_hdf5(name) }
        guard isHDF5 > 0 else {
            _ = H5Library.takeErrorMessage()
            throw FormatError(
                file: name, location: "",
                message: "not an HDF5 file (no HDF5 signature); expected .h5ad/.gctx written by HDF5")
        }
        let handle = H5Guard.run(file: name, location: "") { H5Fopen(name, pb_h5f_acc_rdonly(), pb_h5p_default()) }
        guard handle >= 0 else {
            let stack = H5Library.takeErrorMessage()
            let reason =
                stack.contains("truncated")
                ? "the file is truncated (incomplete copy or download?)" : "cannot open HDF5 file"
            throw FormatError(file: name, location: "", message: "\(reason) (HDF5: \(stack))")
        }
        id = handle
        fileName = name
    }

    /// Creates (or truncates) a file for writing.
    public init(creating url: URL) throws {
        H5Library.prepare()
        let handle = H5Fcreate(url.path, pb_h5f_acc_trunc(), pb_h5p_default(), pb_h5p_default())
        guard handle >= 0 else {
            throw FormatError(
                file: url.path, location: "", message: "cannot create HDF5 file (HDF5: \(H5Library.takeErrorMessage()))"
            )
        }
        id = handle
        fileName = url.path
    }

    /// Flushes written data to disk.
    public func flush() throws {
        guard H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0 else { throw failure("cannot flush file", includeHDF5Stack: true) }
    }

    /// True when the file starts with the HDF5 signature.
    public static func isHDF5(_ url: URL) -> Bool {
        H5Library.prepare()
        let result = H5Guard.run(file: url.path, location: "") { H5Fis_hdf5(url.path) }
        _ = H5Library.takeErrorMessage()
        return result > 0
    }

    deinit { H5Fclose(id) }
}
