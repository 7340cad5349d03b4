import FixtureSupport
import Foundation
import Testing
@testable import Inference
import ModelFiles
import ModelInterface

/// The committed fixtures from Tools/parity/make_parity.py (PyTorch fp32, bidirectional mask).
struct ParityManifest: Decodable {
    struct Case: Decodable {
        let name: String
        let ids: [Int]
        let logits: String
    }

    struct Model: Decodable {
        let directory: String
        let shifted: Bool
        let vocabSize: Int
        let cases: [Case]
        enum CodingKeys: String, CodingKey {
            case directory, shifted, cases
            case vocabSize = "vocab_size"
        }
    }

    let tolerance: Float
    let models: [Model]
    enum CodingKeys: String, CodingKey {
        case models
        case tolerance = "tolerance_relative_to_row_max"
    }

    static let root = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/parity")

    static func load() throws -> ParityManifest {
        try JSONDecoder().decode(ParityManifest.self, from: Data(contentsOf: root.appendingPathComponent("parity.json")))
    }

    /// The f32 reference path, whatever this CPU's `auto` would pick (native has its own bound).
    static func model(_ directory: String, threads: Int = 2, compute: ComputeRequest = .f32) throws -> TransformerModel {
        try TransformerModel(folder: ModelFolder(directory: root.appendingPathComponent(directory)), threads: threads,
                             compute: compute)
    }

    static func expected(_ testCase: Case) throws -> [Float] {
        let data = try Data(contentsOf: root.appendingPathComponent(testCase.logits))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}

/// Largest |got - want| in a row divided by the row's largest |want|.
func worstRelativeError(_ got: ArraySlice<Float>, _ want: ArraySlice<Float>) -> Float {
    let scale = want.reduce(0) { max($0, abs($1)) }
    return zip(got, want).reduce(0) { max($0, abs($1.0 - $1.1)) } / scale
}

@Suite struct ParityTests {
    @Test func fixtureHashesMatchTheList() throws {
        let list = try String(contentsOf: ParityManifest.root.appendingPathComponent("FIXTURES.sha256"), encoding: .utf8)
        let lines = list.split(separator: "\n")
        #expect(lines.count == 18)
        for line in lines {
            let parts = line.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let data = try Data(contentsOf: ParityManifest.root.appendingPathComponent(parts[1]))
            #expect(SHA256.hex(data) == parts[0], "fixture \(parts[1]) changed")
        }
    }

