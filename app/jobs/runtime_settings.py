"""Runtime settings: a small allow-list of job settings admins may change while the app runs.

The effective value of each is the override stored in Neo4j (`(:Setting {key})`, written by
`/admin/settings`, `/api/admin/settings/{key}` or `ringscope settings set`) if there is one, else
the environment / `.env` / default value from `app.config.Settings`. Everything that acts on them
(the scheduler on each poll, requested runs, `ringscope jobs run-now|list`, `ringscope detect`)
reads `effective_settings(runner, base)`, never the environment alone.

Why an allow-list: only settings that are safe to change under a running system (no
connection, storage or access-control setting), each validated with a message naming it, so a
typo cannot stop the scheduler. Secrets (the webhook URL may carry a token in its path) are
masked wherever a value is shown or audited.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from app.config import Settings
from app.detection.model import DetectionParams
from app.graph import settings_repo
from app.graph.runner import GraphRunner

log = logging.getLogger("ringscope.settings")

Kind = Literal["cron", "float", "int", "bool", "url"]
MAX_REASON = 500


class SettingError(ValueError):
    """A setting change was refused; the message names the setting and what is wrong."""

    def __init__(self, key: str, message: str, unknown: bool = False) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.unknown = unknown


@dataclass(frozen=True)
class SettingSpec:
    """One runtime-tunable setting: its Settings field, type, bounds and what it means."""

    key: str
    kind: Kind
    help: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    secret: bool = False

    @property
    def env(self) -> str:
        return f"RINGSCOPE_{self.key.upper()}"


SPECS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in (
        SettingSpec(
            "schedule_cron",
            "cron",
            "5-field cron expression (UTC) of scheduled runs; wins over the interval; "
            "empty: use the interval",
        ),
        SettingSpec(
            "schedule_interval_minutes",
            "float",
            "minutes between scheduled runs when no cron expression is set",
            minimum=1,
            maximum=7 * 24 * 60,
        ),
        SettingSpec(
            "schedule_skip_unchanged",
            "bool",
            "skip a scheduled run when nothing was ingested or labeled since the last one",
        ),
        SettingSpec(
            "schedule_incremental",
            "bool",
            "scheduled and requested runs recompute only the region new data can affect",
        ),
        SettingSpec(
            "schedule_full_every",
            "int",
            "every Nth scheduled run is a full run (0: never)",
            minimum=0,
            maximum=10_000,
        ),
        SettingSpec(
            "incremental_max_share",
            "float",
            "a region holding more than this share of the accounts falls back to a full run",
            minimum=0,
            maximum=1,
            exclusive_minimum=True,
        ),
        SettingSpec(
            "flag_threshold",
            "float",
            "score at or above which a ring is flagged (scheduled, requested and run-now runs)",
            minimum=0,
            maximum=1,
        ),
        SettingSpec(
            "ring_match_threshold",
            "float",
            "Jaccard similarity at or above which a ring keeps its id from the previous run",
            minimum=0,
            maximum=1,
            exclusive_minimum=True,
        ),
        SettingSpec(
            "webhook_url",
            "url",
            "alerts are POSTed here as JSON (http or https); empty: alerts are only stored",
            secret=True,
        ),
        SettingSpec(
            "webhook_retries",
            "int",
            "retries after a failed webhook POST",
            minimum=0,
            maximum=20,
        ),
    )
}


def spec_for(key: str) -> SettingSpec:
    """The spec of a runtime setting, or SettingError (unknown) naming the allowed keys."""
    spec = SPECS.get(key)
    if spec is None:
        raise SettingError(
            key, f"not a runtime setting (allowed: {', '.join(SPECS)})", unknown=True
        )
    return spec


# --- values ------------------------------------------------------------------------------------

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def parse_value(key: str, value: Any) -> Any:
    """Validate and convert a new value (text from a form or the CLI, or a JSON scalar).

    Raises:
        SettingError: unknown key or a bad value; the message names the key and the rule.
    """
    spec = spec_for(key)
    if value is None:
        raise SettingError(key, "a value is required (use reset to go back to the default)")
    text = value if isinstance(value, str) else json.dumps(value)
    text = text.strip()
    if len(text) > 2000:
        raise SettingError(key, "value too long (at most 2000 characters)")
    if spec.kind == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise SettingError(key, f"expected true or false, got {text!r}")
    if spec.kind in ("int", "float"):
        return _number(spec, text)
    if spec.kind == "cron":
        return _cron(spec, text)
    return _url(spec, text)


def _number(spec: SettingSpec, text: str) -> int | float:
    number: int | float
    try:
        number = int(text) if spec.kind == "int" else float(text)
    except ValueError:
        word = "an integer" if spec.kind == "int" else "a number"
        raise SettingError(spec.key, f"expected {word}, got {text!r}") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise SettingError(spec.key, f"expected a finite number, got {text!r}")
    low, high = spec.minimum, spec.maximum
    if low is not None and (number <= low if spec.exclusive_minimum else number < low):
        op = ">" if spec.exclusive_minimum else ">="
        raise SettingError(spec.key, f"must be {op} {low:g}, got {number:g}")
    if high is not None and number > high:
        raise SettingError(spec.key, f"must be <= {high:g}, got {number:g}")
    return number


def _cron(spec: SettingSpec, text: str) -> str:
    if not text:
        return ""
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(text)
    except ValueError as exc:
        raise SettingError(
            spec.key, f"not a valid 5-field cron expression ({exc}), e.g. '*/30 * * * *'"
        ) from None
    return " ".join(text.split())


def _url(spec: SettingSpec, text: str) -> str:
    if not text:
        return ""
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in text)
    ):
        raise SettingError(spec.key, "expected an http:// or https:// URL with a host, or empty")
    return text


def mask(spec: SettingSpec, value: Any) -> str:
    """A value as shown and audited: secrets reduced to scheme and host."""
    if spec.kind == "bool":
        return "true" if value else "false"
    if spec.kind == "float":
        return f"{float(value):g}"
    text = str(value)
    if spec.secret and text:
        # A webhook URL often carries its token in the path or query: keep only where it goes.
        parts = urlsplit(text)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}/…"
    return text


def _decode(spec: SettingSpec, value_json: str | None) -> tuple[bool, Any]:
    """(present, value) of a stored override; a stored value that no longer validates (the
    rules changed) is ignored with a warning rather than breaking the scheduler."""
    if value_json is None:
        return False, None
    try:
        return True, parse_value(spec.key, json.loads(value_json))
    except (SettingError, ValueError) as exc:
        log.warning("ignoring the stored override of %s: %s", spec.key, exc)
        return False, None


# --- reading -----------------------------------------------------------------------------------


def overrides(runner: GraphRunner) -> dict[str, Any]:
    """The valid stored overrides by key."""
    found: dict[str, Any] = {}
    for key, row in settings_repo.stored_settings(runner).items():
        spec = SPECS.get(key)
        if spec is None:
            continue
        present, value = _decode(spec, row["value_json"])
        if present:
            found[key] = value
    return found


def effective_settings(runner: GraphRunner, base: Settings) -> Settings:
    """`base` (environment, .env, defaults) with the stored overrides applied."""
    found = overrides(runner)
    return base.model_copy(update=found) if found else base


def detection_params(settings: Settings) -> DetectionParams:
    """Detection parameters of scheduled, requested and run-now runs (the flag threshold is a
    runtime setting; the rest are the detector's defaults)."""
    return DetectionParams(flag_threshold=float(settings.flag_threshold))


@dataclass(frozen=True)
class SettingView:
    """One runtime setting as the admin page, API and CLI show it (secrets masked)."""

    key: str
    env: str
    kind: str
    help: str
    secret: bool
    effective: str
    default: str
    default_source: str  # "env" (environment or .env) or "default"
    override: str | None
    source: str  # "override", "env" or "default"
    updated_by: str | None
    updated_at: str | None
    reason: str | None
    last_action: str | None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def list_settings(runner: GraphRunner, base: Settings) -> list[SettingView]:
    """Every runtime setting: effective value, default, override and its last change."""
    stored = settings_repo.stored_settings(runner)
    views = []
    for key, spec in SPECS.items():
        row = stored.get(key) or {}
        present, value = _decode(spec, row.get("value_json"))
        default = getattr(base, key)
        default_source = "env" if key in base.model_fields_set else "default"
        views.append(
            SettingView(
                key=key,
                env=spec.env,
                kind=spec.kind,
                help=spec.help,
                secret=spec.secret,
                effective=mask(spec, value if present else default),
                default=mask(spec, default),
                default_source=default_source,
                override=mask(spec, value) if present else None,
                source="override" if present else default_source,
                updated_by=row.get("updated_by"),
                updated_at=row.get("updated_at"),
                reason=row.get("reason"),
                last_action=row.get("last_action"),
            )
        )
    return views


# --- changing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingChange:
    """What a set or reset did (values masked): for the audit entry and the caller's message."""

    key: str
    action: str
    old: str
    new: str
    old_source: str
    reason: str

    def audit_details(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "old": self.old,
            "new": self.new,
            "old_source": self.old_source,
            "reason": self.reason,
        }


def _reason(key: str, reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise SettingError(key, "a reason is required (it goes into the audit log)")
    if len(text) > MAX_REASON:
        raise SettingError(key, f"reason too long (at most {MAX_REASON} characters)")
    return text


def _check_schedule(base: Settings, runner: GraphRunner, key: str, value: Any) -> None:
    """The schedule the scheduler would build with this change must be valid."""
    if key not in ("schedule_cron", "schedule_interval_minutes"):
        return
    from app.jobs.scheduler import build_trigger

    candidate = effective_settings(runner, base).model_copy(update={key: value})
    try:
        build_trigger(candidate)
    except ValueError as exc:
        raise SettingError(key, f"the schedule would not be valid: {exc}") from None


def set_setting(
    runner: GraphRunner, base: Settings, key: str, value: Any, actor: str, reason: str | None
) -> SettingChange:
    """Validate and store an override; nothing is stored when anything is wrong.

    Args:
        runner: the database seam.
        base: the environment's settings (what a reset returns to).
        key: one of SPECS.
        value: the new value (text or JSON scalar).
        actor: who (username, or cli:<os user>).
        reason: why; required.

    Returns:
        The change with old and new values (masked), for the audit log.

    Raises:
        SettingError: unknown key, bad value or missing reason.
    """
    spec = spec_for(key)
    parsed = parse_value(key, value)
    why = _reason(key, reason)
    _check_schedule(base, runner, key, parsed)
    previous = settings_repo.write_setting(runner, key, json.dumps(parsed), actor, why, "set")
    return _change(spec, base, previous, mask(spec, parsed), "set", why)


def reset_setting(
    runner: GraphRunner, base: Settings, key: str, actor: str, reason: str | None
) -> SettingChange:
    """Remove an override (the environment / default value applies again); audited by the
    caller like a change. Raises SettingError for an unknown key or a missing reason."""
    spec = spec_for(key)
    why = _reason(key, reason)
    _check_schedule(base, runner, key, getattr(base, key))
    previous = settings_repo.write_setting(runner, key, None, actor, why, "reset")
    return _change(spec, base, previous, mask(spec, getattr(base, key)), "reset", why)


def _change(
    spec: SettingSpec, base: Settings, previous: str | None, new: str, action: str, reason: str
) -> SettingChange:
    present, old_value = _decode(spec, previous)
    default_source = "env" if spec.key in base.model_fields_set else "default"
    return SettingChange(
        key=spec.key,
        action=action,
        old=mask(spec, old_value if present else getattr(base, spec.key)),
        new=new,
        old_source="override" if present else default_source,
        reason=reason,
    )
