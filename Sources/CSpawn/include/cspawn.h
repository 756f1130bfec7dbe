#ifndef LABEILLE_CSPAWN_H
#define LABEILLE_CSPAWN_H

#include <sys/types.h>
#include <sys/wait.h>

#include "cperf.h"

/// Resource limits applied in the child between fork() and execve().
struct lb_limits {
    long memory_limit_mb;  /* RLIMIT_AS soft = hard = MiB * 2^20; <= 0: inherit      */
    long cpu_seconds;      /* RLIMIT_CPU soft = s, hard = s + 1 (SIGXCPU); <= 0: inherit */
    int cpu_count;         /* number of entries in cpus; <= 0: inherit affinity      */
    const int *cpus;       /* CPU indices for sched_setaffinity                      */
};

/// fork()s and execve()s `path` (must contain a '/'; no PATH search is done here).
/// The child becomes leader of its own process group, gets default signal
/// dispositions and an empty signal mask, stdin from /dev/null and stdout/stderr
/// redirected to the given files (created/truncated, 0644; NULL = /dev/null).
/// All descriptors >= 3 are closed on exec. `cwd` (may be NULL) is applied before
/// execve, so a relative `path` is resolved against it. `limits` may be NULL.
/// Returns 0 and sets *out_pid on success. On failure (fork, setup in the child or
/// execve) returns -1 and sets *out_errno; a child that failed has been reaped.
int lb_spawn(const char *path, char *const argv[], char *const envp[],
             const char *cwd, const char *stdout_path, const char *stderr_path,
             const struct lb_limits *limits, int *out_pid, int *out_errno);

/// lb_spawn, with a counter of `counter` attached to the child before its execve (see lb_counter_open:
/// user space, inherited by all descendants, counting from the exec). On success *out_counter_fd is the
/// counter, to read with lb_counter_read once the child has been reaped, and to close. Returns -2 with
/// *out_errno set (the child killed and reaped) when the counter cannot be opened; else as lb_spawn.
int lb_spawn_counted(const char *path, char *const argv[], char *const envp[],
                     const char *cwd, const char *stdout_path, const char *stderr_path,
                     const struct lb_limits *limits, struct lb_counter_event counter,
                     int *out_pid, int *out_errno, int *out_counter_fd);

/// pidfd_open(pid, 0); the descriptor is close-on-exec. Returns -1 and sets errno on failure.
int lb_pidfd_open(int pid);

/// Number of CPUs in this thread's affinity mask (sched_getaffinity + CPU_COUNT).
int lb_usable_cpu_count(void);

/* Swift cannot import the W* status macros. */
static inline int lb_wifexited(int status) { return WIFEXITED(status); }
static inline int lb_wexitstatus(int status) { return WEXITSTATUS(status); }
static inline int lb_wifsignaled(int status) { return WIFSIGNALED(status); }
static inline int lb_wtermsig(int status) { return WTERMSIG(status); }

void lb_line_buffer_stdout(void);
/// Installs the SIGINT/SIGTERM handlers (command line only); returns a descriptor that becomes readable
/// on the first signal (-1 when no pipe could be made).
int lb_install_interrupt_handlers(void);
int lb_interrupted(void);
void lb_become_subreaper(void);
#endif /* LABEILLE_CSPAWN_H */
