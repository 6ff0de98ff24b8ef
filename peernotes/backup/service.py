"""Online backups of the whole database, and restores of them into an empty database.

A backup is one consistent snapshot, taken while the app keeps serving:

- SQLite: the sqlite3 online backup API copies the database into a private temporary file
  (it restarts by itself if a writer changes a page it has copied; WAL readers are never
  blocked). The manifest is counted from that copy, so it describes exactly what is saved.
- PostgreSQL: a REPEATABLE READ transaction exports its snapshot; the manifest is counted in
  that transaction and `pg_dump --snapshot` dumps the very same snapshot (custom format),
  streamed straight into the encrypted file.

A restore authenticates the whole file before it touches the target, and the target must be
empty. On SQLite everything (integrity, schema head, counts, log chain) is checked on a
private decrypted copy before it is copied into the target. On PostgreSQL the dump is restored
in one transaction; if the checks after it fail, the target is emptied again.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, func, select, table, text
from sqlalchemy.engine import URL, make_url

from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.verify import verify_connection
from peernotes.audit.writer import By, record_event
from peernotes.backup.format import (
    FORMAT_VERSION,
    BackupInvalid,
    BackupReader,
    read_header,
    write_backup,
)
from peernotes.crypto.keyring import Keyring, read_chain_key
from peernotes.crypto.keys import DecryptionFailed, KeyFileError
from peernotes.db import Database, make_engine, utcnow
from peernotes.migrate import alembic_config

#: What the manifest calls the image that follows it.
SQLITE_IMAGE = "sqlite-database"
PG_IMAGE = "pg_dump-custom"


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says why, in words."""


@dataclass(frozen=True)
class Created:
    manifest: dict[str, Any]
    size: int


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    entries_verified: int


# What a database holds --------------------------------------------------------------------


def _tables(connection: Connection) -> list[str]:
    if connection.dialect.name == "postgresql":
        sql = (
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return sorted(str(row[0]) for row in connection.execute(text(sql)))


def _describe(connection: Connection) -> dict[str, Any]:
    """Schema head, row counts and log head of the snapshot `connection` reads."""
    tables = _tables(connection)
    if "alembic_version" not in tables or "audit_log" not in tables:
        raise BackupError("the database has no PeerNotes schema: run `peernotes db upgrade`")
    counts = {
        # Table names come from the catalogue; SQLAlchemy quotes them.
        name: int(connection.execute(select(func.count()).select_from(table(name))).scalar_one())
        for name in tables
    }
    heads = [str(r[0]) for r in connection.execute(text("SELECT version_num FROM alembic_version"))]
    last = connection.execute(
        text("SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1")
    ).first()
    return {
        "schema_head": heads[0] if len(heads) == 1 else heads,
        "row_counts": counts,
        "log_head": {
            "seq": int(last[0]) if last else 0,
            "mac": bytes(last[1]).hex() if last else None,
        },
    }


def _manifest(engine_name: str, image: str, described: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "engine": engine_name,
        "image": image,
        "created_at": utcnow().isoformat(),
        **described,
    }


def known_revision(revision: object) -> bool:
    from alembic.script import ScriptDirectory

    if not isinstance(revision, str):
        return False
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown or malformed id
        return False


# Creating ---------------------------------------------------------------------------------


def create_backup(database: Database, keyring: Keyring, out_file: Path, request_id: str) -> Created:
    """Back up `database` into `out_file` (which must not exist yet).

    The access log records the backup first, in a transaction of its own, so the backup holds
    the record of its own making (a copy of everyone's records is a read of them all).
    """
    if out_file.exists():
        raise BackupError(f"{out_file} already exists: choose a new file name")
    url = database.engine.url.render_as_string(hide_password=False)
    with database.session() as session:
        record_event(
            session,
            By(None, None, request_id),
            Action.BACKUP_CREATE,
            None,
            None,
            Outcome.ALLOWED,
            Basis.CLI,
        )
        session.commit()
    key_id, master = keyring.newest()
    partial = out_file.with_name(out_file.name + ".partial")
    engine_name = make_url(url).get_backend_name()
    try:
        with _private_file(partial) as out:
            if engine_name == "sqlite":
                manifest = _create_sqlite(url, out, key_id, master)
            elif engine_name == "postgresql":
                manifest = _create_postgresql(url, out, key_id, master)
            else:
                raise BackupError(f"backups of {engine_name} databases are not supported")
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, out_file)
    finally:
        partial.unlink(missing_ok=True)
    return Created(manifest, out_file.stat().st_size)


