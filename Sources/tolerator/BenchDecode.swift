import ArgumentParser
import Decoding
import Foundation
import Inference
import ModelFiles

/// `tolerator bench decode`: how much of each decoding step is not the forward pass.
struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Measure decoding work outside the forward pass (softmax, sampling, ranking).",
        discussion: """
            Decodes a random prompt with a random in-memory model of a named shape (default \
            qwen2.5-0.5b: vocabulary 151,936) through the real forward pass, once per method, and \
            prints forward seconds, other seconds and the share of step time spent outside the \
            forward pass (target: ≤ 10% at vocabulary 152k, canvas 256). Shapes: \
            \(BenchmarkShapes.names.joined(separator: ", ")).
            """)

    @Option(help: "Model shape.")
    var shape = "qwen2.5-0.5b"

    @Option(help: "Methods, comma-separated.")
    var methods = "vanilla,tolerator"

    @Option(parsing: .unconditional, help: "Prompt tokens.")
    var prompt = 32

    @Option(parsing: .unconditional, help: "Canvas length G.")
    var canvas = 256

    @Option(parsing: .unconditional, help: "Forward budget T per method.")
    var nfe = 8

    @Option(parsing: .unconditional, help: "Sampling temperature (vanilla; tolerator's fill-up uses its own default 0.5).")
    var temperature: Double = 0

    @Option(parsing: .unconditional, help: "Compute threads.")
    var threads = 2

    func validate() throws {
        try OptionRange.check("--prompt", prompt, in: OptionRange.tokens)
        try OptionRange.check("--canvas", canvas, in: OptionRange.tokens)
        try OptionRange.check("--nfe", nfe, in: OptionRange.nfe)
        try OptionRange.check("--temperature", temperature, in: OptionRange.temperature)
        try OptionRange.check("--threads", threads, in: OptionRange.threads)
    }

    func run() throws {
        let config = try BenchmarkShapes.config(named: shape)
        let model = try TransformerModel.random(shape: shape, threads: threads)
        let family: VanillaFamily = config.family == .llada ? .llada : .dream
        // Token ids far from the top of the vocabulary: the mask and stop ids live up there.
        let promptIDs = (0..<prompt).map { ($0 * 7919) % (config.vocabularySize - 16) }
        let request = DecodingRequest(prompt: promptIDs, canvasLength: canvas, nfe: nfe, seed: 0,
                                      maskId: config.vocabularySize - 1, stopIds: [config.vocabularySize - 2])
        print("shape \(shape): vocab \(config.vocabularySize), prompt \(prompt), canvas \(canvas), NFE \(nfe), threads \(threads)")
        print("method      forwards  forward s  other s  other share  other ms/step")
        var worst = 0.0
        for name in methods.split(separator: ",").map(String.init) {
            guard var method = DecodingMethod.defaults(name, family: family) else {
                throw ValidationError("unknown method '\(name)'")
            }
            if case .vanilla(var options) = method {
                options.temperature = temperature
                method = .vanilla(options)
            }
            let result = try DiffusionDecoder(method: method).decode(model, request)
            let trace = result.trace
            let steps = max(1, trace.nfeUsed)
            worst = max(worst, trace.decodingOverhead)
            print(String(format: "%-10@  %8d  %9.2f  %7.3f  %10.1f%%  %13.1f", name as NSString, trace.nfeUsed,
                         trace.forwardSeconds, trace.otherSeconds, trace.decodingOverhead * 100,
                         trace.otherSeconds / Double(steps) * 1000))
        }
        print(String(format: "largest share outside the forward pass: %.1f%% (target ≤ 10%%)", worst * 100))
    }
}
