import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The start-of-process step that gives OpenBLAS the strongest core the CPU runs correctly.
/// OPENBLAS_CORETYPE is read when the library loads, which is before any of our code runs, so
/// switching means re-executing the program with the variable set.
public enum KernelStartup {
    /// Set on the re-executed process: the core OpenBLAS had detected, then ";" and any stronger
    /// cores that failed their self-test first. Marks OPENBLAS_CORETYPE
    /// as ours, not the user's, and stops a second switch.
    public static let switchedVariable = "TOLERATOR_BLAS_SWITCHED_FROM"

    /// Call first in main, before OpenBLAS computes anything. In a self-test child it runs the
    /// test and exits; when a stronger core passes it re-executes the program and does not
    /// return; otherwise it records why the loaded core stays and returns.
    public static func prepare(environment: [String: String] = ProcessInfo.processInfo.environment,
                               warn: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        if let threads = environment[SelfTestChild.variable] { runSelfTestAndExit(threads: Int(threads) ?? 2) }
        let detected = OpenBLASLibrary.coreName
        if let marker = environment[switchedVariable] {
            // "Prescott" or "Prescott;SkylakeX" (stronger cores that failed their self-test first).
            let parts = marker.split(separator: ";", maxSplits: 1).map(String.init)
            let failed = parts.count > 1 ? "; \(parts[1]) failed the self-test" : ""
            KernelInUse.record(note: "switched from \(parts.first ?? marker) after a passed self-test\(failed)")
            // The library has read it; programs we start (Python, git hooks) get the user's environment back.
            unsetenv("OPENBLAS_CORETYPE")
            unsetenv(switchedVariable)
            return
        }
        let features = CPUFeatures.current
        let library = OpenBLASLibrary.identity
        let threads = min(2, ProcessInfo.processInfo.activeProcessorCount)
        let decision = decide(
            features: features, detectedCore: detected, environment: environment,
            cache: VerdictCache(environment: environment), library: library, warn: warn
        ) { core throws(KernelError) in
            try SelfTestChild(executable: executablePath).run(core: core, threads: threads, environment: environment)
        }
        switch decision {
        case .keep(_, let reason):
            KernelInUse.record(note: note(reason))
        case .switchTo(let core, let from, let failed):
            reexec(core: core, marker: ([from] + (failed.isEmpty ? [] : [failed.joined(separator: ", ")])).joined(separator: ";"),
                   warn: warn)
        }
    }

    /// The decision with cached verdicts, running `selfTest` only for cores without one. A fresh
    /// failure is said once through `warn`; cached, later starts keep the weaker core quietly
    /// (inspect and bench still show why).
    static func decide(features: CPUFeatures, detectedCore: String, environment: [String: String],
                       cache: VerdictCache, library: String, warn: (String) -> Void,
                       selfTest: (String) throws(KernelError) -> Void) -> KernelDecision {
        var freshFailures: [String] = []
        let decision = KernelChoice.decide(
            features: features, detectedCore: detectedCore, userCoreType: environment["OPENBLAS_CORETYPE"]
        ) { core in
            let key = VerdictCache.key(core: core, features: features, library: library)
            if let known = cache.verdict(key) { return known }
            do {
                try selfTest(core)
                cache.record(key, passed: true)
                return true
            } catch {
                freshFailures.append("\(core): \(error)")
                cache.record(key, passed: false)
                return false
            }
        }
        if !freshFailures.isEmpty {
            let running = if case .switchTo(let core, _, _) = decision { core } else { detectedCore }
            warn("note: OpenBLAS core self-test failed (\(freshFailures.joined(separator: "; "))); running \(running)")
        }
        return decision
    }

    static func note(_ reason: KernelDecision.KeepReason) -> String {
        switch reason {
        case .userSet(let value): return "set by OPENBLAS_CORETYPE=\(value)"
        case .alreadyBest: return "detected by OpenBLAS"
        case .unknownCore: return "detected by OpenBLAS (not a core this build ranks)"
        case .selfTestFailed(let cores): return "detected by OpenBLAS; \(cores.joined(separator: ", ")) failed the self-test"
        }
    }

    /// The running program's file: /proc/self/exe survives a relative argv[0] and a changed directory.
    static var executablePath: String {
        FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0]
    }

    private static func reexec(core: String, marker: String, warn: (String) -> Void) {
        let from = String(marker.prefix(while: { $0 != ";" }))
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(switchedVariable, marker, 1)
        execv(executablePath, CommandLine.unsafeArgv)
        // Only reached when exec failed: carry on with the loaded core rather than fail the command.
        let reason = String(cString: strerror(errno))
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(switchedVariable)
        warn("note: could not restart with OpenBLAS core \(core) (\(reason)); running \(from)")
        KernelInUse.record(note: "detected by OpenBLAS; restart with \(core) failed")
    }

    private static func runSelfTestAndExit(threads: Int) -> Never {
        do {
            try SGEMMSelfTest.run(threads: threads)
            print("core \(OpenBLASLibrary.coreName)")
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(1)
        }
    }
}

/// The OpenBLAS core this process computes with, and how it came to be chosen.
public struct KernelInUse: Sendable, Codable, Equatable {
    /// openblas_get_corename(), e.g. "SkylakeX".
    public var name: String
    /// "switched from Prescott after a passed self-test", "set by OPENBLAS_CORETYPE=Haswell", ...;
    /// "not checked" when KernelStartup did not run (library use, tests).
    public var note: String

    public static var current: KernelInUse {
        KernelInUse(name: OpenBLASLibrary.coreName, note: recorded.value ?? "not checked")
    }

    static func record(note: String) { recorded.set(note) }

    private static let recorded = Recorded()

    /// Written once at start, read by reports later; a lock keeps Swift 6 happy about both.
    private final class Recorded: @unchecked Sendable {
        private let lock = NSLock()
        private var note: String?
        var value: String? { lock.withLock { note } }
        func set(_ value: String) { lock.withLock { note = value } }
    }
}
