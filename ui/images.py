"""Product images a store keeps in Aisle's data folder, served at ``/images/<path>``.

A product's ``image_url`` may name a file of ``<data_dir>/images/`` (``shoes/sho-001.jpg``) instead of
a URL on the store's own site; cards then load it from Aisle (``ui.cards.IMAGES_ROUTE``). Which files
may be served is ``ShopperService.image_file``'s decision (``assistant/safety/images.py``): anything
else is answered 404.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response

from ui.cards import IMAGES_ROUTE

MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp", ".avif": "image/avif"}


def add_image_route(app: FastAPI, image_file: Callable[[str], Path | None]) -> None:
    """Serve at ``IMAGES_ROUTE`` the files ``image_file`` finds for a path (None: 404)."""

    @app.get(IMAGES_ROUTE + "/{path:path}", include_in_schema=False)
    def product_image(path: str) -> Response:
        found = image_file(path)
        if found is None:
            return Response("No such image.", status_code=404, media_type="text/plain")
        return FileResponse(found, media_type=MEDIA_TYPES[found.suffix.lower()],
                            headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})
