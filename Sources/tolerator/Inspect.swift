import ArgumentParser
import Decoding
import BLASKernel
import Foundation
import Inference
import ModelFiles

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a model folder: family, sizes, dtypes, special ids and memory needs.",
        discussion: """
            Reads config.json, generation_config.json and the safetensors headers (weights are \
            memory-mapped, not read). Every tensor is checked against the architecture, so a \
            truncated or mismatched checkpoint is reported here, naming the file and tensor.
            """)

    @Argument(help: "A Hugging Face model folder (config.json, *.safetensors, tokenizer files).")
    var modelDirectory: String

    @OptionGroup var special: SpecialTokenOptions

    @Option(parsing: .unconditional, help: "Sequence length (prompt + canvas) for the memory estimate.")
    var length = 512

    @Option(parsing: .unconditional, help: "Worker threads assumed for the memory estimate.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ComputeOption.help)
    var compute: ComputeRequest = .auto

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        try OptionRange.check("--length", length, in: OptionRange.tokens)
        try OptionRange.check("--threads", threads, in: OptionRange.threads)
    }

    func run() throws {
        let loaded = try LoadedModelFiles(path: modelDirectory, special: special)
        let tokenizer = loaded.tokenizer
        let template = loaded.chatTemplateFamily.map { "prompts/chat/\($0).template" }
        let checkpoint = try loaded.folder.openCheckpoint()
        var summary = ModelSummary(
            folder: loaded.folder, checkpoint: checkpoint, chatTemplate: template,
            tokenText: { tokenizer?.token(forID: $0) }, sequenceLength: length, threads: threads)
        let kernel = KernelInUse.current
        summary.kernel = kernel.name
        summary.kernelNote = kernel.note
        let compute = ComputeChoice.resolve(self.compute, features: .current, weightDTypes: Set(checkpoint.dtypeCounts.keys)) {
            .current
        }
        summary.compute = compute.path.rawValue
        summary.computeNote = compute.note
        let caches = try loaded.cacheDefaults()
        summary.cacheDefaults = caches.isEmpty ? nil : caches.mapValues { policy in
            policy.mode.rawValue + (policy.refreshEvery.map { ", refresh every \($0)" } ?? "")
        }
        if let problem = loaded.tokenizerProblem, !json {
            print("note: no usable tokenizer (\(problem)); token text omitted")
        }
        print(json ? summary.json() : summary.text())
    }
}
