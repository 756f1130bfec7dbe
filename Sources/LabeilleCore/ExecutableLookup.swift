import Foundation

/// The one search for programs: what a shell does with a bare command name. Done in the parent, before any
/// fork, because a child between fork and exec may only call async-signal-safe functions.
public enum ExecutableLookup {
    /// Used when the environment has no PATH.
    public static let defaultSearchPath = "/usr/local/bin:/usr/bin:/bin"

    /// The result of searching the directories of a PATH.
    public struct Search: Equatable, Sendable {
        /// Absolute path of the first executable regular file of that name, else nil.
        public var path: String?
        /// A regular file of that name exists but is not executable (EACCES rather than ENOENT).
        public var foundNonExecutable: Bool
    }

    /// Searches the `:`-separated `searchPath` (nil: `defaultSearchPath`) for `name`. An empty entry means the
    /// current directory, and relative entries are taken relative to `directory` (nil: the current one).
    public static func search(_ name: String, searchPath: String?, relativeTo directory: String? = nil) -> Search {
        var sawNonExecutable = false
        for entry in (searchPath ?? defaultSearchPath).split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = absolutePath((entry.isEmpty ? "." : String(entry)) + "/" + name, relativeTo: directory)
            guard isRegularFile(candidate) else { continue }
            if access(candidate, X_OK) == 0 { return Search(path: candidate, foundNonExecutable: false) }
            sawNonExecutable = true
        }
        return Search(path: nil, foundNonExecutable: sawNonExecutable)
    }

    /// An executable: a name containing `/` is a path (made absolute against `directory`), checked to be an
    /// executable regular file; a bare name is searched in `searchPath`.
    public static func find(_ name: String, searchPath: String?, relativeTo directory: String? = nil) -> String? {
        guard !name.isEmpty else { return nil }
        if name.contains("/") {
            let path = absolutePath(name, relativeTo: directory)
            return isExecutableFile(path) ? path : nil
        }
        return search(name, searchPath: searchPath, relativeTo: directory).path
    }

    /// `path` made absolute against `directory` (nil: the current directory), with `.` and `..` resolved.
    public static func absolutePath(_ path: String, relativeTo directory: String? = nil) -> String {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
        let base = directory ?? FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: base, isDirectory: true).appendingPathComponent(path).standardizedFileURL.path
    }

    /// A regular file (symlinks followed) that this process may execute.
    public static func isExecutableFile(_ path: String) -> Bool {
        isRegularFile(path) && access(path, X_OK) == 0
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }
}
