import LabeilleCore
import LabeilleStats
/// The JSON contract for scripts and CI (documented in README.md). Non-finite numbers are null.
public struct ComparisonJSONRenderer: ComparisonRenderer {
    public init() {}
    public func render(_ sets: [ComparisonSet], threshold: Double) -> String {
        JSONWriter.pretty(Self.document(sets, threshold: threshold)) + "\n"
    }

    /// Source and size (standard deviation of one run's level, log scale) of the run-to-run noise in the
    /// interval; null within one run.
    static func runNoise(_ r: RunNoise?) -> JSONValue {
        guard let r else { return .null }
        return .obj([("source", .string(r.source.rawValue)), ("size", r.size.isFinite ? .number(r.size) : .null),
                     ("detail", .string(r.detail))])
    }

    /// The suite's common shift between two runs, tested once; null within one run or when not estimated.
    static func runLevelShift(_ r: RunLevelShift?) -> JSONValue {
        guard let r else { return .null }
        return .obj([("ratio", .number(r.ratio)), ("ci_low", .number(r.low)), ("ci_high", .number(r.high)), ("p_value", .number(r.p)),
                     ("significant", .bool(r.significant)), ("alpha", .number(RunLevelShift.alpha)), ("packages", .int(r.packages)),
                     ("withheld_calls", .int(r.withheldCalls)), ("run_noise", .number(r.runNoise))])
    }

    /// The suite's drifts that block-ordered packages borrowed (see `SuiteDrift`), null when none were estimated.
    static func blockDrift(_ d: SuiteDrift.Estimate?) -> JSONValue {
        guard let d else { return .null }
        return .obj([("mean_per_iteration", .number(d.mean)), ("spread_per_iteration", .number(d.spread)),
                     ("packages", .int(d.packages)), ("out_of_line", .int(d.outOfLine))])
    }

    /// Inconclusive reason, drift per iteration, degrees of freedom and run-to-run noise of one comparison.
    static func analysisValues(_ c: PackageComparison) -> [JSONValue] {
        let reason: JSONValue = c.inconclusiveReason.map { .string($0) } ?? .null
        let drift: JSONValue = c.driftPerIteration.isFinite ? .number(c.driftPerIteration) : .null
        let df: JSONValue = c.df.isFinite ? .number(c.df) : .null
        return [reason, drift, df, runNoise(c.runNoise)]
    }

    /// Instruction counts only: the floor of the residual variation, the observed one, and whether the floor was used.
    static func noiseFloorKeys(_ c: PackageComparison) -> [(String, JSONValue)] {
        guard let floor = c.noiseFloor else { return [] }
        return [("noise_floor", .number(floor)), ("residual_cv", c.residualCV.map { .number($0) } ?? .null),
                ("noise_floor_applied", .bool(c.noiseFloorApplied))]
    }

    public static func document(_ sets: [ComparisonSet], threshold: Double) -> JSONValue {
        let summaries = sets.map(summaryObject)
        var differences: [JSONValue] = []
        var loads: [JSONValue] = []
        var seenLoads: Set<String> = []
        for set in sets {
            for d in set.environmentDifferences {
                differences.append(.obj([("baseline_run", .string(d.baselineRun)), ("run", .string(d.run)), ("item", .string(d.item)),
                                         ("baseline", .string(d.baseline)), ("value", .string(d.value))]))
            }
            for (id, l) in set.measurementLoads where seenLoads.insert(id).inserted {
                loads.append(.obj([("bench_id", .string(id)), ("median_load", finite(l.median)), ("max_load", finite(l.maximum)),
                                   ("logical_cpus", .int(l.logicalCPUs)), ("high_load", .bool(l.isHigh))]))
            }
        }
        // `summary` is the first comparison's (the common two-condition case); `summaries` has one per pair.
        return .obj([
            ("threshold", .number(threshold)),
            ("comparisons", .array(sets.flatMap { $0.comparisons.map(comparisonObject) })),
            ("summary", summaries.first ?? .null),
            ("summaries", .array(summaries)),
            ("environment_differences", .array(differences)),
            ("measurement_load", .array(loads)),
        ])
    }

    /// A number, or null when it is not finite (JSON has no NaN or infinity).
    static func finite(_ d: Double) -> JSONValue { d.isFinite ? .number(d) : .null }

