import Foundation

/// Runs `executable` with `arguments` and waits: exit status and stdout + stderr interleaved, as a
/// terminal would show them. `environment` changes the inherited environment (nil removes a
/// variable); `directory` is the working directory (the caller's when nil).
public func runCommand(_ executable: String, _ arguments: [String], environment changes: [String: String?] = [:],
                       directory: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if !changes.isEmpty {
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in changes { environment[name] = value }
        process.environment = environment
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
