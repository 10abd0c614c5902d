// HDF5 C library (Debian libhdf5-dev, serial). HDF5 exposes its native type ids and file-access flags as
// macros that expand to function calls or globals Swift cannot import; the static inline wrappers below
// give Swift plain functions for them.
#include <hdf5.h>

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
