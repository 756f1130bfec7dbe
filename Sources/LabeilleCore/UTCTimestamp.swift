import Foundation

/// The one formatter of UTC timestamps. gmtime_r is thread-safe and independent of the user's locale and
/// calendar, which a `DateFormatter` left at its defaults is not.
public enum UTCTimestamp {
    /// `2026-12-02T02:45:07Z` (ISO 8601, whole seconds).
    public static func iso8601(_ date: Date = Date()) -> String {
        guard let t = fields(date) else { return "" }
        return "\(t.year)-\(two(t.month))-\(two(t.day))T\(two(t.hour)):\(two(t.minute)):\(two(t.second))Z"
    }

    /// `20261202_024507`, the stamp in bench ids and file names.
    public static func compact(_ date: Date = Date()) -> String {
        guard let t = fields(date) else { return "" }
        return "\(t.year)\(two(t.month))\(two(t.day))_\(two(t.hour))\(two(t.minute))\(two(t.second))"
    }

    private static func fields(_ date: Date) -> (year: Int32, month: Int32, day: Int32, hour: Int32, minute: Int32, second: Int32)? {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var tmv = tm()
        guard gmtime_r(&t, &tmv) != nil else { return nil }
        return (tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday, tmv.tm_hour, tmv.tm_min, tmv.tm_sec)
    }

    private static func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
