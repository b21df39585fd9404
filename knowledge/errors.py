"""Errors of the knowledge layer; each message says what to do next."""


class KnowledgeError(Exception):
    """Base class: a problem with store data or the indexes built from it."""


class ImportFileError(KnowledgeError):
    """An import file cannot be read at all (missing, wrong type, not UTF-8)."""


class ModelPackageMissing(KnowledgeError):
    """A bundled model package is not installed."""


class StoreNotBuilt(KnowledgeError):
    """The index or database has not been built yet."""
