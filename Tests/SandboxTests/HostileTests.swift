import Foundation
import Testing
@testable import Sandbox

/// The adversarial corpus of sandbox.md §6: every program is contained, gets the verdict
/// named in its test, and leaves the host as it was (canary untouched, no processes left
/// running under any sandbox uid).
@Suite("Hostile programs", .serialized)
struct HostileTests {
    let runner: SandboxRunner
    let canary: String
    let canaryText = "canary \(UInt64.random(in: 1 ... .max))"

    init() throws {
        runner = try #require(Shared.hostileRunner)
        canary = NSTemporaryDirectory() + "tolerator-canary-\(UInt64.random(in: 1 ... .max))"
        try canaryText.write(toFile: canary, atomically: true, encoding: .utf8)
    }

    /// Runs `add`'s task with `body` as the completion and checks the host afterwards.
    func run(_ body: String, test: String? = nil) throws -> ExecutionResult {
        var program = addTask(body)
        if let test, case .humanEval(let prompt, let completion, _, let entry) = program {
            program = .humanEval(prompt: prompt, completion: completion, test: test, entryPoint: entry)
        }
        let result = runner.run(program)
        #expect(try String(contentsOfFile: canary, encoding: .utf8) == canaryText, "canary changed")
        #expect(sandboxProcesses(uidBase: Shared.hostileUIDBase) == 0, "processes left running under a sandbox uid")
        try? FileManager.default.removeItem(atPath: canary)
        return result
    }

    // MARK: time

    @Test func infiniteLoopInFunction() throws {
        let r = try run("    while True:\n        pass\n")
        #expect(r.verdict == .timeout)
        #expect(r.failingTest == 0)
    }

    @Test func infiniteLoopAtModuleLevel() throws {
        let r = try run("    return a + b\nwhile True:\n    pass\n")
        #expect(r.verdict == .timeout)
        #expect(r.message.hasPrefix("while loading"))
    }

    @Test func loopSwallowingEveryException() throws {
        let r = try run("""
                while True:
                    try:
                        while True:
                            pass
                    except BaseException:
                        pass

            """)
        #expect(r.verdict == .timeout)
    }

    @Test func loopIgnoringSigtermAndSigalrm() throws {
        let r = try run("""
                import signal
                for s in (signal.SIGTERM, signal.SIGALRM, signal.SIGINT, signal.SIGXCPU):
                    signal.signal(s, signal.SIG_IGN)
                signal.setitimer(signal.ITIMER_REAL, 0)
                while True:
                    pass

            """)
        #expect(r.verdict == .timeout)
    }

    @Test func sleepingIsTimedOutByTheWallClock() throws {
        let r = try run("    import time\n    time.sleep(30)\n    return a + b\n")
        #expect(r.verdict == .timeout)
        #expect(r.wallSeconds < 10)
    }

    // MARK: processes

    @Test func forkBombAtModuleLevel() throws {
        let r = try run("    return a + b\nimport os\nwhile True:\n    os.fork()\n")
        #expect(r.verdict == .error)
        #expect(r.message.contains("BlockingIOError") || r.message.contains("Resource temporarily unavailable"))
    }

    @Test func posixForkBombWithSleepingChildren() throws {
        let r = try run("""
                return a + b
            import posix, time
            while True:
                if posix.fork() == 0:
                    time.sleep(100)

            """)
        #expect(r.verdict == .error)
    }

    @Test func sleepingGrandchildIsReapedAndReported() throws {
        let r = try run("""
                import os, time
                if os.fork() == 0:
                    if os.fork() == 0:
                        time.sleep(100)
                    os._exit(0)
                return a + b

            """)
        #expect(r.verdict == .passed)
        #expect(r.leftoverProcesses >= 1)
    }

    @Test func setsidDaemonEscapeeIsKilled() throws {
        let r = try run("""
                import os, time
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        time.sleep(100)
                    os._exit(0)
                return a + b

            """)
        #expect(r.verdict == .passed)
        #expect(r.leftoverProcesses >= 1)
    }

    /// The tester is pid 1 of the run's PID namespace (bwrap --as-pid-1): signals from inside
    /// the namespace that it does not handle are dropped by the kernel, so the candidate can
    /// neither kill its tester nor interrupt it; the tests run and judge the returned value.
    @Test func signallingTheTesterHasNoEffect() throws {
        let r = try run("""
                import os, signal
                for s in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
                    os.kill(os.getppid(), s)
                return a + b

            """)
        #expect(r.verdict == .passed)
        #expect(r.tests.map(\.status) == ["pass", "pass", "pass"])
    }

