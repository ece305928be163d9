"""The input contract: parse and validate one JSON Lines event (see docs/input-format.md)."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

try:
    import orjson

    def _loads(raw: bytes) -> Any:
        return orjson.loads(raw)

    _JSONError: tuple[type[Exception], ...] = (orjson.JSONDecodeError,)
except ImportError:  # pragma: no cover - orjson is a pinned dependency
    import json

    def _loads(raw: bytes) -> Any:
        return json.loads(raw)

    _JSONError = (ValueError,)

PAYMENT_METHODS = frozenset({"card", "wallet", "crypto", "invoice", "other"})
IP_KINDS = frozenset(
    {"residential", "mobile", "hosting", "vpn", "proxy", "education", "corporate", "unknown"}
)
MAX_ID_LENGTH = 256
MAX_PROMPT_CHARS = 200_000


class InvalidEvent(ValueError):
    """A line that breaks the contract; `reason` names the field at fault."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AccountEvent:
    account_id: str
    created_at: datetime | None
    email: str | None
    country: str | None
    org: str | None


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    account_id: str
    ts: datetime
    payment_id: str
    method: str | None
    bin: str | None
    issuer_country: str | None


@dataclass(frozen=True, slots=True)
class IpInfoEvent:
    ip: str
    asn: int | None
    as_org: str | None
    kind: str | None


@dataclass(frozen=True, slots=True)
class RequestEvent:
    account_id: str
    ts: datetime
    ip: str | None
    device_id: str | None
    user_agent: str | None
    prompt: str | None
    model: str | None
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class LabelEvent:
    account_id: str
    operator: str
    source: str
    confidence: float


Event = AccountEvent | PaymentEvent | IpInfoEvent | RequestEvent | LabelEvent


def _id(obj: dict[str, Any], field: str, required: bool = True) -> str | None:
    value = obj.get(field)
    if value is None:
        if required:
            raise InvalidEvent(f"missing required field '{field}'")
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent(f"field '{field}' must be a non-empty string")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidEvent(f"field '{field}' is longer than {MAX_ID_LENGTH} characters")
    return value


def _text(obj: dict[str, Any], field: str, limit: int = 1000) -> str | None:
    value = obj.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidEvent(f"field '{field}' must be a string")
    if len(value) > limit:
        raise InvalidEvent(f"field '{field}' is longer than {limit} characters")
    return value


def _ts(obj: dict[str, Any], field: str, required: bool = True) -> datetime | None:
    value = obj.get(field)
    if value is None:
        if required:
            raise InvalidEvent(f"missing required field '{field}'")
        return None
    if not isinstance(value, str):
        raise InvalidEvent(f"field '{field}' must be an ISO-8601 timestamp string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidEvent(
            f"field '{field}' is not an ISO-8601 timestamp: {value[:40]!r}"
        ) from None
    if parsed.tzinfo is None:
        # A timestamp without zone would silently shift activity hours; refuse rather than guess.
        raise InvalidEvent(f"field '{field}' has no time zone (use e.g. 2026-04-22T10:03:00Z)")
    try:
        # Everything downstream works in UTC; 0001-01-01T00:00+14:00 has no UTC date and would
        # otherwise crash the whole batch later instead of quarantining this line.
        parsed.astimezone(UTC)
    except OverflowError:
        raise InvalidEvent(
            f"field '{field}' is out of range (years 1 to 9999 in UTC): {value[:40]!r}"
        ) from None
    return parsed


