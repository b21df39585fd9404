"""The first start on a fresh machine, and the second: ``make run`` in a fresh ``git clone`` of this
repository (its committed HEAD) into a temporary folder, timed step by step from make's own output.

Steps of a run: venv + installs (until make runs ``aisle serve --demo``), the demo store (database,
indexes: until that process says it loads the models), the models' warm-up (with the bundled LLM's
one-time conversion on a first run; until it prints the URL) and the server up (until ``/`` answers
HTTP 200); then the server is stopped as Ctrl-C stops it. The second ``make run`` must reinstall and rebuild nothing.
Goals: the first run serves in <= 240 s on 2 cores, the second in <= 20 s. The machine may be shared:
the load average is reported before, between and after the runs, with the CPU seconds (user +
system) that make and everything it started spent until the page answered, which hardly depend on
that load. Also reported: whether the interest scorer's training started in the background once the
page answered (``<data dir>/scorer-training.json``).

Skipped, with the reason, when it cannot run here: no git or make, no package index, or no CPU wheel
of the pinned torch on this machine's disk (pip's find-links; without it pip would fetch the
multi-GB CUDA build).

Run: ``make bench`` (or ``python bench/first_start.py [--keep] [--out FILE]``); prints JSON. A fresh
run takes minutes (installs included): run it once.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.output import emit  # noqa: E402  (the repo is on the path only now)

GOALS_S = {"first_run": 240.0, "second_run": 20.0}
# make's echo of each command, and what aisle prints, mark where each step begins
SERVE = re.compile(r"\baisle serve\b")
LOADING = re.compile(r"^loading models")
SERVING = re.compile(r"^shopper chat: http")
INSTALLING = re.compile(r"-m pip install")
INDEXED = re.compile(r"^index \w+: (\d+) added")


def _skip(reason: str, out: Path) -> None:
    emit({"benchmark": "first_start", "skipped": reason}, out)
    sys.exit(0)


def _torch_pin() -> str:
    found = re.search(r"^TORCH := torch==(\S+)", (REPO / "Makefile").read_text(), re.M)
    return found.group(1) if found else ""


def _find_links() -> list[Path]:
    """The folders pip takes wheels from, as pip's own configuration (and environment) say."""
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    folders: list[Path] = []
    for line in listed.splitlines():
        if "find-links" in line:
            value = line.split("=", 1)[1].strip().strip("'\"")
            folders += [Path(v.removeprefix("file://")) for v in value.split()]
    folders += [Path(v.removeprefix("file://")) for v in os.environ.get("PIP_FIND_LINKS", "").split()]
    return [f for f in folders if f.is_dir()]


