import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleStats
import LabeilleStore

extension SeriesReport {
    public init(store: Store, series name: String, options: SeriesReportOptions = .init()) throws {
        guard let metric = Metric(rawValue: options.metric), Metric.comparable.contains(metric) else {
            throw TrackingError("unknown metric '\(options.metric)' (expected \(Metric.comparable.map(\.rawValue).joined(separator: ", ")))")
        }
        let data = try SeriesPointQuery.load(db: store.db, seriesName: name, metric: options.metric)
        self.init(data: data, trend: TrendAnalyzer.analyze(data, options: options.trend), options: options)
    }

    public static func render(store: Store, series name: String, options: SeriesReportOptions = .init()) throws -> String {
        try SeriesReport(store: store, series: name, options: options).render()
    }
}
