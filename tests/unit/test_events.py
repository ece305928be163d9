from __future__ import annotations

import pytest

from app.ingest.events import (
    AccountEvent,
    InvalidEvent,
    IpInfoEvent,
    LabelEvent,
    PaymentEvent,
    RequestEvent,
    parse_line,
)


def test_parses_every_event_type() -> None:
    assert isinstance(
        parse_line(b'{"type":"account","account_id":"a1","created_at":"2026-04-22T10:03:00Z"}'),
        AccountEvent,
    )
    payment = parse_line(
        b'{"type":"payment","account_id":"a1","ts":"2026-04-22T10:05:00Z","payment_id":"pm_1",'
        b'"method":"card","bin":"537410","issuer_country":"SG"}'
    )
    assert isinstance(payment, PaymentEvent) and payment.bin == "537410"
    ip = parse_line(b'{"type":"ip_info","ip":"203.0.113.7","asn":64500,"kind":"residential"}')
    assert isinstance(ip, IpInfoEvent) and ip.asn == 64500
    request = parse_line(
        b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:06:00+02:00","ip":"2001:db8::1",'
        b'"device_id":"d1","prompt":"hi","input_tokens":3,"output_tokens":9}'
    )
    assert isinstance(request, RequestEvent)
    assert request.ts.utcoffset() is not None and request.output_tokens == 9
    label = parse_line(b'{"type":"label","account_id":"a9","operator":"Op X","confidence":0.9}')
    assert isinstance(label, LabelEvent) and label.source == "unspecified"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"type":"nope"}', "unknown or missing 'type'"),
        (b'{"account_id":"a1"}', "unknown or missing 'type'"),
        (b'{"type":"request","ts":"2026-04-22T10:00:00Z"}', "'account_id'"),
        (b'{"type":"request","account_id":"a1","ts":"yesterday"}', "'ts' is not an ISO-8601"),
        (b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:00:00"}', "no time zone"),
        (
            b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:00:00Z","ip":"999.1.1.1"}',
            "'ip'",
        ),
        (
            b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:00:00Z","input_tokens":-1}',
            "input_tokens",
        ),
        (
            b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:00:00Z","input_tokens":"5"}',
            "input_tokens",
        ),
        (
            b'{"type":"payment","account_id":"a1","ts":"2026-04-22T10:00:00Z","payment_id":"p","method":"gold"}',
            "'method'",
        ),
        (b'{"type":"ip_info","ip":"1.2.3.4","kind":"moon"}', "'kind'"),
        (b'{"type":"label","account_id":"a1","operator":"X","confidence":1.5}', "confidence"),
        (b'{"type":"account","account_id":""}', "'account_id'"),
        (b'{"type":"account","account_id":42}', "'account_id'"),
        (b"\xff\xfe{}", "not valid"),
    ],
)
def test_bad_lines_name_the_field(raw: bytes, fragment: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_line(raw)
    assert fragment in caught.value.reason
