import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

final class JSONWriterTests: XCTestCase {
    /// Numbers must be written exactly as Python's `json.dumps` writes them, so the files we write match the
    /// Python tool's byte for byte: compared with a real python3 on a few hundred values of every magnitude.
    func testFormatNumberMatchesPythonJSONDumps() throws {
        guard let python = TestSupport.which("python3") else { throw XCTSkip("python3 not on PATH") }
        let values = Self.sampleValues()
        let script = """
            import json, struct, sys
            for bits in sys.argv[1:]:
                print(json.dumps(struct.unpack('<d', struct.pack('<Q', int(bits)))[0]))
            """
        let py = try TestSupport.run(python, ["-c", script] + values.map { String($0.bitPattern) })
        XCTAssertEqual(py.code, 0, py.stderr)
        let expected = py.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(expected.count, values.count)
        for (value, want) in zip(values, expected) {
            XCTAssertEqual(JSONWriter.formatNumber(value), want, "bit pattern \(value.bitPattern)")
        }
    }

    /// Where Python switches between fixed and exponent notation, the extremes, signed zeros, then seeded
    /// values from 1e-320 to 1e308: short decimals (the common case in our files) and arbitrary bit patterns.
    static func sampleValues() -> [Double] {
        let edges: [Double] = [0, 1, 0.1, 0.5, 100, 1e-4, (1e-4).nextUp, (1e-4).nextDown, 1e-5, 9.999e-5, 1.5e-5,
                               1e15, 9.5e15, 1e16, (1e16).nextDown, (1e16).nextUp, 1e17, 1.2345678901234568e17,
                               9_007_199_254_740_992, .leastNonzeroMagnitude, Double("1e-320")!, .leastNormalMagnitude,
                               .greatestFiniteMagnitude, 1.5e300, 1e308, .infinity, .nan]
        var rng = SplitMix64(seed: 13)
        var generated: [Double] = []
        for _ in 0..<160 {
            let digits = rng.next() % 100_000 + 1, exponent = Int(rng.next() % 624) - 320
            generated.append(Double("\(digits)e\(exponent)") ?? 0)
        }
        while generated.count < 320 {
            let d = Double(bitPattern: rng.next())
            if d.isFinite { generated.append(d) }
        }
        return edges + edges.map { -$0 } + generated.map { rng.next() % 2 == 0 ? $0 : -$0 }
    }
}
