import ArgumentParser
import Foundation
import Tokenization

/// `tolerator bench tokenize`: single-threaded encoding throughput against HF `tokenizers`.
struct BenchTokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Single-threaded encode throughput vs. HF tokenizers on the same corpus.",
        discussion: """
            Encodes every string of the corpus one at a time, --runs times after one warm-up \
            pass, and prints the median MB/s (UTF-8 input) and tokens/s. Without --tokenizer it \
            uses the parity fixtures (Tests/TokenizationTests/Fixtures: the qwen2 and llama3 \
            tokenizers and their corpora). Unless --no-hf, it then runs \
            Tools/tokenizers/bench_hf.py with --python on the same tokenizer.json and corpus \
            (RAYON_NUM_THREADS=1) and prints the ratio (target: Swift >= 0.5x HF). Use a release build.
            """)

    @Option(help: "Model folder with tokenizer.json (or vocab.json + merges.txt). Default: the fixtures.")
    var tokenizer: String?

    @Option(help: "Corpus: JSONL with a \"text\" field per line, or a text file read one string per line.")
    var corpus: String?

    @Option(parsing: .unconditional, help: "Timed passes over the corpus (after one warm-up pass).")
    var runs = 7

    @Option(help: "Python with the pinned tokenizers package (Tools/tokenizers/requirements.txt).")
    var python = "/opt/tools-venv/bin/python"

    @Flag(help: "Skip the HF tokenizers comparison.")
    var noHF = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        try OptionRange.check("--runs", runs, in: OptionRange.repetitions)
        if corpus != nil && tokenizer == nil { throw ValidationError("--corpus needs --tokenizer") }
    }

    struct Throughput: Codable {
        var seconds: Double
        var mbPerSecond: Double
        var tokensPerSecond: Double
    }

    struct Report: Encodable {
        var name: String
        var strings: Int
        var bytes: Int
        var tokens: Int
        var runs: Int
        var swift: Throughput
        var hfOneByOne: Throughput?
        var hfBatch: Throughput?
        var hfTokens: Int?
        /// Swift throughput / HF one-by-one throughput.
        var ratio: Double?
    }

    /// The checkout this binary was built from (for the default fixtures and the HF script).
    private static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func run() throws {
        var cases: [(name: String, folder: URL, corpus: URL)] = []
        if let tokenizer {
            let folder = URL(fileURLWithPath: tokenizer)
            let corpusURL = corpus.map { URL(fileURLWithPath: $0) }
                ?? Self.root.appendingPathComponent("Tests/TokenizationTests/Fixtures/encode-qwen2.jsonl")
            cases.append((folder.lastPathComponent, folder, corpusURL))
        } else {
            let fixtures = Self.root.appendingPathComponent("Tests/TokenizationTests/Fixtures")
            for style in ["qwen2", "llama3"] {
                cases.append((style, fixtures.appendingPathComponent(style), fixtures.appendingPathComponent("encode-\(style).jsonl")))
            }
        }
        var reports: [Report] = []
        for c in cases {
            let report = try measure(name: c.name, folder: c.folder, corpusURL: c.corpus)
            reports.append(report)
            if !json { print(Self.describe(report)) }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(reports), as: UTF8.self))
        }
    }

    private func measure(name: String, folder: URL, corpusURL: URL) throws -> Report {
        let tokenizer = try Tokenizer.load(directory: folder)
        let texts = try Self.loadCorpus(corpusURL)
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        var tokens = 0
        for text in texts { tokens += tokenizer.encode(text).count }  // warm-up (fills the word cache)
        var times: [Double] = []
        var sink = 0
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            for text in texts { sink &+= tokenizer.encode(text).count }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        precondition(sink == tokens * runs, "encode is not deterministic")
        let seconds = Self.median(times)
        var report = Report(
            name: name, strings: texts.count, bytes: bytes, tokens: tokens, runs: runs,
            swift: Throughput(seconds: seconds, mbPerSecond: Double(bytes) / seconds / 1e6, tokensPerSecond: Double(tokens) / seconds))
        let tokenizerJSON = folder.appendingPathComponent("tokenizer.json")
        if !noHF && FileManager.default.fileExists(atPath: tokenizerJSON.path) {
            let hf = try runHF(tokenizerJSON: tokenizerJSON, corpusURL: corpusURL)
            report.hfOneByOne = hf.one_by_one.throughput
            report.hfBatch = hf.batch.throughput
            report.hfTokens = hf.tokens
            report.ratio = report.swift.mbPerSecond / hf.one_by_one.mb_per_s
        }
        return report
    }

    private struct HFReport: Decodable {
        struct Entry: Decodable {
            var seconds: Double
            var mb_per_s: Double
            var tokens_per_s: Double
            var throughput: Throughput { Throughput(seconds: seconds, mbPerSecond: mb_per_s, tokensPerSecond: tokens_per_s) }
        }
        var tokens: Int
        var one_by_one: Entry
        var batch: Entry
    }

    private func runHF(tokenizerJSON: URL, corpusURL: URL) throws -> HFReport {
        let script = Self.root.appendingPathComponent("Tools/tokenizers/bench_hf.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path, "--tokenizer", tokenizerJSON.path, "--corpus", corpusURL.path, "--runs", "\(runs)", "--json"]
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw ValidationError("cannot run \(python) (use --python or --no-hf): \(error.localizedDescription)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let report = try? JSONDecoder().decode(HFReport.self, from: data) else {
            throw ValidationError("\(script.path) failed (status \(process.terminationStatus)); is tokenizers installed for \(python)?")
        }
        return report
    }

    /// JSONL "text" fields (via JSONDecoder, which keeps a leading U+FEFF), else one string per line.
    static func loadCorpus(_ url: URL) throws -> [String] {
        let data = try Data(contentsOf: url)
        if url.pathExtension == "jsonl" {
            struct Row: Decodable { var text: String }
            let decoder = JSONDecoder()
            return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(Row.self, from: Data($0)).text }
        }
        return String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    static func describe(_ r: Report) -> String {
        func line(_ label: String, _ t: Throughput) -> String {
            String(format: "  %-22@ %8.2f MB/s  %7.3f M tokens/s", label as NSString, t.mbPerSecond, t.tokensPerSecond / 1e6)
        }
        var lines = ["\(r.name): \(r.strings) strings, \(r.bytes) bytes, \(r.tokens) tokens, median of \(r.runs) runs"]
        lines.append(line("tolerator (1 thread)", r.swift))
        if let hf = r.hfOneByOne { lines.append(line("HF encode, one by one", hf)) }
        if let hf = r.hfBatch { lines.append(line("HF encode_batch, 1 thr", hf)) }
        if let hfTokens = r.hfTokens, hfTokens != r.tokens {
            lines.append("  WARNING: HF produced \(hfTokens) tokens, tolerator \(r.tokens)")
        }
        if let ratio = r.ratio { lines.append(String(format: "  ratio tolerator / HF one-by-one: %.2fx (target >= 0.5x)", ratio)) }
        return lines.joined(separator: "\n")
    }
}
