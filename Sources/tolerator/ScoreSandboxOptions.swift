import ArgumentParser
import Sandbox

/// Options shared by commands that execute untrusted code.
struct SandboxOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Sandbox profile: a name in sandboxes/ (default, rlimits-only) or a profile file path.",
        discussion: "`rlimits-only` is weaker (no filesystem/network isolation) and is named in every result."))
    var profile = "default"

    @Option(help: "The sandboxes/ directory (default: $TOLERATOR_SANDBOXES, beside the binary, or the source checkout).")
    var sandboxes: String?

    @Option(parsing: .unconditional, help: "Wall-clock budget per program in seconds (default: the profile's; at most 86400).")
    var timeout: Double?

    @Option(parsing: .unconditional, help: "Programs run at once (default: the number of CPUs).")
    var workers: Int?

    func validateSandbox() throws {
        try OptionRange.checkSeconds("--timeout", timeout)
        try OptionRange.check("--workers", workers, in: OptionRange.workers)
    }

    /// Builds the runner; refuses (with the reason) when the profile cannot work here.
    func makeRunner() throws -> SandboxRunner {
        let directory = try SandboxDirectory.locate(explicit: sandboxes)
        var resolved = try SandboxProfile.resolve(profile, directory: directory)
        if let timeout {
            resolved.limits.wallSeconds = timeout
            resolved.limits.cpuSeconds = max(resolved.limits.cpuSeconds, Int(timeout.rounded(.up)) + 1)
        }
        return try SandboxRunner(profile: resolved, directory: directory)
    }
}
