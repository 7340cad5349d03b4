import ArgumentParser

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
}
