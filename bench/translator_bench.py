"""The translator: planning throughput on one core, `translator plan`'s memory as input grows,
and `translator send`'s delivery throughput against the emulator (when that command exists)."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from translator import dry_run, settings_for

RECEIVED_AT = 1_700_000_000
_RUN_PLAN = "import sys; from translator.cli import main; sys.exit(main())"


def event(n: int) -> dict[str, Any]:
    """A realistic mix: 60% track, 30% identify, 10% group, each for one of 10,000 users."""
    user = f"user-{n % 10_000}"
    timestamp = f"2024-05-{1 + n % 28:02d}T12:{n % 60:02d}:{n % 59:02d}.000Z"
    kind = n % 10
    if kind < 6:
        return {
            "type": "track",
            "messageId": f"m-{n}",
            "userId": user,
            "timestamp": timestamp,
            "event": f"Event {n % 20}",
            "properties": {
                "price": n % 100,
                "currency": "EUR",
                "sku": f"sku-{n % 500}",
                "plan": "pro",
                "count": n % 7,
            },
        }
    if kind < 9:
        return {
            "type": "identify",
            "messageId": f"m-{n}",
            "userId": user,
            "timestamp": timestamp,
            "traits": {
                "email": f"{user}@example.com",
                "name": f"User {n % 10_000}",
                "plan": "pro",
                "logins": n % 50,
                "createdAt": "2023-01-01T00:00:00Z",
            },
        }
    return {
        "type": "group",
        "messageId": f"m-{n}",
        "userId": user,
        "timestamp": timestamp,
        "groupId": f"company-{n % 300}",
        "traits": {"name": f"Company {n % 300}", "plan": "enterprise", "employees": n % 900},
    }


def planning_throughput(events: int, repeats: int) -> dict[str, Any]:
    """Events planned per second by translator.plan_event driven by dry_run, in this process."""
    settings = settings_for("segment")
    batch = [event(n) for n in range(events)]
    for raw in batch[:500]:
        dry_run(raw, settings, RECEIVED_AT)
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        for raw in batch:
            dry_run(raw, settings, RECEIVED_AT)
        rates.append(events / (time.perf_counter() - started))
    print(f"  planning: {statistics.median(rates):,.0f} events/s on one core", flush=True)
    return {"events": events, "events_per_s": statistics.median(rates), "runs": rates}


def write_events(path: Path, count: int) -> int:
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps(event(n)) + "\n")
    return path.stat().st_size


def _peak_rss_mib(path: Path) -> tuple[float, float]:
    """Peak RSS of `translator plan FILE` (output discarded) and its run time."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", _RUN_PLAN, "plan", "--received-at", str(RECEIVED_AT), str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"translator plan failed: {process.stderr.read().decode()[-2000:]}")
    process.stderr.close()
    return usage.ru_maxrss / 1024, elapsed  # Linux reports kilobytes


def plan_memory(sizes: tuple[int, ...], repeats: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="intercom-translator-") as workdir:
        for size in sizes:
            path = Path(workdir) / f"events-{size}.jsonl"
            file_bytes = write_events(path, size)
            runs = [_peak_rss_mib(path) for _ in range(repeats)]
            results[str(size)] = {
                "file_mib": round(file_bytes / 2**20, 1),
                "peak_rss_mib": statistics.median(r[0] for r in runs),
                "seconds": statistics.median(r[1] for r in runs),
                "runs_rss_mib": [r[0] for r in runs],
            }
            path.unlink()
            print(
                f"  translator plan on {size:,} events ({file_bytes / 2**20:.0f} MiB):"
                f" peak RSS {results[str(size)]['peak_rss_mib']:.1f} MiB,"
                f" {results[str(size)]['seconds']:.1f} s",
                flush=True,
            )
    return results


def send_available() -> bool:
    done = subprocess.run(
        [sys.executable, "-c", _RUN_PLAN, "send", "--help"], capture_output=True, text=True
    )
    return done.returncode == 0


def delivery_event(n: int, users: int) -> dict[str, Any]:
    """The first `users` events identify each user (standard fields only); the rest track."""
    user = f"user-{n % users}"
    timestamp = f"2024-05-{1 + n % 28:02d}T12:{n % 60:02d}:{n % 59:02d}.000Z"
    if n < users:
        return {
            "type": "identify",
            "messageId": f"d-{n}",
            "userId": user,
            "timestamp": timestamp,
            "traits": {"email": f"{user}@example.com", "name": f"User {n}"},
        }
    return {
        "type": "track",
        "messageId": f"d-{n}",
        "userId": user,
        "timestamp": timestamp,
        "event": f"Event {n % 20}",
        "properties": {"price": n % 100, "sku": f"sku-{n}"},
    }


