import CSQLiteSettings
import GRDBSQLite

/// SQLite's process-wide settings, made once before the process's first connection opens.
enum SQLiteSettings {
    /// How much of a statement's or savepoint's rollback journal (its "sub-journal") stays in memory.
    /// Every write runs in one: an insert with a trigger and a foreign key has a statement journal
    /// (group commit relies on it to undo a failed write alone). A status write journals the dozen or so pages it
    /// changes (up to ~130 KB when its indexes split). SQLite's default, 64 KB, moved many of them to a temporary file, and every
    /// page of every later write of that transaction went through a `pwrite` (a `$batch` of 20 creates
    /// spent a fifth of its CPU in the kernel). Past this size a journal still goes to a file: the
    /// delete of an app with a million statuses journals its whole table, which memory must not hold.
    /// At most 0x1FFFF bytes: a journal that outgrows memory is written to its file in one call, and
    /// SQLite's unix VFS writes at most that many bytes in one call (it masks the length) and calls a
    /// shorter write a full disk (`aWriteLargerThanItsJournalsMemorySharesACommit` deletes such an app).
    static let statementJournalSpill = 0x1FFFF

    // Database files are opened through SQLite's `unix-excl` VFS (`statusgraph_sqlite_open_files_exclusively`):
    // one process owns a data directory's database, which it locks for itself at its first access, and
    // its connections share the write-ahead log's index in memory. With the default VFS, read
    // transactions took and released POSIX locks on the database and its `-shm` file (`fcntl` calls) and
    // read the index through a shared mapping: measured alternated, the exclusive VFS takes 9% off a get
    // by id's server CPU, 6% off a summary's, 4% off a page's. Another process (a second server on the
    // same data directory, the `sqlite3` shell) cannot open the file while the server runs
    // (`SQLiteDatabase.claim` says so at start).

    /// Whether the settings took effect (they cannot once something in the process has used SQLite).
    static let applied: Bool = {
        let spill = statusgraph_sqlite_set_statement_journal_spill(Int32(statementJournalSpill)) == SQLITE_OK
        let exclusive = statusgraph_sqlite_open_files_exclusively() == SQLITE_OK
        let cases = statusgraph_sqlite_replace_case_mapping(SQLiteCaseMapping.lower, SQLiteCaseMapping.upper) == SQLITE_OK
        let numbers = statusgraph_sqlite_add_checked_numbers() == SQLITE_OK
        let text = statusgraph_sqlite_add_text_functions() == SQLITE_OK
        return spill && exclusive && cases && numbers && text
    }()
}