def _count(obj: dict[str, Any], field: str) -> int:
    value = obj.get(field, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 10**9:
        raise InvalidEvent(f"field '{field}' must be a whole number from 0 to 1e9")
    return value


def _ip(obj: dict[str, Any], field: str, required: bool) -> str | None:
    value = _id(obj, field, required)
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise InvalidEvent(f"field '{field}' is not an IP address: {value[:40]!r}") from None


def _choice(obj: dict[str, Any], field: str, allowed: frozenset[str]) -> str | None:
    value = obj.get(field)
    if value is None:
        return None
    # isinstance first: a list or object is unhashable and would crash the set lookup.
    if not isinstance(value, str) or value not in allowed:
        raise InvalidEvent(f"field '{field}' must be one of {', '.join(sorted(allowed))}")
    return str(value)


def _parse_account(obj: dict[str, Any]) -> AccountEvent:
    return AccountEvent(
        account_id=_id(obj, "account_id") or "",
        created_at=_ts(obj, "created_at", required=False),
        email=_text(obj, "email", 320),
        country=_text(obj, "country", 8),
        org=_text(obj, "org", 200),
    )


def _parse_payment(obj: dict[str, Any]) -> PaymentEvent:
    return PaymentEvent(
        account_id=_id(obj, "account_id") or "",
        ts=_ts(obj, "ts") or datetime.min,
        payment_id=_id(obj, "payment_id") or "",
        method=_choice(obj, "method", PAYMENT_METHODS),
        bin=_text(obj, "bin", 12),
        issuer_country=_text(obj, "issuer_country", 8),
    )


def _parse_ip_info(obj: dict[str, Any]) -> IpInfoEvent:
    asn = obj.get("asn")
    if asn is not None and (
        isinstance(asn, bool) or not isinstance(asn, int) or not 0 <= asn < 2**32
    ):
        raise InvalidEvent("field 'asn' must be a whole number from 0 to 4294967295")
    return IpInfoEvent(
        ip=_ip(obj, "ip", required=True) or "",
        asn=asn,
        as_org=_text(obj, "as_org", 200),
        kind=_choice(obj, "kind", IP_KINDS),
    )


def _parse_request(obj: dict[str, Any]) -> RequestEvent:
    return RequestEvent(
        account_id=_id(obj, "account_id") or "",
        ts=_ts(obj, "ts") or datetime.min,
        ip=_ip(obj, "ip", required=False),
        device_id=_id(obj, "device_id", required=False),
        user_agent=_text(obj, "user_agent", 1000),
        prompt=_text(obj, "prompt", MAX_PROMPT_CHARS),
        model=_text(obj, "model", 200),
        input_tokens=_count(obj, "input_tokens"),
        output_tokens=_count(obj, "output_tokens"),
    )


def _parse_label(obj: dict[str, Any]) -> LabelEvent:
    confidence = obj.get("confidence", 1.0)
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float)
        or not math.isfinite(confidence)
        or not 0.0 <= confidence <= 1.0
    ):
        raise InvalidEvent("field 'confidence' must be a number from 0 to 1")
    return LabelEvent(
        account_id=_id(obj, "account_id") or "",
        operator=_id(obj, "operator") or "",
        source=_text(obj, "source", 200) or "unspecified",
        confidence=float(confidence),
    )


_PARSERS: dict[str, Any] = {
    "account": _parse_account,
    "payment": _parse_payment,
    "ip_info": _parse_ip_info,
    "request": _parse_request,
    "label": _parse_label,
}


def parse_line(raw: bytes) -> Event:
    """Parse one line of input into an event.

    Args:
        raw: the line's bytes, without or with its trailing newline.

    Returns:
        The typed event.

    Raises:
        InvalidEvent: the line is not UTF-8 JSON, not an object, of unknown type, or a field
            is missing or malformed; the reason names the field.
    """
    try:
        obj = _loads(raw)
    except _JSONError as exc:
        raise InvalidEvent(f"not valid JSON: {str(exc)[:120]}") from None
    except UnicodeDecodeError:
        raise InvalidEvent("not valid UTF-8") from None
    if not isinstance(obj, dict):
        raise InvalidEvent("a line must be a JSON object")
    kind = obj.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise InvalidEvent(f"unknown or missing 'type': {str(kind)[:40]!r}")
    event: Event = parser(obj)
    return event
