import Foundation

/// One of N parts of an evaluation (`eval --shard K/N`), split by task so that every sample
/// of a task, and so its pass@k, stays in one part. Task i (in suite order, after `--limit`)
/// belongs to shard i mod N: deterministic, and balanced to within one task.
public struct Shard: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// 0-based, as `SLURM_ARRAY_TASK_ID` (`--array=0-2`) and `JOB_COMPLETION_INDEX` count.
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `K/N` with 0 ≤ K < N; the error says what is wrong.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw ShardError.malformed(text)
        }
        guard n >= 1, n <= 100_000 else { throw ShardError.badCount(text) }
        guard k >= 0, k < n else { throw ShardError.indexOutOfRange(text) }
        self.init(index: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// The ids of this shard's tasks, in the order given.
    public func taskIDs(of all: [String]) -> [String] {
        all.enumerated().filter { $0.offset % count == index }.map(\.element)
    }

    public enum ShardError: Error, CustomStringConvertible, Equatable {
        case malformed(String)
        case badCount(String)
        case indexOutOfRange(String)

        public var description: String {
            switch self {
            case .malformed(let text): return "--shard \(text): expected K/N, e.g. 0/3 (shard K of N, counting from 0)"
            case .badCount(let text): return "--shard \(text): N must be between 1 and 100000"
            case .indexOutOfRange(let text): return "--shard \(text): K counts from 0 and must be below N"
            }
        }
    }
}

extension SampleKey {
    /// Every key of a grid in run order: sample-major, so pass@1 over all tasks is known first.
    public static func grid(taskIDs: [String], methods: [String], nfe: [Int], samples: Int) -> [SampleKey] {
        var keys: [SampleKey] = []
        keys.reserveCapacity(taskIDs.count * methods.count * nfe.count * samples)
        for sample in 0..<samples {
            for task in taskIDs {
                for method in methods {
                    for budget in nfe { keys.append(SampleKey(taskID: task, method: method, nfe: budget, sample: sample)) }
                }
            }
        }
        return keys
    }
}

extension RunConfiguration {
    /// The tasks this run evaluates: all of `taskIDs`, or its shard's.
    public var runTaskIDs: [String] { shard.map { $0.taskIDs(of: taskIDs) } ?? taskIDs }

    /// The keys this run must produce, in run order.
    public var plannedKeys: [SampleKey] {
        SampleKey.grid(taskIDs: runTaskIDs, methods: methods, nfe: nfe, samples: samples)
    }

    /// This configuration as its own report sees it: a shard's tasks only, no shard.
    public var reportView: RunConfiguration {
        var view = self
        view.taskIDs = runTaskIDs
        view.shard = nil
        return view
    }

    public func with(shard: Shard?) -> RunConfiguration {
        var copy = self
        copy.shard = shard
        return copy
    }
}
