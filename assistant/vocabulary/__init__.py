"""The words shoppers use for what a store sells: its catalog's own words, general synonyms that
belong to no store (``synonyms.yaml``) and the store's own synonyms from its settings."""

from assistant.vocabulary.general import GeneralSynonyms, general_synonyms
from assistant.vocabulary.store import Kind, StoreVocabulary

__all__ = ["GeneralSynonyms", "Kind", "StoreVocabulary", "general_synonyms"]
