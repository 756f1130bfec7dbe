import Foundation
import LabeilleCore

/// Where the run-to-run noise of a cross-run comparison comes from. Two runs of the same code differ by more
/// than their iterations say (load, temperature, a different boot): that part must be in the interval.
public enum CrossRunNoise {
    public struct Source: Sendable {
        /// A condition with the same interpreter fingerprint in both runs, to take the ratio relative to.
        public var control: String?
        /// Per-package run-to-run noise from a tracking series, when the runs belong to one.
        public var perPackage: [String: Double] = [:]
        public var fallback: RunNoise

        public init(control: String? = nil, perPackage: [String: Double] = [:], fallback: RunNoise) {
            self.control = control; self.perPackage = perPackage; self.fallback = fallback
        }

        public func noise(package: String) -> RunNoise {
            if control != nil { return fallback }
            if let v = perPackage[package] { return RunNoise(source: .history, size: v, detail: fallback.detail) }
            return fallback
        }
    }

    /// The interpreter and environment a condition measured: equal fingerprints mean the same interpreter.
    /// Empty when the condition was not probed (nothing to trust).
    public static func fingerprint(_ c: StoredRun.Condition) -> String {
        guard let p = c.profile else { return "" }
        let env = c.env.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",")
        return [p.path, p.version, p.implementation, p.compiler, p.buildFlags.joined(separator: " "), "\(p.jitEnabled)",
                "\(p.gilDisabled)", "\(p.debugBuild)", env].joined(separator: "|")
    }

}
