import Foundation
import LabeilleCore

// The alerts of `track alert`: confirmed regressions and improvements of the latest run, steps, instability,
// and a run-level shift folded into one event.
extension TrendAnalyzer {
    static func stepAlert(_ t: PackageTrend, _ s: LevelChange, _ cp: ChangePoint, _ r: TrendReport) -> TrackAlert {
        let from = r.runs[s.fromRunIndex].benchID
        return TrackAlert(package: t.package, condition: t.condition, kind: .stepVsBaseline, severity: .error, confirmed: true,
                          change: s, fromBenchID: from, toBenchID: r.runs[s.toRunIndex].benchID,
                          description: String(format: "%@ slower since the change point at #%d (%@), against the %@'s segment",
                                              NumberText.pct(s.changePct), cp.position, cp.benchID,
                                              t.baselineIsPinned ? "pinned baseline" : "first run"),
                          changePoint: cp)
    }

    /// Alerts of the latest run of the series: confirmed regressions vs the baseline (pinned run, else the
    /// package's first run) and vs the package's previous run, confirmed improvements vs the baseline, and rising
    /// instability; plus the unconfirmed regressions (beyond the threshold, within the noise).
    static func alerts(_ r: TrendReport) -> ([TrackAlert], [TrackAlert]) {
        guard let latest = r.latestRunIndex else { return ([], []) }
        var alerts: [TrackAlert] = [], unconfirmed: [TrackAlert] = []
        let thr = r.options.regressionThreshold
        for t in r.packages where t.latestRunIndex == latest {
            let cp = t.changePoints.last { $0.ratio > 1 && $0.position > r.runs[t.baselineRunIndex].position }
            let baseLabel = t.baselineIsPinned ? "pinned baseline" : "first run"
            baselineAlerts(t, r, changePoint: cp, baseLabel: baseLabel, &alerts, &unconfirmed)
            if let c = t.vsPrevious, c.fromRunIndex != t.baselineRunIndex, c.ratio > 1 + thr {
                let from = r.runs[c.fromRunIndex].benchID, to = r.runs[c.toRunIndex].benchID
                let a = TrackAlert(package: t.package, condition: t.condition, kind: .regressionVsPrevious,
                                   severity: c.confirmed ? .error : .warning, confirmed: c.confirmed, change: c,
                                   fromBenchID: from, toBenchID: to,
                                   description: String(format: "%@ slower than the previous run (%@)", NumberText.pct(c.changePct), from),
                                   changePoint: nil)
                if c.confirmed { alerts.append(a) } else { unconfirmed.append(a) }
            }
            let regressed = alerts.contains { $0.package == t.package && $0.condition == t.condition && $0.isRegression }
            if !regressed, let c = t.vsRecent, c.ratio > 1 + thr, c.confirmed {
                let from = r.runs[c.fromRunIndex].benchID, since = r.runs[c.sinceRunIndex ?? c.toRunIndex]
                let after = t.positions.filter { $0 >= since.position }.count
                alerts.append(TrackAlert(package: t.package, condition: t.condition, kind: .recentVsBaseline, severity: .error,
                                         confirmed: true, change: c, fromBenchID: from, toBenchID: r.runs[c.toRunIndex].benchID,
                                         description: String(format: "the %d run(s) since #%d (%@) are %@ slower than the runs before, from the %@ (%@) on",
                                                             after, since.position, since.benchID, NumberText.pct(c.changePct), baseLabel, from),
                                         changePoint: cp))
            }
            if t.volatilityIncreasing && t.classification == .volatile {
                alerts.append(TrackAlert(package: t.package, condition: t.condition, kind: .newInstability, severity: .warning,
                                         confirmed: false, change: nil, fromBenchID: r.runs[t.baselineRunIndex].benchID,
                                         toBenchID: r.runs[latest].benchID,
                                         description: String(format: "measurement instability: CV rose to %.1f%%", t.latestCV * 100),
                                         changePoint: nil))
            }
        }
        foldRunLevelShift(r, &alerts, &unconfirmed)
        return (alerts.sorted(by: order), unconfirmed.sorted(by: order))
    }

