import Foundation

/// Where tolerator's data lives when it is installed rather than run from its build tree.
///
/// `Tools/install.sh --prefix P` puts the binary at `P/bin/tolerator` and its data under
/// `P/share/tolerator/`: `sandboxes/`, `prompts/`, `minicode/` (the embedded model) and
/// `Examples/` (the named suites). A binary finds that folder from its own location
/// (`/proc/self/exe`, so a binary found through `PATH` or a symlink works too); a binary in a
/// build tree has none and falls back to the source checkout it was compiled from.
public enum InstallLayout {
    /// `share/tolerator` beside the running executable's `bin/`, when it exists.
    public static func shareDirectory(executable: URL? = runningExecutable()) -> URL? {
        guard let executable else { return nil }
        let share = executable.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/tolerator", isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: share.path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        return share.standardizedFileURL
    }

    /// The running executable, symlinks resolved: `/proc/self/exe` on Linux, else `argv[0]`.
    public static func runningExecutable() -> URL? {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: target)
        }
        guard let first = CommandLine.arguments.first, first.contains("/") else { return nil }
        return URL(fileURLWithPath: first).resolvingSymlinksInPath()
    }

    /// `relative` inside the installed data folder when that holds it, else inside the source
    /// checkout `checkout` (the build-tree layout).
    public static func resource(_ relative: String, checkout: URL, installed: URL? = shareDirectory()) -> URL {
        if let installed {
            let candidate = installed.appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        return checkout.appendingPathComponent(relative)
    }
}
