"""Array view of a `Projection`, built once per run and shared by every detection stage.

Everything downstream works on integer account / node indices and numpy arrays because a
projection can hold 250k accounts and several million attachments; per-object Python work is
kept to the one pass that reads the projection.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np

from app.detection.model import NodeKind, Projection, SharedNode

KIND_ORDER: tuple[NodeKind, ...] = (
    NodeKind.PAYMENT,
    NodeKind.IP,
    NodeKind.DEVICE,
    NodeKind.PROMPT_CLUSTER,
    NodeKind.EMAIL_DOMAIN,
)
KIND_CODE: dict[NodeKind, int] = {kind: i for i, kind in enumerate(KIND_ORDER)}
PAYMENT = KIND_CODE[NodeKind.PAYMENT]
IP = KIND_CODE[NodeKind.IP]
DEVICE = KIND_CODE[NodeKind.DEVICE]
PROMPT = KIND_CODE[NodeKind.PROMPT_CLUSTER]
EMAIL = KIND_CODE[NodeKind.EMAIL_DOMAIN]

DAY = 86_400.0
# An account that sends its first request within a week of sign-up is "fresh": farms create
# accounts right before a campaign. Compared against the population's own fresh share, so a
# scenario where everyone is new does not make every ring look fresh.
FRESH_MAX_AGE_S = 7 * DAY
# Accounts older than half a year at their first observed request were not made for a campaign
# running now (they could have been bought, hence only a mild damping, see scoring).
AGED_MIN_AGE_S = 180 * DAY


@dataclass
class Context:
    """Indexed, array-shaped copy of a projection plus population baselines.

    Attachments are stored twice as CSR: grouped by account (`acct_ptr`, `acct_node`,
    `acct_count`) and grouped by node (`node_ptr`, `node_acct`, `node_count`). Hourly activity
    is a CSR of sorted epoch hours (`hour_ptr`, `hour_flat`, log1p request counts `hour_val`)
    plus the same hours as indices (`hour_cidx`) into the population's sorted distinct hours
    `hours_u`, whose activity share (fraction of active accounts active then) is `hours_p`.
    """

    projection: Projection
    ids: list[str]
    pos: dict[str, int]
    created: np.ndarray
    first_request: np.ndarray
    requests: np.ndarray
    output_tokens: np.ndarray
    node_keys: list[str]
    node_kind: np.ndarray
    node_attrs: list[dict[str, object]]
    node_pos: dict[str, int]
    acct_ptr: np.ndarray
    acct_node: np.ndarray
    acct_count: np.ndarray
    node_ptr: np.ndarray
    node_acct: np.ndarray
    node_count: np.ndarray
    degree: np.ndarray
    extraction: np.ndarray
    pc_total: np.ndarray
    pc_ext: np.ndarray
    denominator: np.ndarray
    rotation: np.ndarray
    median_rotation: float
    fresh: np.ndarray
    aged: np.ndarray
    median_requests: float
    median_output: float
    p75_requests: float
    p75_output: float
    fresh_share: float
    creation_sorted: np.ndarray
    hour_ptr: np.ndarray
    hour_flat: np.ndarray
    hour_val: np.ndarray
    hour_cidx: np.ndarray
    hours_u: np.ndarray
    hours_p: np.ndarray
    cum_p: np.ndarray
    cum_p2: np.ndarray
    skipped_attachments: int

    @property
    def n(self) -> int:
        """Number of accounts."""
        return len(self.ids)

    def members(self, node: int) -> np.ndarray:
        """Account indices attached to `node`, ascending."""
        return self.node_acct[self.node_ptr[node] : self.node_ptr[node + 1]]

    def hours_of(self, acct: int) -> np.ndarray:
        """Compressed hour indices (into `hours_u`) in which `acct` was active, ascending."""
        return self.hour_cidx[self.hour_ptr[acct] : self.hour_ptr[acct + 1]]

    def node_label(self, node: int) -> str:
        """Short human-readable name of a node for signal details."""
        return self.node_keys[node]


def _kind_of(key: str, node: SharedNode | None) -> NodeKind | None:
    if node is not None:
        return node.kind
    prefix = key.split(":", 1)[0]
    for kind in KIND_ORDER:
        if kind.value == prefix:
            return kind
    return None


def _median(values: np.ndarray) -> float:
    return _quantile(values, 0.5)


def _quantile(values: np.ndarray, q: float) -> float:
    positive = values[values > 0]
    return float(np.quantile(positive, q)) if positive.size else 0.0


def build_context(projection: Projection) -> Context:
    """Index a projection into arrays and compute the population baselines.

    Attachments naming an unknown account, or a node whose kind cannot be told from the
    projection or its key prefix, are skipped and counted in `skipped_attachments`; duplicates of
    one account-node pair are summed.

    Args:
        projection: What the graph layer read.

    Returns:
        The indexed context.
    """
    ids = sorted(projection.accounts)
    pos = {a: i for i, a in enumerate(ids)}
    n = len(ids)
    infos = [projection.accounts[a] for a in ids]
    nan = float("nan")
    created = np.array([i.created_at if i.created_at is not None else nan for i in infos], float)
    first_request = np.array(
        [i.first_request if i.first_request is not None else nan for i in infos], float
    )
    requests = np.array([i.request_count for i in infos], dtype=np.int64)
    output_tokens = np.array([i.output_tokens for i in infos], dtype=np.int64)

    # Nodes: those declared in the projection plus any only named by attachments.
    atts = projection.attachments
    keys_used = set(atts.node_keys)
    node_keys: list[str] = []
    kinds: list[int] = []
    attrs: list[dict[str, object]] = []
    for key in sorted(keys_used | set(projection.nodes)):
        node = projection.nodes.get(key)
        kind = _kind_of(key, node)
        if kind is None:
            continue
        node_keys.append(key)
        kinds.append(KIND_CODE[kind])
        # The projection's own dicts, not copies (676k at scale 1.0): detection only reads them.
        attrs.append(node.attrs if node is not None else {})
    node_pos = {k: i for i, k in enumerate(node_keys)}
    node_kind = np.array(kinds, dtype=np.int8)
    n_nodes = len(node_keys)

    a_idx = np.fromiter(map(pos.get, atts.account_ids, repeat(-1)), np.int64, count=len(atts))
    n_idx = np.fromiter(map(node_pos.get, atts.node_keys, repeat(-1)), np.int64, count=len(atts))
    cnt = np.maximum(np.array(atts.counts, dtype=np.int64), 1)
    ok = (a_idx >= 0) & (n_idx >= 0)
    skipped = int((~ok).sum())
    a_idx, n_idx, cnt = a_idx[ok], n_idx[ok], cnt[ok]
    pair = a_idx * max(n_nodes, 1) + n_idx
    upair, inv = np.unique(pair, return_inverse=True)
    counts = np.bincount(inv, weights=cnt).astype(np.int64)
    acct_of = upair // max(n_nodes, 1)
    node_of = upair % max(n_nodes, 1)
    # `upair` is sorted by account then node, i.e. already the by-account CSR order.
    acct_ptr = np.searchsorted(acct_of, np.arange(n + 1))
    order = np.lexsort((acct_of, node_of))
    node_acct = acct_of[order]
    node_count = counts[order]
    node_ptr = np.searchsorted(node_of[order], np.arange(n_nodes + 1))
    degree = np.diff(node_ptr)

    extraction = np.array([bool(a.get("extraction", False)) for a in attrs], dtype=bool)
    is_pc = node_kind[node_of] == PROMPT if n_nodes else np.zeros(0, bool)
    pc_total = np.bincount(acct_of[is_pc], weights=counts[is_pc], minlength=n).astype(float)
    ext_mask = is_pc & extraction[node_of] if n_nodes else is_pc
    pc_ext = np.bincount(acct_of[ext_mask], weights=counts[ext_mask], minlength=n).astype(float)
    # Distinct IPs + devices per account, including ones nobody else uses (the projection
    # omits unshared nodes; AccountInfo carries the counts). Falls back to what is visible.
    visible = np.bincount(
        acct_of[np.isin(node_kind[node_of], (IP, DEVICE))] if n_nodes else acct_of[:0],
        minlength=n,
    )
    declared_rot = np.array([i.ip_count + i.device_count for i in infos], dtype=float)
    rotation = np.maximum(declared_rot, visible)

    age = first_request - created
    with np.errstate(invalid="ignore"):
        fresh = np.nan_to_num(age, nan=np.inf) <= FRESH_MAX_AGE_S
        aged = np.nan_to_num(age, nan=-np.inf) >= AGED_MIN_AGE_S
    known = ~np.isnan(age)
    fresh_share = float(fresh[known].mean()) if known.any() else 0.0

    # Hourly activity as CSR of sorted epoch hours with a positive count.
    sizes = np.fromiter((len(i.hourly) for i in infos), dtype=np.int64, count=n)
    total = int(sizes.sum())
    hour_flat = np.fromiter(
        chain.from_iterable(i.hourly.keys() for i in infos), dtype=np.int64, count=total
    )
    hour_cnt_flat = np.fromiter(
        chain.from_iterable(i.hourly.values() for i in infos), dtype=np.float64, count=total
    )
    owner = np.repeat(np.arange(n), sizes)
    active = hour_cnt_flat > 0
    owner, hour_flat, hour_cnt_flat = owner[active], hour_flat[active], hour_cnt_flat[active]
    lens = np.bincount(owner, minlength=n)
    # Sort hours within each account (one global sort keyed by account, then hour).
    order = np.lexsort((hour_flat, owner))
    hour_flat = hour_flat[order]
    # log1p: an hour with 500 requests should not drown every other hour in a correlation.
    hour_val = np.log1p(hour_cnt_flat[order]).astype(np.float32)
    hour_ptr = np.concatenate(([0], np.cumsum(lens)))
    hours_u, hour_cnt = np.unique(hour_flat, return_counts=True)
    active_accounts = max(int((lens > 0).sum()), 1)
    hours_p = hour_cnt / active_accounts
    hour_cidx = np.searchsorted(hours_u, hour_flat)
    cum_p = np.concatenate(([0.0], np.cumsum(hours_p)))
    cum_p2 = np.concatenate(([0.0], np.cumsum(hours_p**2)))

    return Context(
        projection=projection,
        ids=ids,
        pos=pos,
        created=created,
        first_request=first_request,
        requests=requests,
        output_tokens=output_tokens,
        node_keys=node_keys,
        node_kind=node_kind,
        node_attrs=attrs,
        node_pos=node_pos,
        acct_ptr=acct_ptr,
        acct_node=node_of,
        acct_count=counts,
        node_ptr=node_ptr,
        node_acct=node_acct,
        node_count=node_count,
        degree=degree,
        extraction=extraction,
        pc_total=pc_total,
        pc_ext=pc_ext,
        denominator=np.maximum(np.maximum(requests, pc_total), 1).astype(float),
        rotation=rotation,
        median_rotation=_median(rotation),
        fresh=fresh,
        aged=aged,
        median_requests=_median(requests.astype(float)),
        median_output=_median(output_tokens.astype(float)),
        p75_requests=_quantile(requests.astype(float), 0.75),
        p75_output=_quantile(output_tokens.astype(float), 0.75),
        fresh_share=fresh_share,
        creation_sorted=np.sort(created[~np.isnan(created)]),
        hour_ptr=hour_ptr,
        hour_flat=hour_flat,
        hour_val=hour_val,
        hour_cidx=hour_cidx,
        hours_u=hours_u,
        hours_p=hours_p,
        cum_p=cum_p,
        cum_p2=cum_p2,
        skipped_attachments=skipped,
    )
