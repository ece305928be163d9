"""Plain data passed between the graph layer and the pure detection code.

The graph layer builds a `Projection` from Neo4j; detection turns it into a `DetectionResult`;
the graph layer writes that back. Nothing here touches I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class NodeKind(StrEnum):
    """Kinds of shared node two accounts can have in common (labels in Neo4j)."""

    PAYMENT = "PaymentMethod"
    IP = "IP"
    DEVICE = "Device"
    PROMPT_CLUSTER = "PromptCluster"
    EMAIL_DOMAIN = "EmailDomain"


@dataclass(frozen=True)
class Label:
    """An analyst-confirmed attribution of one account to an operator."""

    operator: str
    confidence: float
    source: str


@dataclass(frozen=True)
class AccountInfo:
    """One account and its aggregated behaviour.

    `hourly` maps an epoch hour (seconds // 3600) to the number of requests in that hour.
    Times are epoch seconds (UTC); None where unknown (e.g. an account never declared).
    """

    account_id: str
    created_at: float | None
    declared: bool
    request_count: int
    input_tokens: int
    output_tokens: int
    first_request: float | None
    last_request: float | None
    email_domain: str | None = None
    country: str | None = None
    org: str | None = None
    labels: tuple[Label, ...] = ()
    hourly: dict[int, int] = field(default_factory=dict)
    # Distinct attachments of each kind, including nodes no other account uses (rotation).
    ip_count: int = 0
    device_count: int = 0
    payment_count: int = 0
    cluster_count: int = 0


@dataclass(frozen=True)
class SharedNode:
    """A payment method, IP, device, prompt cluster or email domain.

    `key` is "<NodeKind.value>:<natural key>". `attrs` holds what the kind has:
    PaymentMethod: method, bin, issuer_country; IP: ip_kind, asn, as_org;
    Device: user_agent; PromptCluster: sample (one prompt text), size (requests),
    extraction (bool: chain-of-thought elicitation / rubric-grading style); EmailDomain: domain.
    """

    key: str
    kind: NodeKind
    attrs: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Attachment:
    """An aggregated account→shared-node relationship (PAID_WITH, USED_IP, ...): its requests."""

    account_id: str
    node_key: str
    count: int


@dataclass
class Attachments:
    """A projection's attachments as three parallel columns (row i: one `Attachment`).

    At scale 1.0 a projection holds millions of attachments (4.6M); building one object each
    cost more than reading them from the graph, and detection wants columns anyway.
    """

    account_ids: list[str] = field(default_factory=list)
    node_keys: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not len(self.account_ids) == len(self.node_keys) == len(self.counts):
            raise ValueError(
                "attachment columns differ in length: "
                f"{len(self.account_ids)} accounts, {len(self.node_keys)} nodes, "
                f"{len(self.counts)} counts"
            )

    @classmethod
    def of(cls, rows: Iterable[Attachment]) -> Attachments:
        """Columns from attachment rows (fixtures and tests build rows)."""
        columns = cls()
        for row in rows:
            columns.append(row.account_id, row.node_key, row.count)
        return columns

    def append(self, account_id: str, node_key: str, count: int) -> None:
        """Add one attachment (the columns are built once, then only read)."""
        self.account_ids.append(account_id)
        self.node_keys.append(node_key)
        self.counts.append(count)

    def extend_node(self, node_key: str, account_ids: list[str], counts: list[int]) -> None:
        """Add one node's attachments: its accounts and their counts, in the same order."""
        if len(account_ids) != len(counts):
            raise ValueError(f"{node_key}: {len(account_ids)} accounts but {len(counts)} counts")
        self.account_ids.extend(account_ids)
        self.node_keys.extend([node_key] * len(account_ids))
        self.counts.extend(counts)

    def extend(self, other: Attachments) -> None:
        """Add another projection part's attachments after these."""
        self.account_ids.extend(other.account_ids)
        self.node_keys.extend(other.node_keys)
        self.counts.extend(other.counts)

    def __len__(self) -> int:
        return len(self.account_ids)

    def __iter__(self) -> Iterator[Attachment]:
        return map(Attachment, self.account_ids, self.node_keys, self.counts)

    def __add__(self, other: Attachments) -> Attachments:
        both = Attachments()
        both.extend(self)
        both.extend(other)
        return both


@dataclass(frozen=True)
class Projection:
    """Everything detection reads, as read from the graph at one moment."""

    accounts: dict[str, AccountInfo]
    nodes: dict[str, SharedNode]
    attachments: Attachments


@dataclass(frozen=True)
class Signal:
    """One interpretable reason behind a ring's score; `weight` is its contribution in [0, 1]."""

    name: str
    weight: float
    detail: str


@dataclass(frozen=True)
class Attribution:
    """A ring's operator, how sure we are, and the evidence paths (human-readable)."""

    operator: str
    confidence: float
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Ring:
    """A detected community of accounts with its score and reasons."""

    ring_id: str
    members: tuple[str, ...]
    score: float
    flagged: bool
    signals: tuple[Signal, ...]
    attribution: Attribution | None = None


@dataclass(frozen=True)
class DetectionParams:
    """Tunable parameters of one detection run (stored with the run)."""

    algorithm: str = "networkit-plm"
    resolution: float = 1.0
    seed: int = 42
    flag_threshold: float = 0.5
    min_ring_size: int = 3


@dataclass(frozen=True)
class DetectionResult:
    """Rings found in one run, plus per-stage figures."""

    rings: tuple[Ring, ...]
    params: DetectionParams
    stats: dict[str, float] = field(default_factory=dict)
