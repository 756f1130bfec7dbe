import CSQLite

// Aggregate functions registered on every connection the CLI opens: `lb_quantile(x, p)` (linear
// interpolation, numpy's default) and `lb_stdev(x)` (sample standard deviation). They let the CLI
// answer with plain GROUP BY queries that SQLite filters before aggregating, while the views of sql/
// compute the same numbers with window functions for the stock sqlite3 shell (which lacks a median).
// StoreTests checks that both give the same numbers.

/// The non-null values of one group (and the quantile asked for), kept in SQLite's aggregate context.
final class ValueCollector {
    var values: [Double] = []
    var p: Double = 0.5
}

private func collector(_ ctx: OpaquePointer?, create: Bool) -> ValueCollector? {
    let size = Int32(create ? MemoryLayout<UnsafeMutableRawPointer?>.size : 0)
    guard let raw = sqlite3_aggregate_context(ctx, size) else { return nil }
    let slot = raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
    if slot.pointee == nil {
        guard create else { return nil }
        slot.pointee = Unmanaged.passRetained(ValueCollector()).toOpaque()
    }
    return Unmanaged<ValueCollector>.fromOpaque(slot.pointee!).takeUnretainedValue()
}

private func release(_ ctx: OpaquePointer?) {
    guard let raw = sqlite3_aggregate_context(ctx, 0) else { return }
    let slot = raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
    if let p = slot.pointee { Unmanaged<ValueCollector>.fromOpaque(p).release(); slot.pointee = nil }
}

private let step: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, argc, argv in
    guard let argv, let c = collector(ctx, create: true) else { return }
    guard sqlite3_value_type(argv[0]) != SQLITE_NULL else { return }
    c.values.append(sqlite3_value_double(argv[0]))
    if argc > 1 { c.p = sqlite3_value_double(argv[1]) }
}

private let quantileFinal: @convention(c) (OpaquePointer?) -> Void = { ctx in
    guard let c = collector(ctx, create: false), !c.values.isEmpty else { sqlite3_result_null(ctx); return }
    c.values.sort()
    sqlite3_result_double(ctx, Statistics.quantile(sorted: c.values, c.p))
    release(ctx)
}

private let stdevFinal: @convention(c) (OpaquePointer?) -> Void = { ctx in
    guard let c = collector(ctx, create: false), !c.values.isEmpty else { sqlite3_result_null(ctx); return }
    sqlite3_result_double(ctx, c.values.count == 1 ? 0 : Statistics.sampleStdev(c.values))
    release(ctx)
}

extension Database {
    func registerFunctions() throws {
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC
        for (name, argc, final) in [("lb_quantile", Int32(2), quantileFinal), ("lb_stdev", Int32(1), stdevFinal)] {
            let rc = sqlite3_create_function_v2(handle, name, argc, flags, nil, nil, step, final, nil)
            if rc != SQLITE_OK { throw DatabaseError("cannot register \(name): \(lastErrorMessage)") }
        }
    }
}
