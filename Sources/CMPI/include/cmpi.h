// Open MPI for Swift, loaded at run time. The binary does not link libmpi: a process started without mpirun never
// touches MPI, so perturbridge runs on machines without Open MPI. Under mpirun, `cmpi_load` opens Open MPI's
// libmpi.so.40 (4.x ABI; the Swift side takes PERTURBRIDGE_MPI_LIBRARY instead when set) with dlopen (RTLD_GLOBAL: Open MPI's own plugins resolve their symbols against it) and
// looks up the functions below and the predefined handles that mpi.h's macros name (MPI_COMM_WORLD is
// &ompi_mpi_comm_world, MPI_FLOAT &ompi_mpi_float, MPI_SUM &ompi_mpi_op_sum, MPI_IN_PLACE (void *)1 in Open MPI's
// mpi.h). Handles are pointers in Open MPI, so no MPI header is needed. Every call wrapper returns MPI's error code
// (MPI_SUCCESS = 0) and always uses MPI_COMM_WORLD.
#ifndef CMPI_H
#define CMPI_H
#include <stddef.h>

typedef void *cmpi_handle;

/// Opens libmpi (`path`, e.g. "libmpi.so.40", searched like any shared library) and resolves every symbol; 0 on
/// success, else -1 with a message in `error` (size `capacity`).
int cmpi_load(const char *path, char *error, size_t capacity);
/// Whether `cmpi_load` succeeded (every other function needs it).
int cmpi_loaded(void);
/// MPI_Init_thread with MPI_THREAD_SERIALIZED (one thread calls MPI at a time); `provided` gets the level granted.
int cmpi_init(int *provided);
/// 1 when MPI_Init has been called (even if MPI_Finalize has since been); 0 when libmpi is not loaded.
int cmpi_initialized(void);
/// 1 when MPI_Finalize has been called.
int cmpi_finalized(void);
int cmpi_rank(int *rank);
int cmpi_size(int *size);
/// Broadcasts `count` bytes of `buffer` from `root` to every rank.
int cmpi_broadcast_bytes(void *buffer, int count, int root);
/// In-place sum over ranks of `count` floats.
int cmpi_allreduce_sum_float(float *buffer, int count);
/// In-place sum over ranks of `count` doubles.
int cmpi_allreduce_sum_double(double *buffer, int count);
/// Every rank's `count` bytes of `send`, concatenated in rank order into `receive` (size × count bytes).
int cmpi_allgather_bytes(const void *send, void *receive, int count);
int cmpi_barrier(void);
int cmpi_finalize(void);

#endif
