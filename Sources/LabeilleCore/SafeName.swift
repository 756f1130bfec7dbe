import Foundation

/// Names that become parts of paths (condition and package names: `<package>_<condition>` venvs, worktrees,
/// log folders) and keys of the results files. A name that could climb out of its folder, hide a part of
/// itself (NUL cuts C strings) or be confused with an option is refused.
public enum SafeName {
    public static let maxLength = 200

    /// Nil when `name` is safe, else why not (to follow "a condition name …" / "package name 'x' …").
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.unicodeScalars.contains("\0") { return "contains a NUL character" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "contains a control character" }
        if name.contains("/") { return "cannot contain '/'" }
        if name == "." || name == ".." || name.contains("..") { return "cannot be '.' or contain '..'" }
        if name.hasPrefix("-") { return "cannot start with '-'" }
        if name.utf8.count > maxLength { return "is longer than \(maxLength) bytes" }
        return nil
    }

    /// The name with control characters escaped, for error messages that must stay on one line.
    public static func printable(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += String(format: "\\u%04x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Reading input files without blocking on FIFOs, following /dev/zero forever or loading a directory: only
/// regular files are read, and only up to a size.
public enum SafeFile {
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Opens `path` for reading when it is a regular file (symlinks followed). The descriptor is
    /// close-on-exec; the caller closes it. O_NONBLOCK keeps open() of a FIFO from waiting for a writer.
    public static func openRegular(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { throw Failure(path: path, reason: "cannot read the file: \(String(cString: strerror(errno)))") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(path: path, reason: "cannot read the file: \(reason)")
        }
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(fd)
            throw Failure(path: path, reason: "not a regular file (\(describe(kind))); refusing to read it")
        }
        // Regular files never block; clear the flag so reads behave normally.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    /// The whole content of a regular file of at most `maxBytes`.
    public static func read(_ path: String, maxBytes: Int = Limits.maxFileBytes) throws -> Data {
        let fd = try openRegular(path)
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, reason: "cannot read the file: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return data }
            data.append(contentsOf: buffer[0..<n])
            if data.count > maxBytes {
                throw Failure(path: path, reason: "larger than \(maxBytes >> 20) MB; refusing to read it")
            }
        }
    }

    /// The content of a regular file as UTF-8 text.
    public static func readText(_ path: String, maxBytes: Int = Limits.maxFileBytes) throws -> String {
        guard let text = String(data: try read(path, maxBytes: maxBytes), encoding: .utf8) else {
            throw Failure(path: path, reason: "not UTF-8 text")
        }
        return text
    }

    /// The file type in words, for the refusal message.
    static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a plain file"
        }
    }

    /// Whether `path` may be written by replacing it: it does not exist, or it is a regular file (not a
    /// symbolic link, FIFO, device or directory, which a rename would silently replace). Nil when it may,
    /// else the reason.
    public static func replaceableProblem(_ path: String) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        let kind = st.st_mode & S_IFMT
        if kind == S_IFREG { return nil }
        if kind == S_IFLNK { return "is a symbolic link; give the path of a regular file" }
        return "is \(describe(kind)), not a regular file"
    }
}
