// Harness overhead benchmark: N × ChildProcess.run(["/bin/true"]).
// Usage: spawn-bench [iterations]   (default 1000)

import LabeilleBench

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

func nowNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func percentile(_ xs: [Double], _ p: Double) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return .nan }
    return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))]
}

func fmt(_ x: Double, _ digits: Int = 3) -> String {
    var m = 1.0
    for _ in 0..<digits { m *= 10 }
    let r = (x * m).rounded() / m
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
    }
    return s
}

let iterations = CommandLine.arguments.count > 1 ? max(1, Int(CommandLine.arguments[1]) ?? 1000) : 1000
let env = ["PATH": "/usr/bin:/bin"]

do {
    for _ in 0..<20 {  // warm-up
        _ = try ChildProcess.run(["/bin/true"], environment: env, workingDirectory: nil,
                                 stdoutPath: nil, stderrPath: nil, timeout: nil)
    }
    var callMs: [Double] = []
    var wallMs: [Double] = []
    var rssMB: [Double] = []
    callMs.reserveCapacity(iterations)
    let t0 = nowNanos()
    for _ in 0..<iterations {
        let a = nowNanos()
        let o = try ChildProcess.run(["/bin/true"], environment: env, workingDirectory: nil,
                                     stdoutPath: nil, stderrPath: nil, timeout: 10)
        let b = nowNanos()
        precondition(o.exitCode == 0, "unexpected outcome \(o)")
        callMs.append(Double(b - a) / 1e6)
        wallMs.append(o.wallSeconds * 1e3)
        rssMB.append(o.peakRSSMB)
    }
    let totalS = Double(nowNanos() - t0) / 1e9
    let mean = callMs.reduce(0, +) / Double(callMs.count)
    print("spawn-bench: \(iterations) x ChildProcess.run([\"/bin/true\"]) (timeout 10 s, stdio /dev/null)")
    print("  total                \(fmt(totalS)) s")
    print("  per run() call       mean \(fmt(mean)) ms   median \(fmt(median(callMs))) ms   p90 \(fmt(percentile(callMs, 0.9))) ms   min \(fmt(callMs.min()!)) ms")
    print("  measured wallSeconds median \(fmt(median(wallMs))) ms   p90 \(fmt(percentile(wallMs, 0.9))) ms")
    print("  /bin/true peakRSSMB  median \(fmt(median(rssMB), 2)) MB   max \(fmt(rssMB.max()!, 2)) MB")
    print("  usable CPUs          \(ChildProcess.usableCPUCount)")
} catch {
    print("spawn-bench: \(error)")
    exit(1)
}
