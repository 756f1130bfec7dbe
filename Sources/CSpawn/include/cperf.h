#ifndef LABEILLE_CPERF_H
#define LABEILLE_CPERF_H

#include <stdint.h>

/// The event a counter counts (values of perf_event_attr.type / .config).
struct lb_counter_event {
    uint32_t type;    /* PERF_TYPE_HARDWARE, PERF_TYPE_SOFTWARE, ...            */
    uint64_t config;  /* e.g. PERF_COUNT_HW_INSTRUCTIONS, PERF_COUNT_SW_TASK_CLOCK */
};

/* The event numbers, for Swift (the kernel header's enums do not import as constants). */
enum {
    LB_PERF_TYPE_HARDWARE = 0,
    LB_PERF_TYPE_SOFTWARE = 1,
    LB_PERF_COUNT_HW_INSTRUCTIONS = 1,
    LB_PERF_COUNT_SW_TASK_CLOCK = 1,
};

/// perf_event_open(2) of `event` on process `pid` (0 = the caller), any CPU, user space only
/// (exclude_kernel, exclude_hv), inherited by every thread and process the task creates afterwards.
/// With `enable_on_exec` the counter starts disabled and starts counting at the task's next execve, so
/// the harness's own work between fork and exec is not counted. The descriptor is close-on-exec.
/// Returns the descriptor, or -1 with errno set (ENOENT/EOPNOTSUPP: no such event on this machine,
/// e.g. no PMU in a VM; EACCES/EPERM: perf_event_paranoid; ENOSYS: no perf events in the kernel).
int lb_counter_open(int pid, struct lb_counter_event event, int enable_on_exec);

/// Reads a counter opened by lb_counter_open: the total over the task and all its descendants (exited
/// descendants included), and the times it was enabled and actually running (they differ when the
/// kernel multiplexed the hardware counter). Returns 0, or -1 with errno set.
int lb_counter_read(int fd, uint64_t *value, uint64_t *time_enabled, uint64_t *time_running);

#endif /* LABEILLE_CPERF_H */
