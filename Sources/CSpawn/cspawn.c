#define _GNU_SOURCE
#include "cspawn.h"
#include "cperf.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* ---- child side: async-signal-safe calls only ---------------------------- */

static void lb_child_fail(int errfd, int err) {
    while (write(errfd, &err, sizeof err) < 0 && errno == EINTR) {}
    _exit(127);
}

/* open() and move the descriptor above 2 so the dup2 calls cannot clobber it. */
static int lb_child_open(const char *path, int flags) {
    int fd = open(path ? path : "/dev/null", flags | O_CLOEXEC, 0644);
    if (fd >= 0 && fd < 3) {
        int hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        int e = errno;
        close(fd);
        errno = e;
        fd = hi;
    }
    return fd;
}

static void lb_child(int errfd, int gatefd, const char *path, char *const argv[], char *const envp[],
                     const char *cwd, const char *out_path, const char *err_path,
                     const struct lb_limits *lim, const cpu_set_t *cpus) {
    if (setpgid(0, 0) != 0) lb_child_fail(errfd, errno);

    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) (void)sigaction(sig, &dfl, NULL); /* EINVAL for glibc-internal ones */
    }
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) lb_child_fail(errfd, errno);

    /* Best effort: do not leak the harness's descriptors into the benchmark. */
    (void)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);

    if (cwd && chdir(cwd) != 0) lb_child_fail(errfd, errno);

    int in = lb_child_open(NULL, O_RDONLY);
    if (in < 0) lb_child_fail(errfd, errno);
    int out = lb_child_open(out_path, O_WRONLY | O_CREAT | O_TRUNC);
    if (out < 0) lb_child_fail(errfd, errno);
    int err = lb_child_open(err_path, O_WRONLY | O_CREAT | O_TRUNC);
    if (err < 0) lb_child_fail(errfd, errno);
    /* dup2 clears FD_CLOEXEC on the target; the originals close at exec. */
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) lb_child_fail(errfd, errno);

    if (lim && lim->memory_limit_mb > 0) {
        struct rlimit rl;
        rl.rlim_cur = rl.rlim_max = (rlim_t)lim->memory_limit_mb * 1024 * 1024;
        if (setrlimit(RLIMIT_AS, &rl) != 0) lb_child_fail(errfd, errno);
    }
    if (lim && lim->cpu_seconds > 0) {
        struct rlimit rl;
        rl.rlim_cur = (rlim_t)lim->cpu_seconds;
        rl.rlim_max = (rlim_t)lim->cpu_seconds + 1; /* hard > soft: the kill is SIGXCPU, not SIGKILL */
        if (setrlimit(RLIMIT_CPU, &rl) != 0) lb_child_fail(errfd, errno);
    }
    if (cpus && sched_setaffinity(0, sizeof *cpus, cpus) != 0) lb_child_fail(errfd, errno);

    /* Counted spawn: wait until the parent has attached its counter (a byte, or EOF if it gave up). */
    if (gatefd >= 0) {
        char go;
        while (read(gatefd, &go, 1) < 0 && errno == EINTR) {}
    }
    execve(path, argv, envp);
    lb_child_fail(errfd, errno);
}

/* ---- parent side ------------------------------------------------------- */

