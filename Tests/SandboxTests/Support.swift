import Foundation
@testable import Sandbox

/// Runners shared by the tests: building one runs the preflight probe once.
enum Shared {
    static let directory = try? SandboxDirectory.locate()

    /// The default bubblewrap profile with small limits so hostile programs end fast.
    static let runner: SandboxRunner? = {
        guard let directory else { return nil }
        return try? SandboxRunner(profile: quick(SandboxProfile.resolve("default", directory: directory)),
                                  directory: directory)
    }()

    /// Its own uid range, so the hostile suite can check that *its* runs left nothing behind
    /// while other suites run in parallel.
    static let hostileUIDBase = 1_200_000
    static let hostileRunner: SandboxRunner? = {
        guard let directory, var profile = try? SandboxProfile.resolve("default", directory: directory) else { return nil }
        profile.uidBase = hostileUIDBase
        return try? SandboxRunner(profile: quick(profile), directory: directory)
    }()

    static let rlimitsRunner: SandboxRunner? = {
        guard let directory else { return nil }
        return try? SandboxRunner(profile: quick(SandboxProfile.resolve("rlimits-only", directory: directory)),
                                  directory: directory)
    }()

    static func quick(_ profile: SandboxProfile) -> SandboxProfile {
        var p = profile
        p.limits.wallSeconds = 2.0
        p.limits.cpuSeconds = 3
        p.limits.addressSpaceMiB = 512
        return p
    }
}

/// A HumanEval-shaped task around `add(a, b)` for quick checks.
func addTask(_ completion: String) -> Program {
    .humanEval(
        prompt: "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n",
        completion: completion,
        test: """
            METADATA = {}

            def check(candidate):
                assert candidate(1, 2) == 3
                assert candidate(-1, 1) == 0
                assert abs(candidate(0.5, 0.25) - 0.75) < 1e-9

            """,
        entryPoint: "add")
}
