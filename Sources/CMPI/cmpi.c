// Implementation of cmpi.h: libmpi.so.40 opened with dlopen, its functions and predefined handles looked up once.
#include "cmpi.h"

#include <dlfcn.h>
#include <stdio.h>

struct cmpi_library {
    int (*init_thread)(int *, char ***, int, int *);
    int (*initialized)(int *);
    int (*finalized)(int *);
    int (*comm_rank)(cmpi_handle, int *);
    int (*comm_size)(cmpi_handle, int *);
    int (*bcast)(void *, int, cmpi_handle, int, cmpi_handle);
    int (*allreduce)(const void *, void *, int, cmpi_handle, cmpi_handle, cmpi_handle);
    int (*allgather)(const void *, int, cmpi_handle, void *, int, cmpi_handle, cmpi_handle);
    int (*barrier)(cmpi_handle);
    int (*finalize)(void);
    cmpi_handle comm_world, type_byte, type_float, type_double, op_sum;
};

static struct cmpi_library cmpi_lib;

int cmpi_load(const char *path, char *error, size_t capacity) {
    if (cmpi_lib.init_thread) return 0;
    void *library = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        snprintf(error, capacity, "%s", dlerror());
        return -1;
    }
    const char *names[] = {"MPI_Init_thread", "MPI_Initialized", "MPI_Finalized", "MPI_Comm_rank", "MPI_Comm_size",
                           "MPI_Bcast", "MPI_Allreduce", "MPI_Allgather", "MPI_Barrier", "MPI_Finalize",
                           "ompi_mpi_comm_world", "ompi_mpi_byte", "ompi_mpi_float", "ompi_mpi_double", "ompi_mpi_op_sum"};
    void *symbols[15];
    for (int i = 0; i < 15; i++) {
        symbols[i] = dlsym(library, names[i]);
        if (!symbols[i]) {
            snprintf(error, capacity, "%s has no symbol %s (not Open MPI 4.x?)", path, names[i]);
            return -1;
        }
    }
    struct cmpi_library loaded = {
        (int (*)(int *, char ***, int, int *))symbols[0], (int (*)(int *))symbols[1], (int (*)(int *))symbols[2],
        (int (*)(cmpi_handle, int *))symbols[3], (int (*)(cmpi_handle, int *))symbols[4],
        (int (*)(void *, int, cmpi_handle, int, cmpi_handle))symbols[5],
        (int (*)(const void *, void *, int, cmpi_handle, cmpi_handle, cmpi_handle))symbols[6],
        (int (*)(const void *, int, cmpi_handle, void *, int, cmpi_handle, cmpi_handle))symbols[7],
        (int (*)(cmpi_handle))symbols[8], (int (*)(void))symbols[9],
        symbols[10], symbols[11], symbols[12], symbols[13], symbols[14],
    };
    cmpi_lib = loaded;
    return 0;
}

int cmpi_loaded(void) { return cmpi_lib.init_thread != NULL; }

// MPI_THREAD_SERIALIZED is 2 in Open MPI's mpi.h.
int cmpi_init(int *provided) { return cmpi_lib.init_thread(NULL, NULL, 2, provided); }

int cmpi_initialized(void) {
    int flag = 0;
    if (cmpi_loaded()) cmpi_lib.initialized(&flag);
    return flag;
}

int cmpi_finalized(void) {
    int flag = 0;
    if (cmpi_loaded()) cmpi_lib.finalized(&flag);
    return flag;
}

int cmpi_rank(int *rank) { return cmpi_lib.comm_rank(cmpi_lib.comm_world, rank); }
int cmpi_size(int *size) { return cmpi_lib.comm_size(cmpi_lib.comm_world, size); }

int cmpi_broadcast_bytes(void *buffer, int count, int root) {
    return cmpi_lib.bcast(buffer, count, cmpi_lib.type_byte, root, cmpi_lib.comm_world);
}

int cmpi_allreduce_sum_float(float *buffer, int count) {
    return cmpi_lib.allreduce((void *)1, buffer, count, cmpi_lib.type_float, cmpi_lib.op_sum, cmpi_lib.comm_world);
}

int cmpi_allreduce_sum_double(double *buffer, int count) {
    return cmpi_lib.allreduce((void *)1, buffer, count, cmpi_lib.type_double, cmpi_lib.op_sum, cmpi_lib.comm_world);
}

int cmpi_allgather_bytes(const void *send, void *receive, int count) {
    return cmpi_lib.allgather(send, count, cmpi_lib.type_byte, receive, count, cmpi_lib.type_byte, cmpi_lib.comm_world);
}

int cmpi_barrier(void) { return cmpi_lib.barrier(cmpi_lib.comm_world); }
int cmpi_finalize(void) { return cmpi_lib.finalize(); }
