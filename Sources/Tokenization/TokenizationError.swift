/// Why a tokenizer or chat template could not be loaded; each case names the file at fault.
public enum TokenizationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The folder has neither `tokenizer.json` nor `vocab.json` + `merges.txt`.
    case noTokenizerFiles(directory: String)
    case unreadable(file: String, reason: String)
    case invalidJSON(file: String, reason: String)
    case missingField(file: String, field: String)
    case invalidField(file: String, field: String, reason: String)
    /// A component this package does not implement (e.g. a WordPiece model, an unknown regex).
    case unsupported(file: String, field: String, value: String)
    case tokenNotInVocabulary(file: String, field: String, token: String)
    case invalidTemplate(file: String, line: Int, reason: String)
    case unknownTemplateFamily(name: String, directory: String)

    public var description: String {
        switch self {
        case .noTokenizerFiles(let directory):
            return "\(directory): no tokenizer.json, and no vocab.json + merges.txt pair"
        case .unreadable(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .invalidJSON(let file, let reason):
            return "\(file): not valid JSON: \(reason)"
        case .missingField(let file, let field):
            return "\(file): missing field \(field)"
        case .invalidField(let file, let field, let reason):
            return "\(file): field \(field): \(reason)"
        case .unsupported(let file, let field, let value):
            return "\(file): \(field) = \(value) is not supported"
        case .tokenNotInVocabulary(let file, let field, let token):
            return "\(file): \(field) refers to \(token.debugDescription), which is not in the vocabulary"
        case .invalidTemplate(let file, let line, let reason):
            return "\(file):\(line): \(reason)"
        case .unknownTemplateFamily(let name, let directory):
            return "no chat template \(name.debugDescription) in \(directory)"
        }
    }
}
