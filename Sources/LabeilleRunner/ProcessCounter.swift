// Counters of a whole process tree through perf_event_open: attached to a child before its execve,
// inherited by every process it starts, user space only (see cperf.h).


import CSpawn
import LabeilleCore
import LabeilleStats
import LabeilleStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An event that ChildProcess.run can count over the child's process tree.
public enum CounterEvent: String, Sendable, CaseIterable {
    /// Retired user-space instructions (a hardware counter: needs a PMU the kernel exposes, which most
    /// cloud VMs do not).
    case instructions
    /// CPU time in nanoseconds (a software event, always available where perf events are). Used to test the
    /// plumbing on machines without a PMU.
    case taskClock = "task-clock"

    public var name: String { rawValue }

    var cEvent: lb_counter_event {
        switch self {
        case .instructions:
            return lb_counter_event(type: UInt32(LB_PERF_TYPE_HARDWARE), config: UInt64(LB_PERF_COUNT_HW_INSTRUCTIONS))
        case .taskClock:
            return lb_counter_event(type: UInt32(LB_PERF_TYPE_SOFTWARE), config: UInt64(LB_PERF_COUNT_SW_TASK_CLOCK))
        }
    }

    /// nil when this process can open the event (on itself), else the errno of perf_event_open.
    public func unavailability() -> Int32? {
        let fd = lb_counter_open(0, cEvent, 0)
        if fd < 0 { return errno }
        close(fd)
        return nil
    }
}

/// The value of a counter after the counted process tree ended.
public struct CounterReading: Sendable, Equatable {
    /// The count, scaled up by enabled/running time when the kernel multiplexed the counter.
    public var value: UInt64
    /// True when the counter did not run all the time it was enabled (the value is then an estimate).
    public var multiplexed: Bool

    public init(value: UInt64, multiplexed: Bool) {
        self.value = value
        self.multiplexed = multiplexed
    }

    init?(fd: Int32) {
        var raw: UInt64 = 0, enabled: UInt64 = 0, running: UInt64 = 0
        guard lb_counter_read(fd, &raw, &enabled, &running) == 0 else { return nil }
        if running > 0 && running < enabled {
            value = UInt64((Double(raw) * Double(enabled) / Double(running)).rounded())
            multiplexed = true
        } else {
            value = raw
            multiplexed = false
        }
    }
}
