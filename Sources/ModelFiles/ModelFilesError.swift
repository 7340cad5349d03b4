import Foundation

/// Everything that can be wrong with a model folder, each case naming the file and, where
/// there is one, the tensor or config field at fault.
public enum ModelFilesError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case truncated(file: String, reason: String)
    case invalidHeader(file: String, reason: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case invalidShape(file: String, tensor: String, shape: [Int])
    case offsetsOutOfBounds(file: String, tensor: String, begin: Int, end: Int, dataBytes: Int)
    case byteCountMismatch(file: String, tensor: String, expected: Int, actual: Int)
    case overlappingTensors(file: String, tensor: String, other: String)
    case duplicateTensor(tensor: String, files: [String])
    case indexMismatch(indexFile: String, tensor: String, shard: String, reason: String)
    case missingTensor(tensor: String, directory: String)
    case unexpectedTensor(tensor: String, file: String)
    case wrongShape(tensor: String, file: String, expected: [Int], actual: [Int])
    case wrongDType(tensor: String, file: String, dtype: String)
    case invalidConfig(file: String, field: String, reason: String)
    case missingConfigField(file: String, field: String)
    case unknownModelType(file: String, modelType: String, supported: [String])
    /// A command-line override (`--mask-id`, `--stop-ids`) that this model cannot take.
    case invalidOverride(option: String, value: Int, directory: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file"
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .truncated(let file, let reason):
            return "\(file): truncated: \(reason)"
        case .invalidHeader(let file, let reason):
            return "\(file): invalid safetensors header: \(reason)"
        case .unknownDType(let file, let tensor, let dtype):
            return "\(file): tensor '\(tensor)' has unsupported dtype '\(dtype)' (supported: F32, F16, BF16)"
        case .invalidShape(let file, let tensor, let shape):
            return "\(file): tensor '\(tensor)' has invalid shape \(shape)"
        case .offsetsOutOfBounds(let file, let tensor, let begin, let end, let dataBytes):
            return "\(file): tensor '\(tensor)' claims bytes \(begin)..<\(end) but the data section holds \(dataBytes) bytes (truncated file or lying header)"
        case .byteCountMismatch(let file, let tensor, let expected, let actual):
            return "\(file): tensor '\(tensor)' needs \(expected) bytes for its dtype and shape, header gives \(actual)"
        case .overlappingTensors(let file, let tensor, let other):
            return "\(file): tensors '\(tensor)' and '\(other)' overlap in the data section"
        case .duplicateTensor(let tensor, let files):
            return "tensor '\(tensor)' appears in more than one file: \(files.joined(separator: ", "))"
        case .indexMismatch(let indexFile, let tensor, let shard, let reason):
            return "\(indexFile): tensor '\(tensor)' (shard \(shard)): \(reason)"
        case .missingTensor(let tensor, let directory):
            return "\(directory): missing tensor '\(tensor)'"
        case .unexpectedTensor(let tensor, let file):
            return "\(file): unexpected tensor '\(tensor)' (not part of this architecture)"
        case .wrongShape(let tensor, let file, let expected, let actual):
            return "\(file): tensor '\(tensor)' has shape \(actual), expected \(expected)"
        case .wrongDType(let tensor, let file, let dtype):
            return "\(file): tensor '\(tensor)' has dtype \(dtype), which this use does not accept"
        case .invalidConfig(let file, let field, let reason):
            return "\(file): field '\(field)': \(reason)"
        case .missingConfigField(let file, let field):
            return "\(file): missing required field '\(field)'"
        case .unknownModelType(let file, let modelType, let supported):
            return "\(file): unknown model_type '\(modelType)' (supported: \(supported.joined(separator: ", ")))"
        case .invalidOverride(let option, let value, let directory, let reason):
            return "\(option) \(value): \(reason) of the model in \(directory)"
        }
    }
}
