import Foundation

/// The one way whole files are written: into a temporary file next to the target, then rename() over it,
/// so a reader (or a run that is interrupted) never sees half a file.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Writes `text` as the whole content of `path`.
    public static func write(_ text: String, to path: String) throws {
        try write(to: path) { emit in emit(text) }
    }

    /// Streams what `produce` emits into the file; nothing replaces `path` unless `produce` returns normally
    /// (an error it throws is passed on unchanged, and the temporary file is removed).
    public static func write(to path: String, _ produce: (_ emit: (String) -> Void) throws -> Void) throws {
        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let handle = FileHandle(forWritingAtPath: tmp) else {
            throw WriteError(path: path, reason: String(cString: strerror(errno)))
        }
        do {
            try produce { handle.write(Data($0.utf8)) }
            try handle.close()
        } catch {
            try? handle.close()
            unlink(tmp)
            throw error
        }
        if rename(tmp, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw WriteError(path: path, reason: reason)
        }
    }
}
