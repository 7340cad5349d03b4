import FixtureSupport
import Foundation
import Testing
@testable import Sandbox
#if canImport(Glibc)
import Glibc
#endif

/// Issue 21, requirement 1: as an ordinary user, parallel runs must not take each other's
/// process budget.  Before, bwrap got RLIMIT_NPROC = 32 + the user's *processes*, while the
/// kernel counts every *task* of the user (all concurrent runs, tolerator's threads, zombies):
/// forks failed with EAGAIN ("bwrap: Can't fork for pid 1", or the tester's fork of the
/// candidate), and those runs were retried or reported as failures.
@Suite struct NonRootTests {
    static let user = "tolerator-nonroot-test"

    static func tool(_ name: String) -> String? {
        ["/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"].map { $0 + name }.first { access($0, X_OK) == 0 }
    }

    /// Root (to create the user and switch to it), runuser and useradd, and the built CLI.
    static var available: Bool {
        geteuid() == 0 && tool("runuser") != nil && tool("useradd") != nil && binary != nil
            && Shared.directory != nil
    }

    static var binary: String? {
        let build = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return [build, build.deletingLastPathComponent()].map { $0.appendingPathComponent("tolerator").path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @discardableResult
    static func shell(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runCommand(arguments[0], Array(arguments.dropFirst()))
    }

    @Test(.enabled(if: available, "needs root with runuser and useradd (it runs tolerator as a user it creates) and the built tolerator"))
    func parallelForkingProgramsAllPassAsAnOrdinaryUser() throws {
        if (try? Self.shell([Self.tool("id")!, Self.user]))?.status != 0 {
            let made = try Self.shell([Self.tool("useradd")!, "--create-home", "--shell", "/bin/sh", Self.user])
            #expect(made.status == 0, "useradd: \(made.output)")
        }
        // A folder the user can read (the binary and sandboxes/) and write (the results).
        let root = NSTemporaryDirectory() + "nonroot-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        chmod(root, 0o777)
        let binary = root + "/tolerator", sandboxes = root + "/sandboxes"
        try FileManager.default.copyItem(atPath: Self.binary!, toPath: binary)
        try FileManager.default.copyItem(atPath: Shared.directory!.url.path, toPath: sandboxes)
        _ = try Self.shell([Self.tool("chmod")!, "-R", "a+rX", root])

        // 16 programs, each forking 4 children that live at once; 8 run in parallel: about
        // 8 x 7 tasks of the user at a time, far above the old limit of 32 + 1.
        let count = 16
        var suite = "", samples = ""
        for i in 0..<count {
            let task: [String: String] = [
                "task_id": "fork/\(i)", "entry_point": "spawn",
                "prompt": "def spawn(x):\n",
                "canonical_solution": "    return x\n",
                "test": "def check(candidate):\n    assert candidate(\(i)) == \(i)\n",
            ]
            suite += String(decoding: try JSONSerialization.data(withJSONObject: task, options: [.sortedKeys]), as: UTF8.self) + "\n"
            let completion = """
                    import os, time
                    children = []
                    for _ in range(4):
                        pid = os.fork()
                        if pid == 0:
                            time.sleep(0.3)
                            os._exit(0)
                        children.append(pid)
                    for pid in children:
                        os.waitpid(pid, 0)
                    return x

                """
            let sample = ["task_id": "fork/\(i)", "completion": completion]
            samples += String(decoding: try JSONSerialization.data(withJSONObject: sample, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        try suite.write(toFile: root + "/suite.jsonl", atomically: true, encoding: .utf8)
        try samples.write(toFile: root + "/samples.jsonl", atomically: true, encoding: .utf8)
        _ = try Self.shell([Self.tool("chmod")!, "a+r", root + "/suite.jsonl", root + "/samples.jsonl"])

        let run = try Self.shell([
            Self.tool("runuser")!, "-u", Self.user, "--", Self.tool("env")!, "TOLERATOR_SANDBOXES=" + sandboxes,
            "HOME=/home/" + Self.user, binary, "score", "--suite", root + "/suite.jsonl",
            "--samples", root + "/samples.jsonl", "--workers", "8", "--timeout", "10",
            "--output", root + "/results.jsonl",
        ])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("passed: 16/16 (100.0%)"), "\(run.output)")
        #expect(!run.output.contains("re-run") && !run.output.contains("retried"), "\(run.output)")
        let rows = try String(contentsOfFile: root + "/results.jsonl", encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(rows.count == count)
        #expect(rows.map { $0["verdict"] as? String } == Array(repeating: "passed", count: count))
        #expect(rows.filter { $0["first_verdict"] != nil || $0["rerun"] as? Bool == true }.count == 0)
    }

    @Test func theBudgetIsPerRunWhereTheKernelAllowsIt() {
        #expect(ProcessBudget.choose(isRoot: true, userNamespace: true, perNamespaceCounts: true, processes: 32) == .perUID(32))
        #expect(ProcessBudget.choose(isRoot: false, userNamespace: true, perNamespaceCounts: true, processes: 32) == .perNamespace(32))
        #expect(ProcessBudget.choose(isRoot: false, userNamespace: false, perNamespaceCounts: true, processes: 32) == .sharedUID(32))
        #expect(ProcessBudget.choose(isRoot: false, userNamespace: true, perNamespaceCounts: false, processes: 32) == .sharedUID(32))
        // bwrap keeps the user's own limit; the tester sets 32 inside the run's user namespace.
        #expect(ProcessBudget.perNamespace(32).spawnLimit(uid: 4242) == -1)
        #expect(ProcessBudget.perNamespace(32).insideLimit == 32)
        #expect(ProcessBudget.perUID(32).spawnLimit(uid: 4242) == 32)
        // No process of an unused uid: the shared budget is exactly the run's own.
        #expect(ProcessBudget.sharedUID(32).spawnLimit(uid: 3_999_999_999) == 32)
        #expect(ProcessBudget.sharedUID(32).insideLimit == nil)
        #expect(ProcessBudget.kernelCountsPerUserNamespace(release: "5.14.0-1-amd64"))
        #expect(ProcessBudget.kernelCountsPerUserNamespace(release: "6.1.0-18-amd64"))
        #expect(!ProcessBudget.kernelCountsPerUserNamespace(release: "5.10.0-28-amd64"))
        #expect(!ProcessBudget.kernelCountsPerUserNamespace(release: "4.19.0"))
        #expect(!ProcessBudget.kernelCountsPerUserNamespace(release: "garbage"))
    }

    /// Threads count: this process alone has several, and the count is of tasks, not processes.
    @Test func theTaskCountIncludesThreads() throws {
        let threads = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("Threads:") }
            .flatMap { Int($0.split(separator: "\t").last ?? "") } ?? 0
        #expect(threads > 1)
        #expect(SandboxRunner.taskCount(uid: getuid()) >= threads)
    }
}
