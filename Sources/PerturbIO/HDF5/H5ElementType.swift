import CHDF5

/// What kind of values an HDF5 dataset or attribute holds, in the terms the readers care about.
public enum H5ElementType: Equatable, CustomStringConvertible {
    case float(bytes: Int)
    case integer(bytes: Int, signed: Bool)
    /// The int8 enum {FALSE, TRUE} that h5py/anndata write for numpy bools.
    case bool
    /// Any other enum.
    case enumeration
    /// A string: variable-length (`size` 0) or fixed-length of `size` bytes.
    case string(variableLength: Bool, size: Int)
    /// A compound (struct) type with named fields.
    case compound(fields: [String])
    case other(String)

    /// Classifies an open HDF5 type id.
    init(typeID: hid_t) {
        let size = Int(H5Tget_size(typeID))
        let typeClass = H5Tget_class(typeID)
        switch typeClass {
        case H5T_FLOAT:
            self = .float(bytes: size)
        case H5T_INTEGER:
            self = .integer(bytes: size, signed: H5Tget_sign(typeID) != H5T_SGN_NONE)
        case H5T_STRING:
            let variable = H5Tis_variable_str(typeID) > 0
            self = .string(variableLength: variable, size: variable ? 0 : size)
        case H5T_ENUM:
            if let damage = Self.enumDamage(typeID, size: size) {
                self = .other("enum \(damage) (damaged type)")
                return
            }
            let names = Self.memberNames(typeID)
            self = Set(names.map { $0.uppercased() }) == ["FALSE", "TRUE"] ? .bool : .enumeration
        case H5T_COMPOUND:
            self = .compound(fields: Self.memberNames(typeID))
        default:
            self = .other("HDF5 type class \(typeClass.rawValue)")
        }
    }

    /// Why an enum type cannot be converted safely, or nil: libhdf5 1.10 does not check that an enum is as wide as
    /// its integer base type, and converting a damaged one (`H5Tget_native_type`, `H5Dread`) corrupts the heap.
    private static func enumDamage(_ typeID: hid_t, size: Int) -> String? {
        let base = H5Tget_super(typeID)
        guard base >= 0 else { return "without a base type" }
        defer { H5Tclose(base) }
        let baseSize = Int(H5Tget_size(base))
        guard H5Tget_class(base) == H5T_INTEGER, baseSize == size, [1, 2, 4, 8].contains(size) else {
            return "of \(size) bytes over a base of \(baseSize) bytes"
        }
        return nil
    }

    static func memberNames(_ typeID: hid_t) -> [String] {
        let count = max(0, Int(H5Tget_nmembers(typeID)))
        return (0..<count).map { index in
            guard let name = H5Tget_member_name(typeID, UInt32(index)) else { return "" }
            defer { H5free_memory(name) }
            return String(cString: name)
        }
    }

    /// True for types that convert to numbers (floats, integers, bools).
    public var isNumeric: Bool {
        switch self {
        case .float, .integer, .bool: return true
        default: return false
        }
    }

    public var isString: Bool {
        if case .string = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .float(let bytes): return "float\(bytes * 8)"
        case .integer(let bytes, let signed): return "\(signed ? "int" : "uint")\(bytes * 8)"
        case .bool: return "bool"
        case .enumeration: return "enum"
        case .string(let variable, let size):
            return variable ? "string (variable-length)" : "string (fixed \(size) bytes)"
        case .compound(let fields): return "compound {\(fields.joined(separator: ", "))}"
        case .other(let text): return text
        }
    }
}
