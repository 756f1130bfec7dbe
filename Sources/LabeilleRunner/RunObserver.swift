import Foundation

/// What a run reports while it works. The runner never writes to the terminal: the command line renders
/// these events (a live progress line on a terminal, plain lines in logs) and tests may record them.
/// Every method has an empty default, so an observer implements only what it shows.
public protocol RunObserver: AnyObject {
    /// The iterations to run now; `alreadyStored` were measured by an earlier session (resume).
    func runStarted(iterations: Int, alreadyStored: Int)
    func iterationStarted(package: String, condition: String, index: Int, warmup: Bool)
    func iterationFinished(status: String, wallSeconds: Double)
    /// Planned iterations that will not run (their package failed its setup, or was interrupted).
    func iterationsDropped(_ count: Int)
    /// A step worth a line next to the progress (e.g. setting up a package); may be hidden when quiet.
    func progressNote(_ message: String)
    /// Something the user must see: skips, failures, warnings.
    func log(_ message: String)
    func runFinished()
}

extension RunObserver {
    public func runStarted(iterations: Int, alreadyStored: Int) {}
    public func iterationStarted(package: String, condition: String, index: Int, warmup: Bool) {}
    public func iterationFinished(status: String, wallSeconds: Double) {}
    public func iterationsDropped(_ count: Int) {}
    public func progressNote(_ message: String) {}
    public func log(_ message: String) {}
    public func runFinished() {}
}

/// An observer that shows nothing (embedding code, tests).
public final class SilentRunObserver: RunObserver {
    public init() {}
}

/// Whether the user asked the work to stop (Ctrl-C, SIGTERM). The command line installs the signal handlers
/// and hands the library this question; the library never changes process-wide signal state itself.
public struct Interruption: Sendable {
    private let check: @Sendable () -> Bool
    /// A descriptor that becomes readable once an interruption is requested, so a wait for a child can
    /// include it and wake at once (-1: none; the wait then asks `isRequested` every 50 ms).
    public let wakeDescriptor: Int32
    /// Nothing can interrupt the work: waits need not wake up to ask.
    public let isNever: Bool

    public init(wakeDescriptor: Int32 = -1, _ check: @escaping @Sendable () -> Bool) {
        self.check = check; self.wakeDescriptor = wakeDescriptor; isNever = false
    }
    private init() { check = { false }; wakeDescriptor = -1; isNever = true }

    public var isRequested: Bool { check() }
    public static let never = Interruption()
}
