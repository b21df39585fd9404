"""Product images a store keeps in Aisle's data folder, served at ``/images/<path>``.

A product's ``image_url`` may name a file of ``<data_dir>/images/`` (``shoes/sho-001.jpg``) instead of
a URL on the store's own site; cards then load it from Aisle (``ui.cards.IMAGES_ROUTE``). Only image
files inside that folder are served: a path with ``..``, a hidden part, another suffix, or a link
that leads out of the folder is answered 404.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response

from knowledge.schemas import image_path_error
from ui.cards import IMAGES_ROUTE

IMAGES_FOLDER = "images"  # under the data folder (``Settings.data_dir``)
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp", ".avif": "image/avif"}


def image_file(folder: Path, path: str) -> Path | None:
    """The file ``path`` names inside ``folder``, or None if it is not a servable image there."""
    if image_path_error(path) is not None:
        return None
    root = folder.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target


def add_image_route(app: FastAPI, folder: Path) -> None:
    """Serve the image files of ``folder`` at ``IMAGES_ROUTE``."""

    @app.get(IMAGES_ROUTE + "/{path:path}", include_in_schema=False)
    def product_image(path: str) -> Response:
        found = image_file(folder, path)
        if found is None:
            return Response("No such image.", status_code=404, media_type="text/plain")
        return FileResponse(found, media_type=MEDIA_TYPES[found.suffix.lower()],
                            headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})
