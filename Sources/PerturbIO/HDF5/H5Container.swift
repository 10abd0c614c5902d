import CHDF5

/// Whether a link in a group points to a group or a dataset.
public enum H5ObjectKind { case group, dataset, other }

/// Compression of written datasets.
public enum H5Compression: Equatable {
    case none
    /// Deflate (gzip) at level 0–9, as h5py's `compression="gzip"`.
    case gzip(level: Int)
}

/// Navigation and creation inside an HDF5 file or group.
public protocol H5Container: H5Object {}

extension H5Container {
    /// True when `name` (a relative path, possibly nested like `a/b/c`) exists below this container.
    public func exists(_ name: String) -> Bool {
        guarded(child: name) { existsUnguarded(name) }
    }

    private func existsUnguarded(_ name: String) -> Bool {
        var prefix = ""
        for part in name.split(separator: "/") {
            prefix += prefix.isEmpty ? String(part) : "/" + part
            if H5Lexists(id, prefix, pb_h5p_default()) <= 0 { return false }
        }
        return !prefix.isEmpty
    }

    /// Names of the direct children, in name order.
    public func childNames() throws -> [String] {
        try guarded { try childNamesUnguarded() }
    }

    private func childNamesUnguarded() throws -> [String] {
        var info = H5G_info_t()
        guard H5Gget_info(id, &info) >= 0 else { throw failure("cannot list group", includeHDF5Stack: true) }
        var names: [String] = []
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, pb_h5p_default())
            guard length >= 0 else { throw failure("cannot list group", includeHDF5Stack: true) }
            guard length <= 1 << 16 else { throw failure("a link name of \(length) bytes: the group is damaged") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            guard
                H5Lget_name_by_idx(
                    id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, Int(length) + 1, pb_h5p_default()) >= 0
            else {
                throw failure("cannot list group", includeHDF5Stack: true)
            }
            names.append(String(cString: buffer))
        }
        return names
    }

    /// Whether `name` is a group or a dataset; nil when it does not exist.
    public func kind(of name: String) -> H5ObjectKind? {
        guard exists(name) else { return nil }
        let object = guarded(child: name) { H5Oopen(id, name, pb_h5p_default()) }
        guard object >= 0 else { _ = H5Library.takeErrorMessage(); return nil }
        defer { H5Oclose(object) }
        switch H5Iget_type(object) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// Opens the group `name`; throws "missing group" naming the path when absent.
    public func group(_ name: String) throws -> H5Group {
        guard let kind = kind(of: name) else {
            throw failure("missing group (expected an HDF5 group here)", child: name)
        }
        guard kind == .group else {
            throw failure("expected a group, found a \(kind == .dataset ? "dataset" : "non-group object")", child: name)
        }
        let handle = guarded(child: name) { H5Gopen2(id, name, pb_h5p_default()) }
        guard handle >= 0 else { throw failure("cannot open group", child: name, includeHDF5Stack: true) }
        return H5Group(id: handle, fileName: fileName, path: childPath(name))
    }

    /// Opens the dataset `name`; throws naming the path when absent or not a dataset.
    public func dataset(_ name: String) throws -> H5Dataset {
        guard let kind = kind(of: name) else { throw failure("missing dataset", child: name) }
        guard kind == .dataset else { throw failure("expected a dataset, found a group", child: name) }
        let handle = guarded(child: name) { H5Dopen2(id, name, pb_h5p_default()) }
        guard handle >= 0 else { throw failure("cannot open dataset", child: name, includeHDF5Stack: true) }
        return try H5Dataset(id: handle, fileName: fileName, path: childPath(name))
    }

    /// Creates a group `name` (which must not exist yet).
    @discardableResult
    public func createGroup(_ name: String) throws -> H5Group {
        let handle = H5Gcreate2(id, name, pb_h5p_default(), pb_h5p_default(), pb_h5p_default())
        guard handle >= 0 else { throw failure("cannot create group", child: name, includeHDF5Stack: true) }
        return H5Group(id: handle, fileName: fileName, path: childPath(name))
    }

    /// Creates a dataset of file type `type` and shape `dims` (empty = scalar), chunked and deflated when
    /// compression is asked for and the data is not empty.
    public func createDataset(
        _ name: String, type: hid_t, dims: [Int], compression: H5Compression = .none
    ) throws -> H5Dataset {
        let sizes = dims.map { hsize_t($0) }
        let space = dims.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(sizes.count), sizes, nil)
        defer { H5Sclose(space) }
        let plist = H5Pcreate(pb_h5p_dataset_create())
        defer { H5Pclose(plist) }
        if case .gzip(let level) = compression, !dims.isEmpty, !dims.contains(0) {
            let rowElements = dims.dropFirst().reduce(1, *)
            let rows = max(1, min(dims[0], (1 << 18) / max(1, rowElements)))
            let chunk = [hsize_t(rows)] + sizes.dropFirst()
            H5Pset_chunk(plist, Int32(chunk.count), chunk)
            H5Pset_deflate(plist, UInt32(max(0, min(9, level))))
        }
        let handle = H5Dcreate2(id, name, type, space, pb_h5p_default(), plist, pb_h5p_default())
        guard handle >= 0 else { throw failure("cannot create dataset", child: name, includeHDF5Stack: true) }
        return try H5Dataset(id: handle, fileName: fileName, path: childPath(name))
    }
}

/// An open HDF5 group.
public final class H5Group: H5Container {
    public let id: hid_t
    public let fileName: String
    public let path: String

    init(id: hid_t, fileName: String, path: String) {
        self.id = id
        self.fileName = fileName
        self.path = path
    }

    deinit { H5Gclose(id) }
}
