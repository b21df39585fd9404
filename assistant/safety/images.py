"""Which product images and pages a card may show: the rule, apart from any page that renders it.

A product's ``image_url`` is either a web address — shown only on an allowed host (``[safety]
allowed_link_hosts``) — or the name of a file in the store's images folder (``<data_dir>/images/``),
which Aisle serves itself. Anything else gets no image; a page link off the allowed hosts gets no link.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from assistant.safety.links import host_allowed
from knowledge.schemas import image_path_error

IMAGES_FOLDER = "images"  # under the data folder (``Settings.data_dir``)


class ImageSource(NamedTuple):
    """Where an image may be loaded from: a web ``url``, or a ``file`` of the images folder."""

    url: str | None = None
    file: str | None = None


def web_link_allowed(url: str | None, hosts: Iterable[str]) -> bool:
    """An http(s) address on an allowed host (a product page or an image)."""
    return bool(url) and urlsplit(url or "").scheme.lower() in ("http", "https") and host_allowed(url or "", hosts)


def image_source(image_url: str | None, hosts: Iterable[str] = ()) -> ImageSource | None:
    """Where a card may load ``image_url`` from; None: nowhere (the card shows a placeholder)."""
    if not image_url:
        return None
    if urlsplit(image_url).scheme or image_url.startswith(("/", "\\")):
        return ImageSource(url=image_url) if web_link_allowed(image_url, hosts) else None
    return ImageSource(file=image_url) if image_path_error(image_url) is None else None


def image_file(folder: Path, path: str) -> Path | None:
    """The file ``path`` names inside ``folder``, or None if it is not a servable image there: a path
    with ``..``, a hidden part, another suffix, or a link that leads out of the folder."""
    if image_path_error(path) is not None:
        return None
    root = folder.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target
