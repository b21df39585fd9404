"""Code that selects the facts of a reply, one module per kind of answer (the order answers live with
the rest of the order code, in ``assistant.orders.answers``), and the ``Draft`` they return."""
