import Foundation

// Writes a Swift file holding the SQL of the given files: files under a `migrations` folder become the
// numbered migrations (`NNNN_name.sql`), the others the analysis views, each in name order.
// Usage: embed-sql OUTPUT.swift FILE.sql...

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("embed-sql: \(message)\n".utf8))
    exit(2)
}

/// A raw string literal that no SQL text can end early: one more `#` than the longest run in the text.
func rawLiteral(_ text: String) -> String {
    var longest = 0, run = 0
    for ch in text { run = ch == "#" ? run + 1 : 0; longest = max(longest, run) }
    let hashes = String(repeating: "#", count: longest + 1)
    return "\(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)"
}

let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else { fail("usage: embed-sql OUTPUT.swift FILE.sql...") }
var migrations: [String] = []
var views: [String] = []
for path in arguments.dropFirst().sorted(by: { ($0 as NSString).lastPathComponent < ($1 as NSString).lastPathComponent }) {
    let url = URL(fileURLWithPath: path)
    guard var text = try? String(contentsOf: url, encoding: .utf8) else { fail("cannot read \(path)") }
    if text.hasSuffix("\n") { text.removeLast() }
    let base = url.deletingPathExtension().lastPathComponent
    if url.deletingLastPathComponent().lastPathComponent == "migrations" {
        guard let underscore = base.firstIndex(of: "_"), let version = Int(base[..<underscore]) else {
            fail("\(path): migration files are named NNNN_name.sql")
        }
        let name = base[base.index(after: underscore)...]
        migrations.append("        (\(version), \"\(name)\", \(rawLiteral(text))),")
    } else {
        views.append("        (\"\(url.lastPathComponent)\", \(rawLiteral(text))),")
    }
}
let source = """
    // Generated at build time by the EmbedSQLPlugin from migrations/ and sql/. Not committed.
    enum EmbeddedSQL {
        /// Numbered migrations, in order: (version, name, SQL).
        static let migrations: [(version: Int, name: String, sql: String)] = [
    \(migrations.joined(separator: "\n"))
        ]
        /// Analysis views (files of sql/, in name order), recreated whenever their text changes.
        static let views: [(file: String, sql: String)] = [
    \(views.joined(separator: "\n"))
        ]
    }

    """
do {
    try source.write(toFile: output, atomically: true, encoding: .utf8)
} catch {
    fail("cannot write \(output): \(error.localizedDescription)")
}
