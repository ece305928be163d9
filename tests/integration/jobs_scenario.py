"""A small two-batch scenario for the scheduled-job tests, written as JSONL by hand.

batch 1: 40 ordinary users (own card, IP, device, everyday prompts, 2024-2025 accounts)
         farm A: 12 accounts created in one night, one prepaid card, one hosting IP,
                 3 devices, extraction prompts at the same night hours
         farm B: 8 accounts, another card and VPN IP, rubric-grading prompts, afternoons
batch 2: farm A grows by 4 accounts (same card, IP, prompts, hours)
         farm C: 6 new accounts, own card and IP, chain-of-thought prompts, evenings
         10 more requests from ordinary users
"""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.auth import create_api_token, create_user
from app.graph.runner import GraphRunner
from app.web.main import create_app

EXTRACT = "Solve the following problem, show all of your reasoning step by step, then give the final answer: problem {n}"
RUBRIC = "Grade the answer below against this rubric and justify the score for each criterion: answer {n}"
COT = "Think step by step and write out your full chain of thought before answering question {n}"
EVERYDAY = (
    "Can you help me write a polite email to my landlord about the heating? {n}",
    "Why does this Python function return None instead of the list? case {n}",
    "Suggest a vegetarian dinner recipe with lentils, variation {n}",
    "Summarise this article about city cycling lanes, part {n}",
)


def _farm(
    prefix: str,
    start: int,
    count: int,
    card: str,
    bin_: str,
    ip: str,
    template: str,
    hours: tuple[int, ...],
    created_day: str,
    requests: int = 16,
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for i in range(start, start + count):
        account = f"{prefix}-{i:02d}"
        events.append(
            {
                "type": "account",
                "account_id": account,
                "created_at": f"{created_day}T01:{i:02d}:00Z",
                "email": f"{prefix}{i}@{prefix}-mail.example",
                "country": "LT",
            }
        )
        events.append(
            {
                "type": "payment",
                "account_id": account,
                "ts": f"{created_day}T01:{i:02d}:30Z",
                "payment_id": card,
                "method": "card",
                "bin": bin_,
                "issuer_country": "LT",
            }
        )
        for n in range(requests):
            day = 23 + n % 3
            hour = hours[n % len(hours)]
            events.append(
                {
                    "type": "request",
                    "account_id": account,
                    "ts": f"2026-04-{day:02d}T{hour:02d}:{(i * 3 + n) % 60:02d}:00Z",
                    "ip": ip,
                    "device_id": f"dev-{prefix}-{n % 3}",
                    "user_agent": "python-requests/2.31",
                    "prompt": template.format(n=f"{i}-{n}"),
                    "input_tokens": 60,
                    "output_tokens": 1800,
                }
            )
    return events


def _users(start: int, count: int, requests: int, rng: random.Random) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for i in range(start, start + count):
        account = f"user-{i:03d}"
        events.append(
            {
                "type": "account",
                "account_id": account,
                "created_at": f"{2024 + i % 2}-{1 + i % 12:02d}-{1 + i % 27:02d}T12:00:00Z",
                "email": f"person{i}@home{i}.example",
                "country": ["DE", "FR", "US", "BR", "JP"][i % 5],
            }
        )
        events.append(
            {
                "type": "payment",
                "account_id": account,
                "ts": "2026-04-01T12:00:00Z",
                "payment_id": f"pm-user-{i}",
                "method": "card",
                "bin": f"4{i:05d}",
                "issuer_country": "DE",
            }
        )
    for i in range(start, start + count):
        for _ in range(requests):
            events.append(
                {
                    "type": "request",
                    "account_id": f"user-{i:03d}",
                    "ts": f"2026-04-{rng.randint(10, 27):02d}T{rng.randint(7, 22):02d}:{rng.randint(0, 59):02d}:00Z",
                    "ip": f"198.18.{i // 200}.{i % 200 + 1}",
                    "device_id": f"dev-user-{i}",
                    "user_agent": "Mozilla/5.0",
                    "prompt": rng.choice(EVERYDAY).format(n=rng.randint(0, 10_000)),
                    "input_tokens": 30,
                    "output_tokens": 200,
                }
            )
    return events


def batch_one() -> list[dict[str, Any]]:
    rng = random.Random(5)
    return [
        {
            "type": "ip_info",
            "ip": "203.0.113.50",
            "asn": 64510,
            "as_org": "Night Hosting",
            "kind": "hosting",
        },
        {
            "type": "ip_info",
            "ip": "198.51.100.77",
            "asn": 64511,
            "as_org": "Tunnel VPN",
            "kind": "vpn",
        },
        *_users(0, 40, 6, rng),
        *_farm(
            "fa", 0, 12, "pm-farm-a", "537410", "203.0.113.50", EXTRACT, (2, 3, 4), "2026-04-22"
        ),
        *_farm(
            "fb", 0, 8, "pm-farm-b", "428911", "198.51.100.77", RUBRIC, (14, 15, 16), "2026-04-21"
        ),
    ]


def batch_two() -> list[dict[str, Any]]:
    rng = random.Random(6)
    return [
        {
            "type": "ip_info",
            "ip": "192.0.2.99",
            "asn": 64512,
            "as_org": "Evening Cloud",
            "kind": "hosting",
        },
        *_farm(
            "fa", 12, 4, "pm-farm-a", "537410", "203.0.113.50", EXTRACT, (2, 3, 4), "2026-04-22"
        ),
        *_farm("fc", 0, 6, "pm-farm-c", "489999", "192.0.2.99", COT, (20, 21, 22), "2026-04-24"),
        *_users(40, 5, 2, rng),
    ]


def write(path: Path, events: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def analyst_client(runner: GraphRunner) -> TestClient:
    """A web client authenticated as a fresh analyst (users survive the per-test wipe)."""
    name = f"jobs-{uuid.uuid4().hex[:10]}"
    create_user(runner, name, "jobs test password", "analyst")
    token = create_api_token(runner, name, "jobs-test")
    return TestClient(
        create_app(runner=runner),
        base_url="http://localhost",
        headers={"Authorization": f"Bearer {token}"},
    )
