#ifndef CSQLITESETTINGS_H
#define CSQLITESETTINGS_H

/// Sets how many bytes of a statement's or savepoint's rollback journal (the "sub-journal") SQLite keeps
/// in memory before it moves it to a temporary file. `sqlite3_config` is variadic, which Swift cannot
/// call, hence this function. It must run before the process's first SQLite connection opens; it
/// returns SQLite's result code (SQLITE_MISUSE once SQLite is initialized).
int statusgraph_sqlite_set_statement_journal_spill(int bytes);

#endif
