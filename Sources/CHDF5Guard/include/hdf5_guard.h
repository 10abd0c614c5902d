#pragma once
// A last line of defence around libhdf5 calls on files being read. Debian's libhdf5 1.10.8 trusts some on-disk
// metadata (global-heap object indices behind variable-length strings, heap collection sizes, B-tree links): on a
// damaged file it can dereference NULL or loop forever inside the library, where no return code can be checked.
// While a guard is entered, such a fault (SIGSEGV, SIGBUS, SIGFPE) or a call that burns more CPU time than its
// budget ends the process with exit status 1 and the message given at entry (which names the file and the HDF5
// object), the same way a FormatError does. Outside a guard, faults reach the previous handlers (Swift's
// backtracer) unchanged, so bugs in our own code still crash loudly.
//
// The state lives in guard.c, one copy per process: a header of static inline functions would give every object
// file that inlines a call its own copy (release builds split a module into several), and the signal handler of
// one copy would not see a guard entered through another.

/// Enters a guarded region: `context` (e.g. "error: FILE: /obs/name: ") starts the message printed if libhdf5
/// faults or spends more than `cpu_seconds` of this thread's CPU time before `pb_guard_leave`. Nested entries
/// keep the outermost context and budget. Use from one thread at a time (like this serial libhdf5 build).
void pb_guard_enter(const char *context, double cpu_seconds);

/// Leaves the region entered by the matching `pb_guard_enter`.
void pb_guard_leave(void);
