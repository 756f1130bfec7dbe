#define _GNU_SOURCE
#include "cperf.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int lb_counter_open(int pid, struct lb_counter_event event, int enable_on_exec) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = event.type;
    attr.config = event.config;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    attr.inherit = 1;  /* children created after the open are counted into this counter */
    attr.disabled = enable_on_exec ? 1 : 0;
    attr.enable_on_exec = enable_on_exec ? 1 : 0;
    attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    long fd = syscall(SYS_perf_event_open, &attr, (pid_t)pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -1 : (int)fd;
}

int lb_counter_read(int fd, uint64_t *value, uint64_t *time_enabled, uint64_t *time_running) {
    uint64_t buf[3];
    ssize_t n;
    do { n = read(fd, buf, sizeof buf); } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    if (n != (ssize_t)sizeof buf) { errno = EIO; return -1; }
    *value = buf[0];
    *time_enabled = buf[1];
    *time_running = buf[2];
    return 0;
}
