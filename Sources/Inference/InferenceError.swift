/// Why a forward pass or a model load was refused.
public enum InferenceError: Error, CustomStringConvertible, Equatable {
    case emptySequence
    case tokenOutOfRange(index: Int, token: Int, vocabularySize: Int)
    case positionOutOfRange(position: Int, sequenceLength: Int)
    case invalidThreadCount(Int)
    case unknownShape(name: String, known: [String])
    case tensorTooLarge(tensor: String, elements: Int)

    public var description: String {
        switch self {
        case .emptySequence:
            "forward pass: the token sequence is empty"
        case let .tokenOutOfRange(index, token, vocabularySize):
            "forward pass: token \(token) at index \(index) is outside the vocabulary (0..<\(vocabularySize))"
        case let .positionOutOfRange(position, sequenceLength):
            "forward pass: requested position \(position) is outside the sequence (0..<\(sequenceLength))"
        case let .invalidThreadCount(count):
            "thread count must be at least 1, got \(count)"
        case let .unknownShape(name, known):
            "unknown model shape '\(name)'; known shapes: \(known.joined(separator: ", "))"
        case let .tensorTooLarge(tensor, elements):
            "\(tensor): \(elements) elements is more than this engine indexes"
        }
    }
}
