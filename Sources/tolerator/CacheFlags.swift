import ArgumentParser
import Decoding

extension CacheMode: ExpressibleByArgument {}

/// `--cache` and `--cache-refresh`, shared by generate, eval and propose.
struct CacheFlags: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Approximate KV cache: none (every forward exact), prefix (reuse the prompt's and finished blocks' keys and values), dual (also the suffix beyond the active block; outside blocks, every row whose token did not change). Default: per method, the model folder's cache_options in generation_config.json (the embedded model's were measured on its held-out suite: README \"KV caching\"), else none.",
        valueName: "none|prefix|dual"))
    var cache: CacheMode?

    @Option(name: .customLong("cache-refresh"), parsing: .unconditional,
            help: "Recompute every row on every N-th forward (default: only at each block boundary and stage start).")
    var cacheRefresh: Int?

    func validate() throws {
        try OptionRange.check("--cache-refresh", cacheRefresh, in: OptionRange.nfe)
        if cacheRefresh != nil, (cache ?? CacheMode.none) == CacheMode.none {
            throw ValidationError("--cache-refresh needs --cache prefix or dual")
        }
    }

    /// The policy `method` decodes with: the flags when --cache is given (for every method), else
    /// the model folder's default for the method, else none.
    func policy(for method: String, modelDefaults: [String: CachePolicy]) -> CachePolicy {
        if let cache { return CachePolicy(mode: cache, refreshEvery: cacheRefresh) }
        return modelDefaults[method] ?? .none
    }
}
