import BLASKernel
import Foundation
import Testing

// The kernel choice depends on OPENBLAS_CORETYPE, and the test runner's may be set: every run
// here names its environment changes (`runTolerator(_:environment:)`, nil removes a variable).

private func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

/// What the decision function says this CPU deserves when OpenBLAS under-detects it.
private let wantsSkylakeX = KernelChoice.candidates(features: .current, detectedCore: "Prescott").first == "SkylakeX"

/// Issue 18: the process computes with the strongest core the CPU runs correctly, unless the
/// user chose one; inspect, bench and generate --json name it.
@Suite struct KernelCLITests {
    let fixture = parityFixtures.appendingPathComponent("llada-bf16").path

    @Test(.enabled(if: wantsSkylakeX, "this CPU lacks the AVX-512 subsets SkylakeX kernels use"))
    func withoutASettingAnAVX512CPURunsAnAVX512Core() throws {
        let result = try runTolerator(["inspect", "--json", fixture], environment: ["OPENBLAS_CORETYPE": nil])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try json(result.stdout)
        let kernel = try #require(object["kernel"] as? String)
        let note = try #require(object["kernel_note"] as? String)
        // OpenBLAS either detects an AVX-512 core itself, or we switched to SkylakeX.
        #expect(CoreTier(coreName: kernel) == .avx512, "\(kernel): \(note)")
        if note.hasPrefix("switched from") { #expect(kernel == "SkylakeX") }
    }

    @Test(.enabled(if: CPUFeatures.current.tier >= .avx2, "Haswell kernels need AVX2 and FMA"))
    func aUserSetCoreTypeStays() throws {
        let result = try runTolerator(["inspect", fixture], environment: ["OPENBLAS_CORETYPE": "Haswell"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("kernel       OpenBLAS Haswell (set by OPENBLAS_CORETYPE=Haswell)"))
    }

    @Test func benchForwardNamesTheKernelAndThePhysicalPeak() throws {
        let result = try runTolerator(
            ["bench", "forward", "--shape", "tiny-1024", "--length", "16", "--iterations", "1", "--threads", "1",
             "--json"], environment: ["OPENBLAS_CORETYPE": nil])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try json(result.stdout)
        #expect(object["kernel"] as? String == (try inspectedKernel()))
        let peak = try #require(object["peak_gflops"] as? Double)
        let share = try #require(object["peak_share"] as? Double)
        let achieved = try #require(object["achievedGFLOPs"] as? Double)
        if CPUFeatures.current.isX86_64 {
            #expect(peak > 1)
            #expect(abs(share - achieved / peak) < 1e-9)
        }
        // Issue 18, req. 3's names.
        #expect(object["gflops"] as? Double == achieved)
        #expect(object["median_ms"] as? Double == object["medianForwardMilliseconds"] as? Double)
        #expect(["f32", "native-bf16", "native-fp16"].contains(object["compute"] as? String ?? ""))
    }

    /// `--model DIR` times a checkpoint folder (Tools/sidebyside writes one for llama.cpp too) in its own dtype.
    @Test func benchForwardTimesACheckpointFolder() throws {
        let result = try runTolerator(["bench", "forward", "--model", fixture, "--length", "12", "--iterations", "1",
                                       "--threads", "1", "--dtype", "f32", "--json"], environment: [:])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try json(result.stdout)
        #expect(object["shape"] as? String == fixture)
        #expect(object["dtype"] as? String == "BF16")
        // d 48, 2 layers, 4 heads × 12, 2 KV heads, ff 80, V 192, L = rows = 12 (engines.md §5).
        let perLayer: Double = 2304 + 2304 + 2304 + 11_520  // q, k+v, o, gate+up+down: 20,736 weights
        let body: Double = 2 * 12 * perLayer * 2
        let head: Double = 2 * 12 * 48 * 192
        let attention: Double = 4 * 2 * 12 * 12 * 48
        let want = (body + head + attention) / 1e9
        #expect(abs((object["gflopPerForward"] as? Double ?? 0) - want) < 1e-12)
    }

    /// The same-run sgemm reference times exactly the forward's GEMMs: their FLOPs add up to the
    /// forward's, with every LM-head row, and with fewer head rows (last layer trimmed to them).
    @Test(arguments: [12, 5])
    func benchForwardReferenceCoversEveryGEMM(rows: Int) throws {
        let result = try runTolerator(["bench", "forward", "--model", fixture, "--length", "12", "--rows", "\(rows)",
                                       "--iterations", "1", "--threads", "1", "--json"], environment: [:])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try json(result.stdout)
        let gemms = try #require(object["gemms"] as? [[String: Any]])
        var flops = 0.0
        for gemm in gemms {
            let (m, n, k, count) = (Double(gemm["m"] as! Int), Double(gemm["n"] as! Int), Double(gemm["k"] as! Int),
                                    Double(gemm["count"] as! Int))
            // Attention entries are QKᵀ and PV over the fixture's 4 heads; the rest one GEMM each.
            flops += (gemm["what"] as! String).contains("attention") ? 4 * m * n * k * 4 * count : 2 * m * n * k * count
        }
        let forward = try #require(object["gflopPerForward"] as? Double) * 1e9
        #expect(abs(flops - forward) <= forward * 1e-9, "\(gemms.map { $0["what"] as! String })")
        #expect(gemms.contains { $0["what"] as? String == "lm head" && $0["m"] as? Int == rows })
    }

    /// `--compute native` on a CPU that has the unit runs native and times the f32 path beside it;
    /// `--compute f32` never does.
    @Test func benchForwardComparesNativeWithF32InOneRun() throws {
        let arguments = ["bench", "forward", "--shape", "tiny-1024", "--length", "16", "--iterations", "1",
                         "--threads", "1", "--json", "--compute"]
        let f32 = try json(try runTolerator(arguments + ["f32"], environment: [:]).stdout)
        #expect(f32["compute"] as? String == "f32")
        #expect(f32["f32_median_ms"] == nil)
        // tiny-1024: 4 layers × 7 projections and an untied head, bf16: packed at load for the f32
        // kernel where the CPU has AVX-512, for the f16 kernel on native-fp16.
        let avx512 = CPUFeatures.current.tier == .avx512 && ProcessInfo.processInfo.environment["TOLERATOR_MAX_ISA"] == nil
        #expect(f32["packable_matrices"] as? Int == 29)
        #expect(f32["packed_matrices"] as? Int == (avx512 ? 29 : 0))
        let native = try json(try runTolerator(arguments + ["native"], environment: [:]).stdout)
        if CPUFeatures.current.supportsFP16FMA || CPUFeatures.current.supportsBF16Dot {
            #expect(native["compute"] as? String == (CPUFeatures.current.supportsFP16FMA ? "native-fp16" : "native-bf16"))
            let f32Median = try #require(native["f32_median_ms"] as? Double)
            let speedup = try #require(native["native_speedup"] as? Double)
            let median = try #require(native["median_ms"] as? Double)
            #expect(abs(speedup - f32Median / median) < 1e-9)
            #expect(native["packed_matrices"] as? Int == (CPUFeatures.current.supportsFP16FMA ? 29 : 0))
            #expect(native["f32_packed_matrices"] as? Int == (avx512 ? 29 : 0))
        } else {
            #expect(native["compute_note"] as? String == "native requested, but this CPU has neither AVX512_FP16 nor AVX512_BF16")
        }
    }

    @Test func generateJSONNamesTheKernel() throws {
        let file = NSTemporaryDirectory() + "tolerator-kernel-\(UUID().uuidString).py"
        try Data("def double(x):\n    \"\"\"Double x.\"\"\"\n".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try runTolerator(["generate", "--file", file, "--nfe", "2", "--method", "vanilla", "--json"],
                                      environment: ["OPENBLAS_CORETYPE": nil])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try json(result.stdout)
        #expect(object["kernel"] as? String == (try inspectedKernel()))
        #expect(["f32", "native-bf16", "native-fp16"].contains(object["compute"] as? String ?? ""))
    }

    /// The core `inspect` reports with OPENBLAS_CORETYPE unset: every command must agree with it.
    private func inspectedKernel() throws -> String {
        let result = try runTolerator(["inspect", "--json", fixture], environment: ["OPENBLAS_CORETYPE": nil])
        let kernel = try #require(try json(result.stdout)["kernel"] as? String)
        #expect(!kernel.isEmpty && kernel != "unknown")
        return kernel
    }
}
