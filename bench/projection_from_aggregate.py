"""Build the detection projection straight from a `ringscope aggregate` folder (no Neo4j).

Usage:
  .venv/bin/python bench/projection_from_aggregate.py AGG_DIR OUT.pkl
  .venv/bin/python bench/projection_from_aggregate.py AGG_DIR OUT.pkl --compare-neo4j  # check it

For benchmarking community algorithms at full scale before (or without) a full-scale Neo4j load:
it computes, with DuckDB over the Parquet files of docs/aggregation.md, exactly what
`app.graph.detection_repo.load_projection` reads through the `cypher/detection/project_*.cypher`
queries from a graph that was loaded from that one folder into an empty database (accounts from
every row kind that MERGEs them, shared nodes used by >= 2 accounts, epoch-second times truncated
like `.epochSeconds`). `--compare-neo4j` loads the projection from the configured Neo4j
(RINGSCOPE_VAR_DIR / RINGSCOPE_NEO4J_PORT; read only) and reports every difference, so the
equivalence is checked on a scale that has been loaded, not assumed.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb

from app.detection.model import (
    AccountInfo,
    Attachment,
    Attachments,
    Label,
    NodeKind,
    Projection,
    SharedNode,
)


def build(agg: Path) -> Projection:
    """The projection a fresh graph loaded from `agg` would give (see the module docstring).

    Times become epoch seconds truncated like Cypher's `.epochSeconds`:
    CAST(floor(epoch(t)) AS BIGINT).
    """
    con = duckdb.connect()
    for name in (
        "accounts",
        "request_accounts",
        "payments",
        "ip_usage",
        "device_usage",
        "cluster_usage",
        "cluster_requests",
        "activity_days",
        "labels",
        "prompt_clusters",
        "ip_info",
        "devices",
    ):
        path = agg / f"{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{path}: missing (not a `ringscope aggregate` folder?)")
        con.read_parquet(str(path)).create_view(name)

    hourly: dict[str, dict[int, int]] = defaultdict(dict)
    for account_id, epoch_day, hours in con.execute(
        "SELECT account_id, epoch_day, hours FROM activity_days"
    ).fetchall():
        base = int(epoch_day) * 24
        counts = hourly[account_id]
        for hour, count in enumerate(hours):
            if count:
                counts[base + hour] = counts.get(base + hour, 0) + int(count)

    labels: dict[str, list[Label]] = defaultdict(list)
    for account_id, operator, confidence, source in con.execute(
        "SELECT account_id, operator, confidence, source FROM labels ORDER BY account_id, operator"
    ).fetchall():
        labels[account_id].append(Label(operator, float(confidence or 0.0), source or ""))

    accounts: dict[str, AccountInfo] = {}
    rows = con.execute(
        """
        WITH ids AS (
            SELECT account_id FROM accounts UNION SELECT account_id FROM request_accounts
            UNION SELECT account_id FROM payments UNION SELECT account_id FROM labels
        ),
        n_ip AS (SELECT account_id, count(*) AS n FROM ip_usage GROUP BY ALL),
        n_dev AS (SELECT account_id, count(*) AS n FROM device_usage GROUP BY ALL),
        n_pay AS (SELECT account_id, count(*) AS n FROM payments GROUP BY ALL),
        n_cl AS (SELECT account_id, count(*) AS n FROM cluster_usage GROUP BY ALL)
        SELECT ids.account_id, CAST(floor(epoch(a.created_at)) AS BIGINT), a.account_id IS NOT NULL,
               coalesce(r.requests, 0), coalesce(r.input_tokens, 0), coalesce(r.output_tokens, 0),
               CAST(floor(epoch(r.first)) AS BIGINT), CAST(floor(epoch(r.last)) AS BIGINT), a.email_domain, a.country, a.org,
               coalesce(n_ip.n, 0), coalesce(n_dev.n, 0), coalesce(n_pay.n, 0),
               coalesce(n_cl.n, 0)
        FROM ids
        LEFT JOIN accounts a USING (account_id)
        LEFT JOIN request_accounts r USING (account_id)
        LEFT JOIN n_ip USING (account_id) LEFT JOIN n_dev USING (account_id)
        LEFT JOIN n_pay USING (account_id) LEFT JOIN n_cl USING (account_id)
        ORDER BY ids.account_id
        """
    ).fetchall()
    for row in rows:
        account_id = row[0]
        accounts[account_id] = AccountInfo(
            account_id=account_id,
            created_at=row[1],
            declared=bool(row[2]),
            request_count=int(row[3]),
            input_tokens=int(row[4]),
            output_tokens=int(row[5]),
            first_request=row[6],
            last_request=row[7],
            email_domain=row[8],
            country=row[9],
            org=row[10],
            labels=tuple(labels.get(account_id, ())),
            hourly=hourly.get(account_id, {}),
            ip_count=int(row[11]),
            device_count=int(row[12]),
            payment_count=int(row[13]),
            cluster_count=int(row[14]),
        )

    queries: list[tuple[NodeKind, str, tuple[str, ...]]] = [
        (
            NodeKind.PAYMENT,
            """WITH s AS (SELECT payment_id FROM payments GROUP BY ALL HAVING count(*) >= 2),
                n AS (SELECT payment_id, max(method) AS method, max(bin) AS bin,
                             max(issuer_country) AS issuer_country
                      FROM payments GROUP BY ALL)
                SELECT p.account_id, p.payment_id, p.count,
                       n.method, n.bin, n.issuer_country
                FROM payments p JOIN s USING (payment_id) JOIN n USING (payment_id)
                ORDER BY p.payment_id, p.account_id""",
            ("method", "bin", "issuer_country"),
        ),
        (
            NodeKind.IP,
            """WITH s AS (SELECT ip FROM ip_usage GROUP BY ALL HAVING count(*) >= 2)
                SELECT u.account_id, u.ip, u.count,
                       i.kind, i.asn, i.as_org
                FROM ip_usage u JOIN s USING (ip) LEFT JOIN ip_info i USING (ip)
                ORDER BY u.ip, u.account_id""",
            ("ip_kind", "asn", "as_org"),
        ),
        (
            NodeKind.DEVICE,
            """WITH s AS (SELECT device_id FROM device_usage GROUP BY ALL HAVING count(*) >= 2)
                SELECT u.account_id, u.device_id, u.count,
                       d.user_agent
                FROM device_usage u JOIN s USING (device_id) LEFT JOIN devices d USING (device_id)
                ORDER BY u.device_id, u.account_id""",
            ("user_agent",),
        ),
        (
            NodeKind.PROMPT_CLUSTER,
            """WITH s AS (SELECT cluster_id FROM cluster_usage GROUP BY ALL HAVING count(*) >= 2),
                size AS (SELECT cluster_id, sum(count) AS size FROM cluster_requests GROUP BY ALL)
                SELECT u.account_id, u.cluster_id, u.count,
                       c.sample, size.size, coalesce(c.extraction, false)
                FROM cluster_usage u JOIN s USING (cluster_id)
                LEFT JOIN prompt_clusters c USING (cluster_id) LEFT JOIN size USING (cluster_id)
                ORDER BY u.cluster_id, u.account_id""",
            ("sample", "size", "extraction"),
        ),
        (
            NodeKind.EMAIL_DOMAIN,
            """WITH s AS (SELECT email_domain FROM accounts WHERE email_domain IS NOT NULL
                           GROUP BY ALL HAVING count(*) >= 2)
                SELECT a.account_id, a.email_domain, 1, a.email_domain
                FROM accounts a JOIN s USING (email_domain)
                ORDER BY a.email_domain, a.account_id""",
            ("domain",),
        ),
    ]
    nodes: dict[str, SharedNode] = {}
    attachments: list[Attachment] = []
    for kind, sql, attr_names in queries:
        for row in con.execute(sql).fetchall():
            key = f"{kind.value}:{row[1]}"
            if key not in nodes:
                attrs: dict[str, Any] = dict(zip(attr_names, row[3:], strict=True))
                nodes[key] = SharedNode(key, kind, attrs)
            attachments.append(Attachment(row[0], key, int(row[2] or 0)))
    return Projection(accounts, nodes, Attachments.of(attachments))


def compare(mine: Projection, theirs: Projection) -> list[str]:
    """Differences between two projections (order-insensitive), at most a few per kind."""
    out: list[str] = []
    if set(mine.accounts) != set(theirs.accounts):
        out.append(
            f"accounts: {len(set(mine.accounts) - set(theirs.accounts))} only here, "
            f"{len(set(theirs.accounts) - set(mine.accounts))} only in Neo4j"
        )
    diff = 0
    for account_id, info in mine.accounts.items():
        other = theirs.accounts.get(account_id)
        if other is None:
            continue
        a = {**info.__dict__, "labels": sorted(info.labels, key=repr)}
        b = {**other.__dict__, "labels": sorted(other.labels, key=repr)}
        if a != b:
            diff += 1
            if diff <= 3:
                fields = [k for k in a if a[k] != b[k]]
                out.append(f"account {account_id}: {', '.join(fields)} differ")
    if diff:
        out.append(f"{diff} accounts differ")
    if set(mine.nodes) != set(theirs.nodes):
        out.append(
            f"nodes: {len(set(mine.nodes) - set(theirs.nodes))} only here, "
            f"{len(set(theirs.nodes) - set(mine.nodes))} only in Neo4j"
        )
    attr_diff = [k for k, n in mine.nodes.items() if k in theirs.nodes and n != theirs.nodes[k]]
    if attr_diff:
        out.append(f"{len(attr_diff)} nodes differ in attributes, e.g. {attr_diff[:3]}")
    if sorted(mine.attachments, key=repr) != sorted(theirs.attachments, key=repr):
        out.append(
            f"attachments differ ({len(mine.attachments)} here, {len(theirs.attachments)} in Neo4j)"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("agg", type=Path, help="a `ringscope aggregate` output folder")
    parser.add_argument("out", type=Path, help="where to pickle the Projection")
    parser.add_argument(
        "--compare-neo4j", action="store_true", help="diff against load_projection (read only)"
    )
    args = parser.parse_args()
    began = time.perf_counter()
    projection = build(args.agg)
    print(
        f"{len(projection.accounts):,} accounts, {len(projection.nodes):,} shared nodes, "
        f"{len(projection.attachments):,} attachments in {time.perf_counter() - began:.1f}s"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("wb") as fh:
        pickle.dump(projection, fh, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"saved {args.out}")
    if args.compare_neo4j:
        from app.config import get_settings
        from app.graph.detection_repo import load_projection
        from app.graph.runner import GraphRunner

        runner = GraphRunner.from_settings(get_settings())
        theirs = load_projection(runner)
        runner.close()
        problems = compare(projection, theirs)
        print("identical to Neo4j's projection" if not problems else "\n".join(problems))


if __name__ == "__main__":
    main()
