"""A Chroma server (``chroma run`` on loopback) for the tests of client/server mode."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMA = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Stop a server this test started: as Ctrl-C would (SIGTERM), killed after ``timeout`` s."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def chroma_server(folder: Path) -> Iterator[str]:
    """A ``chroma run`` server storing under ``folder``, until the block ends: its URL."""
    if CHROMA is None:
        pytest.fail("the `chroma` command (installed with chromadb) is missing")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "chroma.log"
    log = log_path.open("w")
    server = subprocess.Popen([CHROMA, "run", "--path", str(folder / "server"), "--host", "127.0.0.1",
                               "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log_path.read_text()[-2000:]
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the chroma server did not answer its heartbeat"
            time.sleep(0.2)
        yield url
    finally:
        stop_process(server, timeout=20)
        log.close()


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    """A fresh server for one test."""
    with chroma_server(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def shared_chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the session, started on first use; tests keep apart by collection name."""
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url
