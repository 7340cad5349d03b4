import CSandboxSpawn
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs programs under one profile.  Creating a runner checks that the profile works here
/// (for bubblewrap: that namespaces can be created) and refuses otherwise.
public final class SandboxRunner: Sendable {
    public let profile: SandboxProfile
    public let directory: SandboxDirectory
    /// The installed harness (.pyc when precompiled).
    private let harnessFile: String
    private let bubblewrap: String?
    private let isRoot: Bool
    /// How RLIMIT_NPROC is applied; see `ProcessBudget`.
    let processBudget: ProcessBudget

    /// Sandbox paths the harness and program see.
    static let harnessTargetDirectory = "/sandbox"
    static let workTarget = "/work"

    public init(profile: SandboxProfile, directory: SandboxDirectory) throws {
        self.profile = profile
        self.directory = directory
        signal(SIGPIPE, SIG_IGN)
        isRoot = geteuid() == 0
        processBudget = ProcessBudget.choose(
            isRoot: isRoot, userNamespace: profile.isolation == .bubblewrap,
            perNamespaceCounts: ProcessBudget.kernelCountsPerUserNamespace(), processes: profile.limits.processes)
        if profile.isolation == .bubblewrap {
            guard let path = Self.findExecutable("bwrap") else {
                throw SandboxError.bubblewrapUnavailable(reason: "no `bwrap` on PATH")
            }
            bubblewrap = path
        } else {
            bubblewrap = nil
        }
        harnessFile = try HarnessInstall.install(source: directory.harnessPath, interpreter: profile.interpreter).file
        try preflight()
    }

    /// Convenience: profile by name (`default`, `rlimits-only`) or path.
    public convenience init(profile nameOrPath: String = "default", sandboxes: String? = nil) throws {
        let directory = try SandboxDirectory.locate(explicit: sandboxes)
        try self.init(profile: SandboxProfile.resolve(nameOrPath, directory: directory), directory: directory)
    }

