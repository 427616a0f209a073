/* SQLite, from Debian's libsqlite3-dev, for the registry. */
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a macro Swift cannot import: a cast of -1. */
static inline sqlite3_destructor_type CSQLite_transient(void) { return SQLITE_TRANSIENT; }
