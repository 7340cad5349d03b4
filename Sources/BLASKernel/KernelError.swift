/// Why a BLAS core is not trusted. Only ever a reason to keep the detected core, never fatal.
public enum KernelError: Error, Equatable, CustomStringConvertible {
    /// sgemm gave a result further from the double-precision reference than rounding allows.
    case wrongResult(shape: String, error: Double, bound: Double)
    /// The self-test child ran a different core than asked (the library ignored the name).
    case coreIgnored(asked: String, ran: String)
    /// The self-test child died of a signal (a kernel that faults on this CPU).
    case crashed(signal: Int32)
    /// The child exited non-zero; `output` is its last words.
    case failed(status: Int32, output: String)
    case timedOut(seconds: Double)
    case cannotStart(String)

    public var description: String {
        switch self {
        case .wrongResult(let shape, let error, let bound):
            return "sgemm \(shape) is off by \(error) (bound \(bound))"
        case .coreIgnored(let asked, let ran): return "asked for \(asked), OpenBLAS ran \(ran)"
        case .crashed(let signal): return "the test process died of signal \(signal)"
        case .failed(let status, let output):
            return "the test exited with status \(status)\(output.isEmpty ? "" : ": \(output)")"
        case .timedOut(let seconds): return "the test took over \(Int(seconds)) s"
        case .cannotStart(let why): return "cannot start the test process: \(why)"
        }
    }
}
