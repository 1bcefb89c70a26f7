"""Device event ingestion into PostgreSQL through the production server.

    .venv/bin/python bench/bench_ingest.py                     # ≈ 1.5 min
    .venv/bin/python bench/bench_ingest.py --duration 30 --clients 4 --workers 2

Database: PostgreSQL. ``DATABASE_URL`` if it names one, else a throwaway server started
with ``scripts/pg-test`` (its own state file and port, stopped at the end); migrated, the
cache table created, one smart station and ``--clients × 4`` devices registered.

Server: gunicorn (``--workers`` sync workers) on ``config.wsgi`` with
``config.settings.production`` (a random DJANGO_SECRET_KEY, DJANGO_SECURE_SSL_REDIRECT
off: no TLS here), on 127.0.0.1.

Load: ``--clients`` processes, each with its own four devices in turn, each posting
signed batches of 1,000 events (door openings with occupation and a person token,
counts, heartbeats; the event time up to a day late, in no order) as fast as the server
answers, for ``--duration`` s. Sustained rate = events stored ÷ wall time.

Then, correctness:

1. one batch already stored is sent again (a new nonce): the server must answer 0 new,
   1,000 duplicates;
2. the clients post for ``--chaos`` s while the server is killed (SIGKILL to the whole
   gunicorn process group, mid-request) and started again; a client retries a batch
   (new nonce, same events) until it is answered. At the end the rows of every device
   must equal the distinct events its client generated: none lost, none doubled.

Prints a JSON summary and a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PATH = "/api/v1/devices/events"
BATCH = 1000
DEVICES_PER_CLIENT = 4
PG_STATE = ROOT / "var" / "pg-bench-ingest.state"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_start(state: Path = PG_STATE, port: int = 54420) -> str:
    """A throwaway PostgreSQL with its own state file and port; its DATABASE_URL."""
    env = {**os.environ, "PG_TEST_STATE": str(state), "PG_TEST_PORT": str(port)}
    out = subprocess.run(
        [str(ROOT / "scripts" / "pg-test"), "start"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def pg_stop(state: Path = PG_STATE) -> None:
    env = {**os.environ, "PG_TEST_STATE": str(state)}
    subprocess.run(
        [str(ROOT / "scripts" / "pg-test"), "stop"], env=env, check=False, capture_output=True
    )


def server_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "YIZHAN_VAR_DIR": str(ROOT / "var" / "bench-ingest"),
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def setup_devices(env: dict[str, str], n: int) -> list[tuple[str, str]]:
    code = f"""
import json
from yizhan.devices.models import Device, DeviceEvent
from yizhan.devices.services import device_register
from yizhan.regions.models import Region
from yizhan.stations.models import Station
DeviceEvent.objects.filter(device__serial__startswith="BENCH-").delete()
Device.objects.filter(serial__startswith="BENCH-").delete()
parent = None
for code, name, level in (
    ("23", "黑龙江省", "province"), ("2301", "哈尔滨市", "city"), ("230102", "道里区", "district")
):
    parent, _ = Region.objects.get_or_create(
        code=code, defaults={{"name": name, "level": level, "parent": parent}}
    )
st, _ = Station.objects.get_or_create(
    code="BENCH-S01",
    defaults=dict(name="压测智能驿站", kind="smart", region=parent, address="道里区",
                  lat=45.77, lon=126.61, opening_hours="24/7", status="active"),
)
out = []
for i in range({n}):
    d, secret = device_register(user=None, station=st, kind="door", serial=f"BENCH-{{i:03d}}")
    out.append((d.serial, secret))
print(json.dumps(out))
"""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return [tuple(x) for x in json.loads(out.stdout.strip().splitlines()[-1])]


def count_rows(env: dict[str, str]) -> dict[str, list[int]]:
    code = """
