"""One logging setup for the process (``[ops]`` settings): text or JSON lines (python-json-logger), to
standard error or a file, for Aisle's loggers, the libraries' and uvicorn's alike.

Events carry their fields as ``extra``: a JSON line has them as keys; a text line ends with ``key=value``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from assistant.config import OpsSettings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = ["asctime", "levelname", "name", "message"]
# uvicorn's lines carry a second, coloured copy of their message
_NOT_FIELDS = [*RESERVED_ATTRS, "color_message"]
_RESERVED = frozenset(_NOT_FIELDS) | {"message", "asctime"}
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
# Loggers at ``[ops] log_level``; every other library's at WARNING (or above) so its chatter stays out.
OWN_LOGGERS = ("aisle", "assistant", "knowledge", "recommender", "ui", *UVICORN_LOGGERS)


class TextFormatter(logging.Formatter):
    """The usual line, then the event's fields as ``key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = event_fields(record)
        return line + "".join(f" {key}={value}" for key, value in fields.items()) if fields else line


class WithoutQuery(logging.Filter):
    """uvicorn's access lines without query strings: a page's URL carries the shopper's sign-in token
    (``/?token=…``, ``embed.js``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):  # client, method, path, http, status
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


def event_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a log call passed as ``extra``."""
    return {key: value for key, value in record.__dict__.items() if key not in _RESERVED and not key.startswith("_")}


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                             reserved_attrs=_NOT_FIELDS, json_ensure_ascii=False)
    return TextFormatter(TEXT_FORMAT)


def configure_logging(ops: OpsSettings) -> logging.Handler:
    """Send every logger's records through one handler (replacing the one an earlier call installed);
    returns it."""
    handler: logging.Handler = (logging.FileHandler(ops.log_file, encoding="utf-8") if ops.log_file
                                else logging.StreamHandler(sys.stderr))
    handler.setFormatter(formatter(ops.log_format))
    handler.set_name("aisle")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "aisle"]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    level = logging.getLevelName(ops.log_level)
    root.setLevel(max(level, logging.WARNING))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    for name in UVICORN_LOGGERS:  # uvicorn's own handlers would print its lines a second way
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, WithoutQuery) for f in access.filters):
        access.addFilter(WithoutQuery())
    return handler
