import CSandboxSpawn
import Foundation
import Synchronization
import Testing
@testable import Sandbox

/// Calls of `pthread_atfork` prepare handlers in this process, counted by the handler below.
private let forkPreparations = Atomic<Int>(0)
private let countForkPreparations: Void = {
    pthread_atfork({ forkPreparations.add(1, ordering: .relaxed) }, nil, nil)
}()

/// How sandbox children are started: no fork handlers (OpenBLAS's deadlocks beside a threaded
/// GEMM), every setup step as specified, and death with the thread that started them.
@Suite("Spawning children", .serialized)
struct SpawnTests {
    /// A uid no account uses, distinct from the runners' ranges.
    static let strangerUID: Int32 = 1_190_000 + Int32(getpid() % 4096)

    func spec(_ script: String, uid: Int32 = -1, limits: sbx_limits? = nil, cwd: String? = nil) -> ChildProcess.Spec {
        ChildProcess.Spec(
            executable: "/bin/sh", arguments: ["-c", script], environment: ["PATH": "/usr/bin:/bin"],
            workingDirectory: cwd,
            limits: limits ?? sbx_limits(cpu_seconds: -1, address_space_bytes: -1, processes: -1,
                                         file_size_bytes: -1, open_files: -1),
            uid: uid, gid: uid, job: [], deadline: 10, outputCap: 4096, sweepUID: false, sweepAfterExit: false)
    }

    /// glibc's fork() runs every prepare handler first; OpenBLAS's joins its worker threads and
    /// never returns while another thread is inside a threaded GEMM.  Neither a spawn nor the
    /// uid sweep may run one.
    @Test func spawningRunsNoForkHandlers() throws {
        _ = countForkPreparations
        let before = forkPreparations.load(ordering: .relaxed)
        let observation = try ChildProcess.run(spec("echo started"))
        #expect(observation.exitCode == 0)
        #expect(observation.stdout.head == "started\n")
        if geteuid() == 0 {
            #expect(sbx_kill_uid(Self.strangerUID) == 0)
        }
        #expect(forkPreparations.load(ordering: .relaxed) == before)
    }

    @Test func limitsDirectoryAndDescriptorsReachTheChild() throws {
        let limits = sbx_limits(cpu_seconds: 7, address_space_bytes: 1 << 30, processes: -1,
                                file_size_bytes: 3 << 20, open_files: 40)
        let script = "ulimit -t; ulimit -n; ulimit -f; pwd; ls /proc/self/fd | sort -n | tr '\\n' ' '"
        let observation = try ChildProcess.run(spec(script, limits: limits, cwd: "/usr"))
        #expect(observation.exitCode == 0)
        // dash counts ulimit -f in 512-byte blocks; fds 0-4 are ours, the next one is ls's directory.
        #expect(observation.stdout.head == "7\n40\n6144\n/usr\n0 1 2 3 4 5 ")
    }

    @Test func aFailedStepIsNamedWithItsErrno() {
        #expect(throws: SandboxError.spawnFailed(stage: "chdir", errno: ENOENT)) {
            try ChildProcess.run(spec("true", cwd: "/nonexistent-\(getpid())"))
        }
        var missing = spec("true")
        missing.executable = "/nonexistent-\(getpid())/sh"
        #expect(throws: SandboxError.spawnFailed(stage: "exec", errno: ENOENT)) {
            try ChildProcess.run(missing)
        }
    }

    @Test(.enabled(if: geteuid() == 0, "switching uid needs root"))
    func theUIDSwitchHolds() throws {
        let observation = try ChildProcess.run(spec("id -u; id -g; id -G", uid: Self.strangerUID))
        let uid = String(Self.strangerUID)
        #expect(observation.stdout.head == "\(uid)\n\(uid)\n\(uid)\n")
    }

    /// The child is killed when the thread that started it ends, also after a uid switch
    /// (which clears the parent-death signal, so it must be set after the switch).
    @Test func theChildDiesWithTheThreadThatStartedIt() throws {
        for uid in geteuid() == 0 ? [-1, Self.strangerUID] : [-1] {
            let started = StartedPID()
            let thread = Thread {
                let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
                defer { close(devNull) }
                var error: Int32 = 0, stage: Int32 = 0
                let fds = [devNull, devNull, devNull]
                let pid = withCStrings(["/bin/sleep", "30"]) { argv in
                    withCStrings([]) { envp in
                        fds.withUnsafeBufferPointer { fds in
                            sbx_spawn("/bin/sleep", argv, envp, fds.baseAddress, 3, nil, nil, uid, uid, &error, &stage)
                        }
                    }
                }
                started.value.store(pid, ordering: .releasing)
            }
            thread.start()
            var pid: pid_t = 0
            for _ in 0..<500 where pid == 0 {
                usleep(10_000)
                pid = started.value.load(ordering: .acquiring)
            }
            try #require(pid > 0, "uid \(uid): not started")
            var status: Int32 = 0
            var reaped: pid_t = 0
            for _ in 0..<500 where reaped == 0 {
                reaped = waitpid(pid, &status, WNOHANG)
                if reaped == 0 { usleep(10_000) }
            }
            if reaped == 0 { kill(pid, SIGKILL); waitpid(pid, &status, 0) }
            #expect(reaped == pid, "uid \(uid): still running 5 s after its thread ended")
            #expect(status & 0x7f == SIGKILL, "uid \(uid): wait status \(status)")
        }
    }
}

private final class StartedPID: Sendable {
    let value = Atomic<pid_t>(0)
}