@contextlib.contextmanager
def _private_file(path: Path) -> Iterator[IO[bytes]]:
    """A new file only its owner can read (a backup, or plaintext on its way in or out)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        yield handle


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _create_sqlite(url: str, out: IO[bytes], key_id: str, master: bytes) -> dict[str, Any]:
    source_path = _sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"there is no database at {source_path}")
    with tempfile.TemporaryDirectory(prefix="peernotes-backup-") as work:
        copy = Path(work) / "snapshot.sqlite3"
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
        target = sqlite3.connect(copy)
        try:
            # All pages in one step, i.e. one read transaction: in WAL mode it reads one
            # snapshot and blocks no writer. (In smaller steps, every write in between would
            # make SQLite start over, and a busy service might never let it finish.)
            source.backup(target, pages=-1)
        finally:
            source.close()
            target.close()
        described = _describe_file(copy)
        manifest = _manifest("sqlite", SQLITE_IMAGE, described)
        with open(copy, "rb") as image:
            write_backup(out, key_id, master, manifest, image)
    return manifest


def _describe_file(path: Path) -> dict[str, Any]:
    engine = make_engine(f"sqlite:///{path}", read_only=True)
    try:
        with engine.connect() as connection:
            return _describe(connection)
    finally:
        engine.dispose()


# PostgreSQL tools ------------------------------------------------------------------------

_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


def _tool_candidates(name: str) -> list[str]:
    found = shutil.which(name)
    candidates = [found] if found else []
    # Debian keeps each major version's tools apart; the one on PATH may be older.
    candidates += sorted(str(p) for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return candidates


def _tool_major(path: str) -> int | None:
    try:
        done = subprocess.run(  # noqa: S603 - a fixed tool name, no shell
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    match = _VERSION.search(done.stdout)
    return int(match.group(1)) if match else None


def pg_tool(name: str, server_major: int) -> str:
    """The newest `pg_dump`/`pg_restore` found, if it is at least the server's major version.

    An older pg_dump refuses a newer server, and an older pg_restore may not read a newer
    dump; a newer one handles older servers.
    """
    versions = [(major, path) for path in _tool_candidates(name) if (major := _tool_major(path))]
    if not versions:
        raise BackupError(f"{name} was not found: install the PostgreSQL client tools")
    major, path = max(versions)
    if major < server_major:
        raise BackupError(
            f"{name} is version {major} but the server is version {server_major}: "
            f"install the PostgreSQL {server_major} client tools"
        )
    return path


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for `url`, and the environment that carries its password."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)  # not on the command line, where ps shows it
    libpq = parsed.set(drivername="postgresql", password=None)
    return libpq.render_as_string(hide_password=False), env


def _server_major(connection: Connection) -> int:
    return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10_000


def _create_postgresql(url: str, out: IO[bytes], key_id: str, master: bytes) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.execute(text("SET TRANSACTION READ ONLY"))
                snapshot = str(connection.execute(text("SELECT pg_export_snapshot()")).scalar_one())
                described = _describe(connection)
                pg_dump = pg_tool("pg_dump", _server_major(connection))
                manifest = _manifest("postgresql", PG_IMAGE, described)
                dsn, env = _libpq(url)
                # The snapshot lives as long as this transaction: dump while it is open.
                with subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
                    [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--dbname={dsn}"],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=env,
                ) as dump:
                    assert dump.stdout is not None and dump.stderr is not None
                    write_backup(out, key_id, master, manifest, dump.stdout)
                    errors = dump.stderr.read().decode(errors="replace").strip()
                if dump.returncode != 0:
                    raise BackupError(f"pg_dump failed: {errors.splitlines()[-1:] or '?'}")
    finally:
        engine.dispose()
    return manifest


# Restoring --------------------------------------------------------------------------------


def _open(path: Path, keyring: Keyring) -> tuple[IO[bytes], BackupReader]:
    try:
        source = open(path, "rb")  # noqa: SIM115 - handed to the caller, who closes it
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        header = read_header(source)
        try:
            master = keyring.key(header.master_key_id)
        except KeyFileError as exc:
            raise BackupError(
                f"this backup was made under master key {header.master_key_id}, which is not "
                "in the key files here: restore needs that key (a rotated-out key is kept as "
                "<master key file>.retired-<id>)"
            ) from exc
        return source, BackupReader(source, header, master)
    except BaseException:
        source.close()
        raise


def check_backup(path: Path, keyring: Keyring) -> dict[str, Any]:
    """Authenticate the whole file (every chunk, to its end) and check its manifest."""
    source, reader = _open(path, keyring)
    with source:
        for _chunk in reader.image_chunks():
            pass
    _check_manifest(reader.manifest)
    return reader.manifest


def _check_manifest(manifest: dict[str, Any]) -> None:
    if manifest.get("format") != FORMAT_VERSION or manifest.get("image") not in (
        SQLITE_IMAGE,
        PG_IMAGE,
    ):
        raise BackupInvalid("the backup's manifest is not one this version of PeerNotes reads")
    if not known_revision(manifest.get("schema_head")):
        raise BackupInvalid(
            f"the backup's schema is at revision {manifest.get('schema_head')!r}, which this "
            "version of PeerNotes does not know: restore it with the version that made it"
        )


def restore_backup(path: Path, url: str, keyring: Keyring) -> Restored:
    """Restore the backup at `path` into the empty database at `url`, and check it."""
    manifest = check_backup(path, keyring)  # nothing is touched before this passes
    engine_name = make_url(url).get_backend_name()
    if manifest["engine"] != engine_name:
        raise BackupError(
            f"this is a {manifest['engine']} backup; the target database is {engine_name}"
        )
    if engine_name == "sqlite":
        return _restore_sqlite(path, url, keyring, manifest)
    return _restore_postgresql(path, url, keyring, manifest)


def _not_empty(tables: list[str]) -> BackupError:
    return BackupError(
        f"the target database is not empty (it has {len(tables)} tables): restore only into a "
        "newly created, empty database; nothing was changed"
    )


def _image_chunks(path: Path, keyring: Keyring) -> Iterator[bytes]:
    source, reader = _open(path, keyring)
    with source:
        yield from reader.image_chunks()


def _check_restored(
    connection: Connection, url: str, keyring: Keyring, manifest: dict[str, Any]
) -> int:
    """Compare what was restored with the manifest and verify the access log's chain."""
    described = _describe(connection)
    if described["schema_head"] != manifest["schema_head"]:
        raise BackupError("the restored schema head differs from the backup's manifest")
    if described["row_counts"] != manifest["row_counts"]:
        different = sorted(
            name
            for name in set(described["row_counts"]) | set(manifest["row_counts"])
            if described["row_counts"].get(name) != manifest["row_counts"].get(name)
        )
        raise BackupError(f"row counts differ from the manifest in: {', '.join(different)}")
    if described["log_head"] != manifest["log_head"]:
        raise BackupError("the restored access log's head differs from the manifest")
    try:
        key = read_chain_key(url, keyring)
    except DecryptionFailed as exc:
        raise BackupError("the access log's chain key will not open under the master key") from exc
    verdict = verify_connection(connection, key).verdict
    if not verdict.ok:
        raise BackupError(
            f"the restored access log fails verification at entry {verdict.first_bad_seq}: "
            f"{verdict.problem}"
        )
    return verdict.count


