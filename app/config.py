"""All configuration in one place: environment (RINGSCOPE_*), then `.env`, then defaults."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Ringscope settings. Every field can be set as RINGSCOPE_<FIELD> or in `.env`."""

    model_config = SettingsConfigDict(env_prefix="RINGSCOPE_", env_file=".env", extra="ignore")

    # Leave neo4j_uri empty to use the project-managed local server (`ringscope neo4j start`).
    neo4j_uri: str = ""
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"

    # The local embedded server (neo4j-local/).
    neo4j_host: str = "127.0.0.1"
    neo4j_port: int = 7687
    neo4j_heap: str = "2g"
    neo4j_pagecache: str = "1g"
    var_dir: Path = PROJECT_ROOT / "var"

    # Ingestion.
    ingest_batch_lines: int = 20_000
    email_salt: SecretStr | None = None

    # Scheduled detection (`ringscope scheduler`, `ringscope serve --with-scheduler`).
    # A cron expression (5 fields, UTC) wins over the interval when both are set.
    schedule_cron: str = ""
    schedule_interval_minutes: float = 60.0
    # Skip a scheduled run when nothing was ingested or labeled since the last succeeded run.
    schedule_skip_unchanged: bool = True
    # The run lock in Neo4j: held this long without a heartbeat before another worker may take it.
    job_lock_ttl_seconds: int = 600
    # Incremental scheduled runs (docs/jobs.md): recompute only the region a small ingest can
    # affect; a full run every `schedule_full_every` runs (0: never) bounds drift, and a region
    # holding more than `incremental_max_share` of all accounts falls back to a full run.
    schedule_incremental: bool = True
    schedule_full_every: int = 24
    incremental_max_share: float = 0.3
    # Extra margin before the previous run's watermark (the start of the oldest open transaction
    # when it read): needed only on a Neo4j where the app may not list other users' transactions.
    incremental_lag_seconds: int = 0
    # Stable ring ids: Jaccard similarity at or above which a new ring continues an old one.
    ring_match_threshold: float = 0.3
    # Score at or above which scheduled, requested and `jobs run-now` runs flag a ring (and
    # `ringscope detect` without --threshold); the detector's own default is the same 0.5.
    flag_threshold: float = 0.5
    # How often the scheduler polls Neo4j: it records a heartbeat, picks up a changed schedule
    # (runtime settings, app/jobs/runtime_settings.py) and runs pending "Run now" requests.
    scheduler_poll_seconds: float = 5.0
    # Alerts (new flagged ring, score crossing the flag threshold): JSON POSTed here if set.
    webhook_url: str = ""
    webhook_retries: int = 4
    webhook_backoff_seconds: float = 2.0
    webhook_timeout_seconds: float = 10.0

    # Web app access control (docs/security.md).
    # Absolute lifetime of a login session; removal / role changes apply at once regardless.
    session_ttl_minutes: int = 480
    # Session cookie Secure flag: "auto" = Secure except over plain http to a loopback address;
    # "always"; "never" (plain-http intranet without TLS: traffic and cookie are then exposed).
    cookie_secure: str = "auto"
    # Login rate limit, per username and per client IP.
    login_max_failures: int = 5
    login_window_seconds: int = 300
    # Append-only audit log (default <var_dir>/audit); not touched by `ringscope reset`.
    audit_dir: Path | None = None

    @property
    def audit_path(self) -> Path:
        return self.audit_dir or self.var_dir / "audit"

    @property
    def managed_neo4j(self) -> bool:
        """True when Ringscope runs its own local Neo4j rather than an external one."""
        return not self.neo4j_uri

    @property
    def neo4j_home(self) -> Path:
        return self.var_dir / "neo4j"

    @property
    def local_secrets_file(self) -> Path:
        return self.var_dir / "local.env"

    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://{self.neo4j_host}:{self.neo4j_port}"

    def password(self) -> str:
        """The Neo4j password: configured, or the one generated for the local server."""
        if self.neo4j_password is not None:
            return self.neo4j_password.get_secret_value()
        return local_secret(self, "NEO4J_PASSWORD")

    def salt(self) -> str:
        if self.email_salt is not None:
            return self.email_salt.get_secret_value()
        return local_secret(self, "EMAIL_SALT")


def local_secret(settings: Settings, name: str) -> str:
    """Read (or create once) a generated secret in var/local.env, kept out of git."""
    path = settings.local_secrets_file
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep:
                values[key.strip()] = value.strip()
    if name not in values:
        values[name] = secrets.token_urlsafe(18)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={v}\n" for k, v in sorted(values.items())))
        path.chmod(0o600)
    return values[name]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