    /// One package's comparison: the original's keys first, then ours.
    static func comparisonObject(_ c: PackageComparison) -> JSONValue {
        let n = finite
        let analysis: [JSONValue] = analysisValues(c)
        return .obj([
            ("package", .string(c.package)), ("baseline", .string(c.baseline)), ("treatment", .string(c.treatment)),
            ("metric", .string(c.metric)), ("n_baseline", .int(c.nBaseline)), ("n_treatment", .int(c.nTreatment)),
            ("excluded_baseline", .int(c.excludedBaseline)), ("excluded_treatment", .int(c.excludedTreatment)),
            ("median_baseline", n(c.medianBaseline)), ("median_treatment", n(c.medianTreatment)),
            ("overhead_pct", n(c.overheadPct)), ("ratio", n(c.ratio)), ("ratio_ci_low", n(c.ratioLow)),
            ("ratio_ci_high", n(c.ratioHigh)), ("welch_t", n(c.welch.t)), ("welch_df", n(c.welch.df)),
            ("welch_p", n(c.welch.p)), ("p_value", n(c.p)), ("q_value", n(c.qValue)),
            ("verdict", .string(c.verdict.rawValue)), ("confirmed", .bool(c.confirmed)),
            ("method", .string(c.method.rawValue)), ("min_detectable_effect", n(c.minimumDetectableEffect)),
            ("iterations_needed", .int(c.iterationsNeeded)), ("probability_slower", n(c.probabilitySlower)),
            ("order", .string(c.order.rawValue)), ("inconclusive_reason", analysis[0]),
            ("drift_per_iteration", analysis[1]), ("df", analysis[2]), ("run_noise", analysis[3]),
            ("run_shift_deviation_q", n(c.runShiftDeviationQ)),
            ("workload_mismatch", .bool(c.workloadMismatch)), ("workload_note", c.workloadNote.map { .string($0) } ?? .null),
            ("workload_changed_baseline", .bool(c.workloadChangedBaseline)),
            ("workload_changed_treatment", .bool(c.workloadChangedTreatment)),
            ("tests_baseline", Self.counts(c.testsBaseline)), ("tests_treatment", Self.counts(c.testsTreatment)),
        ] + Self.noiseFloorKeys(c))
    }

    /// One comparison pair's suite summary.
    static func summaryObject(_ set: ComparisonSet) -> JSONValue {
        let n = finite
        let s = set.summary
        let blockOrdered = set.comparisons.filter { $0.order == .block }.count
        return .obj([
            ("baseline", .string(set.baseline)), ("treatment", .string(set.treatment)), ("packages", .int(s.packages)),
            ("geomean_ratio", n(s.geomeanRatio)), ("geomean_ci_low", n(s.geomeanLow)), ("geomean_ci_high", n(s.geomeanHigh)),
            ("slower", .int(s.counts[.slower] ?? 0)), ("faster", .int(s.counts[.faster] ?? 0)),
            ("equivalent", .int(s.counts[.equivalent] ?? 0)), ("inconclusive", .int(s.counts[.inconclusive] ?? 0)),
            ("excluded_iterations", .int(s.excludedIterations)), ("unresolved", .int(s.counts[.unresolved] ?? 0)),
            ("workload_mismatched", .int(s.mismatchedPackages)),
            ("geomean_excluded_mismatched", .int(s.mismatchedExcluded)),
            ("block_ordered", .int(blockOrdered)),
            ("block_drift", blockDrift(set.suiteDrift)), ("run_noise", runNoise(set.comparisons.first?.runNoise)),
            ("run_level_shift", runLevelShift(set.runLevelShift)),
            ("tail_kurtosis", n(set.comparisons.first?.tailKurtosis ?? 0)),
        ])
    }

    /// Test counts of one side, null when unknown.
    static func counts(_ t: TestCounts?) -> JSONValue {
        guard let t else { return .null }
        return .obj([("passed", .int(t.passed)), ("failed", .int(t.failed)), ("skipped", .int(t.skipped)), ("errors", .int(t.errors)),
                     ("xfailed", .int(t.xfailed)), ("xpassed", .int(t.xpassed)), ("subtests", .int(t.subtests))])
    }
}
