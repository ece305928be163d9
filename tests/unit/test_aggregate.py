from __future__ import annotations

from app.ingest.aggregate import BatchAggregator, hash_email
from app.ingest.events import parse_line


def _agg() -> BatchAggregator:
    return BatchAggregator(lambda prompt: "pc_" + prompt.split()[0], salt="s")


def test_requests_fold_into_per_pair_counts_and_hours() -> None:
    agg = _agg()
    for ts in ("2026-04-22T10:05:00Z", "2026-04-22T10:55:00Z", "2026-04-22T13:00:00Z"):
        agg.add(
            parse_line(
                (
                    '{"type":"request","account_id":"a1","ts":"'
                    + ts
                    + '","ip":"1.2.3.4","device_id":"d1",'
                    '"prompt":"grade this","input_tokens":10,"output_tokens":100}'
                ).encode()
            )
        )
    rows = agg.rows()
    assert [(r["ip"], r["count"]) for r in rows.ip_usage] == [("1.2.3.4", 3)]
    assert rows.ip_usage[0]["first"].hour == 10 and rows.ip_usage[0]["last"].hour == 13
    assert rows.cluster_usage[0]["cluster_id"] == "pc_grade"
    assert rows.cluster_usage[0]["output_tokens"] == 300
    (day,) = rows.activity_days
    assert day["key"] == "a1|2026-04-22"
    assert day["hours"][10] == 2 and day["hours"][13] == 1 and sum(day["hours"]) == 3
    assert rows.request_accounts[0]["requests"] == 3


def test_email_is_split_and_hashed() -> None:
    domain, local_hash = hash_email("Alice@Mail.Example", "salt")
    assert domain == "mail.example"
    assert local_hash is not None and "alice" not in local_hash
    assert hash_email("alice@mail.example", "other")[1] != local_hash
    agg = _agg()
    agg.add(parse_line(b'{"type":"account","account_id":"a1","email":"bob@x.example"}'))
    (row,) = agg.rows().accounts
    assert row["email_domain"] == "x.example" and "bob" not in str(row.values())