def why_not(python: str) -> str | None:
    """The reason this benchmark cannot run here, or None."""
    for tool in ("git", "make"):
        if shutil.which(tool) is None:
            return f"no `{tool}` on this machine"
    if subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True).returncode:
        return f"{REPO} is not a git repository: there is nothing to clone"
    if subprocess.run([python, "-c", "import venv, ensurepip"], capture_output=True).returncode:
        return f"{python} cannot create a virtual environment (no venv/ensurepip)"
    pin = _torch_pin()
    if pin and not any(f.glob(f"torch-{pin}+cpu-*.whl") for f in _find_links()):
        return (f"no CPU wheel of torch=={pin} in pip's find-links on this machine: a fresh install would "
                "download the multi-GB CUDA build")
    try:
        with tempfile.TemporaryDirectory(prefix="aisle-probe-") as probe_dir:
            probe = subprocess.run([python, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", probe_dir,
                                    "typer"], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "the package index did not answer within 120 s"
    if probe.returncode:
        return f"no package index reachable: {probe.stderr.strip().splitlines()[-1:]}"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class MakeRun:
    """One ``make run`` in ``folder``: every output line with its time since the start."""

    def __init__(self, folder: Path, env: dict[str, str], log: Path):
        self.started = time.monotonic()
        self.lines: list[tuple[float, str]] = []
        self.log = log.open("w")
        self.process = subprocess.Popen(["make", "run"], cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)  # its own group: stopped as a whole
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            # tqdm redraws a bar with carriage returns: the last state is the line
            text = line.rstrip("\n").split("\r")[-1]
            at = time.monotonic() - self.started
            self.lines.append((at, text))
            self.log.write(f"{at:8.1f} {text}\n")
            self.log.flush()

    def cpu_s(self) -> float:
        """CPU seconds (user + system) spent so far by make and everything it started: the processes
        still running in its session, with the children they already reaped. Unlike wall time it
        hardly depends on what else the machine runs."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # ended meanwhile
            if int(fields[3]) == self.process.pid:  # the session make leads
                ticks += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        return round(ticks / os.sysconf("SC_CLK_TCK"), 1)

    def first(self, pattern: re.Pattern[str]) -> float | None:
        return next((at for at, text in list(self.lines) if pattern.search(text)), None)

    def wait_for_page(self, url: str, timeout_s: float) -> float | None:
        """Seconds from the start until ``url`` answers 200, or None (timed out, or make ended)."""
        deadline = self.started + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return None
            if self.first(SERVING) is not None and _answers(url):
                return time.monotonic() - self.started
            time.sleep(0.25)
        return None

    def stop(self) -> int | None:
        """Stop make and everything it started, as Ctrl-C does; then whatever is left, for good."""
        if self.process.poll() is None:
            for sig, grace in ((signal.SIGINT, 30), (signal.SIGKILL, 10)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.reader.join(timeout=5)
        self.log.close()
        return self.process.returncode


def _steps(run: MakeRun, up: float | None) -> dict[str, float | None]:
    """Seconds per step, from the marks in make's output (None: the step did not happen)."""
    serve, loading, serving = (run.first(p) for p in (SERVE, LOADING, SERVING))

    def between(a: float | None, b: float | None) -> float | None:
        return round(b - a, 1) if a is not None and b is not None else None

    return {"venv_and_installs_s": between(0.0, serve), "demo_store_s": between(serve, loading),
            "models_warm_up_s": between(loading, serving), "server_up_s": between(serving, up)}


def _training(data_dir: Path, since: float, wait_s: float = 30.0) -> dict[str, Any]:
    """What the progress file of the background training says shortly after the page answered, if
    this run's training wrote it (after ``since``, a wall-clock time) within ``wait_s``."""
    path = data_dir / "scorer-training.json"
    deadline = time.monotonic() + wait_s
    while not (path.is_file() and path.stat().st_mtime >= since) and time.monotonic() < deadline:
        time.sleep(0.5)
    if not (path.is_file() and path.stat().st_mtime >= since):
        return {"started": False}
    status = json.loads(path.read_text())
    return {"started": True, "state": status.get("state"), "step": status.get("step")}


def measure(folder: Path, name: str, env: dict[str, str], url: str, timeout_s: float,
            results: Path) -> dict[str, Any]:
    since = time.time()
    run = MakeRun(folder, env, results / f"first_start_{name}.log")
    up = run.wait_for_page(url, timeout_s)
    cpu_s = run.cpu_s()
    exited = run.process.poll()  # make ended by itself (a failed step) rather than being stopped
    training = _training(folder / ".aisle", since) if up is not None else {}
    run.stop()
    goal = GOALS_S[name]
    indexed = [int(m.group(1)) for _, text in run.lines if (m := INDEXED.search(text))]
    result: dict[str, Any] = {
        "steps": _steps(run, up), "total_s": round(up, 1) if up is not None else None, "goal_s": goal,
        "met": up is not None and up <= goal, "cpu_s_until_page": cpu_s, "installed": run.first(INSTALLING) is not None,
        "records_embedded": sum(indexed), "background_training": training,
        "log": str(results / f"first_start_{name}.log")}
    if up is None:
        result["failed"] = (f"make exited with {exited} before the page answered" if exited is not None
                            else f"no answer within {timeout_s} s")
        result["last_lines"] = [text for _, text in run.lines[-15:]]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "first_start.json")
    parser.add_argument("--first-timeout", type=float, default=1800.0, help="seconds to wait for the first run")
    parser.add_argument("--second-timeout", type=float, default=180.0, help="seconds to wait for the second run")
    parser.add_argument("--keep", action="store_true", help="keep the clone (with its .venv) for a look")
    options = parser.parse_args()
    python = os.environ.get("PYTHON", "python3")
    reason = why_not(python)
    if reason:
        _skip(reason, options.out)
    results = options.out.parent
    results.mkdir(parents=True, exist_ok=True)
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True).stdout.strip())
    scratch = Path(tempfile.mkdtemp(prefix="aisle-first-start-"))
    folder = scratch / "aisle"
    port = _free_port()
    # the clone's own settings and environment only: no developer's aisle.toml, venv or data folder
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AISLE_") and k not in ("VIRTUAL_ENV", "PYTHONPATH", "MAKEFLAGS", "MAKELEVEL")}
    env.update(AISLE_UI__PORT=str(port), PYTHONUNBUFFERED="1", NO_COLOR="1")
    load_before = [round(x, 2) for x in os.getloadavg()]
    try:
        started = time.monotonic()
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(folder)], check=True)
        clone_s = round(time.monotonic() - started, 1)
        url = f"http://127.0.0.1:{port}/"
        first = measure(folder, "first_run", env, url, options.first_timeout, results)
        load_between = [round(x, 2) for x in os.getloadavg()]
        second = measure(folder, "second_run", env, url, options.second_timeout, results)
    finally:
        if not options.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    emit({"benchmark": "first_start", "commit": head, "uncommitted_changes_left_out": dirty,
          "cpus": os.cpu_count(), "clone_s": clone_s, "first_run": first, "second_run": second,
          "goals_met": bool(first["met"] and second["met"]),
          "load_average": {"before": load_before, "between": load_between,
                           "after": [round(x, 2) for x in os.getloadavg()]},
          "kept": str(folder) if options.keep else None}, options.out)


if __name__ == "__main__":
    main()
