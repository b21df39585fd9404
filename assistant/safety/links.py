"""Links and images in chat text go only to allow-listed hosts.

Chat text is rendered as markdown in the shopper's widget and the agent's copilot, so a message
could make a browser fetch an attacker's image (a tracking pixel, data in its URL) or offer a
phishing link. Markdown links and images, autolinks, bare URLs and HTML tags are kept only when
they point at an allowed host (or are relative, i.e. Aisle's own pages); otherwise a link keeps
its text and an image becomes "[image removed]".

>>> restrict_links("see ![x](https://evil.test/p.png) and [our sizes](https://shop.test/sizes)", ["shop.test"])
'see [image removed] and [our sizes](https://shop.test/sizes)'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

_MD_LINK = re.compile(r"(!?)\[([^\]\n]{0,500})\]\(\s*<?((?:[^()\s>]|\([^()\s]*\))*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto|javascript|data):[^>\s]*)>", re.I)
_BARE_URL = re.compile(r"(?<![(<\"'=\w])(?:https?|ftp)://[^\s<>()\"']+", re.I)
_HTML_TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>")
_REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.M)


def host_allowed(url: str, hosts: Iterable[str]) -> bool:
    """Relative URLs (Aisle's own pages) and http(s) URLs on an allowed host or its subdomains."""
    url = url.strip()
    if not url:
        return False
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return url.startswith("/") and not url.startswith("//")
    if parts.scheme.lower() not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in (h.lower().strip() for h in hosts) if h)


def restrict_links(text: str, hosts: Iterable[str] = ()) -> str:
    hosts = list(hosts)

    def markdown_link(match: re.Match[str]) -> str:
        image, label, url = match.group(1), match.group(2), match.group(3)
        if host_allowed(url, hosts):
            return match.group(0)
        return "[image removed]" if image else label

    def bare(match: re.Match[str]) -> str:
        url = match.group(0)
        return url if host_allowed(url, hosts) else f"[link removed: {urlsplit(url).hostname or 'unknown'}]"

    text = _MD_LINK.sub(markdown_link, text)
    text = _AUTOLINK.sub(lambda m: m.group(0) if host_allowed(m.group(1), hosts) else "[link removed]", text)
    text = _REFERENCE_DEF.sub("[link removed]", text)
    text = _BARE_URL.sub(bare, text)
    return _HTML_TAG.sub(lambda m: "[image removed]" if m.group(1).lower() == "img" else "", text)
