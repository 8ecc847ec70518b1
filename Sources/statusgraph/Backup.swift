import ArgumentParser
import Foundation
import StatusGraphServer
import Storage
import StorageSQLite

/// `statusgraph backup`: a SQLite store copied to a file as of one moment, through the server that runs
/// on it or from its file.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a SQLite store to a new file, as of one moment, while its server serves on.",
        discussion: """
            The copy is a SQLite database (compacted, with its indexes and summary counts) that the \
            sqlite3 shell opens, and that `statusgraph restore` puts back in place of a store (the paging \
            secret comes with the copy; keep the data directory's token-signing-key with it). When a server runs on the data directory, the copy is made by that \
            server (through its admin socket) into the data directory and sent from there: it needs as \
            much free space there as the copy takes. The file is checked (SQLite's quick_check) before it \
            is given its name; until then it is <output>.partial. For PostgreSQL, use pg_dump.
            """)

    @Option(name: .customLong("data-dir"), help: "The data directory of the SQLite store.")
    var dataDirectory = "./.statusgraph"

    @Option(name: [.short, .long], help: "The file to write (it must not exist).")
    var output: String

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: output) else {
            throw StartupError("\(output) exists already: a backup is written to a new file")
        }
        let partial = output + ".partial"
        unlink(partial)
        do {
            let how = try await copy(into: partial)
            try SQLiteDatabase.checkBackup(at: partial)
            guard rename(partial, output) == 0 else { throw StartupError("cannot name the backup \(output): \(String(cString: strerror(errno)))") }
            let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
            standardError("backed up \(dataDirectory) (\(size) bytes, \(how)) to \(output)")
        } catch {
            unlink(partial)
            if let error = error as? StorageError { throw StartupError(error.description) }
            throw error
        }
    }

    /// Writes the copy to `path`: through the server's admin socket when one runs on the data directory,
    /// else from the file. How it was made.
    private func copy(into path: String) async throws -> String {
        if let socket = AdminSocket.path(dataDirectory: dataDirectory) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw StartupError("cannot create \(path)") }
            let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? file.close() }
            do {
                try await AdminClient.get(AdminSocket.backupPath, socketPath: socket) { piece in try file.write(contentsOf: piece) }
                try file.synchronize()
                return "made by the server running on it"
            } catch is AdminClient.NotRunning {
                unlink(path)  // VACUUM INTO writes a file that does not exist yet
            } catch let failure as AdminClient.Failure {
                throw StartupError("the backup through \(socket) failed: \(failure.description)")
            }
        }
        let file = SQLiteDatabase.path(dataDirectory: dataDirectory)
        guard FileManager.default.fileExists(atPath: file) else { throw StartupError("there is no store in \(dataDirectory) (no \(file))") }
        let database = try SQLiteDatabase.open(dataDirectory: dataDirectory)
        try await database.backup(into: path)
        try await database.close()
        try synchronize(path)  // SQLite writes the copy without syncing it
        return "from its file"
    }
}

/// Makes the file at `path` durable (before it is given its name).
func synchronize(_ path: String) throws {
    let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try file.synchronize()
    try file.close()
}
