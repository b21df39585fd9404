"""Code that selects the facts of a reply, one module per kind of answer."""
