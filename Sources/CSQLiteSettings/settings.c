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

static statusgraph_sqlite_function case_lower = 0;
static statusgraph_sqlite_function case_upper = 0;

static int register_case_mapping(sqlite3 *db, char **error, const struct sqlite3_api_routines *api) {
    (void)error;
    (void)api;
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    int code = sqlite3_create_function_v2(db, "lower", 1, flags, 0, (void (*)(sqlite3_context *, int, sqlite3_value **))case_lower, 0, 0, 0);
    if (code != SQLITE_OK) return code;
    return sqlite3_create_function_v2(db, "upper", 1, flags, 0, (void (*)(sqlite3_context *, int, sqlite3_value **))case_upper, 0, 0, 0);
}

int statusgraph_sqlite_replace_case_mapping(statusgraph_sqlite_function lower, statusgraph_sqlite_function upper) {
    case_lower = lower;
    case_upper = upper;
    return sqlite3_auto_extension((void (*)(void))register_case_mapping);
}
