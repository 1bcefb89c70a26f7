"""Backups and restores of one Yizhan installation (`scripts/backup`, `scripts/restore`).

A backup is a directory::

    manifest.json   what was saved: when, the database vendor, the code's commit, the last
                    migration of each app, the row count of every model, the media files
    db.sqlite3      SQLite: a consistent copy taken with SQLite's online backup API
    db.dump         PostgreSQL: `pg_dump --format=custom`
    media/          the uploaded files (station, inspection, report, donation photos)
    keys.env        DJANGO_SECRET_KEY (mode 0600): visitor ids are stored as HMACs under it,
                    the QR codes printed on responsibility boards and the device person
                    tokens are keyed by it. Restored data with another key loses all three.

Device signing secrets are rows of the database (devices.DeviceSecret) and travel with it.
The backup directory holds secrets: it is created mode 0700; keep it where the database is.

A restore refuses to overwrite a database that holds data (any row besides what `migrate`
writes) unless forced, then recounts every model and compares with the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
# Rows `migrate` writes by itself: a database holding only these is empty.
MIGRATE_WRITES = {"contenttypes.contenttype", "auth.permission", "sessions.session"}


class BackupError(Exception):
    pass


@dataclass
class RestoreReport:
    counts: dict[str, int]
    mismatched: dict[str, tuple[int, int]] = field(default_factory=dict)
    media_files: int = 0
    key_matches: bool | None = None


def _connection(alias: str = DEFAULT_DB_ALIAS) -> Any:
    return connections[alias]


def model_counts(alias: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows of every concrete model whose table exists ("app_label.model": n)."""
    conn = _connection(alias)
    tables = set(conn.introspection.table_names())
    counts: dict[str, int] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table not in tables:
            continue
        counts[meta.label_lower] = model._base_manager.using(alias).count()
    return dict(sorted(counts.items()))


def database_has_data(alias: str = DEFAULT_DB_ALIAS) -> bool:
    return any(n for label, n in model_counts(alias).items() if label not in MIGRATE_WRITES)


def _media_root() -> Path | None:
    """The local media folder, or None when uploads live elsewhere (S3-compatible storage:
    back up the bucket with the provider's tools)."""
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location)
    return None


def _media_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def _key_fingerprint(key: str) -> str:
    return hashlib.sha256(f"yizhan-backup:{key}".encode()).hexdigest()[:16]


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def _pg_env(conn: Any) -> tuple[list[str], dict[str, str]]:
    s = conn.settings_dict
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{cmd[0]} failed ({result.returncode}): {result.stderr.strip()}")


def _last_migrations(alias: str) -> dict[str, str]:
    recorder = MigrationRecorder(_connection(alias))
    last: dict[str, str] = {}
    for app, name in sorted(recorder.applied_migrations()):
        last[app] = max(last.get(app, ""), name)
    return last


def backup(
    dest: Path, *, alias: str = DEFAULT_DB_ALIAS, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Write a backup of the database, the media files and the key into `dest` (a new or
    empty directory) and return the manifest."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: give a new directory")
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    dest.chmod(0o700)
    conn = _connection(alias)
    conn.ensure_connection()
    vendor = conn.vendor
    counts = model_counts(alias)
    if vendor == "sqlite":
        target = sqlite3.connect(dest / "db.sqlite3")
        try:
            # The online backup API: a consistent copy while the web server and the
            # workers keep writing (each step retries until it sees a stable snapshot).
            conn.connection.backup(target)
        finally:
            target.close()
        database_file = "db.sqlite3"
    elif vendor == "postgresql":
        args, env = _pg_env(conn)
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(dest / "db.dump"), *args],
            env,
        )
        database_file = "db.dump"
    else:
        raise BackupError(f"no backup for the {vendor} database")
    log(f"database ({vendor}): {database_file}, {sum(counts.values())} rows")

    media_root = _media_root()
    media: dict[str, Any] = {"stored": "remote storage: back up the bucket", "files": 0}
    if media_root is not None:
        files = _media_files(media_root)
        for path in files:
            target_path = dest / "media" / path.relative_to(media_root)
            target_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target_path)
        media = {
            "stored": "media/",
            "files": len(files),
            "bytes": sum(p.stat().st_size for p in files),
        }
        log(f"media: {len(files)} files from {media_root}")

    keys = dest / "keys.env"
    keys.touch(mode=0o600)
    keys.write_text(
        "# The key this data was written under: restore it with the data.\n"
        f"DJANGO_SECRET_KEY={settings.SECRET_KEY}\n",
        encoding="utf-8",
    )
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": {"vendor": vendor, "file": database_file},
        "commit": _commit(),
        "migrations": _last_migrations(alias),
        "counts": counts,
        "media": media,
        "secret_key_fingerprint": _key_fingerprint(settings.SECRET_KEY),
    }
    (dest / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    log(f"backup written to {dest}")
    return manifest


def read_manifest(src: Path) -> dict[str, Any]:
    path = Path(src) / "manifest.json"
    if not path.is_file():
        raise BackupError(f"{path} not found: not a Yizhan backup")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} not understood")
    return manifest


def restore(
    src: Path,
    *,
    force: bool = False,
    alias: str = DEFAULT_DB_ALIAS,
    log: Callable[[str], None] = print,
) -> RestoreReport:
    """Replace the database and the media files with the backup in `src`."""
    src = Path(src)
    manifest = read_manifest(src)
    conn = _connection(alias)
    conn.ensure_connection()
    vendor = manifest["database"]["vendor"]
    if vendor != conn.vendor:
        raise BackupError(f"the backup is of a {vendor} database, this one is {conn.vendor}")
    if not force and database_has_data(alias):
        raise BackupError(
            "the database holds data: restore refuses to overwrite it (--force to replace it)"
        )
    database_file = src / manifest["database"]["file"]
    if not database_file.is_file():
        raise BackupError(f"{database_file} missing")
    if vendor == "sqlite":
        source = sqlite3.connect(f"file:{database_file}?mode=ro", uri=True)
        try:
            # Page by page into the live database: other connections see the old
            # database or the restored one, never a mix.
            source.backup(conn.connection)
        finally:
            source.close()
    else:
        conn.close()
        args, env = _pg_env(conn)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(database_file),
            ],
            env,
        )
    conn.close()  # the next query opens a connection onto the restored database
    log(f"database restored from {database_file.name}")

    media_files = 0
    media_root = _media_root()
    backed_up = src / "media"
    if media_root is not None and backed_up.is_dir():
        for path in _media_files(backed_up):
            target = media_root / path.relative_to(backed_up)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            media_files += 1
        log(f"media: {media_files} files into {media_root}")
    elif manifest["media"].get("files"):
        log("media: uploads are on remote storage here; restore the bucket separately")

    counts = model_counts(alias)
    report = RestoreReport(counts=counts, media_files=media_files)
    for label, expected in manifest["counts"].items():
        if label in MIGRATE_WRITES:
            continue
        if counts.get(label, 0) != expected:
            report.mismatched[label] = (expected, counts.get(label, 0))
    report.key_matches = _key_fingerprint(settings.SECRET_KEY) == manifest.get(
        "secret_key_fingerprint"
    )
    return report
