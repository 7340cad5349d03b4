import CSandboxSpawn
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One sandbox process, observed from start to reaped: fds 0-4 wired, output read while it
/// runs, the job written without blocking, the whole tree killed at the deadline.
struct ChildProcess {
    struct Spec {
        var executable: String
        var arguments: [String]
        var environment: [String: String]
        var workingDirectory: String?
        var limits: sbx_limits
        var uid: Int32
        var gid: Int32
        var job: [UInt8]
        var deadline: Double
        var outputCap: Int
        /// As root with a per-run uid, kill everything that uid owns when we are done.  Needed
        /// after a normal exit only without a PID namespace (whose end kills all inside it).
        var sweepUID: Bool
        var sweepAfterExit: Bool
    }

    static let resultCap = 16 << 20

    static func run(_ spec: Spec) throws -> Observation {
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard devNull >= 0 else { throw SandboxError.spawnFailed(stage: "open /dev/null", errno: errno) }
        defer { close(devNull) }
        let out = try makePipe(), err = try makePipe(), res = try makePipe(), job = try makePipe()
        var parentEnds = [out.read, err.read, res.read, job.write]
        let childEnds = [devNull, out.write, err.write, res.write, job.read]
        defer { for fd in parentEnds where fd >= 0 { close(fd) } }

        let argv = [spec.executable] + spec.arguments
        let envp = spec.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var error: Int32 = 0, stage: Int32 = 0
        var limits = spec.limits
        let pid: pid_t = withCStrings(argv) { argvPtr in
            withCStrings(envp) { envPtr in
                childEnds.withUnsafeBufferPointer { fds in
                    sbx_spawn(spec.executable, argvPtr, envPtr, fds.baseAddress, Int32(fds.count),
                              spec.workingDirectory, &limits, spec.uid, spec.gid, &error, &stage)
                }
            }
        }
        for fd in childEnds where fd != devNull { close(fd) }
        guard pid > 0 else {
            let stages = ["?", "pipe", "clone", "setsid", "fd setup", "setrlimit", "setuid", "chdir", "exec"]
            throw SandboxError.spawnFailed(stage: stages[Int(stage) < stages.count ? Int(stage) : 0], errno: error)
        }
        for fd in parentEnds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        let pidfd = sbx_pidfd_open(pid)
        defer { if pidfd >= 0 { close(pidfd) } }

        var stdout = StreamCapture(cap: spec.outputCap), stderr = StreamCapture(cap: spec.outputCap)
        var records: [UInt8] = []
        var jobOffset = 0
        var exited = false
        var status: Int32 = 0
        var usage = rusage()
        var killedAtWall = false
        var exitTime: Double?
        var buffer = [UInt8](repeating: 0, count: 65536)

        func kill() {
            _ = Glibc.kill(-pid, SIGKILL)
            _ = Glibc.kill(pid, SIGKILL)
            if spec.sweepUID { _ = sbx_kill_uid(spec.uid) }
        }
        func reap(block: Bool) {
            guard !exited else { return }
            let r = wait4(pid, &status, block ? 0 : WNOHANG, &usage)
            if r == pid || (r < 0 && errno == ECHILD) {
                exited = true
                exitTime = elapsed()
            }
        }

        while true {
            reap(block: false)
            let openReaders = [0, 1, 2].filter { parentEnds[$0] >= 0 }
            // Done: the tree is gone and the pipes drained (or stuck open by an escapee for
            // longer than a short grace, which the sweep then ends).
            if exited && (openReaders.isEmpty || elapsed() - (exitTime ?? 0) > 0.2) { break }
            let remaining = spec.deadline - elapsed()
            if remaining <= 0 && !killedAtWall {
                killedAtWall = true
                kill()
            }
            var pollfds: [pollfd] = openReaders.map { pollfd(fd: parentEnds[$0], events: Int16(POLLIN), revents: 0) }
            if parentEnds[3] >= 0 { pollfds.append(pollfd(fd: parentEnds[3], events: Int16(POLLOUT), revents: 0)) }
            if pidfd >= 0 && !exited { pollfds.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)) }
            let wait = exited ? 20 : (killedAtWall ? 50 : max(1, min(Int(remaining * 1000) + 1, pidfd >= 0 ? 1000 : 20)))
            let ready = poll(&pollfds, nfds_t(pollfds.count), Int32(wait))
            if ready < 0 && errno != EINTR { break }
            for p in pollfds where p.revents != 0 {
                guard let slot = parentEnds.firstIndex(of: p.fd) else { continue }
                if slot == 3 {
                    let n = spec.job.withUnsafeBufferPointer { b in
                        write(p.fd, b.baseAddress! + jobOffset, b.count - jobOffset)
                    }
                    if n > 0 { jobOffset += n }
                    if jobOffset >= spec.job.count || (n < 0 && errno != EAGAIN && errno != EINTR)
                        || p.revents & Int16(POLLERR | POLLHUP) != 0 {
                        close(p.fd)
                        parentEnds[3] = -1
                    }
                    continue
                }
                let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    buffer.withUnsafeBufferPointer { b in
                        let chunk = UnsafeBufferPointer(rebasing: b[0..<n])
                        switch slot {
                        case 0: stdout.append(chunk)
                        case 1: stderr.append(chunk)
                        default: if records.count < resultCap { records.append(contentsOf: chunk) }
                        }
                    }
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(p.fd)
                    parentEnds[slot] = -1
                }
            }
        }
        if !exited {
            kill()
            reap(block: true)
        } else if spec.sweepUID && (spec.sweepAfterExit || killedAtWall) {
            _ = sbx_kill_uid(spec.uid)   // escapees of a weaker profile
        }
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        let signaled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        return Observation(
            records: records, killedAtWall: killedAtWall,
            exitCode: signaled ? nil : (status >> 8) & 0xff, exitSignal: signaled ? status & 0x7f : nil,
            wallSeconds: elapsed(), cpuSeconds: cpu, stdout: stdout.excerpt, stderr: stderr.excerpt)
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard sbx_pipe_cloexec(&fds) == 0 else { throw SandboxError.spawnFailed(stage: "pipe", errno: errno) }
        return (fds[0], fds[1])
    }
}

/// Calls `body` with a NULL-terminated C array of the strings.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
