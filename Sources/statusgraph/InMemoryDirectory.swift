import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `serve --in-memory`: a data directory made fresh in memory (`/dev/shm`, a tmpfs) for one run of the
/// server and removed when it stops, as an emulator's in-memory mode (Azurite's, DynamoDB Local's)
/// keeps nothing. The server holds an exclusive `flock` on a file in it while it runs, which the
/// kernel lets go when the process ends, however it ends: a later start removes the directories whose
/// server is gone (killed, or crashed) without touching those of servers still running.
struct InMemoryDirectory {
    let path: String
    /// The open file holding the lock, for the life of the server.
    private let owner: Int32

    static let prefix = "statusgraph-memory-"
    static let ownerFile = ".owner"

    /// Where the directories are made: `/dev/shm` where it is a writable directory, else the temporary
    /// directory (then on disk, as fast as that is).
    static var parent: String {
        var status = stat()
        if stat("/dev/shm", &status) == 0, status.st_mode & S_IFMT == S_IFDIR, access("/dev/shm", W_OK) == 0 { return "/dev/shm" }
        return (ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp")
    }

    /// Whether the directory is in memory (on `/dev/shm`, a tmpfs), as the banner says.
    var isMemory: Bool { path.hasPrefix("/dev/shm/") }

    /// Removes what servers gone left behind, then makes a directory of this one's and locks it.
    static func make(in parent: String = parent) throws -> InMemoryDirectory {
        sweep(parent)
        var template = Array((parent + "/" + prefix + "XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw StartupError("--in-memory: cannot make a directory in \(parent): \(String(cString: strerror(errno)))")
        }
        let path = String(cString: made)
        // Locked under another name first, then named: a concurrent start's sweep sees no owner file (a
        // directory too young to remove) or a locked one, never one it could lock in between.
        let owner = open(path + "/" + ownerFile + ".new", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard owner >= 0, flock(owner, LOCK_EX | LOCK_NB) == 0, rename(path + "/" + ownerFile + ".new", path + "/" + ownerFile) == 0 else {
            let reason = String(cString: strerror(errno))
            if owner >= 0 { close(owner) }
            try? FileManager.default.removeItem(atPath: path)
            throw StartupError("--in-memory: cannot lock \(path)/\(ownerFile): \(reason)")
        }
        return InMemoryDirectory(path: path, owner: owner)
    }

    /// Removes the directory and everything in it (the store, its log, the token key), then lets go of the lock.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
        close(owner)
    }

    /// Removes the in-memory directories in `parent` whose server is gone: their owner file can be locked
    /// (its server's lock went with its process), or they have none and are over a minute old (a start
    /// stopped between making the directory and locking it).
    static func sweep(_ parent: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        for name in names where name.hasPrefix(prefix) {
            let directory = parent + "/" + name
            var status = stat()
            guard lstat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == getuid() else { continue }
            let file = open(directory + "/" + ownerFile, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
            if file < 0 {
                guard errno == ENOENT, time(nil) - status.st_mtim.tv_sec > 60 else { continue }
                try? FileManager.default.removeItem(atPath: directory)
                continue
            }
            defer { close(file) }
            guard flock(file, LOCK_EX | LOCK_NB) == 0 else { continue }  // its server runs
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}
