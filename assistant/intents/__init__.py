"""What a message asks for: the built-in intent classifier (``classifier``), the few-shot model a
store trains on its own ``sentence,label`` examples (``model``, ``finetune``), the LLM's vote on
candidate labels (``llm_scorer``), a store's own intents (``store``) and ``aisle intents evaluate``
(``evaluate``)."""
