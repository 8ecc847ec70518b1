#include <stdint.h>
#include <string.h>
#include <sqlite3.h>
#include "CSQLiteSettings.h"

/* Text as .NET counts it (`String.Length`, `IndexOf`, `Substring`), in UTF-16 code units: a character
   beyond U+FFFF (its UTF-8 sequence starts with a byte of 0xF0 or more) counts twice. SQLite's own
   `length`, `instr` and `substr` count characters. */

/// The bytes of the UTF-8 sequence `lead` starts (a stray continuation byte alone).
static int sequence_length(unsigned char lead) {
    if (lead >= 0xF0) return 4;
    if (lead >= 0xE0) return 3;
    if (lead >= 0xC0) return 2;
    return 1;
}

static sqlite3_int64 utf16_units(const unsigned char *text, int bytes) {
    sqlite3_int64 units = 0;
    for (int i = 0; i < bytes; i++) {
        unsigned char b = text[i];
        if ((b & 0xC0) != 0x80) units += b >= 0xF0 ? 2 : 1;
    }
    return units;
}

/// The text of `value` and its length in bytes; false where SQLite ran out of memory making it (an empty
/// text may come as a null pointer).
static int text_of(sqlite3_value *value, const unsigned char **text, int *bytes) {
    *text = sqlite3_value_text(value);
    *bytes = sqlite3_value_bytes(value);
    if (*text) return 1;
    *text = (const unsigned char *)"";
    return *bytes == 0;
}

/// The first argument's text, where the function goes on: false where its result is made already,
/// null (an argument is null: a function of null is null) or an error (out of memory).
static int arguments(sqlite3_context *context, int count, sqlite3_value **values, const unsigned char **text, int *bytes) {
    for (int i = 0; i < count; i++)
        if (sqlite3_value_type(values[i]) == SQLITE_NULL) return 0;
    if (text_of(values[0], text, bytes)) return 1;
    sqlite3_result_error_nomem(context);
    return 0;
}

/// `statusgraph_length(text)`.
static void length_in_units(sqlite3_context *context, int count, sqlite3_value **values) {
    const unsigned char *text;
    int bytes;
    if (!arguments(context, count, values, &text, &bytes)) return;
    sqlite3_result_int64(context, utf16_units(text, bytes));
}

/// `statusgraph_indexof(text, part)`: where `part` first starts in `text`, or -1; 0 for an empty `part`.
/// Compared byte by byte (ordinally): in UTF-8 a match starts and ends on characters.
static void index_in_units(sqlite3_context *context, int count, sqlite3_value **values) {
    const unsigned char *text, *part;
    int bytes, partBytes;
    if (!arguments(context, count, values, &text, &bytes)) return;
    if (!text_of(values[1], &part, &partBytes)) {
        sqlite3_result_error_nomem(context);
        return;
    }
    for (int i = 0; i + partBytes <= bytes; i++) {
        if (memcmp(text + i, part, (size_t)partBytes) == 0) {
            sqlite3_result_int64(context, utf16_units(text, i));
            return;
        }
    }
    sqlite3_result_int64(context, -1);
}

/// `statusgraph_substring(text, start[, length])`: the units from `start` (0-based), to the end or
/// `length` of them; a negative `start` or `length` counts as 0. A character beyond U+FFFF cut in two
/// (.NET keeps half of its surrogate pair, which UTF-8 cannot hold) leaves U+FFFD for the half taken.
static void substring_in_units(sqlite3_context *context, int count, sqlite3_value **values) {
    const unsigned char *text;
    int bytes;
    if (!arguments(context, count, values, &text, &bytes)) return;
    sqlite3_int64 first = sqlite3_value_int64(values[1]);
    if (first < 0) first = 0;
    sqlite3_int64 stop = INT64_MAX;
    if (count > 2) {
        sqlite3_int64 length = sqlite3_value_int64(values[2]);
        if (length < 0) length = 0;
        stop = length > INT64_MAX - first ? INT64_MAX : first + length;
    }
    /* A cut character (4 bytes) leaves 3: the result is never longer than the text. */
    unsigned char *out = sqlite3_malloc64((sqlite3_uint64)bytes + 1);
    if (!out) {
        sqlite3_result_error_nomem(context);
        return;
    }
    int written = 0;
    sqlite3_int64 at = 0;
    for (int i = 0; i < bytes && at < stop;) {
        int size = sequence_length(text[i]);
        if (size > bytes - i) size = bytes - i;
        int width = size == 4 ? 2 : 1;
        if (at >= first && at + width <= stop) {
            memcpy(out + written, text + i, (size_t)size);
            written += size;
        } else if (at + width > first && first < stop) {
            out[written++] = 0xEF;
            out[written++] = 0xBF;
            out[written++] = 0xBD;
        }
        at += width;
        i += size;
    }
    sqlite3_result_text(context, (const char *)out, written, sqlite3_free);
}

static int register_text_functions(sqlite3 *db, char **error, const struct sqlite3_api_routines *api) {
    (void)error;
    (void)api;
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    int code = sqlite3_create_function_v2(db, "statusgraph_length", 1, flags, 0, length_in_units, 0, 0, 0);
    if (code == SQLITE_OK) code = sqlite3_create_function_v2(db, "statusgraph_indexof", 2, flags, 0, index_in_units, 0, 0, 0);
    if (code == SQLITE_OK) code = sqlite3_create_function_v2(db, "statusgraph_substring", 2, flags, 0, substring_in_units, 0, 0, 0);
    if (code == SQLITE_OK) code = sqlite3_create_function_v2(db, "statusgraph_substring", 3, flags, 0, substring_in_units, 0, 0, 0);
    return code;
}

int statusgraph_sqlite_add_text_functions(void) {
    return sqlite3_auto_extension((void (*)(void))register_text_functions);
}
