/* libarchive, from Debian's libarchive-dev, for uploaded .tar.gz distributions. */
#include <archive.h>
#include <archive_entry.h>

/* The AE_IF* file types are casts Swift cannot import. */
static inline unsigned CArchive_typeMask(void) { return AE_IFMT; }
static inline unsigned CArchive_typeRegular(void) { return AE_IFREG; }
static inline unsigned CArchive_typeDirectory(void) { return AE_IFDIR; }