def _send_once(url: str, token: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _RUN_PLAN,
            "send",
            "--base-url",
            url,
            "--token",
            token,
            "--json",
            "--no-progress",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(
            f"translator send printed no summary ({done.returncode}):"
            f"\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def delivery_throughput(events: int, users: int, repeats: int) -> dict[str, Any]:
    """`translator send` to `emulator serve` with its rate limits off: events delivered per
    second, each repeat into a fresh workspace with a fresh state file."""
    from bench.servers import NO_RATE_LIMITS
    from emulator.testing import EmulatorProcess

    runs = []
    workdir = Path(tempfile.mkdtemp(prefix="intercom-send-"))
    with EmulatorProcess(workdir / "emulator.db", *NO_RATE_LIMITS) as server:
        for repeat in range(repeats):
            path = workdir / f"events-{repeat}.jsonl"
            with path.open("w", encoding="utf-8") as out:
                for n in range(events):
                    out.write(json.dumps(delivery_event(n, users)) + "\n")
            summary = _send_once(server.url, f"send-bench-{repeat}-{time.time_ns()}", path)
            runs.append(
                {
                    "seconds": summary["seconds"],
                    "delivered": summary["delivered"],
                    "dead_lettered": summary["dead_lettered"],
                    "events_per_s": events / summary["seconds"],
                }
            )
    shutil.rmtree(workdir, ignore_errors=True)
    rate = statistics.median(r["events_per_s"] for r in runs)
    print(
        f"  translator send: {rate:,.0f} events/s into the emulator"
        f" ({runs[-1]['delivered']}/{events} delivered)",
        flush=True,
    )
    return {"events": events, "users": users, "events_per_s": rate, "runs": runs}


def _migrate(url: str, token: str, source: Path, workdir: Path, remember: bool) -> dict[str, Any]:
    """One `translator send` run (in process) of ``source`` into a fresh workspace."""
    from translator.delivery import DeadLetterFile, Delivery, Ingestor, StateStore, Target

    delivery = Delivery(
        StateStore(workdir / f"{token}.db"),
        Target(url, token),
        settings_for("segment"),
        DeadLetterFile(workdir / f"{token}.dead.jsonl"),
        remember=remember,
    )
    with source.open("rb") as lines:
        ingestor = Ingestor(lines, delivery)
        started = time.monotonic()
        delivery.start()
        ingestor.start()
        delivery.wait()
        seconds = time.monotonic() - started
        delivery.stop()
    summary = delivery.summary()
    delivery.state.close()
    return {
        "seconds": round(seconds, 1),
        "delivered": summary.delivered,
        "accounted": sum(summary.totals.values()),
        "dead_lettered": summary.dead,
        "calls": summary.calls,
        "calls_per_event": round(summary.calls / max(ingestor.queued, 1), 3),
        "calls_per_delivered_event": round(summary.calls / max(summary.delivered, 1), 3),
        "events_per_s": round(ingestor.queued / seconds, 1),
    }


def migration(events: int = 10_000) -> dict[str, Any]:
    """The mixed stream of bench/streams.py into `emulator serve` under Intercom's default rate
    limit (10,000 calls a minute per app, in 10-second windows): calls per event and events/s,
    remembering contacts and written bodies (the default) beside a search before every write."""
    from bench.streams import mixed_stream
    from emulator.testing import EmulatorProcess

    workdir = Path(tempfile.mkdtemp(prefix="intercom-migration-"))
    source = workdir / "stream.jsonl"
    with source.open("wb") as out:
        out.writelines(mixed_stream(events))
    results: dict[str, Any] = {"events": events}
    with EmulatorProcess(workdir / "emulator.db") as server:
        for name, remember in (("default", True), ("search_before_every_write", False)):
            token = f"migration-{name}-{time.time_ns()}"
            results[name] = run = _migrate(server.url, token, source, workdir, remember)
            print(
                f"  migration ({name}): {run['calls_per_delivered_event']:.2f} calls per"
                f" delivered event, {run['events_per_s']:,.0f} events/s,"
                f" {run['accounted']:,}/{events:,} lines accounted for",
                flush=True,
            )
    shutil.rmtree(workdir, ignore_errors=True)
    return results
