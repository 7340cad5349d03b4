import Foundation
import Testing

/// Numeric options out of range: one line naming the flag, exit status 64, in either flag form;
/// never a trap (SIGILL, status 132) and never a negative number taken for a flag.
@Suite struct OptionRangeTests {
    static let model = repositoryRoot.appendingPathComponent("Sources/tolerator/Resources/minicode").path

    @Test(arguments: [
        (["score", "--suite", "tiny", "--canonical", "--timeout", "inf"], "--timeout must be more than 0 and at most 86400 (got inf)"),
        (["score", "--suite", "tiny", "--canonical", "--timeout=1e300"], "--timeout must be more than 0 and at most 86400 (got 1e+300)"),
        (["score", "--suite", "tiny", "--canonical", "--timeout", "-1"], "--timeout must be more than 0 and at most 86400 (got -1)"),
        (["score", "--suite", "tiny", "--canonical", "--timeout=-1"], "--timeout must be more than 0 and at most 86400 (got -1)"),
        (["score", "--suite", "tiny", "--canonical", "--timeout", "nan"], "--timeout must be more than 0 and at most 86400 (got nan)"),
        (["score", "--suite", "tiny", "--canonical", "--workers", "0"], "--workers must be in 1...1024 (got 0)"),
        (["eval", "--suite", "tiny", "--timeout", "inf"], "--timeout must be more than 0 and at most 86400 (got inf)"),
        (["eval", "--suite", "tiny", "--lanes", "-2"], "--lanes must be in 1...256 (got -2)"),
        (["eval", "--suite", "tiny", "--nfe", "-8"], "--nfe must be distinct integers in 1...100000, comma-separated (got -8)"),
        (["eval", "--suite", "tiny", "--samples", "1000000000"], "--samples must be in 1...100000 (got 1000000000)"),
        (["propose", "--file", "f.py", "--function", "f", "--doctest", "--timeout", "1e300"],
         "--timeout must be more than 0 and at most 86400 (got 1e+300)"),
        (["propose", "--file", "f.py", "--function", "f", "--doctest", "--attempts", "-1"], "--attempts must be in 1...1000 (got -1)"),
        (["bench", "sandbox", "--timeout", "inf"], "--timeout must be more than 0 and at most 86400 (got inf)"),
        (["bench", "forward", "--length", "-5"], "--length must be in 1...1048576 (got -5)"),
        (["bench", "decode", "--temperature", "-0.5"], "--temperature must be in 0...1000 (got -0.5)"),
        (["inspect", model, "--length", "9223372036854775807"], "--length must be in 1...1048576 (got 9223372036854775807)"),
        (["inspect", model, "--length", "-1"], "--length must be in 1...1048576 (got -1)"),
        (["inspect", model, "--threads=-4"], "--threads must be in 1...1024 (got -4)"),
        (["generate", "x", "--canvas", "0"], "--canvas must be in 1...1048576 (got 0)"),
        (["generate", "x", "--canvas", "-64"], "--canvas must be in 1...1048576 (got -64)"),
        (["generate", "x", "--top-p", "0"], "--top-p must be more than 0 and at most 1 (got 0)"),
        (["generate", "x", "--gamma-max", "1.5"], "--gamma-max must be in 0...1 (got 1.5)"),
        (["generate", "x", "--mask-id", "-1"], "--mask-id must be in 0...2147483647 (got -1)"),
        (["logits", model, "--ids", "1", "--threads", "0"], "--threads must be in 1...1024 (got 0)"),
        (["generate", "x", "--cache", "dual", "--cache-refresh", "0"], "--cache-refresh must be in 1...100000 (got 0)"),
        (["generate", "x", "--cache-refresh", "4"], "--cache-refresh needs --cache prefix or dual"),
        (["generate", "x", "--cache", "none", "--cache-refresh", "4"], "--cache-refresh needs --cache prefix or dual"),
        (["eval", "--suite", "tiny", "--cache", "prefix", "--cache-refresh", "-3"], "--cache-refresh must be in 1...100000 (got -3)"),
        (["bench", "decode", "--cache", "none,full"], "--cache: 'full' is not a cache mode (none, prefix or dual)"),
        (["bench", "decode", "--cache", "dual,dual"], "--cache must list distinct modes (got 'dual,dual')"),
    ])
    func outOfRangeIsAOneLineUsageError(arguments: [String], message: String) throws {
        let result = try runTolerator(arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").first.map(String.init) == "Error: " + message)
    }

    @Test func aNegativePositionIsNamedAsAPosition() throws {
        let result = try runTolerator(["logits", Self.model, "--ids", "1", "--positions", "-1"])
        #expect(result.status == 64)
        #expect(result.stderr.split(separator: "\n").first.map(String.init)
            == "Error: The value '-1' is invalid for '--positions <i,j,...>': '-1' is not a position (an integer in 0...2147483647)")
    }

    @Test func inspectStillAcceptsALengthInRange() throws {
        let result = try runTolerator(["inspect", Self.model, "--length", "1048576", "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("for one forward at length 1048576"))
    }
}

/// `bench decode --cache`: one row per method and mode, with seconds and FLOPs per answer.
@Suite struct BenchDecodeCacheTests {
    @Test func jsonHasEveryModeWithFLOPsAndSecondsPerAnswer() throws {
        let result = try runTolerator([
            // An LLaDA-layout checkpoint: blocks are LLaDA's semi-autoregressive decoding (the embedded
            // model is Dream-layout, which has none).
            "bench", "decode", "--model", parityFixtures.appendingPathComponent("llada-bf16").path,
            "--cache", "none,prefix,dual", "--method", "vanilla",
            "--prompt", "24", "--canvas", "16", "--nfe", "4", "--block-length", "8", "--repeats", "1", "--threads", "1",
            "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let rows = try #require(object["results"] as? [[String: Any]])
        #expect(rows.map { $0["cache"] as? String } == ["none", "prefix", "dual"])
        #expect(object["block_length"] as? Int == 8)
        let flops = rows.compactMap { $0["flops_per_answer"] as? Double }
        #expect(flops.count == 3 && flops[0] > flops[1] && flops[1] > flops[2])
        // 4 forwards over 40 rows without a cache; blocks of 8 (2 steps each): full, then the block.
        #expect(rows.map { $0["computed_rows_per_answer"] as? Int } == [160, 40 + 16 + 40 + 8, 40 + 8 + 40 + 8])
        #expect(rows.allSatisfy { ($0["seconds_per_answer"] as? Double ?? 0) > 0 })
        #expect(rows[0]["speedup"] as? Double == 1)
    }
}
