#include <math.h>
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

/// `statusgraph_checked_number(x, integer)`: `x`, or an error where arithmetic went out of range: SQLite
/// makes an integer result that overflows 64 bits a real, and a real one that overflows infinite.
static void checked_number(sqlite3_context *context, int count, sqlite3_value **values) {
    (void)count;
    if (sqlite3_value_type(values[0]) == SQLITE_FLOAT) {
        double d = sqlite3_value_double(values[0]);
        if (sqlite3_value_int(values[1]) != 0 || !isfinite(d)) {
            sqlite3_result_error(context, STATUSGRAPH_NUMBER_OUT_OF_RANGE, -1);
            return;
        }
    }
    sqlite3_result_value(context, values[0]);
}

static int register_checked_numbers(sqlite3 *db, char **error, const struct sqlite3_api_routines *api) {
    (void)error;
    (void)api;
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    return sqlite3_create_function_v2(db, "statusgraph_checked_number", 2, flags, 0, checked_number, 0, 0, 0);
}

int statusgraph_sqlite_add_checked_numbers(void) {
    return sqlite3_auto_extension((void (*)(void))register_checked_numbers);
}
