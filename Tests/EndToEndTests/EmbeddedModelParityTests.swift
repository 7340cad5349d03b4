import FixtureSupport
import Foundation
import Inference
import ModelFiles
import Testing

/// Tools/minicode/export.py stores PyTorch float32 logits of the shipped model next to it.
struct MinicodeParity: Decodable {
    struct Case: Decodable {
        let name: String
        let inputIDs: [Int]
        let rows: [Int]
        let logits: [[Float]]
        enum CodingKeys: String, CodingKey {
            case name, rows, logits
            case inputIDs = "input_ids"
        }
    }

    let vocabSize: Int
    let cases: [Case]
    enum CodingKeys: String, CodingKey {
        case cases
        case vocabSize = "vocab_size"
    }
}

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct EmbeddedModelParityTests {
    @Test func shippedModelMatchesPyTorchLogits() throws {
        let parity = try JSONDecoder().decode(MinicodeParity.self, from: Data(contentsOf:
            repository.appendingPathComponent("Tools/minicode/parity/minicode-logits.json")))
        let folder = try ModelFolder(directory: repository.appendingPathComponent("Sources/tolerator/Resources/minicode"))
        #expect(folder.config.vocabularySize == parity.vocabSize)
        let model = try TransformerModel(folder: folder, threads: 2, compute: .f32)
        #expect(!parity.cases.isEmpty)
        for testCase in parity.cases {
            let got = try model.logits(tokens: testCase.inputIDs, positions: testCase.rows)
            #expect(got.rowCount == testCase.logits.count)
            for (index, want) in testCase.logits.enumerated() {
                let scale = want.reduce(0) { max($0, abs($1)) }
                let worst = zip(got.row(index), want).reduce(0) { max($0, abs($1.0 - $1.1)) }
                #expect(worst <= 1e-4 * scale, "\(testCase.name) row \(testCase.rows[index]): \(worst / scale)")
            }
        }
    }

    @Test func fixtureHashesMatchTheirList() throws {
        let list = try String(contentsOf: repository.appendingPathComponent("Tools/minicode/parity/FIXTURES.sha256"), encoding: .utf8)
        let entries = list.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(entries.count == 5)
        for entry in entries {
            let path = String(entry[1])
            let data = try Data(contentsOf: repository.appendingPathComponent(path))
            #expect(SHA256.hex(data) == String(entry[0]), "\(path) changed without regenerating the parity fixture")
        }
    }
}