static int lb_spawn_impl(const char *path, char *const argv[], char *const envp[],
                         const char *cwd, const char *stdout_path, const char *stderr_path,
                         const struct lb_limits *limits, const struct lb_counter_event *counter,
                         int *out_pid, int *out_errno, int *out_counter_fd) {
    *out_pid = -1;
    *out_errno = 0;
    if (out_counter_fd) *out_counter_fd = -1;

    /* Everything the child needs is prepared before fork(). */
    cpu_set_t set;
    const cpu_set_t *cpus = NULL;
    if (limits && limits->cpu_count > 0) {
        CPU_ZERO(&set);
        for (int i = 0; i < limits->cpu_count; i++) {
            int c = limits->cpus[i];
            if (c < 0 || c >= CPU_SETSIZE) { *out_errno = EINVAL; return -1; }
            CPU_SET(c, &set);
        }
        cpus = &set;
    }

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) { *out_errno = errno; return -1; }
    int gate[2] = {-1, -1};
    if (counter && pipe2(gate, O_CLOEXEC) != 0) { *out_errno = errno; close(fds[0]); close(fds[1]); return -1; }

    /* Block all signals so no harness handler runs in the child before the reset. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        if (gate[1] >= 0) close(gate[1]);
        lb_child(fds[1], gate[0], path, argv, envp, cwd, stdout_path, stderr_path, limits, cpus);
    }
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(fds[1]);
    if (gate[0] >= 0) close(gate[0]);
    if (pid < 0) { close(fds[0]); if (gate[1] >= 0) close(gate[1]); *out_errno = fork_errno; return -1; }

    (void)setpgid(pid, pid); /* closes the race with the child's own setpgid; EACCES after exec is fine */

    /* The counter is attached while the child waits at the gate, before its execve: with inherit and
       enable_on_exec it counts the program and every descendant, and nothing of the harness. */
    int counter_errno = 0;
    if (counter) {
        int cfd = lb_counter_open(pid, *counter, 1);
        if (cfd < 0) counter_errno = errno ? errno : EIO;
        else *out_counter_fd = cfd;
        if (cfd < 0) (void)kill(pid, SIGKILL);
        else while (write(gate[1], "g", 1) < 0 && errno == EINTR) {}
        close(gate[1]);
    }

    int child_err = 0;
    size_t got = 0;
    while (got < sizeof child_err) {
        ssize_t n = read(fds[0], (char *)&child_err + got, sizeof child_err - got);
        if (n > 0) got += (size_t)n;
        else if (n == 0 || errno != EINTR) break;
    }
    close(fds[0]);
    if (got > 0 || counter_errno) { /* setup, execve or the counter failed: reap the child */
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        if (out_counter_fd && *out_counter_fd >= 0) { close(*out_counter_fd); *out_counter_fd = -1; }
        if (counter_errno) { *out_errno = counter_errno; return -2; }
        *out_errno = (got == sizeof child_err && child_err != 0) ? child_err : EIO;
        return -1;
    }
    *out_pid = pid;
    return 0;
}

int lb_spawn(const char *path, char *const argv[], char *const envp[],
             const char *cwd, const char *stdout_path, const char *stderr_path,
             const struct lb_limits *limits, int *out_pid, int *out_errno) {
    return lb_spawn_impl(path, argv, envp, cwd, stdout_path, stderr_path, limits, NULL, out_pid, out_errno, NULL);
}

int lb_spawn_counted(const char *path, char *const argv[], char *const envp[],
                     const char *cwd, const char *stdout_path, const char *stderr_path,
                     const struct lb_limits *limits, struct lb_counter_event counter,
                     int *out_pid, int *out_errno, int *out_counter_fd) {
    return lb_spawn_impl(path, argv, envp, cwd, stdout_path, stderr_path, limits, &counter, out_pid, out_errno,
                         out_counter_fd);
}

int lb_pidfd_open(int pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0U);
}

int lb_usable_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n > 0 ? (int)n : 1;
    }
    return CPU_COUNT(&set);
}

#include <stdio.h>
void lb_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

/* Ctrl-C / SIGTERM handling, installed by the command line only. The children run in their own process
   groups and so do not get the terminal's signal: the handler records the interruption and makes a pipe
   readable, so a harness waiting for a child (poll on the child and this pipe) wakes up at once and ends
   the child's group itself. The flag and the pipe stay set: every later wait returns at once too. */
#include <fcntl.h>
#include <signal.h>
static volatile sig_atomic_t lb_interrupt_flag = 0;
static int lb_interrupt_pipe[2] = {-1, -1};
static void lb_on_interrupt(int sig) {
    lb_interrupt_flag = sig;
    if (lb_interrupt_pipe[1] >= 0) { ssize_t r = write(lb_interrupt_pipe[1], "x", 1); (void)r; }
}
int lb_install_interrupt_handlers(void) {
    if (lb_interrupt_pipe[0] < 0 && pipe2(lb_interrupt_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        lb_interrupt_pipe[0] = lb_interrupt_pipe[1] = -1;
    }
    struct sigaction sa;
    sa.sa_handler = lb_on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return lb_interrupt_pipe[0];
}
int lb_interrupted(void) { return lb_interrupt_flag; }

/* Orphaned descendants of the harness are re-parented to it (not to init), so the harness can end and
   reap processes a benchmark left behind. */
#include <sys/prctl.h>
void lb_become_subreaper(void) {
#ifdef PR_SET_CHILD_SUBREAPER
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif
}
