// Open MPI (Debian libopenmpi-dev, pkg-config ompi-c) for Swift. MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE
// ... are macros over Open MPI's predefined globals, which Swift cannot import: these static inline wrappers take
// plain C types and always use MPI_COMM_WORLD. Every function returns MPI's error code (MPI_SUCCESS = 0).
#include <mpi.h>
#include <stddef.h>

/// MPI_Init_thread with MPI_THREAD_SERIALIZED (one thread calls MPI at a time); `provided` gets the level granted.
static inline int cmpi_init(int *provided) {
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, provided);
}

/// 1 when MPI_Init has been called (even if MPI_Finalize has since been).
static inline int cmpi_initialized(void) {
    int flag = 0;
    MPI_Initialized(&flag);
    return flag;
}

/// 1 when MPI_Finalize has been called.
static inline int cmpi_finalized(void) {
    int flag = 0;
    MPI_Finalized(&flag);
    return flag;
}

static inline int cmpi_rank(int *rank) { return MPI_Comm_rank(MPI_COMM_WORLD, rank); }
static inline int cmpi_size(int *size) { return MPI_Comm_size(MPI_COMM_WORLD, size); }

/// Broadcasts `count` bytes of `buffer` from `root` to every rank.
static inline int cmpi_broadcast_bytes(void *buffer, int count, int root) {
    return MPI_Bcast(buffer, count, MPI_BYTE, root, MPI_COMM_WORLD);
}

/// In-place sum over ranks of `count` floats.
static inline int cmpi_allreduce_sum_float(float *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

/// In-place sum over ranks of `count` doubles.
static inline int cmpi_allreduce_sum_double(double *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

/// Every rank's `count` bytes of `send`, concatenated in rank order into `receive` (size × count bytes).
static inline int cmpi_allgather_bytes(const void *send, void *receive, int count) {
    return MPI_Allgather(send, count, MPI_BYTE, receive, count, MPI_BYTE, MPI_COMM_WORLD);
}

static inline int cmpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static inline int cmpi_finalize(void) { return MPI_Finalize(); }
