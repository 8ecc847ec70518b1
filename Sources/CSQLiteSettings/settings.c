#include <sqlite3.h>
#include "CSQLiteSettings.h"

int statusgraph_sqlite_set_statement_journal_spill(int bytes) {
    return sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, bytes);
}
