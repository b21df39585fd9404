"""``aisle serve`` in a process of its own, as a store runs it, for the load benchmark: started on a
store folder with settings from ``AISLE_*`` variables, waited for until it answers, watched with
psutil (CPU seconds, resident memory sampled to its peak) and stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 600.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def aisle_env(settings: dict[str, str], models_dir: Path) -> dict[str, str]:
    """The environment for an ``aisle`` command: offline, no stray ``aisle.toml``, this checkout first on
    the path, the converted LLM shared from ``models_dir``, and ``settings`` (``AISLE_...`` variables)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AISLE_")}
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                "AISLE_CONFIG": "/nonexistent/aisle.toml", "AISLE_MODELS_DIR": str(models_dir),
                "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)})
    env.update(settings)
    return env


def build_demo_store(data_dir: Path, models_dir: Path, log: IO[str]) -> None:
    """``aisle demo`` into ``data_dir`` (no interest scorer: the bench's shoppers are guests, ranked
    without history)."""
    subprocess.run([sys.executable, "-m", "aisle", "demo", "--data-dir", str(data_dir), "--no-scorer"],
                   env=aisle_env({}, models_dir), stdout=log, stderr=subprocess.STDOUT, check=True, cwd=REPO)


class ServerProcess:
    """``with ServerProcess(data_dir, settings, models_dir, log) as server:`` — ``server.url`` answers,
    ``server.pid`` is the serving process, ``server.usage()`` its CPU and memory so far."""

    def __init__(self, data_dir: Path, settings: dict[str, str], models_dir: Path, log: IO[str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "aisle", "serve", "--data-dir", str(data_dir),
                        "--host", "127.0.0.1", "--port", str(self.port)]
        self.env = aisle_env(settings, models_dir)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.peak_rss = 0
        self.samples: list[tuple[float, float]] = []  # (time.time(), CPU seconds so far), every 0.1 s
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> ServerProcess:
        self.process = subprocess.Popen(self.command, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                        cwd=REPO)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"aisle serve exited with {self.process.returncode}; see {self.log.name}")
            try:
                if httpx.get(self.url + "/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"aisle serve did not answer on {self.url} in {START_TIMEOUT_S:.0f} s")
            time.sleep(0.5)
        self._sampler.start()
        return self

    def _sample(self) -> None:
        process = psutil.Process(self.pid)
        while not self._stop.is_set():
            try:
                self.peak_rss = max(self.peak_rss, process.memory_info().rss)
                times = process.cpu_times()
            except psutil.Error:
                return
            self.samples.append((time.time(), times.user + times.system))
            self._stop.wait(0.1)

    def cpu_between(self, start: float, end: float) -> float:
        """CPU seconds the server used from ``start`` to ``end`` (``time.time()``), to the nearest 0.1 s sample."""
        samples = list(self.samples)
        if not samples:
            return 0.0
        at = lambda t: min(samples, key=lambda s: abs(s[0] - t))[1]  # noqa: E731
        return at(end) - at(start)

    def usage(self) -> dict[str, Any]:
        process = psutil.Process(self.pid)
        return {"rss_mb": round(process.memory_info().rss / 2**20, 1), "peak_rss_mb": round(self.peak_rss / 2**20, 1),
                "threads": process.num_threads()}

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # uvicorn's graceful stop
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
