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
        await runCommand()
    }

    /// ArgumentParser's `main`, except for a `ValidationError` thrown by a command's `run()` (an
    /// input found wrong after parsing: an empty samples file, an output that is an input). Its
    /// default handling prints the *root* command's usage, which names no subcommand and misleads;
    /// here it is one `Error:` line pointing at the subcommand's help, exit 64 as before.
    /// "tolerator bench forward" for BenchForward: the names from the root down to `target`.
    static func commandPath(to target: any ParsableCommand.Type, from root: any ParsableCommand.Type) -> [String]? {
        let name = root.configuration.commandName ?? String(describing: root).lowercased()
        if ObjectIdentifier(root) == ObjectIdentifier(target) { return [name] }
        for sub in root.configuration.subcommands {
            if let rest = commandPath(to: target, from: sub) { return [name] + rest }
        }
        return nil
    }

    private static func runCommand() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ValidationError {
            let path = commandPath(to: type(of: command), from: Tolerator.self) ?? ["tolerator"]
            FileHandle.standardError.write(Data(
                "Error: \(error.message)\n  See '\(path.joined(separator: " ")) --help' for more information.\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}