    @Test func sha256OfKnownVectors() {
        #expect(SHA256.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test(arguments: ["llada-bf16", "dream-f16", "coda-f32"])
    func everyPositionMatchesPyTorch(directory: String) throws {
        let manifest = try ParityManifest.load()
        let entry = try #require(manifest.models.first { $0.directory == directory })
        let model = try ParityManifest.model(directory)
        #expect(model.config.usesLogitShift == entry.shifted)
        #expect(entry.cases.count == 3)
        for testCase in entry.cases {
            let want = try ParityManifest.expected(testCase)
            let positions = Array(testCase.ids.indices)
            let got = try model.logits(tokens: testCase.ids, positions: positions)
            #expect(got.values.count == want.count)
            for row in positions {
                let slice = want[(row * entry.vocabSize)..<((row + 1) * entry.vocabSize)]
                let error = worstRelativeError(got.row(row), slice)
                #expect(error <= manifest.tolerance, "\(directory)/\(testCase.name) row \(row): relative error \(error)")
            }
        }
    }

    /// Rows come back in the order asked, duplicates included, with the shift applied per row.
    @Test(arguments: ["llada-bf16", "dream-f16", "coda-f32"])
    func requestedRowsOnlyInOrder(directory: String) throws {
        let manifest = try ParityManifest.load()
        let entry = try #require(manifest.models.first { $0.directory == directory })
        let testCase = entry.cases[1]
        let want = try ParityManifest.expected(testCase)
        let model = try ParityManifest.model(directory, threads: 1)
        let positions = [9, 0, 4, 4, 1]
        let got = try model.logits(tokens: testCase.ids, positions: positions)
        #expect(got.positions == positions)
        #expect(got.rowCount == positions.count)
        for (index, position) in positions.enumerated() {
            let slice = want[(position * entry.vocabSize)..<((position + 1) * entry.vocabSize)]
            #expect(worstRelativeError(got.row(index), slice) <= manifest.tolerance)
        }
    }

    /// Dream family: aligned row i is raw row i-1 and aligned row 0 is raw row 0.
    ///
    /// Bit equality is asked only of calls that make the same LM-head GEMM (same rows, same M):
    /// GEMMs of different shapes block and sum differently, and on some CPUs (OpenBLAS's SkylakeX
    /// kernels) rows of an M = 3 product differ from those of another M in the last bit.
    @Test func dreamShiftReadsThePreviousRow() throws {
        let model = try ParityManifest.model("dream-f16")
        let ids = try ParityManifest.load().models.first { $0.directory == "dream-f16" }!.cases[0].ids
        let v = model.vocabularySize
        let sameGEMM = try model.rawLogits(tokens: ids, rows: [0, 0, 3])
        let aligned = try model.logits(tokens: ids, positions: [0, 1, 4])
        #expect(Array(aligned.row(0)) == Array(sameGEMM[0..<v]))
        #expect(Array(aligned.row(1)) == Array(sameGEMM[v..<(2 * v)]))
        #expect(Array(aligned.row(2)) == Array(sameGEMM[(2 * v)..<(3 * v)]))
        // Another row set (another M): the same values up to rounding, and rows 3 and 4 differ.
        let raw = try model.rawLogits(tokens: ids, rows: [0, 3, 4])
        #expect(worstRelativeError(aligned.row(0), raw[0..<v]) <= 1e-5)
        #expect(worstRelativeError(aligned.row(2), raw[v..<(2 * v)]) <= 1e-5)
        #expect(worstRelativeError(raw[(2 * v)..<(3 * v)], raw[v..<(2 * v)]) > 1e-3)
    }

    /// No causal mask: changing the last token changes the first position's logits.
    @Test func attentionIsBidirectional() throws {
        let model = try ParityManifest.model("llada-bf16")
        let ids = [5, 17, 42, 99, 3, 150]
        var changed = ids
        changed[5] = 151
        let before = try model.logits(tokens: ids, positions: [0])
        let after = try model.logits(tokens: changed, positions: [0])
        #expect(before.values != after.values)
    }

    @Test func threadCountDoesNotChangeResultsBeyondRounding() throws {
        let ids = [1, 2, 3, 190, 190, 7, 190, 11]
        let one = try ParityManifest.model("coda-f32", threads: 1).logits(tokens: ids, positions: Array(ids.indices))
        let two = try ParityManifest.model("coda-f32", threads: 2).logits(tokens: ids, positions: Array(ids.indices))
        for row in ids.indices {
            #expect(worstRelativeError(one.row(row), two.row(row)) <= 1e-5)
        }
    }

    @Test func badInputsAreTypedErrors() throws {
        let model = try ParityManifest.model("llada-bf16", threads: 1)
        #expect(throws: InferenceError.emptySequence) { try model.logits(tokens: [], positions: []) }
        #expect(throws: InferenceError.tokenOutOfRange(index: 1, token: 192, vocabularySize: 192)) {
            try model.logits(tokens: [1, 192], positions: [0])
        }
        #expect(throws: InferenceError.positionOutOfRange(position: 2, sequenceLength: 2)) {
            try model.logits(tokens: [1, 2], positions: [2])
        }
        #expect(throws: InferenceError.invalidThreadCount(0)) {
            try TransformerModel(folder: ModelFolder(directory: ParityManifest.root.appendingPathComponent("llada-bf16")), threads: 0)
        }
        let none = try model.logits(tokens: [1, 2], positions: [])
        #expect(none.rowCount == 0)
    }
}
