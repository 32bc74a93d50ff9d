// Fills a library with synthetic documents and annotations for benchmarks.
//
// Usage: marginalia-populate --library PATH --annotations N [--documents D]
//        marginalia-populate --sync-folder DIR --replicas R --annotations N [--documents D] [--passphrase P]
//
// The second form fills a group sync folder instead: R replicas (each its
// own library, removed afterwards) with N annotations between them, each
// replica with D documents of its own; with a passphrase, the channel is
// encrypted.
//
// The text and passages are generated from a fixed seed, so two runs make
// libraries of the same shape. Progress goes to stderr.
import Foundation
import Marginalia

struct Options {
    var library = ""
    var syncFolder = ""
    var replicas = 1
    var passphrase: String?
    var annotations = 1_000
    var documents = 10

    init(_ arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            guard let value = iterator.next() else { throw usage() }
            switch argument {
            case "--library": library = value
            case "--annotations": annotations = Int(value) ?? -1
            case "--documents": documents = Int(value) ?? -1
            case "--sync-folder": syncFolder = value
            case "--replicas": replicas = Int(value) ?? -1
            case "--passphrase": passphrase = value
            default: throw usage()
            }
        }
        if library.isEmpty == syncFolder.isEmpty || annotations < 0 || documents < 1 || replicas < 1 { throw usage() }
    }

    func usage() -> MarginaliaError {
        .invalidInput(
            "usage: marginalia-populate --library PATH --annotations N [--documents D]\n"
                + "       marginalia-populate --sync-folder DIR --replicas R --annotations N [--documents D] [--passphrase P]")
    }
}

/// SplitMix64, so every run generates the same library shape.
struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The vocabulary: thirty common words, then 4,970 made-up ones, drawn with
/// Zipf's law (the k-th word about 1/k as often as the first) as in real
/// prose, so that a search for a mid-frequency word matches a few hundred
/// passages of a million rather than all of them.
let words: [String] = {
    let common = """
        river mill margin reader pencil promise window spring letter evening harbour lantern \
        orchard silence thunder meadow kitchen scholar journey bridge garden candle season \
        mirror shadow whisper ledger compass anchor
        """.split(separator: " ").map(String.init)
    let onsets = ["b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "br", "st", "gr", "pl", "th"]
    let vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou"]
    var generator = Generator(state: 1871)
    var made = Set(common)
    var vocabulary = common
    while vocabulary.count < 5_000 {
        let syllables = Int.random(in: 2...3, using: &generator)
        let word = (0..<syllables).map { _ in
            onsets.randomElement(using: &generator)! + vowels.randomElement(using: &generator)!
        }.joined() + ["n", "r", "s", "l", "th", ""].randomElement(using: &generator)!
        if made.insert(word).inserted { vocabulary.append(word) }
    }
    return vocabulary
}()

/// Cumulative Zipf weights of `words`, for sampling by binary search.
let cumulativeWeights: [Double] = {
    var total = 0.0
    return words.indices.map { rank in
        total += 1 / Double(rank + 1)
        return total
    }
}()

func randomWord(_ generator: inout Generator) -> String {
    let target = Double.random(in: 0..<cumulativeWeights[cumulativeWeights.count - 1], using: &generator)
    var low = 0
    var high = cumulativeWeights.count - 1
    while low < high {
        let middle = (low + high) / 2
        if cumulativeWeights[middle] > target { high = middle } else { low = middle + 1 }
    }
    return words[low]
}

func sentence(_ generator: inout Generator, words count: Int) -> String {
    (0..<count).map { _ in randomWord(&generator) }.joined(separator: " ")
}

func populate(_ library: Library, annotations: Int, documents documentCount: Int, generator: inout Generator) throws {
    var documents: [(id: String, length: Int)] = []
    for index in 0..<documentCount {
        let paragraphs = (0..<200).map { _ in sentence(&generator, words: 40) + "." }
        let text = "Document \(index) \(UUID().uuidString)\n\n" + paragraphs.joined(separator: "\n\n")
        let document = try library.addDocument(
            text: text, DocumentDraft(title: "Synthetic document \(index)", slug: "doc-\(index)"))
        documents.append((document.id, text.unicodeScalars.count))
    }
    let batch = 5_000
    var made = 0
    while made < annotations {
        let count = min(batch, annotations - made)
        let drafts = (0..<count).map { index -> AnnotationDraft in
            let document = documents[(made + index) % documents.count]
            let start = Int.random(in: 0..<(document.length - 200), using: &generator)
            let length = Int.random(in: 10..<120, using: &generator)
            return AnnotationDraft(
                document: document.id, anchor: .position(start: start, end: start + length),
                note: index % 3 == 0 ? sentence(&generator, words: 12) : nil,
                tags: index % 5 == 0 ? [randomWord(&generator)] : [])
        }
        _ = try library.annotate(drafts)
        made += count
        FileHandle.standardError.write(Data("\rpopulate: \(made)/\(annotations) annotations".utf8))
    }
}

/// Writes a replica's bundles into the channel in `folder` without reading
/// the replicas already there (a real sync would apply them first, making
/// the generation quadratic): the replica syncs with an empty folder of the
/// same channel, and its files are moved over.
func publish(_ library: Library, replica: Int, into folder: String, passphrase: String?, scratch: String) throws {
    let manager = FileManager.default
    let description = folder + "/marginalia-sync.json"
    guard manager.fileExists(atPath: description) else {
        _ = try library.sync(try library.addRemote(name: "bench", location: folder, kind: .group, passphrase: passphrase))
        return
    }
    let alone = scratch + "/channel-\(replica)"
    try manager.createDirectory(atPath: alone + "/replicas", withIntermediateDirectories: true)
    try manager.copyItem(atPath: description, toPath: alone + "/marginalia-sync.json")
    _ = try library.sync(try library.addRemote(name: "bench", location: alone, kind: nil, passphrase: passphrase))
    for part in ["replicas", "readers"] {
        for name in try manager.contentsOfDirectory(atPath: alone + "/" + part) {
            try manager.moveItem(atPath: alone + "/" + part + "/" + name, toPath: folder + "/" + part + "/" + name)
        }
    }
    try manager.removeItem(atPath: alone)
}

do {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    var generator = Generator(state: 2026)
    if options.syncFolder.isEmpty {
        let library = try Library.open(at: options.library, mode: .createIfMissing(readerName: "bench"))
        try populate(library, annotations: options.annotations, documents: options.documents, generator: &generator)
    } else {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("populate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for replica in 0..<options.replicas {
            let share = options.annotations / options.replicas + (replica < options.annotations % options.replicas ? 1 : 0)
            let library = try Library.create(at: scratch + "/replica-\(replica).sqlite", readerName: "bench \(replica)")
            try populate(library, annotations: share, documents: options.documents, generator: &generator)
            try publish(library, replica: replica, into: options.syncFolder, passphrase: options.passphrase, scratch: scratch)
            FileHandle.standardError.write(Data(" (replica \(replica + 1)/\(options.replicas) written)".utf8))
        }
    }
    FileHandle.standardError.write(Data("\n".utf8))
} catch {
    FileHandle.standardError.write(Data("marginalia-populate: \(error)\n".utf8))
    exit(1)
}
