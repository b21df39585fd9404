"""Orders in the chat: the store's order rules as code (``policy``), the order tools that look up
and change orders (``tools``), order numbers in a message (``numbers``) and the order answers
(``answers``)."""
