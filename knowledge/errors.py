"""Errors of the knowledge layer; each message says what to do next."""


class KnowledgeError(Exception):
    """Base class: a problem with store data or the indexes built from it."""


class ImportFileError(KnowledgeError):
    """An import file cannot be read at all (missing, wrong type, not UTF-8)."""


class ModelPackageMissing(KnowledgeError):
    """A bundled model package is not installed."""


class StoreNotBuilt(KnowledgeError):
    """The index or database has not been built yet."""


class StoreWriteError(KnowledgeError):
    """A shopper's write (order action, card click, reply rating) could not be stored now.

    ``saved`` tells whether it was kept in the store's write-ahead journal first: then it is applied
    when the store is opened next (or on the next successful write), and must not be repeated.
    """

    def __init__(self, message: str, saved: bool = False):
        super().__init__(message)
        self.saved = saved


class StorageFull(StoreWriteError):
    """The disk holding the store (journal or database) is full."""


class StoreBusy(StoreWriteError):
    """The database stayed locked by another writer past the busy timeout."""


class WriteDeferred(StoreWriteError):
    """The database refused the write for another reason (I/O error, read-only file) after it was journaled."""


class SchemaTooNew(KnowledgeError):
    """The store's database was migrated by a newer Aisle than this one."""
