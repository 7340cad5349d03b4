import ArgumentParser
import Foundation

/// The allowed range of every numeric option, in one place. A value outside is a one-line usage
/// error (exit status 64) naming the flag, the range and the value given; nothing reaches a
/// conversion or an allocation that could trap. Numeric options are declared with
/// `parsing: .unconditional`, so `--timeout -1` reads -1 as the value (and is refused here)
/// instead of taking it for a flag.
enum OptionRange {
    static let threads = 1...1024
    static let workers = 1...1024
    static let lanes = 1...256
    /// Tokens: sequence length, prompt, canvas, block length (the model's own limit is checked
    /// later, against its config).
    static let tokens = 1...1_048_576
    static let nfe = 1...100_000
    static let samples = 1...100_000
    static let limit = 1...10_000_000
    static let attempts = 1...1000
    /// Verified generation's attempts per answer (generate, eval).
    static let verifiedAttempts = 1...64
    /// Timed repetitions of a benchmark.
    static let repetitions = 1...10_000
    static let programs = 1...100_000
    static let tokenID = 0...Int(Int32.max)
    static let tileElements = 1...(1 << 30)
    /// Wall-clock seconds per program: more than 0, at most a day.
    static let maximumSeconds = 86_400.0
    static let temperature = 0.0...1000.0
    static let fraction = 0.0...1.0
    static let eotPenalty = 1.0...1_000_000.0

    /// Refuses `value` (when given) outside `range`.
    static func check(_ flag: String, _ value: Int?, in range: ClosedRange<Int>) throws {
        guard let value, !range.contains(value) else { return }
        throw ValidationError("\(flag) must be in \(range.lowerBound)...\(range.upperBound) (got \(value))")
    }

    /// Refuses `value` (when given) outside `range`; NaN is outside every range.
    static func check(_ flag: String, _ value: Double?, in range: ClosedRange<Double>) throws {
        guard let value, !range.contains(value) else { return }
        throw ValidationError("\(flag) must be in \(show(range.lowerBound))...\(show(range.upperBound)) (got \(show(value)))")
    }

    /// Refuses `value` (when given) unless `lower < value <= upper`.
    static func check(_ flag: String, _ value: Double?, above lower: Double, atMost upper: Double) throws {
        guard let value, !(value > lower && value <= upper) else { return }
        throw ValidationError("\(flag) must be more than \(show(lower)) and at most \(show(upper)) (got \(show(value)))")
    }

    /// Wall-clock seconds for a program.
    static func checkSeconds(_ flag: String, _ value: Double?) throws {
        try check(flag, value, above: 0, atMost: maximumSeconds)
    }

    /// `%g`: 86400, 0.5, inf, nan, 1e+300.
    static func show(_ value: Double) -> String { String(format: "%g", value) }
}
