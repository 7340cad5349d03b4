@testable import BLASKernel
import Foundation
import Testing

@Suite struct SelfTestTests {
    /// The loaded core (whatever this machine runs) must pass its own test; a wrong kernel here
    /// would mean every forward pass is wrong too.
    @Test func theLoadedCorePassesTheSGEMMCheck() throws {
        try SGEMMSelfTest.run(threads: 2)
    }

    @Test func aCrashingChildIsAFailureNotACrash() {
        let child = SelfTestChild(executable: "/bin/sh", arguments: ["-c", "kill -SEGV $$"], timeout: 10)
        #expect(throws: KernelError.crashed(signal: SIGSEGV)) {
            try child.run(core: "SkylakeX", threads: 1, environment: [:])
        }
    }

    @Test func aHangingChildTimesOut() {
        // exec: a grandchild would keep the output pipe open after the kill (the real child has none).
        let child = SelfTestChild(executable: "/bin/sh", arguments: ["-c", "exec sleep 30"], timeout: 0.5)
        #expect(throws: KernelError.timedOut(seconds: 0.5)) {
            try child.run(core: "SkylakeX", threads: 1, environment: [:])
        }
    }

    @Test func theChildMustReportTheCoreItWasAskedFor() throws {
        // The environment reaches the child: it echoes the core it was given, as the real test does.
        let echo = SelfTestChild(executable: "/bin/sh", arguments: ["-c", "echo core $OPENBLAS_CORETYPE"], timeout: 10)
        try echo.run(core: "Haswell", threads: 1, environment: [:])
        let ignored = SelfTestChild(executable: "/bin/sh", arguments: ["-c", "echo core Prescott"], timeout: 10)
        #expect(throws: KernelError.coreIgnored(asked: "Haswell", ran: "core Prescott")) {
            try ignored.run(core: "Haswell", threads: 1, environment: [:])
        }
        let failing = SelfTestChild(executable: "/bin/sh", arguments: ["-c", "echo wrong >&2; exit 1"], timeout: 10)
        #expect(throws: KernelError.failed(status: 1, output: "wrong")) {
            try failing.run(core: "Haswell", threads: 1, environment: [:])
        }
    }

    @Test func verdictsPersistAndKeysSeparateCPUsThatShareABrand() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("verdicts-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        var avx2 = CPUFeatures()
        avx2.brand = "Intel(R) Xeon(R) Processor"
        avx2.avx2 = true
        var avx512 = avx2
        avx512.avx512f = true
        let first = VerdictCache.key(core: "SkylakeX", features: avx2, library: "lib 1")
        let second = VerdictCache.key(core: "SkylakeX", features: avx512, library: "lib 1")
        #expect(first != second)
        VerdictCache(file: file).record(first, passed: false)
        VerdictCache(file: file).record(second, passed: true)
        #expect(VerdictCache(file: file).verdict(first) == false)
        #expect(VerdictCache(file: file).verdict(second) == true)
        #expect(VerdictCache(file: file).verdict(VerdictCache.key(core: "SkylakeX", features: avx512, library: "lib 2")) == nil)
    }

    @Test func peakIsCoresTimesClockTimesFLOPsPerCycle() {
        let peak = MachinePeak(cores: 2, clockGHz: 2.25, flopsPerCycle: 64)
        #expect(abs(peak.gflops - 288) < 1e-9)
        let cpuinfo = "processor : 0\nphysical id : 0\ncore id : 0\n\nprocessor : 1\nphysical id : 0\ncore id : 0\n\n"
            + "processor : 2\nphysical id : 0\ncore id : 1\n"
        #expect(MachinePeak.physicalCores(cpuinfo: cpuinfo) == min(2, ProcessInfo.processInfo.activeProcessorCount))
    }

    @Test(.enabled(if: CPUFeatures.current.isX86_64, "the clock chain is x86-64 assembly"))
    func theMeasuredClockIsPlausibleOnX86() {
        let peak = MachinePeak.measure()
        // Any x86-64 core since 2005 runs at 0.5 to 7 GHz; a broken chain would be far outside.
        #expect(peak.clockGHz > 0.5 && peak.clockGHz < 7, "\(peak.clockGHz) GHz")
        if peak.flopsPerCycle >= 32 {
            // Measured FMA throughput: at least one port at half the scalar clock, at most the formula (+10% noise).
            let formula = peak.clockGHz * Double(peak.flopsPerCycle)
            #expect(peak.measuredFMAGFLOPsPerCore > formula / 4 && peak.measuredFMAGFLOPsPerCore < formula * 1.1,
                    "\(peak.measuredFMAGFLOPsPerCore) vs \(formula)")
        }
    }
}

/// The start-up decision with its cache: a failure is announced when the test fails, not on
/// every later start.
@Suite struct StartupDecisionTests {
    @Test func aFreshFailureIsSaidOnceAndTheDetectedCoreKept() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("verdicts-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        var features = CPUFeatures()
        features.isX86_64 = true
        features.avx2 = true
        features.fma = true
        features.avx = true
        var warnings: [String] = []
        var tests = 0
        func decide() -> KernelDecision {
            KernelStartup.decide(features: features, detectedCore: "Prescott", environment: [:],
                                 cache: VerdictCache(file: file), library: "lib", warn: { warnings.append($0) }) { core throws(KernelError) in
                tests += 1
                throw .crashed(signal: SIGILL)
            }
        }
        let first = decide()
        #expect(first == .keep(core: "Prescott", reason: .selfTestFailed(["Haswell", "Sandybridge"])))
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("Haswell: the test process died of signal \(SIGILL)") == true)
        #expect(warnings.first?.hasSuffix("running Prescott") == true)
        let second = decide()
        #expect(second == first)
        #expect(warnings.count == 1)
        #expect(tests == 2)  // both cores once, at the first start only
    }
}
