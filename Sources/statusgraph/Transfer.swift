import ArgumentParser
import Foundation
import StatusGraphServer
import Storage

/// `statusgraph export`: a store written whole to a file, to move it to another backend or machine.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every stored entity to a file (JSON Lines), to import it elsewhere.",
        discussion: """
            The export reads one snapshot: it holds the store as it was when the export began, while \
            writes go on. On SQLite, when a server runs on the data directory, the export is read \
            through that server (its admin socket in the data directory); otherwise from the file. \
            On PostgreSQL, instances go on serving. Summary counts are not written: a store keeps them \
            from its rows.
            """)

    @Option(name: .customLong("data-dir"), help: "The data directory (for SQLite).")
    var dataDirectory = "./.statusgraph"

    @OptionGroup var storage: StorageOptions

    @Option(name: [.short, .long], help: "The file to write ('-': standard output).")
    var output = "-"

    func run() async throws {
        let file: FileHandle
        if output == "-" {
            file = .standardOutput
        } else {
            guard FileManager.default.createFile(atPath: output, contents: nil) else { throw StartupError("cannot create \(output)") }
            file = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        }
        var buffer: [UInt8] = []
        let write = { (bytes: [UInt8]) throws in
            buffer += bytes
            if buffer.count >= 1 << 20 {
                try file.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if let served = try await exportThroughServer(write) {
            try file.write(contentsOf: buffer)
            standardError(served)
        } else {
            try await storage.withStore(dataDirectory: dataDirectory) { store, description in
                let rows = try await StoreExport.run(store) { try write($0) } progress: { path, rows in
                    if rows > 0 { standardError("\(path.isEmpty ? "(the singleton)" : path): \(rows) rows") }
                }
                try file.write(contentsOf: buffer)
                standardError("exported \(rows) rows from \(description)")
            }
        }
        // A file is on disk when the command says it is done (a pipe is the reader's to keep).
        if output != "-" {
            try file.synchronize()
            try file.close()
        }
    }
}

extension Export {
    /// The export of the server running on the SQLite data directory, read through its admin socket; nil
    /// when no server runs there (the file is then read directly). What to say when done.
    private func exportThroughServer(_ write: ([UInt8]) throws -> Void) async throws -> String? {
        guard storage.database == nil, let socket = AdminSocket.path(dataDirectory: dataDirectory) else { return nil }
        do {
            var tail: [UInt8] = []  // enough of the end for its last line
            try await AdminClient.get(AdminSocket.exportPath, socketPath: socket) { piece in
                tail += piece.suffix(4096)
                if tail.count > 4096 { tail.removeFirst(tail.count - 4096) }
                try write(piece)
            }
            if tail.last == 0x0A { tail.removeLast() }
            let last = tail.lastIndex(of: 0x0A).map { Array(tail[($0 + 1)...]) } ?? tail
            guard let rows = StoreExport.rowsCounted(lastLine: last) else {
                throw StartupError("the export through \(socket) broke off: it does not end with the export's last line")
            }
            return "exported \(rows) rows from the server running on \(dataDirectory) (through \(socket))"
        } catch is AdminClient.NotRunning {
            return nil
        } catch let failure as AdminClient.Failure {
            throw StartupError("the export through \(socket) failed: \(failure.description)")
        }
    }
}

/// `statusgraph import`: a file of `statusgraph export` read into a store.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read a file written by `statusgraph export` into a store (SQLite or PostgreSQL).",
        discussion: """
            Rows whose key the store holds already are kept as they are, so an import cut short can be \
            run again. Summary counts follow from the rows.
            """)

    @Option(name: .customLong("data-dir"), help: "The data directory (for SQLite).")
    var dataDirectory = "./.statusgraph"

    @OptionGroup var storage: StorageOptions

    @Option(name: [.short, .long], help: "The file to read ('-': standard input).")
    var input = "-"

    /// The longest line read (a row with large values: an app's icon, its settings).
    static let maxLineBytes = 64 << 20

    func run() async throws {
        let file: FileHandle
        if input == "-" {
            file = .standardInput
        } else {
            guard let opened = FileHandle(forReadingAtPath: input) else { throw StartupError("cannot read \(input)") }
            file = opened
        }
        try await storage.withStore(dataDirectory: dataDirectory) { store, description in
            let importer = StoreImport(store: store)
            let outcome = try await store.withBulkLoad {
                var pending: [UInt8] = []
                while let chunk = try file.read(upToCount: 1 << 20), !chunk.isEmpty {
                    pending += chunk
                    var start = 0
                    while let end = pending[start...].firstIndex(of: 0x0A) {
                        try await importer.add(line: Array(pending[start..<end]))
                        start = end + 1
                    }
                    pending.removeFirst(start)
                    guard pending.count <= Self.maxLineBytes else {
                        throw TransferError("a line is longer than \(Self.maxLineBytes) bytes")
                    }
                }
                if !pending.isEmpty { try await importer.add(line: pending) }
                return try await importer.finish()
            }
            standardError(
                "imported \(outcome.inserted) rows into \(description)"
                    + (outcome.skipped > 0 ? "; \(outcome.skipped) were there already and were kept" : ""))
            if outcome.secretsKept.contains("paging") {
                standardError(
                    "the store had its own paging secret and keeps it: paging links (@odata.nextLink) issued by the exported store will be refused")
            }
        }
    }
}

func standardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
