"""The composition root: Aisle assembled from its settings (``wiring``), its web app (``web``) and
its command line (``cli``). Nothing in ``knowledge``, ``recommender``, ``assistant`` or ``ui`` imports
this package; it imports them all."""
