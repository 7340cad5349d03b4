import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where harness copies are cached: a directory only this user can write, so no other local
/// user can pre-create, replace or fill an entry (a shared, guessable /tmp name let anyone
/// deny every run the service).
enum HarnessCache {
    /// root: /var/cache/tolerator (only root creates there, and the sandbox's per-run uids
    /// must be able to traverse it; /root is usually closed to them). Others:
    /// $XDG_CACHE_HOME/tolerator when that is an absolute path, else $HOME/.cache/tolerator.
    /// nil when there is no home to use.
    static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 euid: uid_t = geteuid()) -> String? {
        if euid == 0 { return "/var/cache/tolerator" }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/tolerator" }
        guard let home = environment["HOME"], home.hasPrefix("/") else { return nil }
        return home + "/.cache/tolerator"
    }

    /// Creates `directory` when missing (its parents owner-only) and checks that it is safe:
    /// a real directory (not a symlink), owned by us, writable by nobody else. Returns false
    /// when it cannot be created (a read-only home); throws when it exists but is unsafe.
    static func prepare(_ directory: String) throws -> Bool {
        let parent = (directory as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: parent) {
            try? FileManager.default.createDirectory(
                atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        // Traversable by the sandbox's uids as root; the user's alone otherwise (whatever the umask).
        let mode: mode_t = geteuid() == 0 ? 0o755 : 0o700
        if mkdir(directory, mode) == 0 {
            chmod(directory, mode)
        } else if errno != EEXIST {
            return false
        }
        if let problem = unsafety(directory) { throw SandboxError.harnessCacheUnsafe(path: directory, reason: problem) }
        return true
    }

    /// Why `path` may not hold the cache, or nil when it may.
    static func unsafety(_ path: String) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return "cannot inspect it (\(String(cString: strerror(errno))))" }
        if (st.st_mode & S_IFMT) == S_IFLNK { return "is a symbolic link" }
        if (st.st_mode & S_IFMT) != S_IFDIR { return "is not a directory" }
        if st.st_uid != geteuid() { return "is owned by uid \(st.st_uid), not by us (uid \(geteuid()))" }
        if st.st_mode & 0o022 != 0 { return "is writable by other users (mode \(String(st.st_mode & 0o7777, radix: 8)))" }
        return nil
    }
}