def _restore_sqlite(path: Path, url: str, keyring: Keyring, manifest: dict[str, Any]) -> Restored:
    target_path = _sqlite_path(url)
    if target_path.exists():
        with contextlib.closing(sqlite3.connect(target_path)) as existing:
            tables = [
                r[0]
                for r in existing.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
        if tables:
            raise _not_empty(tables)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    # The decrypted copy sits beside the target (same disk, same permissions regime), private.
    with tempfile.TemporaryDirectory(prefix=".peernotes-restore-", dir=target_path.parent) as work:
        copy = Path(work) / "restore.sqlite3"
        with _private_file(copy) as handle:
            for chunk in _image_chunks(path, keyring):
                handle.write(chunk)
        with contextlib.closing(sqlite3.connect(copy)) as check:
            verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"the backed-up database fails its integrity check: {verdict}")
        copy_url = f"sqlite:///{copy}"
        engine = make_engine(copy_url, read_only=True)
        try:
            with engine.connect() as connection:
                count = _check_restored(connection, copy_url, keyring, manifest)
        finally:
            engine.dispose()
        with (
            contextlib.closing(sqlite3.connect(copy)) as source,
            contextlib.closing(sqlite3.connect(target_path)) as target,
        ):
            # Checked again under the write lock the copy takes: no one filled it meanwhile.
            target.execute("BEGIN IMMEDIATE")
            tables = [
                r[0] for r in target.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            target.rollback()
            if tables:
                raise _not_empty(tables)
            source.backup(target)
    return Restored(manifest, count)


def _restore_postgresql(
    path: Path, url: str, keyring: Keyring, manifest: dict[str, Any]
) -> Restored:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = _tables(connection)
            if tables:
                raise _not_empty(tables)
            pg_restore = pg_tool("pg_restore", _server_major(connection))
            connection.rollback()
        dsn, env = _libpq(url)
        # One transaction: a dump that fails half way (or a file that changes under us and
        # stops authenticating) leaves the target as empty as it was.
        with subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [
                pg_restore,
                "--single-transaction",
                "--exit-on-error",
                "--no-owner",
                "--no-privileges",
                f"--dbname={dsn}",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        ) as process:
            assert process.stdin is not None and process.stderr is not None
            try:
                for chunk in _image_chunks(path, keyring):
                    process.stdin.write(chunk)
            except (BackupInvalid, BrokenPipeError):
                process.kill()
                raise
            finally:
                with contextlib.suppress(BrokenPipeError):
                    process.stdin.close()
            errors = process.stderr.read().decode(errors="replace").strip()
        if process.returncode != 0:
            raise BackupError(f"pg_restore failed: {(errors.splitlines() or ['?'])[-1]}")
        try:
            with engine.connect() as connection:
                count = _check_restored(connection, url, keyring, manifest)
        except BackupError:
            _empty_postgresql(url)
            raise
    finally:
        engine.dispose()
    return Restored(manifest, count)


def _empty_postgresql(url: str) -> None:
    """Drop what a restore created, so a restore that fails its checks leaves no half state."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for name in _tables(connection):
                connection.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
            functions = connection.execute(
                text(
                    "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n "
                    "ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
                )
            )
            for (signature,) in list(functions):
                connection.execute(text(f"DROP FUNCTION IF EXISTS {signature} CASCADE"))
    finally:
        engine.dispose()
