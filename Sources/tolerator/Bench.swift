import ArgumentParser

/// `tolerator bench ...`: benchmarks that print figures and ratios measured in one run.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed: each benchmark prints medians and same-run ratios.",
        subcommands: [
            BenchForward.self,
            BenchDecode.self,
            BenchSandbox.self,
            BenchTokenize.self,
        ]
    )
}
