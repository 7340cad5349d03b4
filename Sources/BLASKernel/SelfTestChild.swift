import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the self-test for one core in a child process: the core is chosen when the library
/// loads, and a kernel that faults must take down the child, not the run that asked.
public struct SelfTestChild: Sendable {
    /// The environment variable that makes the executable run the test and exit (see KernelStartup).
    public static let variable = "TOLERATOR_BLAS_SELFTEST"

    public var executable: String
    public var arguments: [String]
    public var timeout: Double

    public init(executable: String, arguments: [String] = [], timeout: Double = 60) {
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
    }

    /// Passes when the child exits 0 having printed the core it ran, and that core is `core`.
    public func run(core: String, threads: Int, environment: [String: String]) throws(KernelError) {
        var childEnvironment = environment
        childEnvironment["OPENBLAS_CORETYPE"] = core
        childEnvironment[Self.variable] = String(threads)
        childEnvironment[KernelStartup.switchedVariable] = nil
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = childEnvironment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw .cannotStart(String(describing: error)) }
        // Read while waiting, so a chatty child cannot block on a full pipe.
        let collected = Collected()
        let reader = Thread { collected.set(output.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw .timedOut(seconds: timeout)
        }
        process.waitUntilExit()
        let text = collected.wait().trimmingCharacters(in: .whitespacesAndNewlines)
        if process.terminationReason == .uncaughtSignal { throw .crashed(signal: process.terminationStatus) }
        guard process.terminationStatus == 0 else {
            throw .failed(status: process.terminationStatus, output: String(text.suffix(300)))
        }
        let ran = text.split(separator: "\n").last.map(String.init) ?? ""
        guard ran.lowercased() == "core \(core.lowercased())" else { throw .coreIgnored(asked: core, ran: ran) }
    }
}

/// The child's output, handed from the reading thread to the waiting one.
private final class Collected: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?

    func set(_ value: Data) {
        condition.lock()
        data = value
        condition.signal()
        condition.unlock()
    }

    func wait() -> String {
        condition.lock()
        defer { condition.unlock() }
        while data == nil { condition.wait() }
        return String(decoding: data!, as: UTF8.self)
    }
}