    /// One trivial program must pass, or the profile cannot work on this machine.
    private func preflight() throws {
        let probe = Program.mbpp(code: "x = 1", setup: "", tests: ["assert x == 1"])
        let result = run(probe, timeout: max(profile.limits.wallSeconds, 5))
        guard result.verdict == .passed else {
            let detail = result.message + (result.stderr.tail.isEmpty ? "" : " / " + result.stderr.tail)
            if profile.isolation == .bubblewrap {
                throw SandboxError.bubblewrapUnavailable(reason: detail.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            throw SandboxError.interpreterUnusable(path: profile.interpreter, reason: detail)
        }
    }

    /// Runs one program; never throws: our own failures come back as `sandbox_error`.
    /// `timeout` overrides the profile's wall budget for this run.
    ///
    /// A `sandbox_error` is our failure, not the program's, so it is retried twice with a
    /// growing pause before it is reported; the result then says `rerun` and keeps
    /// `firstVerdict`, so a retry never hides one.  (The EAGAIN forks once seen here came from
    /// the shared RLIMIT_NPROC budget of non-root runs; see `ProcessBudget`.)
    public func run(_ program: Program, timeout: Double? = nil) -> ExecutionResult {
        var result = runOnce(program, timeout: timeout)
        // Back off so processes of a run that was just killed can be reaped before the retry.
        for pause in [0.5, 2.0] where result.verdict == .sandboxError {
            Thread.sleep(forTimeInterval: pause)
            result = runOnce(program, timeout: timeout)
            result.rerun = true
            result.firstVerdict = .sandboxError
        }
        return result
    }

    private func runOnce(_ program: Program, timeout: Double?) -> ExecutionResult {
        let budget = timeout ?? profile.limits.wallSeconds
        let slot = SlotPool.shared.acquire()
        defer { SlotPool.shared.release(slot) }
        let uid: Int32 = isRoot ? SlotPool.uid(base: profile.uidBase, slot: slot) : -1
        let nonce = (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
        var workDir: String?
        defer {
            if let workDir { try? FileManager.default.removeItem(atPath: workDir) }
        }
        let observation: Observation
        do {
            var spec = try commandSpec(uid: uid, budget: budget)
            if profile.isolation == .rlimitsOnly {
                workDir = try makeWorkDir(uid: uid)
                spec.workingDirectory = workDir
                spec.environment["HOME"] = workDir
                spec.environment["TMPDIR"] = workDir
            }
            spec.job = program.jobBytes(nonce: nonce, timeout: budget,
                                        scanProcesses: profile.isolation == .bubblewrap)
            observation = try ChildProcess.run(spec)
        } catch {
            return failure(.sandboxError, "\(error)")
        }
        let judge = Judge(nonce: nonce, expectedTests: program.expectedTests)
        let parsed = judge.parse(observation.records)
        let decision = judge.decide(parsed, observation)
        let done = parsed.done ?? [:]
        return ExecutionResult(
            verdict: decision.verdict, message: decision.message, failingTest: decision.failingTest,
            signal: decision.signal, tests: parsed.tests.keys.sorted().compactMap { parsed.tests[$0] },
            wallSeconds: observation.wallSeconds,
            cpuSeconds: max(observation.cpuSeconds, done["cpu"] as? Double ?? 0),
            stdout: observation.stdout, stderr: observation.stderr,
            leftoverProcesses: done["leftover_processes"] as? Int ?? 0,
            leftoverFiles: done["leftover_files"] as? Int ?? 0,
            leftoverFileNames: done["leftover_names"] as? [String] ?? [],
            profile: profile.name, isolation: profile.isolation, rerun: false,
            candidateLine: decision.candidateLine)
    }

    /// Runs programs on a pool sized to the machine; each timeout is then re-run once,
    /// serially, and only counts if it times out again.
    public func runAll(_ programs: [Program], workers: Int? = nil, rerunTimeouts: Bool = true,
                       progress: (@Sendable (Int) -> Void)? = nil) -> [ExecutionResult] {
        let box = ResultBox(count: programs.count)
        runStreaming(programs, workers: workers, rerunTimeouts: rerunTimeouts) { index, result in
            box.store(result, at: index)
            progress?(index)
            return true
        }
        return box.results
    }

    /// Runs programs `workers` wide and hands each result to `decided` as soon as it is final:
    /// at once, except a timeout, which is final after its serial re-run (with `rerunTimeouts`).
    /// `decided` is called from worker threads, one result at a time per worker; it returns
    /// false to stop: no further program starts, those running finish and are still handed
    /// over, and results not yet decided are never reported.
    public func runStreaming(_ programs: [Program], workers: Int? = nil, rerunTimeouts: Bool = true,
                             decided: @escaping @Sendable (Int, ExecutionResult) -> Bool) {
        let queue = WorkQueue(count: programs.count)
        let width = max(1, min(workers ?? ProcessInfo.processInfo.activeProcessorCount, programs.count))
        Self.onThreads(width) {
            while let index = queue.next() {
                let result = self.run(programs[index])
                if rerunTimeouts && result.verdict == .timeout {
                    queue.deferTimeout(index, result)
                } else if !decided(index, result) {
                    queue.stop()
                }
            }
        }
        for (index, first) in queue.timeouts.sorted(by: { $0.0 < $1.0 }) where !queue.stopped {
            var again = run(programs[index])
            again.rerun = true
            again.firstVerdict = first.firstVerdict ?? .timeout
            if !decided(index, again) { queue.stop() }
        }
    }

    /// Runs `body` on `count` threads of its own and waits for all.  Not `concurrentPerform`:
    /// that runs at most one iteration per CPU at a time, so `--workers 8` on a 2-CPU machine
    /// ran 2 programs at once.  Workers mostly wait on their sandbox, so more than the CPUs is
    /// a real choice.
    public static func onThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
        let group = DispatchGroup()
        for _ in 0..<count {
            group.enter()
            let thread = Thread {
                body()
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
    }

    private func failure(_ verdict: Verdict, _ message: String) -> ExecutionResult {
        ExecutionResult(verdict: verdict, message: message, failingTest: nil, signal: nil, tests: [],
                        wallSeconds: 0, cpuSeconds: 0, stdout: .empty, stderr: .empty,
                        leftoverProcesses: 0, leftoverFiles: 0, leftoverFileNames: [],
                        profile: profile.name, isolation: profile.isolation, rerun: false)
    }

    private func commandSpec(uid: Int32, budget: Double) throws -> ChildProcess.Spec {
        let limits = profile.limits
        let mib: Int64 = 1 << 20
        let rlimits = sbx_limits(
            cpu_seconds: Int64(max(Double(limits.cpuSeconds), budget.rounded(.up) + 1)),
            address_space_bytes: Int64(limits.addressSpaceMiB) * mib,
            processes: Int64(processBudget.spawnLimit(uid: getuid())),
            file_size_bytes: Int64(limits.fileSizeMiB) * mib,
            open_files: Int64(limits.openFiles))
        var environment = profile.environment
        let executable: String
        let arguments: [String]
        let harness = harnessFile
        let harnessTarget = Self.harnessTargetDirectory + "/" + (harness as NSString).lastPathComponent
        if let bubblewrap {
            environment["HOME"] = Self.workTarget
            environment["TMPDIR"] = "/tmp"
            executable = bubblewrap
            arguments = bubblewrapArguments(harness: harness, target: harnessTarget) + [profile.interpreter]
                + profile.interpreterArguments + [harnessTarget]
                + (processBudget.insideLimit.map { [String($0)] } ?? [])
        } else {
            executable = profile.interpreter
            arguments = profile.interpreterArguments + [harness]
        }
        // The harness enforces `budget`; this backstop covers start-up under load and a
        // tester that stops answering.
        let deadline = budget + max(1.0, budget * 0.5)
        return ChildProcess.Spec(
            executable: executable, arguments: arguments, environment: environment,
            workingDirectory: nil, limits: rlimits, uid: uid, gid: uid, job: [],
            deadline: deadline, outputCap: limits.outputBytes, sweepUID: uid > 0,
            sweepAfterExit: bubblewrap == nil)
    }

    func bubblewrapArguments(harness: String, target: String) -> [String] {
        let size = String(profile.limits.workDirMiB << 20)
        // --as-pid-1: the tester itself is pid 1 of the run's PID namespace, a direct child of
        // the bwrap we spawn and reaped by it.  Without it bwrap puts a reaper at pid 1 that
        // outlives the bwrap we wait for (that one exits as soon as the reaper reports the
        // tester's status), so the reaper is orphaned to the host's init and stays a zombie
        // until init reaps it: measured as non-root, up to 25 such zombies at once, each counted
        // against the user's RLIMIT_NPROC.  When pid 1 exits the kernel kills everything left in
        // the namespace, as before; and a candidate cannot kill its tester from inside (signals
        // from inside a PID namespace to its init are dropped unless init handles them).
        var args = ["--unshare-all", "--die-with-parent", "--new-session", "--as-pid-1", "--hostname", "sandbox"]
        for mount in profile.mounts {
            switch mount.kind {
            case .roBind, .roBindTry:
                let source = mount.source ?? ""
                // A host symlink (usr-merged /lib, /bin) is cheaper recreated than bind-mounted.
                if source == mount.target, let link = try? FileManager.default.destinationOfSymbolicLink(atPath: source) {
                    args += ["--symlink", link, mount.target]
                } else {
                    args += [mount.kind == .roBind ? "--ro-bind" : "--ro-bind-try", source, mount.target]
                }
            case .tmpfs: args += ["--size", size, "--tmpfs", mount.target]
            case .dir: args += ["--dir", mount.target]
            case .symlink: args += ["--symlink", mount.source ?? "", mount.target]
            }
        }
        args += ["--proc", "/proc", "--dev", "/dev",
                 "--size", size, "--tmpfs", "/tmp",
                 "--dir", Self.harnessTargetDirectory, "--ro-bind", harness, target,
                 "--size", size, "--tmpfs", Self.workTarget,
                 "--remount-ro", "/", "--chdir", Self.workTarget]
        return args
    }

    private func makeWorkDir(uid: Int32) throws -> String {
        var template = Array("/tmp/tolerator-work-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SandboxError.spawnFailed(stage: "mkdtemp", errno: errno) }
        let path = String(cString: made)
        if uid > 0 { chown(path, uid_t(uid), gid_t(uid)) }
        chmod(path, 0o700)
        return path
    }

    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/bin", "/bin"] {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Tasks (threads, zombies included) whose real uid is `uid`, from /proc: what the kernel
    /// counts against RLIMIT_NPROC.
    static func taskCount(uid: uid_t) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var count = 0
        for entry in entries where entry.allSatisfy(\.isNumber) {
            guard let status = try? String(contentsOfFile: "/proc/\(entry)/status", encoding: .utf8) else { continue }
            var real: Substring?, threads = 1
            for line in status.split(separator: "\n") {
                if line.hasPrefix("Uid:") {
                    real = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first
                } else if line.hasPrefix("Threads:") {
                    threads = Int(line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first ?? "1") ?? 1
                }
            }
            if real == Substring(String(uid)) { count += threads }
        }
        return count
    }
}

/// Results written by pool workers, each index exactly once.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [ExecutionResult?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ result: ExecutionResult, at index: Int) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    var results: [ExecutionResult] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}

/// Indices handed to pool workers, the timeouts held back for their serial re-run, and a stop flag.
private final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private let count: Int
    private var cursor = 0
    private var held: [(Int, ExecutionResult)] = []
    private var halted = false

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard !halted, cursor < count else { return nil }
        cursor += 1
        return cursor - 1
    }

    func deferTimeout(_ index: Int, _ result: ExecutionResult) {
        lock.lock()
        held.append((index, result))
        lock.unlock()
    }

    func stop() {
        lock.lock()
        halted = true
        lock.unlock()
    }

    var stopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return halted
    }

    var timeouts: [(Int, ExecutionResult)] {
        lock.lock()
        defer { lock.unlock() }
        return held
    }
}
