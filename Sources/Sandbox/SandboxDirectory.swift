import Foundation
import InstallLayout

/// The `sandboxes/` directory: profiles and the in-sandbox harness.
///
/// Found, in order, at: an explicit path; `$TOLERATOR_SANDBOXES`; `sandboxes/` beside the
/// executable or one level up (installed layouts); `sandboxes/` in the source checkout this
/// module was compiled from (`#filePath`), which makes `swift run` work from anywhere.
public struct SandboxDirectory: Sendable, Equatable {
    public let url: URL

    public static let environmentVariable = "TOLERATOR_SANDBOXES"

    public init(url: URL) {
        self.url = url
    }

    /// Locates the directory; `explicit` (e.g. a `--sandboxes` option) wins.
    public static func locate(explicit: String? = nil, filePath: String = #filePath) throws -> SandboxDirectory {
        var tried: [String] = []
        func check(_ path: String) -> SandboxDirectory? {
            tried.append(path)
            let harness = URL(fileURLWithPath: path).appendingPathComponent("harness.py").path
            return FileManager.default.fileExists(atPath: harness)
                ? SandboxDirectory(url: URL(fileURLWithPath: path).standardizedFileURL) : nil
        }
        if let explicit {
            if let dir = check(explicit) { return dir }
            throw SandboxError.sandboxesNotFound(tried: tried)
        }
        if let env = ProcessInfo.processInfo.environment[environmentVariable], !env.isEmpty {
            if let dir = check(env) { return dir }
            throw SandboxError.sandboxesNotFound(tried: tried)
        }
        if let exe = InstallLayout.runningExecutable()?.deletingLastPathComponent() {
            for candidate in [exe.appendingPathComponent("sandboxes"),
                              exe.deletingLastPathComponent().appendingPathComponent("sandboxes"),
                              exe.deletingLastPathComponent().appendingPathComponent("share/tolerator/sandboxes")] {
                if let dir = check(candidate.path) { return dir }
            }
        }
        // Sources/Sandbox/SandboxDirectory.swift -> checkout root.
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        if let dir = check(root.appendingPathComponent("sandboxes").path) { return dir }
        throw SandboxError.sandboxesNotFound(tried: tried)
    }

    public func path(of file: String) -> String {
        url.appendingPathComponent(file).path
    }

    public var harnessPath: String { path(of: "harness.py") }
}
