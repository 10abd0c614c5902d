// HDF5 C library (Debian libhdf5-dev, serial). HDF5 exposes its native type ids and file-access flags as
// macros that expand to function calls or globals Swift cannot import; the static inline wrappers below
// give Swift plain functions for them.
#include <hdf5.h>
#include <string.h>

static inline hid_t pb_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t pb_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t pb_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t pb_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t pb_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t pb_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t pb_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t pb_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t pb_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t pb_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t pb_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t pb_h5s_all(void) { return H5S_ALL; }
static inline hid_t pb_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t pb_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t pb_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline unsigned pb_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned pb_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned pb_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned pb_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline size_t pb_h5t_variable(void) { return H5T_VARIABLE; }
/// Silences HDF5's automatic error stack printing; errors are reported by the Swift layer instead.
static inline void pb_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static inline herr_t pb_h5_error_walker(unsigned n, const H5E_error2_t *err, void *data) {
    char *buf = (char *)data;
    size_t used = strlen(buf);
    const char *desc = (err && err->desc) ? err->desc : "";
    if (used + strlen(desc) + 3 >= 1024) return 0;
    if (used > 0) strcat(buf, "; ");
    strcat(buf, desc);
    (void)n;
    return 0;
}

/// Copies the descriptions of the current thread's HDF5 error stack (innermost first) into `buf`
/// (1024 bytes), then clears the stack.
static inline void pb_h5_error_messages(char *buf) {
    buf[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, pb_h5_error_walker, buf);
    H5Eclear2(H5E_DEFAULT);
}

/// Creates the enum type anndata/h5py use for numpy bools: int8 base, FALSE = 0, TRUE = 1.
static inline hid_t pb_h5t_bool_enum(void) {
    hid_t t = H5Tenum_create(H5T_NATIVE_INT8);
    signed char f = 0, v = 1;
    H5Tenum_insert(t, "FALSE", &f);
    H5Tenum_insert(t, "TRUE", &v);
    return t;
}

/// A variable-length UTF-8 string type (the layout h5py writes for Python `str`).
static inline hid_t pb_h5t_vlen_utf8(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

/// A fixed-length string type of `size` bytes (null-padded), as h5py writes numpy `S` arrays.
static inline hid_t pb_h5t_fixed_string(size_t size) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, size);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    return t;
}

/// Opens the object that the object-reference attribute `name` of `obj` points to (anndata 0.7 stored a
/// categorical column's labels this way); returns a negative id when the attribute is absent or not a reference.
static inline hid_t pb_h5_open_referenced(hid_t obj, const char *name) {
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0) return -1;
    hid_t type = H5Aget_type(attr);
    hid_t result = -1;
    if (H5Tget_class(type) == H5T_REFERENCE) {
        hobj_ref_t ref;
        if (H5Aread(attr, H5T_STD_REF_OBJ, &ref) >= 0) result = H5Rdereference2(obj, H5P_DEFAULT, H5R_OBJECT, &ref);
    }
    H5Tclose(type);
    H5Aclose(attr);
    return result;
}
