import ArgumentParser
import Foundation
import StatusGraphServer
import Storage
import StorageSQLite

/// `statusgraph restore`: a file of `statusgraph backup` put in place of a SQLite store, its server stopped.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a backup (statusgraph backup) in place of a SQLite store whose server is stopped.",
        discussion: """
            The backup is checked first (SQLite's quick_check, and the store's schema table). A data \
            directory that holds a store already is refused unless --replace is given: that store is \
            then lost. A server running on it is refused whatever is given. The data directory's \
            token-signing-key is kept (copy the one that went with the backup, for the tokens it signed); \
            the paging secret comes with the backup. A backup of an earlier version is migrated when \
            the server starts.
            """)

    @Option(name: .customLong("data-dir"), help: "The data directory of the SQLite store.")
    var dataDirectory = "./.statusgraph"

    @Option(name: [.short, .long], help: "The backup to put in place.")
    var input: String

    @Flag(help: "Replace the store the data directory holds (it is lost).")
    var replace = false

    func run() async throws {
        do {
            try SQLiteDatabase.checkBackup(at: input)
        } catch let error as StorageError {
            throw StartupError(error.message)
        }
        let file = SQLiteDatabase.path(dataDirectory: dataDirectory)
        let manager = FileManager.default
        if manager.fileExists(atPath: file) {
            guard replace else {
                throw StartupError("\(dataDirectory) holds a store already: --replace puts the backup in its place (the store there now is lost)")
            }
            // Taken and given back: a server running on it holds it, and this fails saying so.
            do {
                try await SQLiteDatabase.open(dataDirectory: dataDirectory).close()
            } catch let error as StorageError {
                throw StartupError(error.message)
            }
        } else {
            try manager.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        }
        // The copy goes in under another name, is made durable, and then replaces the store in one rename;
        // the old store's log goes first (applied to the backup, it would corrupt it).
        let incoming = file + ".restoring"
        unlink(incoming)
        try manager.copyItem(atPath: input, toPath: incoming)
        try synchronize(incoming)
        for suffix in ["-wal", "-shm"] { unlink(file + suffix) }
        guard rename(incoming, file) == 0 else {
            throw StartupError("cannot put the backup in place of \(file): \(String(cString: strerror(errno)))")
        }
        let directory = open(dataDirectory, O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        standardError("restored \(input) into \(dataDirectory); start the server on it")
    }
}