import json
from django.db.models import Count
from yizhan.devices.models import DeviceEvent
rows = (
    DeviceEvent.objects.filter(device__serial__startswith="BENCH-")
    .values("device__serial")
    .annotate(n=Count("id"), d=Count("event_id", distinct=True))
)
print(json.dumps({r["device__serial"]: [r["n"], r["d"]] for r in rows}))
"""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


class Server:
    def __init__(self, env: dict[str, str], port: int, workers: int) -> None:
        self.env, self.port, self.workers = env, port, workers
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "config.wsgi",
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/api/v1/openapi.json")
                c.getresponse().read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def kill(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
            self.proc = None


def make_batch(rng: random.Random, prefix: str, start: int, now: float) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for k in range(start, start + BATCH):
        at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - rng.randrange(86400)))
        kind = rng.random()
        if kind < 0.7:
            events.append(
                {
                    "event_id": f"{prefix}{k}",
                    "kind": "door_open",
                    "at": at,
                    "method": "face",
                    "occupation": rng.choice(("rider", "courier", "driver", "sanitation")),
                    "person": f"tok{rng.randrange(5000)}",
                }
            )
        elif kind < 0.85:
            events.append(
                {"event_id": f"{prefix}{k}", "kind": "count", "at": at, "count": rng.randrange(20)}
            )
        else:
            events.append({"event_id": f"{prefix}{k}", "kind": "heartbeat", "at": at})
    return events


def post(port: int, serial: str, secret: str, body: bytes) -> tuple[int, dict[str, Any]]:
    from yizhan.devices.signing import sign_request

    headers = sign_request(serial=serial, secret=secret, method="POST", path=PATH, body=body)
    headers["Content-Type"] = "application/json"
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("POST", PATH, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data[:1] == b"{" else {})
    finally:
        c.close()


def client(
    idx: int, port: int, devices: list[tuple[str, str]], seconds: float, start_seq: int, out: Any
) -> None:
    """Post batches for ``seconds``; retry a batch (new nonce, same events) until answered."""
    rng = random.Random(idx)
    seq = start_seq
    sent = {serial: 0 for serial, _s in devices}
    accepted = duplicates = retries = errors = 0
    t_end = time.time() + seconds
    turn = 0
    while time.time() < t_end:
        serial, secret = devices[turn % len(devices)]
        turn += 1
        body = json.dumps({"events": make_batch(rng, f"c{idx}-", seq, time.time())}).encode()
        seq += BATCH
        sent[serial] = (
            seq - start_seq
        )  # event ids are shared across this client's devices' counters
        while True:
            try:
                status, data = post(port, serial, secret, body)
            except (OSError, http.client.HTTPException):
                status, data = 0, {}
            if status == 200:
                errors = 0
                accepted += data["accepted"]
                duplicates += data["duplicates"]
                break
            errors += 1
            retries += 1
            if errors > 150:  # 30 s without an answer: the server is broken, not restarting
                raise SystemExit(f"client {idx}: HTTP {status} {data}")
            time.sleep(0.2)
    out.put(
        {
            "client": idx,
            "accepted": accepted,
            "duplicates": duplicates,
            "retries": retries,
            "errors": errors,
            "events": seq - start_seq,
            "batches": (seq - start_seq) // BATCH,
        }
    )


def run_clients(
    port: int,
    devices: list[tuple[str, str]],
    clients: int,
    seconds: float,
    start_seq: int,
    during: Any = None,
) -> list[dict[str, Any]]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [
        ctx.Process(
            target=client,
            args=(
                i,
                port,
                devices[i * DEVICES_PER_CLIENT : (i + 1) * DEVICES_PER_CLIENT],
                seconds,
                start_seq,
                q,
            ),
        )
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    if during is not None:
        during()
    results = [q.get(timeout=seconds + 300) for _ in procs]
    for p in procs:
        p.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--chaos", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    own_pg = not os.environ.get("DATABASE_URL", "").startswith("postgres")
    database_url = pg_start() if own_pg else os.environ["DATABASE_URL"]
    env = server_env(database_url)
    server = Server(env, free_port(), args.workers)
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable", "--database", "cache")
        devices = setup_devices(env, args.clients * DEVICES_PER_CLIENT)
        server.start()

        # 1. Sustained rate.
        t0 = time.time()
        load = run_clients(server.port, devices, args.clients, args.duration, 0)
        wall = time.time() - t0
        stored = sum(r["accepted"] for r in load)
        rate = stored / wall

        # 2. A batch sent again.
        rng = random.Random(0)
        serial, secret = devices[0]
        again = json.dumps({"events": make_batch(rng, "c0-", 0, time.time())}).encode()
        # The same ids as client 0's first batch (its events are c0-0 … c0-999).
        ids = {e["event_id"] for e in json.loads(again)["events"]}
        assert ids == {f"c0-{k}" for k in range(BATCH)}
        status, resend = post(server.port, serial, secret, again)

        # 3. Kill the server mid-stream and start it again.
        def kill_and_restart() -> None:
            time.sleep(args.chaos / 3)
            server.kill()
            time.sleep(2)
            server.start()

        t1 = time.time()
        chaos_results = run_clients(
            server.port, devices, args.clients, args.chaos, 10_000_000, kill_and_restart
        )
        chaos_wall = time.time() - t1
        server.stop()

        rows = count_rows(env)
        n_rows = sum(v[0] for v in rows.values())
        n_distinct = sum(v[1] for v in rows.values())
        expected = sum(r["events"] for r in load) + sum(r["events"] for r in chaos_results)
        summary: dict[str, Any] = {
            "cores": os.cpu_count(),
            "workers": args.workers,
            "clients": args.clients,
            "duration_s": round(wall, 1),
            "events_stored": stored,
            "events_per_s": round(rate),
            "batches_per_s": round(stored / BATCH / wall, 1),
            "resend": {"status": status, **{k: resend.get(k) for k in ("accepted", "duplicates")}},
            "chaos": {
                "wall_s": round(chaos_wall, 1),
                "events_generated": sum(r["events"] for r in chaos_results),
                "accepted": sum(r["accepted"] for r in chaos_results),
                "duplicates_after_retry": sum(r["duplicates"] for r in chaos_results),
                "failed_attempts_retried": sum(r["retries"] for r in chaos_results),
            },
            "rows": n_rows,
            "distinct_rows": n_distinct,
            "events_generated_total": expected,
            "lost": expected - n_distinct,
            "doubled": n_rows - n_distinct,
        }
        print(json.dumps(summary, indent=2))
        ok = (
            summary["lost"] == 0
            and summary["doubled"] == 0
            and resend.get("accepted") == 0
            and resend.get("duplicates") == BATCH
        )
        chaos: dict[str, Any] = summary["chaos"]
        print(
            f"\n| events/s sustained | {rate:,.0f} ({args.clients} clients, "
            f"{args.workers} workers, {wall:.0f} s) |\n"
            f"| resent batch | {resend.get('accepted')} new, "
            f"{resend.get('duplicates')} duplicates |\n"
            f"| server killed and restarted | {chaos['events_generated']:,} events sent, "
            f"{chaos['failed_attempts_retried']} attempts retried |\n"
            f"| rows vs events generated | {n_rows:,} rows, {expected:,} events: "
            f"lost {summary['lost']}, doubled {summary['doubled']} |"
        )
        sys.exit(0 if ok else 1)
    finally:
        server.kill()
        if own_pg:
            pg_stop()


if __name__ == "__main__":
    main()
