#include <sqlite3.h>
#include "CSQLiteSettings.h"

int statusgraph_sqlite_set_statement_journal_spill(int bytes) {
    return sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, bytes);
}

int statusgraph_sqlite_open_files_exclusively(void) {
    sqlite3_vfs *exclusive = sqlite3_vfs_find("unix-excl");
    if (exclusive == 0) return SQLITE_ERROR;
    return sqlite3_vfs_register(exclusive, 1);
}
