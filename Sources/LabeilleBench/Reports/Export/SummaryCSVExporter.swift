import Foundation

/// `--format csv-summary`: one row per package × condition with wall statistics, in the Python tool's
/// columns. Unlike the original, statistics cover ok iterations only, and `cpu_mean_s` is the mean of
/// user + sys (the original wrote the user time alone under that name).
public struct SummaryCSVExporter: RunExporter {
    public static let columns = ["package", "condition", "n", "wall_mean_s", "wall_median_s", "wall_stdev_s",
                                 "wall_min_s", "wall_max_s", "wall_cv", "cpu_mean_s", "rss_median_mb", "outliers"]
    public init() {}
    public func export(store: Store, run: StoredRun, emit: (String) throws -> Void) throws {
        try emit(CSV.row(Self.columns))
        var chunk = ""
        try store.db.forEachRow("""
            WITH s AS (SELECT * FROM v_condition_stats WHERE bench_id = ?1),
                 o AS (SELECT package_condition_id, SUM(outlier) AS outliers FROM iteration WHERE warmup = 0
                       GROUP BY package_condition_id)
            SELECT w.package, w.condition, w.n, w.mean, w.median, w.stdev, w.min, w.max, w.cv, c.mean, r.median,
                   COALESCE(o.outliers, 0)
            FROM s w
            JOIN s c ON c.package_condition_id = w.package_condition_id AND c.metric = 'cpu'
            JOIN s r ON r.package_condition_id = w.package_condition_id AND r.metric = 'rss'
            JOIN package_condition pc ON pc.package_condition_id = w.package_condition_id
            JOIN package_result pr ON pr.package_result_id = pc.package_result_id
            LEFT JOIN o ON o.package_condition_id = w.package_condition_id
            WHERE w.metric = 'wall' AND w.n > 0 AND pr.skipped = 0
            ORDER BY w.package, w.condition
            """, [run.benchID]) { st in
            func f6(_ i: Int32) -> String { st.double(i).map { String(format: "%.6f", $0) } ?? "" }
            chunk += CSV.row([st.string(0)!, st.string(1)!, String(st.int(2) ?? 0), f6(3), f6(4), f6(5), f6(6), f6(7),
                              f6(8), f6(9), st.double(10).map { String(format: "%.1f", $0) } ?? "", String(st.int(11) ?? 0)])
            if chunk.utf8.count > 1 << 16 { try emit(chunk); chunk = "" }
        }
        try emit(chunk)
    }
}