    /// The latest run against the baseline: a regression (confirmed, else a confirmed step of the latest
    /// segment, else unconfirmed) or a confirmed improvement.
    static func baselineAlerts(_ t: PackageTrend, _ r: TrendReport, changePoint cp: ChangePoint?, baseLabel: String,
                               _ alerts: inout [TrackAlert], _ unconfirmed: inout [TrackAlert]) {
        let thr = r.options.regressionThreshold
        guard let c = t.vsBaseline else { return }
        let from = r.runs[c.fromRunIndex].benchID, to = r.runs[c.toRunIndex].benchID
        if c.ratio > 1 + thr {
            let a = TrackAlert(package: t.package, condition: t.condition, kind: .regressionVsBaseline,
                               severity: c.confirmed ? .error : .warning, confirmed: c.confirmed, change: c,
                               fromBenchID: from, toBenchID: to,
                               description: String(format: "%@ slower than the %@ (%@)", NumberText.pct(c.changePct), baseLabel, from),
                               changePoint: cp)
            if c.confirmed { alerts.append(a) } else if let s = t.vsBaselineSegment, s.confirmed, s.ratio > 1 + thr, let cp {
                alerts.append(stepAlert(t, s, cp, r))
            } else { unconfirmed.append(a) }
        } else if let s = t.vsBaselineSegment, s.confirmed, s.ratio > 1 + thr, let cp {
            alerts.append(stepAlert(t, s, cp, r))
        } else if c.ratio < 1 - thr && c.confirmed {
            alerts.append(TrackAlert(package: t.package, condition: t.condition, kind: .improvementVsBaseline,
                                     severity: .info, confirmed: true, change: c, fromBenchID: from, toBenchID: to,
                                     description: String(format: "%.1f%% faster than the %@ (%@)", -c.changePct, baseLabel, from),
                                     changePoint: nil))
        }
    }

    /// Errors first, then warnings, then notes; larger changes first; then by name.
    static func order(_ a: TrackAlert, _ b: TrackAlert) -> Bool {
        let rank: [TrackAlert.Severity: Int] = [.error: 0, .warning: 1, .info: 2]
        if rank[a.severity]! != rank[b.severity]! { return rank[a.severity]! < rank[b.severity]! }
        let ca = abs(a.change?.changePct ?? 0), cb = abs(b.change?.changePct ?? 0)
        if ca != cb { return ca > cb }
        return (a.package, a.condition, a.kind.rawValue) < (b.package, b.condition, b.kind.rawValue)
    }

    /// When most packages moved beyond the threshold in one direction in the latest run, their level alerts are
    /// replaced by one run-level event (the median change): the machine or the interpreter as a whole changed,
    /// and fifty separate alerts would hide that.
    static func foldRunLevelShift(_ r: TrendReport, _ alerts: inout [TrackAlert], _ unconfirmed: inout [TrackAlert]) {
        guard let latest = r.latestRunIndex else { return }
        let changes = r.packages.filter { $0.latestRunIndex == latest }.compactMap(\.vsBaseline)
        let thr = r.options.regressionThreshold
        guard changes.count >= 5 else { return }
        for slower in [true, false] {
            let moved = changes.filter { slower ? $0.ratio > 1 + thr : $0.ratio < 1 - thr }
            guard Double(moved.count) >= r.options.runLevelShare * Double(changes.count) else { continue }
            let kinds: Set<TrackAlert.Kind> = slower ? [.regressionVsBaseline, .regressionVsPrevious, .stepVsBaseline, .recentVsBaseline]
                                                     : [.improvementVsBaseline]
            alerts.removeAll { kinds.contains($0.kind) }
            unconfirmed.removeAll { kinds.contains($0.kind) }
            var median = moved[0]
            median.ratio = exp(Statistics.median(moved.map { log($0.ratio) }))
            median.ciLow = .nan; median.ciHigh = .nan; median.p = .nan; median.q = .nan; median.z = .nan
            median.outsideNoise = true
            let from = r.runs[median.fromRunIndex].benchID, to = r.runs[latest].benchID
            alerts.append(TrackAlert(package: "*", condition: r.condition ?? "*", kind: .runLevelShift,
                                     severity: slower ? .error : .info, confirmed: true, change: median, fromBenchID: from,
                                     toBenchID: to,
                                     description: String(format: "run-level shift: %d of %d packages moved together, median %@ (machine or interpreter-wide change; rerun to tell which)",
                                                         moved.count, changes.count, NumberText.pct(median.changePct)),
                                     changePoint: nil))
        }
    }
}
