import ArgumentParser
import Decoding

extension CacheMode: ExpressibleByArgument {}

/// `--cache` and `--cache-refresh`, shared by generate, eval and propose.
struct CacheFlags: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Approximate KV cache: none (every forward exact), prefix (reuse the prompt's and finished blocks' keys and values), dual (also the suffix beyond the active block; outside blocks, every row whose token did not change).",
        valueName: "none|prefix|dual"))
    var cache: CacheMode = .none

    @Option(name: .customLong("cache-refresh"), parsing: .unconditional,
            help: "Recompute every row on every N-th forward (default: only at each block boundary and stage start).")
    var cacheRefresh: Int?

    func validate() throws {
        try OptionRange.check("--cache-refresh", cacheRefresh, in: OptionRange.nfe)
        if cacheRefresh != nil, cache == .none {
            throw ValidationError("--cache-refresh needs --cache prefix or dual")
        }
    }

    var policy: CachePolicy { CachePolicy(mode: cache, refreshEvery: cacheRefresh) }
}
