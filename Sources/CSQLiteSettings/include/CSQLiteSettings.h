#ifndef CSQLITESETTINGS_H
#define CSQLITESETTINGS_H

/// Sets how many bytes of a statement's or savepoint's rollback journal (the "sub-journal") SQLite keeps
/// in memory before it moves it to a temporary file. `sqlite3_config` is variadic, which Swift cannot
/// call, hence this function. It must run before the process's first SQLite connection opens; it
/// returns SQLite's result code (SQLITE_MISUSE once SQLite is initialized).
int statusgraph_sqlite_set_statement_journal_spill(int bytes);

/// Makes SQLite's `unix-excl` VFS the process's default, for every connection opened after it: the
/// process takes an exclusive lock on a database file at its first access and holds it until its last
/// connection to that file closes, and the write-ahead log's index lives in the process's memory
/// instead of a `-shm` file. Connections of the process then coordinate in memory, without a `fcntl`
/// lock call at each read. Returns SQLite's result code.
int statusgraph_sqlite_open_files_exclusively(void);

/// A scalar SQL function's implementation, as `sqlite3_create_function_v2` takes it (`sqlite3_context *`,
/// the argument count, `sqlite3_value **`), without naming SQLite's types here.
typedef void (*statusgraph_sqlite_function)(void *context, int count, void **values);

/// Makes `lower` and `upper` in every connection opened after it (`sqlite3_auto_extension`) the given
/// functions instead of SQLite's own, which change ASCII letters only. Returns SQLite's result code.
int statusgraph_sqlite_replace_case_mapping(statusgraph_sqlite_function lower, statusgraph_sqlite_function upper);

/// The message of the error `statusgraph_checked_number` raises.
#define STATUSGRAPH_NUMBER_OUT_OF_RANGE "statusgraph: a number out of range"

/// Adds `statusgraph_checked_number(x, integer)` to every connection opened after it: `x`, unless it is a
/// real where an integer was computed (SQLite makes a 64-bit overflow a real) or an infinite real, which
/// fail the statement with `STATUSGRAPH_NUMBER_OUT_OF_RANGE`, as PostgreSQL fails it. Returns SQLite's
/// result code.
int statusgraph_sqlite_add_checked_numbers(void);

/// Adds to every connection opened after it the functions that count text in UTF-16 code units, as .NET
/// (and so Graph's `length`, `indexof` and `substring`) counts it: `statusgraph_length(text)`,
/// `statusgraph_indexof(text, part)` and `statusgraph_substring(text, start[, length])`. Returns
/// SQLite's result code.
int statusgraph_sqlite_add_text_functions(void);

#endif
