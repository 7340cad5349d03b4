import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The per-user cache directory, by the same rules as Sandbox's HarnessCache (which this module
/// must not depend on): a directory only this user can write, so no other local user can plant
/// a verdict that makes us run a broken kernel.
enum PrivateCache {
    /// root: /var/cache/tolerator; others: $XDG_CACHE_HOME/tolerator when absolute, else
    /// $HOME/.cache/tolerator; nil without a home.
    static func directory(environment: [String: String]) -> String? {
        if geteuid() == 0 { return "/var/cache/tolerator" }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/tolerator" }
        guard let home = environment["HOME"], home.hasPrefix("/") else { return nil }
        return home + "/.cache/tolerator"
    }

    /// Creates `directory` (owner-only) when missing; true only when it is then a real
    /// directory owned by us and writable by nobody else.
    static func prepare(_ directory: String) -> Bool {
        let parent = (directory as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: parent) {
            try? FileManager.default.createDirectory(
                atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let mode: mode_t = geteuid() == 0 ? 0o755 : 0o700
        if mkdir(directory, mode) == 0 { chmod(directory, mode) } else if errno != EEXIST { return false }
        var st = stat()
        guard lstat(directory, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR && st.st_uid == geteuid() && st.st_mode & 0o022 == 0
    }
}