    /// A wrong answer still fails after the same signals: the tester survived to judge it.
    @Test func signallingTheTesterDoesNotHideAFailure() throws {
        let r = try run("    import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)\n    return a - b\n")
        #expect(r.verdict == .failed)
        #expect(r.failingTest == 0)
    }

    @Test func killingEverythingVisibleFails() throws {
        let r = try run("    import os\n    os.kill(-1, 9)\n    return a + b\n")
        #expect(r.verdict == .failed)
    }

    @Test func segfaultIsCrashedWithItsSignal() throws {
        let r = try run("    import ctypes\n    ctypes.string_at(0)\n    return a + b\n")
        #expect(r.verdict == .crashed)
        #expect(r.signal == 11)
        #expect(r.verdictText == "crashed(SIGSEGV)")
    }

    // MARK: memory and output

    @Test func hugeAllocationIsMemory() throws {
        let r = try run("    x = bytearray(8 << 30)\n    return a + b\n")
        #expect(r.verdict == .memory)
    }

    @Test func growingListIsMemory() throws {
        // bytes(n) is calloc'd: address space grows without page faults, as in a real leak.
        let r = try run("    keep = []\n    while True:\n        keep.append(bytes(16 << 20))\n")
        #expect(r.verdict == .memory)
    }

    @Test func megabytesOfOutputAreCountedAndCapped() throws {
        let r = try run("""
                import sys
                if a == 1:
                    for _ in range(10):
                        sys.stdout.write("x" * (1 << 20))
                    sys.stdout.buffer.write(b"\\xff\\xfe not utf-8 \\n")
                    sys.stderr.write("e" * 300000)
                return a + b

            """)
        #expect(r.verdict == .passed)
        #expect(r.stdout.bytes == 10 * (1 << 20) + 14)
        #expect(r.stdout.truncated)
        #expect(r.stdout.head.utf8.count <= runner.profile.limits.outputBytes)
        #expect(r.stdout.tail.hasSuffix(" not utf-8 \n"))
        #expect(r.stdout.lossy)
        #expect(r.stderr.bytes == 300000)
    }

    @Test func closedStdoutAndStderrStillPass() throws {
        let r = try run("    import os\n    try:\n        os.close(1)\n        os.close(2)\n    except OSError:\n        pass\n    return a + b\n")
        #expect(r.verdict == .passed)
    }

    @Test func readingStdinGetsEndOfFile() throws {
        let r = try run("    return int(input()) + a + b\n")
        #expect(r.verdict == .failed)
        #expect(r.message.contains("EOFError"))
    }

    // MARK: filesystem and network

    @Test func writesOutsideTheWorkDirNeverReachTheHost() throws {
        let r = try run("""
                for path in [\(pyString(canary)), "/etc/passwd", "/usr/lib/evil", "/evil", \(pyString(NSTemporaryDirectory() + "tolerator-evil"))]:
                    try:
                        with open(path, "w") as f:
                            f.write("owned")
                    except OSError:
                        pass
                return a + b

            """)
        #expect(r.verdict == .passed)
        #expect(!FileManager.default.fileExists(atPath: NSTemporaryDirectory() + "tolerator-evil"))
    }

    @Test func secretsAreNotReadable() throws {
        // The program only "passes" if it can read a secret, so the verdict proves it cannot.
        let r = try run("""
                import os
                for path in ["/etc/shadow", "/root/.ssh/id_rsa", os.path.expanduser("~/.ssh/id_rsa"),
                             \(pyString(canary))]:
                    try:
                        data = open(path).read()
                        if data:
                            return a + b
                    except OSError:
                        pass
                return None

            """)
        #expect(r.verdict == .failed)
    }

    @Test func environmentIsScrubbedAndHomeEmpty() throws {
        let allowed = Set(runner.profile.environment.keys).union(["HOME", "TMPDIR", "PWD", "LC_CTYPE"])
        let r = try run("""
                import os
                extra = set(os.environ) - {\(allowed.sorted().map(pyString).joined(separator: ", "))}
                home = os.listdir(os.environ["HOME"])
                return a + b if not extra and os.environ["HOME"] == "/work" and not home else (sorted(extra), home)

            """)
        #expect(r.verdict == .passed, "\(r.message)")
    }

