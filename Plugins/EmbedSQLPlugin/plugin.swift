import Foundation
import PackagePlugin

/// Generates `EmbeddedSQL.swift` for a target at build time from the package's `migrations/*.sql` and
/// `sql/*.sql`, so those files stay the one editable source and nothing generated is committed. The
/// binary carries the SQL as string constants because a resource bundle cannot be found once the
/// executable is copied elsewhere (e.g. onto PATH).
@main
struct EmbedSQLPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let inputs = try sqlFiles(in: root.appending(path: "migrations")) + sqlFiles(in: root.appending(path: "sql"))
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSQL.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) SQL files",
                executable: try context.tool(named: "embed-sql").url,
                arguments: [output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }

    private func sqlFiles(in folder: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
