import Foundation
import LabeilleCore
import LabeilleRunner

/// Shows a run on stderr: a live progress line on a terminal, plain lines otherwise (CI logs, pipes).
final class TerminalProgress: RunObserver {
    let live: Bool
    let quiet: Bool
    var total = 0
    var done = 0
    var start = Date()
    var current = ""
    var lastDraw = Date.distantPast
    let width: Int

    init(quiet: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.quiet = quiet
        live = isatty(STDERR_FILENO) == 1 && environment["TERM"] != "dumb" && environment["CI"] == nil
        var ws = winsize()
        width = ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 20 ? Int(ws.ws_col) : Int(environment["COLUMNS"] ?? "") ?? 100
    }

    func write(_ s: String) { FileHandle.standardError.write(s.data(using: .utf8)!) }

    func runStarted(iterations total: Int, alreadyStored alreadyDone: Int) {
        self.total = total
        start = Date()
        if alreadyDone > 0 && !quiet { write("\(alreadyDone) iterations already stored; \(total) to run\n") }
    }

    func eta() -> String {
        guard done > 0 else { return "?" }
        let per = Date().timeIntervalSince(start) / Double(done)
        return NumberText.time(per * Double(max(0, total - done)))
    }

    func iterationStarted(package: String, condition: String, index: Int, warmup: Bool) {
        current = "\(package) · \(condition) · \(warmup ? "warm-up" : "iteration") \(index)"
        if live { draw(force: true) }
    }

    func iterationFinished(status: String, wallSeconds wall: Double) {
        done += 1
        if quiet { return }
        if live { draw(force: false) } else {
            write("[\(done)/\(total)] \(current): \(status) \(NumberText.time(wall)) (elapsed \(NumberText.time(Date().timeIntervalSince(start))), ETA \(eta()))\n")
        }
    }

    func iterationsDropped(_ n: Int) { total -= n }

    func progressNote(_ s: String) {
        if !quiet { log(s) }
    }

    /// A line above the live progress line, which is drawn again below it.
    func log(_ s: String) {
        if live && !quiet { write("\r\u{1B}[2K") }
        write(s + "\n")
        if live && !quiet && total > 0 { draw(force: true) }
    }

    func draw(force: Bool) {
        guard force || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let frac = total > 0 ? Double(done) / Double(total) : 0
        let barWidth = 20
        let filled = Int(frac * Double(barWidth))
        var line = "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: barWidth - filled) + "] "
        line += "\(done)/\(total) \(current) · \(NumberText.time(Date().timeIntervalSince(start))) · ETA \(eta())"
        if line.count > width - 1 { line = String(line.prefix(width - 2)) + "…" }
        write("\r\u{1B}[2K" + line)
    }

    func runFinished() {
        if live && !quiet { write("\r\u{1B}[2K") }
    }
}
