import FixtureSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// An installed binary runs with the checkout gone (issue 20, requirement 2): `Tools/install.sh`
/// installs the built binary and its data into a prefix, then `generate`, `eval` (2 tasks) and
/// `score` run from there while a private mount namespace hides the checkout under an empty
/// tmpfs, exactly as if it had been moved away. A bare copy of the binary, without the data,
/// fails the same way the issue describes, so the hiding is real.
@Suite(.serialized) final class InstallTests {
    let folder: URL

    /// Root can mount in a private namespace (`unshare --mount`); elsewhere the test is skipped.
    static let canHideCheckout: Bool = {
        guard geteuid() == 0 else { return false }
        return (try? shell("unshare --mount --propagation private sh -c 'mount -t tmpfs none /mnt'").status) == 0
    }()

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    static func shell(_ script: String) throws -> (status: Int32, output: String) {
        try runCommand("/bin/sh", ["-c", script])
    }

    func builtBinary() throws -> URL {
        let build = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return try #require([build, build.deletingLastPathComponent()].map { $0.appendingPathComponent("tolerator") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) })
    }

    /// Runs `commands` with the checkout hidden under an empty tmpfs, from `folder`.
    func withoutCheckout(_ commands: String) throws -> (status: Int32, output: String) {
        let script = "mount -t tmpfs none '\(repositoryRoot.path)' && [ -z \"$(ls -A '\(repositoryRoot.path)')\" ] && cd '\(folder.path)' && \(commands)"
        let quoted = script.replacingOccurrences(of: "'", with: "'\\''")
        return try Self.shell("unshare --mount --propagation private sh -c '\(quoted)'")
    }

    @Test(.enabled(if: canHideCheckout, "needs root and unshare(1) to hide the checkout in a private mount namespace"))
    func installedBinaryRunsWithTheCheckoutMovedAway() throws {
        let prefix = folder.appendingPathComponent("prefix")
        let install = try Self.shell("'\(repositoryRoot.path)/Tools/install.sh' --prefix '\(prefix.path)' --binary '\(try builtBinary().path)'")
        #expect(install.status == 0, "\(install.output)")
        for data in ["bin/tolerator", "share/tolerator/sandboxes/harness.py", "share/tolerator/prompts/chat/qwen2.template",
                     "share/tolerator/minicode/config.json", "share/tolerator/Examples/suites/tiny-humaneval.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: prefix.appendingPathComponent(data).path), "\(data)")
        }
        let tinyTasks = try String(contentsOf: repositoryRoot.appendingPathComponent("Examples/suites/tiny-humaneval.jsonl"), encoding: .utf8)
            .split(separator: "\n").count
        try Data("def add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n".utf8).write(to: folder.appendingPathComponent("stub.py"))
        let bin = prefix.appendingPathComponent("bin/tolerator").path

        let generate = try withoutCheckout("'\(bin)' generate --file stub.py --nfe 8 --no-verify")
        #expect(generate.status == 0, "\(generate.output)")
        #expect(generate.output.contains("def add(a, b):"), "\(generate.output)")

        let eval = try withoutCheckout("'\(bin)' eval --suite tiny --limit 2 --methods vanilla --nfe 4 --threads 1 --out run")
        #expect(eval.status == 0, "\(eval.output)")
        #expect(eval.output.contains("(2 tasks), 2 samples planned"), "\(eval.output)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("run/report.html").path))
        let rows = try String(contentsOf: folder.appendingPathComponent("run/results.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 2)

        let score = try withoutCheckout("'\(bin)' score --suite tiny --canonical --output canonical.jsonl")
        #expect(score.status == 0, "\(score.output)")
        #expect(score.output.contains("passed: \(tinyTasks)/\(tinyTasks) (100.0%)"), "\(score.output)")

        // The same binary without its data finds nothing once the checkout is gone.
        let bare = folder.appendingPathComponent("bare/bin")
        try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: try builtBinary(), to: bare.appendingPathComponent("tolerator"))
        let refused = try withoutCheckout("'\(bare.path)/tolerator' score --suite tiny --canonical --output bare.jsonl")
        #expect(refused.status != 0)
        #expect(refused.output.contains("suite \"tiny\" not found"), "\(refused.output)")
    }
}
