import CCPUFeatures
import Foundation

/// The machine's physical f32 peak: cores × measured clock × FLOP per cycle of its widest units.
/// It does not depend on the BLAS core, so a benchmark against it shows a weak kernel that a
/// same-run sgemm ratio cannot (both sides of that ratio use the same kernel).
public struct MachinePeak: Sendable, Codable, Equatable {
    public var cores: Int
    public var clockGHz: Double
    public var flopsPerCycle: Int
    /// One core's f32 FMA throughput at the widest width, measured (0 below AVX2): the check on
    /// the formula, lower when the CPU drops its clock under wide vectors or has one FMA port.
    public var measuredFMAGFLOPsPerCore: Double
    public var gflops: Double { Double(cores) * clockGHz * Double(flopsPerCycle) }
    public var measuredFMAGFLOPs: Double { Double(cores) * measuredFMAGFLOPsPerCore }

    public init(cores: Int, clockGHz: Double, flopsPerCycle: Int, measuredFMAGFLOPsPerCore: Double = 0) {
        self.cores = cores
        self.clockGHz = clockGHz
        self.flopsPerCycle = flopsPerCycle
        self.measuredFMAGFLOPsPerCore = measuredFMAGFLOPsPerCore
    }

    /// Measures the clock (about 50 ms: the best of 50 short runs, so another process's load
    /// lowers it less) and counts physical cores this process may use.
    public static func measure(features: CPUFeatures = .current) -> MachinePeak {
        let width: Int32 = features.tier == .avx512 ? 512 : features.tier == .avx2 ? 256 : 0
        return MachinePeak(cores: physicalCores(), clockGHz: cpuf_measure_clock_hz(50) / 1e9,
                           flopsPerCycle: features.f32FLOPsPerCycle,
                           measuredFMAGFLOPsPerCore: width > 0 ? cpuf_measure_fma_flops(width, 30) / 1e9 : 0)
    }

    /// Distinct (physical id, core id) pairs in /proc/cpuinfo, at most the CPUs we may run on:
    /// hyperthreads share one core's FMA units.
    static func physicalCores(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> Int {
        let available = ProcessInfo.processInfo.activeProcessorCount
        guard let cpuinfo else { return available }
        var pairs = Set<String>()
        var physical = "0"
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "physical id" { physical = parts[1] }
            if parts[0] == "core id" { pairs.insert(physical + "/" + parts[1]) }
        }
        return pairs.isEmpty ? available : min(pairs.count, available)
    }
}
