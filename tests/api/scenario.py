"""A small hand-made scenario for the web tests, written through the real ingest pipeline plus a
hand-built detection result (no dependency on the detector).

    ring KR7-alpha (flagged, attributed to "Operator Krait"):
        6 members KR7-acct-01..06
        card pm_krait_01 ........ members 01-04
        device dev-krait-A ...... members 01-03
        IP 203.0.113.7 .......... all 6 members + the labeled outsider KR7-known-99
        prompt cluster "Grade the following answer on a 1-10 rubric ..." ... all 6
        member KR7-acct-02 is labeled Operator Krait (analyst case-2026-014)
    ring KR7-beta (not flagged, unattributed): 3 members BT-acct-1..3 sharing IP 198.51.100.9
    28 filler rings FILL-00..27, two accounts each, scores 0.05..0.6 (for paging / sorting)
    an older failed run, and the succeeded run RUN_ID.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.detection.model import (
    Attribution,
    DetectionParams,
    DetectionResult,
    Ring,
    Signal,
)
from app.graph import detection_repo
from app.graph.runner import GraphRunner
from app.ingest.pipeline import Ingestor

RUN_ID = "run-web-test-2"
OLD_RUN_ID = "run-web-test-1"
ALPHA = "KR7-alpha"
BETA = "KR7-beta"
OPERATOR = "Operator Krait"
ALPHA_MEMBERS = tuple(f"KR7-acct-{i:02d}" for i in range(1, 7))
OUTSIDER = "KR7-known-99"
BETA_MEMBERS = ("BT-acct-1", "BT-acct-2", "BT-acct-3")
FILLERS = 28
PROMPT = "Grade the following answer on a 1-10 rubric and explain step by step: {q}"
ALL_REAL_IDS = (*ALPHA_MEMBERS, OUTSIDER, *BETA_MEMBERS)


def _events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {
            "type": "ip_info",
            "ip": "203.0.113.7",
            "asn": 64500,
            "as_org": "Krait Hosting",
            "kind": "hosting",
        },
        {
            "type": "ip_info",
            "ip": "198.51.100.9",
            "asn": 64501,
            "as_org": "Beta ISP",
            "kind": "residential",
        },
    ]
    for i, account in enumerate(ALPHA_MEMBERS):
        events.append(
            {
                "type": "account",
                "account_id": account,
                "created_at": f"2026-04-22T10:{i:02d}:00Z",
                "email": f"farm{i}@krait-mail.example",
                "country": "SG",
                "org": "Krait Labs",
            }
        )
        if i < 4:
            events.append(
                {
                    "type": "payment",
                    "account_id": account,
                    "ts": f"2026-04-22T10:{i:02d}:30Z",
                    "payment_id": "pm_krait_01",
                    "method": "card",
                    "bin": "537410",
                    "issuer_country": "SG",
                }
            )
        for hour in range(3):
            events.append(
                {
                    "type": "request",
                    "account_id": account,
                    "ts": f"2026-04-2{3 + hour}T0{hour + 1}:{i:02d}:00Z",
                    "ip": "203.0.113.7",
                    "device_id": "dev-krait-A" if i < 3 else f"dev-solo-{i}",
                    "user_agent": "KraitBot/1.0",
                    "prompt": PROMPT.format(q=f"question {i}-{hour}"),
                    "input_tokens": 40,
                    "output_tokens": 900,
                }
            )
    events.append(
        {
            "type": "account",
            "account_id": OUTSIDER,
            "created_at": "2026-03-01T08:00:00Z",
            "email": "known@krait-mail.example",
            "country": "SG",
        }
    )
    events.append(
        {
            "type": "request",
            "account_id": OUTSIDER,
            "ts": "2026-04-20T09:00:00Z",
            "ip": "203.0.113.7",
            "device_id": "dev-known",
            "prompt": "hello there",
            "output_tokens": 10,
        }
    )
    events.append(
        {
            "type": "label",
            "account_id": OUTSIDER,
            "operator": OPERATOR,
            "source": "case-2026-014",
            "confidence": 0.95,
        }
    )
    events.append(
        {
            "type": "label",
            "account_id": ALPHA_MEMBERS[1],
            "operator": OPERATOR,
            "source": "case-2026-014",
            "confidence": 0.9,
        }
    )
    for i, account in enumerate(BETA_MEMBERS):
        events.append(
            {
                "type": "account",
                "account_id": account,
                "created_at": "2025-01-05T10:00:00Z",
                "email": f"user{i}@beta.example",
                "country": "DE",
            }
        )
        events.append(
            {
                "type": "request",
                "account_id": account,
                "ts": f"2026-04-21T1{i}:00:00Z",
                "ip": "198.51.100.9",
                "device_id": f"dev-beta-{i}",
                "prompt": f"Translate this sentence number {i} into German please",
                "output_tokens": 50,
            }
        )
    for n in range(FILLERS):
        for j in range(2):
            events.append(
                {
                    "type": "account",
                    "account_id": f"FILL-{n:02d}-{j}",
                    "created_at": "2025-06-01T00:00:00Z",
                }
            )
    return events


def _result() -> DetectionResult:
    alpha = Ring(
        ALPHA,
        ALPHA_MEMBERS,
        0.91,
        True,
        (
            Signal(
                "shared_payment",
                0.8,
                f"4 accounts pay with card pm_krait_01 (e.g. {ALPHA_MEMBERS[0]})",
            ),
            Signal("shared_device", 0.55, "3 accounts on device dev-krait-A"),
            Signal("extraction_templates", 0.7, "all requests use a rubric-grading template"),
            Signal("creation_burst", 0.5, "6 accounts created within 6 minutes"),
            Signal("axis:coordination", 0.93, "coordination"),
            Signal("benign:crowd_ip", 0.0, "no crowd IPs"),
        ),
        Attribution(
            OPERATOR,
            0.87,
            (
                f"{ALPHA_MEMBERS[1]} is labeled {OPERATOR} (case-2026-014, 0.90)",
                f"IP 203.0.113.7 is shared with {OUTSIDER}, labeled {OPERATOR} (0.95)",
                "members use the domain krait-mail.example and claim org Krait Labs",
            ),
        ),
    )
    beta = Ring(
        BETA,
        BETA_MEMBERS,
        0.22,
        False,
        (
            Signal("shared_ip", 0.3, "3 accounts on 198.51.100.9"),
            Signal("benign:aged_accounts", 0.4, "accounts are over a year old"),
        ),
    )
    fillers = tuple(
        Ring(
            f"FILL-{n:02d}",
            (f"FILL-{n:02d}-0", f"FILL-{n:02d}-1"),
            round(0.05 + 0.02 * n, 3),
            n % 3 == 0,
            (Signal("shared_email_domain" if n % 2 else "lockstep", 0.1 + 0.01 * n, "filler"),),
            Attribution("Operator Mamba", 0.4, ("filler",)) if n % 7 == 0 else None,
        )
        for n in range(FILLERS)
    )
    return DetectionResult((alpha, beta, *fillers), DetectionParams())


def seed(runner: GraphRunner, workdir: Path, salt: str = "test-salt") -> None:
    """Ingest the scenario's events and store its two runs (assumes an empty graph)."""
    workdir.mkdir(parents=True, exist_ok=True)
    events_path = workdir / "web-scenario.jsonl"
    events_path.write_text("".join(json.dumps(e) + "\n" for e in _events()))
    report = Ingestor(runner, salt, 10_000, workdir / "quarantine.jsonl").run([events_path])
    assert report.quarantined == 0, report
    detection_repo.start_run(runner, OLD_RUN_ID, {"resolution": 1.0})
    detection_repo.finish_run(runner, OLD_RUN_ID, "failed", {}, {}, error="RuntimeError: boom")
    result = _result()
    detection_repo.start_run(
        runner, RUN_ID, {"resolution": 1.0, "seed": 42, "algorithm": "python-louvain"}
    )
    detection_repo.save_result(runner, RUN_ID, result)
    detection_repo.finish_run(
        runner,
        RUN_ID,
        "succeeded",
        {
            "accounts": 66,
            "rings": len(result.rings),
            "flagged": sum(r.flagged for r in result.rings),
            "attributed": sum(r.attribution is not None for r in result.rings),
        },
        {
            "projection": {"seconds": 0.12},
            "detection": {"seconds": 0.8},
            "write_back": {"seconds": 0.1},
        },
    )