    @Test func networkIsUnreachable() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        _ = listen(listener, 4)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let r = try run("""
                import socket
                for host, port in [("127.0.0.1", \(port)), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
                    try:
                        socket.create_connection((host, port), timeout=0.2).close()
                        return a + b
                    except OSError:
                        pass
                return None

            """)
        #expect(r.verdict == .failed)
    }

    @Test func symlinksToHostFilesAreNeverFollowedByTheHost() throws {
        let r = try run("""
                import os
                if not os.path.lexists("root-link"):
                    os.symlink("/etc/shadow", "shadow-link")
                    os.symlink(\(pyString(canary)), "canary-link")
                    os.symlink("/", "root-link")
                return a + b

            """)
        #expect(r.verdict == .passed)
        #expect(r.leftoverFiles == 3)
        #expect(Set(r.leftoverFileNames) == ["shadow-link", "canary-link", "root-link"])
    }

    // MARK: forging the verdict

    @Test func sysExitAtModuleLevelIsError() throws {
        let r = try run("    return a + b\nimport sys\nsys.exit(0)\n")
        #expect(r.verdict == .error)
        #expect(r.message.contains("SystemExit"))
    }

    @Test func osExitInsideTheFunctionFails() throws {
        let r = try run("    import os\n    os._exit(0)\n")
        #expect(r.verdict == .failed)
        #expect(r.message.contains("exited with status 0"))
    }

    @Test func sysExitInsideTheFunctionFails() throws {
        let r = try run("    raise SystemExit(0)\n")
        #expect(r.verdict == .failed)
    }

    @Test func atexitAndExcepthookExitsFail() throws {
        let r = try run("""
                return a - b
            import atexit, os, sys
            atexit.register(lambda: os._exit(0))
            sys.excepthook = lambda *args: os._exit(0)
            """)
        #expect(r.verdict == .failed)
    }

    @Test func frameWalkingCannotForgeRecords() throws {
        let r = try run("""
                import sys, os, gc
                f = sys._getframe()
                while f is not None:
                    g = f.f_globals
                    for name in ("Results", "out", "CHANNEL", "write_all"):
                        if name in g:
                            try:
                                os.write(3, b'{"type":"test","index":0,"status":"pass"}\\n')
                            except OSError:
                                pass
                    f.f_locals.get("results", []).append("passed") if isinstance(f.f_locals.get("results"), list) else None
                    f = f.f_back
                for obj in gc.get_objects():
                    if isinstance(obj, dict) and "nonce" in obj:
                        return a + b
                return None

            """)
        #expect(r.verdict == .failed)
    }

    @Test func alwaysEqualObjectsNeverPass() throws {
        let r = try run("""
                class Anything(int):
                    def __eq__(self, other):
                        return True
                    def __ne__(self, other):
                        return False
                    def __lt__(self, other):
                        return True
                class Whatever:
                    __eq__ = lambda self, other: True
                    __sub__ = lambda self, other: 0
                    __abs__ = lambda self: 0
                    __bool__ = lambda self: True
                return Whatever() if isinstance(a, float) else Anything(99)

            """)
        #expect(r.verdict == .failed)
        #expect(r.tests.map(\.status) == ["fail", "fail", "error"])
    }

    @Test func patchedBuiltinsDoNotReachTheTests() throws {
        let r = try run("""
                return 100.0
            import builtins, math
            builtins.abs = lambda x: 0
            builtins.AssertionError = None
            math.isclose = lambda *a, **k: True
            """, test: """
            import math

            def check(candidate):
                assert abs(candidate(1.0, 2.0) - 3.0) < 1e-9
                assert math.isclose(candidate(1.0, 2.0), 3.0)

            """)
        #expect(r.verdict == .failed)
        #expect(r.tests.map(\.status) == ["fail", "fail"])
    }
}

/// A Python string literal for `text`.
func pyString(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

/// Live processes (zombies excluded) running under the uids this test process gives its runs
/// with `uidBase`; other processes on the machine may be running sandboxes of their own.
func sandboxProcesses(uidBase: Int) -> Int {
    let first = Int(SlotPool.uid(base: uidBase, slot: 0))
    let ranges = [first ..< first + 64]
    var count = 0
    for _ in 0..<20 {
        count = 0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where entry.allSatisfy(\.isNumber) {
            guard let status = try? String(contentsOfFile: "/proc/\(entry)/status", encoding: .utf8) else { continue }
            let lines = status.split(separator: "\n")
            if lines.first(where: { $0.hasPrefix("State:") })?.contains("Z") == true { continue }
            guard let uidLine = lines.first(where: { $0.hasPrefix("Uid:") }),
                  let uid = uidLine.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first.flatMap({ Int($0) })
            else { continue }
            if ranges.contains(where: { $0.contains(uid) }) { count += 1 }
        }
        if count == 0 { return 0 }
        usleep(50_000)   // the kernel tears a namespace down asynchronously
    }
    return count
}
