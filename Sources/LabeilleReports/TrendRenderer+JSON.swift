import Foundation
import LabeilleCore
import LabeilleStats

// `track trend --format json` and `track alert --format json`: the documented JSON contract.
extension TrendRenderer {
    // MARK: JSON

    public static func changePointJSON(_ c: ChangePoint) -> JSONValue {
        .obj([
            ("position", .int(c.position)), ("bench_id", .string(c.benchID)), ("ratio", n(c.ratio)),
            ("ci_low", n(c.ciLow)), ("ci_high", n(c.ciHigh)), ("p_value", n(c.p)), ("method", .string(c.method)),
            ("before_median_s", n(c.beforeMedian)), ("after_median_s", n(c.afterMedian)),
            ("runs_before", .int(c.runsBefore)), ("runs_after", .int(c.runsAfter)),
            ("commit_range", .obj([
                ("from", .str(c.lastBeforeSHA)), ("to", .str(c.firstAfterSHA)),
                ("from_bench_id", .string(c.lastBeforeBenchID)), ("to_bench_id", .string(c.benchID)),
                ("text", .string(c.commitRangeText)),
            ])),
        ])
    }

    public static func packageJSON(_ t: PackageTrend, runs: [TrackedRun]) -> JSONValue {
        let b = t.vsBaseline, p = t.vsPrevious
        return .obj([
            ("package", .string(t.package)), ("condition", .string(t.condition)),
            ("classification", .string(t.classification.rawValue)), ("reasons", .array(t.reasons.map { .string($0) })),
            ("n_runs", .int(t.nRuns)), ("trend_runs", .int(t.trendRuns)), ("first_position", .int(t.firstPosition)), ("last_position", .int(t.lastPosition)),
            ("baseline_bench_id", .string(runs[t.baselineRunIndex].benchID)), ("baseline_pinned", .bool(t.baselineIsPinned)),
            ("latest_bench_id", .string(runs[t.latestRunIndex].benchID)),
            ("baseline_median_s", n(t.baselineMedian)), ("latest_median_s", n(t.latestMedian)),
            ("change_pct", n(b?.changePct)), ("change_ci_low_pct", n(b.map { pctOfRatio($0.ciLow) })),
            ("change_ci_high_pct", n(b.map { pctOfRatio($0.ciHigh) })), ("change_p", n(b?.p)), ("change_q", n(b?.q)),
            ("change_confirmed", .bool(b?.confirmed ?? false)),
            ("segment_change_pct", n(t.vsBaselineSegment?.changePct)),
            ("segment_change_ci_low_pct", n(t.vsBaselineSegment.map { pctOfRatio($0.ciLow) })),
            ("segment_change_ci_high_pct", n(t.vsBaselineSegment.map { pctOfRatio($0.ciHigh) })),
            ("segment_change_confirmed", .bool(t.vsBaselineSegment?.confirmed ?? false)),
            ("previous_change_pct", n(p?.changePct)), ("previous_change_q", n(p?.q)),
            ("previous_change_confirmed", .bool(p?.confirmed ?? false)),
            ("slope_s_per_run", n(t.slopeSecondsPerRun)), ("slope_pct_per_run", n(t.slopePctPerRun)),
            ("theil_sen_pct_per_run", n(t.theilSenPctPerRun)), ("theil_sen_ci_low_pct", n(t.theilSenLowPct)),
            ("theil_sen_ci_high_pct", n(t.theilSenHighPct)), ("theil_sen_p", n(t.theilSenP)), ("theil_sen_q", n(t.theilSenQ)),
            ("trend_total_pct", n(t.trendTotalPct)),
            ("within_run_noise_pct", n(t.withinRunNoisePct)), ("between_run_noise_pct", n(t.betweenRunNoisePct)),
            ("latest_cv", n(t.latestCV)), ("volatility_increasing", .bool(t.volatilityIncreasing)),
            ("sustained_regression", .bool(t.sustainedRegression)),
            ("change_points", .array(t.changePoints.map(changePointJSON))),
        ])
    }

    public static func alertJSON(_ a: TrackAlert) -> JSONValue {
        let c = a.change
        return .obj([
            ("package", .string(a.package)), ("condition", .string(a.condition)), ("type", .string(a.kind.rawValue)),
            ("severity", .string(a.severity.rawValue)), ("confirmed", .bool(a.confirmed)),
            ("description", .string(a.description)), ("from_bench_id", .string(a.fromBenchID)),
            ("to_bench_id", .string(a.toBenchID)), ("from_median_s", n(c?.fromMedian)), ("to_median_s", n(c?.toMedian)),
            ("ratio", n(c?.ratio)), ("ci_low", n(c?.ciLow)), ("ci_high", n(c?.ciHigh)),
            ("change_pct", n(c?.changePct)), ("p_value", n(c?.p)), ("q_value", n(c?.q)),
            ("change_point", a.changePoint.map(changePointJSON) ?? .null),
        ])
    }

    static func header(_ r: TrendReport) -> [(String, JSONValue)] {
        let range = period(r)
        return [
            ("series", .string(r.series.name)), ("description", .string(r.series.description)),
            ("n_runs", .int(r.runs.count)),
            ("date_range", range.map { .array([.string($0.0), .string($0.1)]) } ?? .null),
            ("condition", .str(r.condition)), ("conditions", .array(r.conditions.map { .string($0) })),
            ("baseline_bench_id", .str(r.series.pinnedBenchID ?? r.runs.first?.benchID)),
            ("baseline_pinned", .bool(r.series.pinnedBenchID != nil)),
            ("latest_bench_id", .str(r.runs.last?.benchID)),
            ("regression_threshold", .number(r.options.regressionThreshold)),
            ("trend_threshold", .number(r.options.trendThreshold)),
            ("change_point_alpha", .number(r.options.changePointAlpha)),
            ("min_segment", .int(r.options.minSegment)),
            ("false_discovery_rate", .number(r.options.falseDiscoveryRate)),
        ]
    }

    static func summaryJSON(_ r: TrendReport) -> JSONValue {
        .obj([("total", .int(r.packages.count))] + TrendClassification.allCases.map { ($0.rawValue, .int(r.count($0))) })
    }

    public static func trendJSON(_ r: TrendReport) -> JSONValue {
        .obj(header(r) + [
            ("summary", summaryJSON(r)),
            ("packages", .array(r.packages.map { packageJSON($0, runs: r.runs) })),
            ("alerts", .array(r.alerts.map(alertJSON))),
            ("unconfirmed", .array(r.unconfirmed.map(alertJSON))),
        ])
    }

    public static func alertDocument(_ r: TrendReport) -> JSONValue {
        let latest = r.latestRunIndex
        let current = r.packages.filter { $0.latestRunIndex == latest }
        return .obj(header(r) + [
            ("exit_code", .int(r.gateFails ? 1 : 0)),
            ("confirmed_regressions", .int(r.alerts.filter { $0.isRegression && $0.confirmed }.count)),
            ("alerts", .array(r.alerts.map(alertJSON))),
            ("unconfirmed", .array(r.unconfirmed.map(alertJSON))),
            ("summary", summaryJSON(r)),
            ("packages", .array(current.map { packageJSON($0, runs: r.runs) })),
        ])
    }
}
