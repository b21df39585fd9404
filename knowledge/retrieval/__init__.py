"""The search side of the knowledge layer: embeddings, the Chroma vector index, the BM25 index,
hybrid product and FAQ search (``search``) and LangChain retrievers over it. It reads the store's
records; it never writes the operational store."""
