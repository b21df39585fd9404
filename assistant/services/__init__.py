"""Application services: what the shopper widget, the staff app and their APIs can do, as methods of
ids and plain values. ``ShopperService`` (``shopper``) acts only in sessions the server issued;
``CopilotService`` (``copilot``) holds the agent's queue and privacy rules; ``AdminService``
(``admin``) imports store files, retrains and reports. ``ui`` talks to these and nothing below them;
the composition root (``aisle/wiring.py``) builds them."""
