import ArgumentParser
import BLASKernel
import Foundation

@main
struct Tolerator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tolerator",
        abstract: "Diffusion-LM code generation with TOLERATOR decoding, verified in a sandbox.",
        discussion: """
            Models are Hugging Face folders (config.json, tokenizer.json, *.safetensors) that \
            you download yourself; tolerator never downloads anything.
            """,
        version: "0.1.0",
        subcommands: [
            Inspect.self,
            Tokenize.self,
            Generate.self,
            Bench.self,
            ProposeCommand.self,
            Score.self,
            Eval.self,
            Merge.self,
            Logits.self,
        ]
    )

    /// Commands that multiply matrices; the others start without the BLAS core check.
    static let computingCommands: Set<String> = ["generate", "eval", "propose", "logits", "bench", "inspect"]

    /// Picks the OpenBLAS core before anything computes: this may re-execute the program with
    /// OPENBLAS_CORETYPE set (the library reads it only when it loads), so it runs before parsing.
    static func main() async {
        let command = CommandLine.arguments.dropFirst().first ?? ""
        if computingCommands.contains(command) || ProcessInfo.processInfo.environment[SelfTestChild.variable] != nil {
            KernelStartup.prepare()
        }
        await main(nil)
    }
}
