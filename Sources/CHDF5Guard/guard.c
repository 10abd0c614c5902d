// The crash and stall guard of include/hdf5_guard.h (see there).
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hdf5_guard.h"

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

static struct pb_guard_state guard_state;
static __thread struct pb_guard_thread_state thread_state;

static struct pb_guard_state *pb_guard_state(void) { return &guard_state; }

static struct pb_guard_thread_state *pb_guard_thread(void) { return &thread_state; }

static void pb_guard_write(const char *text) {
    size_t length = strlen(text);
    while (length > 0) {
        ssize_t done = write(STDERR_FILENO, text, length);
        if (done <= 0) return;
        text += done;
        length -= (size_t)done;
    }
}

static void pb_guard_handler(int sig, siginfo_t *info, void *context) {
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

/// In the child of a fork: the parent's CPU timers are not inherited (POSIX), so the forking thread prepares a new one
/// at its next guard.
static void pb_guard_after_fork(void) {
    pb_guard_thread()->ready = 0;
}

static void pb_guard_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = pb_guard_handler;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    const int signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGALRM };
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        sigaction(signals[i], &action, &pb_guard_state()->previous[signals[i]]);
    }
    pthread_atfork(NULL, NULL, pb_guard_after_fork);
    pb_guard_state()->installed = 1;
}

/// Prepares the calling thread: an alternate signal stack (a fault may be a stack overflow in deep recursion)
/// and a timer on this thread's CPU clock that raises SIGALRM.
static void pb_guard_prepare_thread(void) {
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

void pb_guard_enter(const char *context, double cpu_seconds) {
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

void pb_guard_leave(void) {
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
