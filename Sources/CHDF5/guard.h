// A last line of defence around libhdf5 calls on files being read. Debian's libhdf5 1.10.8 trusts some on-disk
// metadata (global-heap object indices behind variable-length strings, heap collection sizes, B-tree links): on a
// damaged file it can dereference NULL or loop forever inside the library, where no return code can be checked.
// While a guard is entered, such a fault (SIGSEGV, SIGBUS, SIGFPE) or a call that burns more CPU time than its
// budget ends the process with exit status 1 and the message given at entry (which names the file and the HDF5
// object), the same way a FormatError does. Outside a guard, faults reach the previous handlers (Swift's
// backtracer) unchanged, so bugs in our own code still crash loudly.
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// State lives in function-local statics: Swift's importer emits the inline functions (and their statics) into
// the module that calls them, but not file-scope statics of a header.
struct pb_guard_state {
    char context[2048];
    volatile sig_atomic_t armed;
    int depth;
    int installed;
    struct sigaction previous[NSIG];
};
struct pb_guard_thread_state {
    int ready;  // 0 not prepared, 1 timer created, -1 no timer available
    timer_t timer;
};

static inline struct pb_guard_state *pb_guard_state(void) {
    static struct pb_guard_state state;
    return &state;
}

static inline struct pb_guard_thread_state *pb_guard_thread(void) {
    static __thread struct pb_guard_thread_state state;
    return &state;
}

static inline void pb_guard_write(const char *text) {
    size_t length = strlen(text);
    while (length > 0) {
        ssize_t done = write(STDERR_FILENO, text, length);
        if (done <= 0) return;
        text += done;
        length -= (size_t)done;
    }
}

static inline void pb_guard_handler(int sig, siginfo_t *info, void *context) {
    (void)info; (void)context;
    struct pb_guard_state *state = pb_guard_state();
    if (state->armed) {
        pb_guard_write(state->context);
        if (sig == SIGALRM) {
            pb_guard_write("libhdf5 made no progress decoding this object (CPU-time budget exceeded): the file is damaged; "
                           "copy or download it again\n");
        } else {
            pb_guard_write("libhdf5 failed decoding this object (invalid memory access on corrupt metadata): the file is "
                           "damaged; copy or download it again\n");
        }
        _exit(1);
    }
    if (sig == SIGALRM) return;  // a budget timer that fired just after its guard was left
    sigaction(sig, &state->previous[sig], NULL);  // return and fault again, into the previous handler
}

static inline void pb_guard_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = pb_guard_handler;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    const int signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGALRM };
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        sigaction(signals[i], &action, &pb_guard_state()->previous[signals[i]]);
    }
    pb_guard_state()->installed = 1;
}

/// Prepares the calling thread: an alternate signal stack (a fault may be a stack overflow in deep recursion)
/// and a timer on this thread's CPU clock that raises SIGALRM.
static inline void pb_guard_prepare_thread(void) {
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && (current.ss_flags & SS_DISABLE)) {
        stack_t stack;
        stack.ss_size = 1 << 16;
        stack.ss_sp = malloc(stack.ss_size);
        stack.ss_flags = 0;
        if (stack.ss_sp) sigaltstack(&stack, NULL);
    }
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGALRM;
    struct pb_guard_thread_state *thread = pb_guard_thread();
    thread->ready = timer_create(CLOCK_THREAD_CPUTIME_ID, &event, &thread->timer) == 0 ? 1 : -1;
}

/// Enters a guarded region: `context` (e.g. "error: FILE: /obs/name: ") starts the message printed if libhdf5
/// faults or spends more than `cpu_seconds` of this thread's CPU time before `pb_guard_leave`. Nested entries
/// keep the outermost context and budget. Use from one thread at a time (like this serial libhdf5 build).
static inline void pb_guard_enter(const char *context, double cpu_seconds) {
    struct pb_guard_state *state = pb_guard_state();
    if (state->depth++ > 0) return;
    if (!state->installed) pb_guard_install();
    struct pb_guard_thread_state *thread = pb_guard_thread();
    if (thread->ready == 0) pb_guard_prepare_thread();
    size_t length = strlen(context);
    if (length >= sizeof state->context) length = sizeof state->context - 1;
    memcpy(state->context, context, length);
    state->context[length] = 0;
    if (thread->ready > 0) {
        struct itimerspec budget;
        memset(&budget, 0, sizeof budget);
        budget.it_value.tv_sec = (time_t)cpu_seconds;
        budget.it_value.tv_nsec = (long)((cpu_seconds - (double)(time_t)cpu_seconds) * 1e9);
        timer_settime(thread->timer, 0, &budget, NULL);
    }
    state->armed = 1;
}

/// Leaves the region entered by the matching `pb_guard_enter`.
static inline void pb_guard_leave(void) {
    struct pb_guard_state *state = pb_guard_state();
    if (--state->depth > 0) return;
    state->armed = 0;
    struct pb_guard_thread_state *thread = pb_guard_thread();
    if (thread->ready > 0) {
        struct itimerspec off;
        memset(&off, 0, sizeof off);
        timer_settime(thread->timer, 0, &off, NULL);
    }
}
