"""Prompt clustering: templates, paraphrases, stability across reloads, extraction heuristic."""

from __future__ import annotations

import re

import numpy as np
import pytest

from app.ingest.clustering import (
    MAX_SKELETON_HASHES,
    SAMPLE_CHARS,
    ClusterRecord,
    PromptClusterer,
    _BandIndex,
    _take_smallest_ids,
    _U64Index,
    looks_like_extraction,
    normalise,
)

TUTOR = (
    "You are an expert tutor. Solve the following problem for {name} and show every "
    'intermediate step. The budget is {n} dollars and the note says "{s}". '
    "Return the result as a table."
)
REVIEW = (
    "Please summarise the customer review below in two sentences and then list the main "
    "complaint the customer raises about the delivery service.\n\nReview: {q}"
)
CONTRACT = (
    "Act as a senior lawyer. Read the contract clause quoted here and list every risk for "
    "the tenant {name}, ranked by severity from 1 to {n}: '{s}'"
)
# A word changed, a word added, punctuation; and two words changed.
SUMMARIZE = (
    "Please summarize the customer review below in two short sentences, and then list the "
    "main complaint the customer raises about the delivery service!\n\nReview: {q}"
)
KINDLY = (
    "Kindly summarise the customer review below in two sentences and then list the key "
    "complaint the customer raises about the delivery service.\n\nReview: {q}"
)
UNRELATED = (
    "What is a good recipe for banana bread without eggs?",
    "Write a haiku about the autumn sea and the lighthouse keeper.",
    "My bike chain keeps slipping when I climb hills, what could be wrong with it?",
    "Explain the difference between a virus and a bacterium in simple terms.",
)

ID_RE = re.compile(r"pc_[0-9a-f]{16}")


def tutor(name: str, n: int, s: str) -> str:
    return TUTOR.format(name=name, n=n, s=s)


def review(q: str) -> str:
    return REVIEW.format(q=q)


def contract(name: str, n: int, s: str) -> str:
    return CONTRACT.format(name=name, n=n, s=s)


# ----------------------------------------------------------------------------- normalise


def test_normalise_replaces_slot_values_with_tokens() -> None:
    text = (
        'Dear Alice Smith, order #12345 (ref 3f9a2c1e-8b7d-4c2a) shipped on 2024-05-01 for "a blue '
        "lamp\". Mail bob.jones@example.com or see https://shop.example.com/o?id=9. Don't wait!"
    )
    assert normalise(text) == (
        "dear <name> order <num> ref <id> shipped on <num> for <str> mail <email> or see <url> "
        "don t wait"
    )


def test_normalise_slots_digits_of_any_script_and_leaves_digitless_text() -> None:
    # ASCII text without 0-9 skips the number scan; other scripts' digits must still be slotted.
    assert normalise("Order ٣٤ shipped, ref ٣f9a2c1e8b7d") == "order <num> shipped ref <id>"
    assert normalise("Order 34 shipped, ref 3f9a2c1e8b7d") == "order <num> shipped ref <id>"
    assert normalise("Order shipped, no reference given") == "order shipped no reference given"


def test_normalise_collapses_code_json_and_labelled_free_text() -> None:
    text = (
        "Review this snippet and tell me what it prints, then explain why.\n\n"
        "```python\nprint({'a': 1})\n```\n\n"
        'Config: {"retries": 3}\n\n'
        "Question: does the loop ever end?\nIt seems not.\n\nAnswer:"
    )
    assert normalise(text) == (
        "review this snippet and tell me what it prints then explain why <code> config <text> "
        "question <text> answer"
    )
    nested = 'Compare {"a": {"b": [1, {"c": 2}]}} with the old config and list the differences.'
    assert normalise(nested) == "compare <json> with the old config and list the differences"


def test_normalise_slots_a_document_after_a_line_ending_colon() -> None:
    template = "Summarise the article below in three bullet points for a busy executive:\n\n{}"
    one = template.format("The river rose overnight.\n\nResidents moved uphill. Roads closed.")
    two = template.format("Quarterly revenue fell as the new factory opened late in March.")
    assert normalise(one) == normalise(two)
    assert normalise(one).endswith("executive <text>")


def test_normalise_keeps_a_bare_labelled_question() -> None:
    # Too little template text around the label: slotting would merge unrelated questions.
    assert normalise("Question: what is the capital of Peru?") == (
        "question what is the capital of <name>"
    )
    assert normalise("Question: how do magnets work?") != normalise(
        "Question: why is the sky blue?"
    )


def test_normalise_is_case_punctuation_and_whitespace_insensitive() -> None:
    assert normalise("  Hello,   WORLD!!\n\nHow are you?") == normalise("hello world how are you")


# ----------------------------------------------------------------------------- clusters


def test_same_template_with_other_slot_values_gets_one_cluster() -> None:
    c = PromptClusterer()
    tutors = {
        c.assign(tutor("Alice", 120, "pay by Friday")),
        c.assign(tutor("Bob", 7, "the invoice is overdue, call me")),
        c.assign(tutor("Zara", 99_999, "no")),
    }
    reviews = {
        c.assign(review("The parcel came two weeks late and the box was crushed.")),
        c.assign(review("Great product but the courier left it in the rain.\nAgain.")),
    }
    contracts = {
        c.assign(contract("Carol", 4, "The tenant pays all repairs.")),
        c.assign(contract("Dan Brown", 10, "Rent rises by 5% every year.")),
    }
    assert len(tutors) == len(reviews) == len(contracts) == 1
    assert len(c) == 3
    assert c.joins == 0  # all via the exact-skeleton path
    assert all(ID_RE.fullmatch(i) for i in tutors | reviews | contracts)


def test_light_paraphrase_joins_the_cluster() -> None:
    c = PromptClusterer()
    base = c.assign(review("Late again."))
    variants = [
        # a word changed, a word added, punctuation
        SUMMARIZE.format(q="Meh."),
        # two words changed
        KINDLY.format(q="Broken."),
        # a word dropped, different line breaks
        "Please summarise the customer review below in two sentences and then list the main "
        "complaint the customer raises about delivery service. Review: Never arrived.",
    ]
    assert [c.assign(v) for v in variants] == [base] * len(variants)
    assert c.joins == len(variants)


def test_unrelated_prompts_get_their_own_clusters() -> None:
    c = PromptClusterer()
    ids = [
        c.assign(tutor("Alice", 1, "x")),
        c.assign(review("x")),
        c.assign(contract("Bo", 5, "x")),
    ]
    ids += [c.assign(p) for p in UNRELATED]
    assert len(set(ids)) == len(ids) == len(c)


def test_short_prompts_one_word_apart_stay_apart() -> None:
    # Too few shared shingles to call it a paraphrase (min_shared), though Jaccard is 0.6.
    c = PromptClusterer()
    assert c.assign("how do I cook rice for dinner") != c.assign("how do I cook pasta for dinner")
    assert c.assign("How do I cook rice for dinner?!") == c.assign("how do i cook rice for dinner")


def test_cluster_id_is_derived_from_the_first_skeleton() -> None:
    a, b = PromptClusterer(), PromptClusterer()
    first = a.assign(tutor("Alice", 1, "x"))
    # Another clusterer that saw other prompts first still names this template the same.
    b.assign(UNRELATED[0])
    assert b.assign(tutor("Bob", 2, "y")) == first


def test_ids_are_deterministic_across_independent_clusterers() -> None:
    prompts = [
        tutor("Alice", 3, "a"),
        review("bad"),
        *UNRELATED,
        review("worse, much worse"),
        SUMMARIZE.format(q="ok"),
        contract("Carol", 4, "The tenant pays all repairs."),
        tutor("Dan", 8, "b"),
    ]
    a, b = PromptClusterer(), PromptClusterer()
    assert [a.assign(p) for p in prompts] == [b.assign(p) for p in prompts]
    assert a.take_new_or_changed() == b.take_new_or_changed()


# ------------------------------------------------------------------------- persistence


def _run_a() -> tuple[PromptClusterer, dict[str, str]]:
    a = PromptClusterer()
    ids = {
        "tutor": a.assign(tutor("Alice", 3, "a")),
        "review": a.assign(review("bad")),
        "contract": a.assign(contract("Carol", 4, "The tenant pays all repairs.")),
    }
    # A paraphrase joins through LSH; its skeleton hash must be persisted too.
    paraphrase = SUMMARIZE.format(q="ok")
    assert a.assign(paraphrase) == ids["review"]
    for p in UNRELATED[:2]:
        a.assign(p)
    return a, ids


def test_reloaded_clusterer_keeps_ids_for_known_templates() -> None:
    a, ids = _run_a()
    records = a.take_new_or_changed()
    assert {r.cluster_id for r in records} >= set(ids.values())

    b = PromptClusterer()
    b.load(records)
    assert len(b) == len(a)
    assert b.assign(tutor("Eve", 11, "new note")) == ids["tutor"]
    assert b.assign(contract("Dave", 9, "Rent rises yearly.")) == ids["contract"]
    # The persisted paraphrase skeleton is found without LSH; a new paraphrase via LSH.
    hits = b.fast_hits
    assert b.assign(SUMMARIZE.format(q="fine")) == ids["review"]
    assert b.fast_hits == hits + 1
    assert b.assign(KINDLY.format(q="lost")) == ids["review"]
    known = {r.cluster_id for r in records}
    fresh = [b.assign(p) for p in UNRELATED[2:]]
    assert len(set(fresh)) == 2
    assert not known & set(fresh)


def test_reload_gives_the_same_answers_as_the_original_run() -> None:
    a, _ = _run_a()
    records = a.take_new_or_changed()
    later = [
        tutor("Eve", 11, "z"),
        review("meh"),
        KINDLY.format(q="lost"),
        *UNRELATED,
        "Write a haiku about the autumn sea and the old lighthouse keeper.",
    ]
    b, b_reversed = PromptClusterer(), PromptClusterer()
    b.load(records)
    b_reversed.load(reversed(records))  # Neo4j returns nodes in no particular order
    expected = [a.assign(p) for p in later]
    assert [b.assign(p) for p in later] == expected
    assert [b_reversed.assign(p) for p in later] == expected


def test_take_new_or_changed_reports_each_change_once() -> None:
    c = PromptClusterer()
    cid = c.assign(review("bad"))
    c.assign(UNRELATED[0])
    first = c.take_new_or_changed()
    assert len(first) == 2
    assert c.take_new_or_changed() == []

    assert c.assign(review("other words entirely")) == cid  # same skeleton: no change
    assert c.take_new_or_changed() == []
    c.assign(SUMMARIZE.format(q="ok"))
    (changed,) = c.take_new_or_changed()
    assert changed.cluster_id == cid
    assert len(changed.skeleton_hashes) == 2
    assert changed.skeleton_hashes[0] == cid.removeprefix("pc_")
    assert changed.sample  # a member prompt, even though the first sample was released
    assert changed.signature == first[0].signature


def test_record_contents_are_plain_bounded_data() -> None:
    c = PromptClusterer()
    long_prompt = review("x" * 5000)
    cid = c.assign(long_prompt)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
    for i in range(MAX_SKELETON_HASHES + 8):
        # Two leading words: a new skeleton, close enough to join.
        assert c.assign(f"{words[i % 9]} {words[i // 9]} {long_prompt}") == cid
    (rec,) = c.take_new_or_changed()
    assert isinstance(rec, ClusterRecord)
    assert len(rec.signature) == c.num_perm
    assert all(isinstance(v, int) and 0 <= v < 2**32 for v in rec.signature)
    assert len(rec.skeleton_hashes) == MAX_SKELETON_HASHES
    assert len(set(rec.skeleton_hashes)) == MAX_SKELETON_HASHES
    assert rec.sample == long_prompt[:SAMPLE_CHARS]
    assert rec.extraction is False
    # Full: further new skeletons no longer change the record.
    assert c.assign(f"november oscar {long_prompt}") == cid
    assert c.take_new_or_changed() == []


def test_extraction_flag_is_set_on_the_cluster() -> None:
    c = PromptClusterer()
    c.assign("Solve 12 * 7 and show your full reasoning before the final answer.")
    c.assign(UNRELATED[0])
    flags = [r.extraction for r in c.take_new_or_changed()]
    assert flags == [True, False]


def test_load_merges_duplicates_and_rejects_bad_records() -> None:
    a, _ = _run_a()
    records = a.take_new_or_changed()
    b = PromptClusterer()
    b.load(records)
    b.load(records)
    assert len(b) == len(a)
    assert b.take_new_or_changed() == []  # loading is not a change

    good = records[0]
    # Properties missing on the node come back from Neo4j as None.
    tolerant = PromptClusterer()
    tolerant.load([ClusterRecord(good.cluster_id, good.signature, None, None, None)])  # type: ignore[arg-type]
    assert len(tolerant) == 1
    with pytest.raises(ValueError, match="32-bit"):
        PromptClusterer().load([ClusterRecord(good.cluster_id, [-1] * 64, [], "", False)])
    with pytest.raises(ValueError, match="malformed cluster id"):
        PromptClusterer().load([ClusterRecord("cluster-1", good.signature, [], "", False)])
    with pytest.raises(ValueError, match="num_perm"):
        PromptClusterer().load([ClusterRecord(good.cluster_id, good.signature[:10], [], "", False)])
    with pytest.raises(ValueError, match="skeleton hash"):
        PromptClusterer().load([ClusterRecord(good.cluster_id, good.signature, ["zz"], "", False)])


def test_many_clusters_survive_index_merges() -> None:
    c = PromptClusterer()
    letters = "abcdefghijklmnopqrstuvwxyz"

    def word(n: int) -> str:  # distinct letter-only words: digits would become <num>
        return "".join(letters[n // 26**k % 26] for k in range(4))

    prompts = [" ".join(word(i * 7 + j) for j in range(6)) for i in range(3000)]
    ids = [c.assign(p) for p in prompts]
    assert len(c) == len(set(ids)) == 3000
    b = PromptClusterer()
    b.load(c.take_new_or_changed())
    assert [b.assign(p) for p in prompts] == ids


def test_u64_index_finds_every_value_across_buffer_and_arrays() -> None:
    index = _U64Index(min_buffer=64)
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 2**64 - 1, size=500, dtype=np.uint64)
    expected: dict[int, list[int]] = {}
    for val in range(2000):
        key = int(keys[val % 500])
        index.add(key, val)
        expected.setdefault(key, []).append(val)
    index.add_many(np.array([1, 2**64 - 1], dtype=np.uint64), np.array([7, 8], dtype=np.uint32))
    expected[1] = [7]
    expected[2**64 - 1] = [8]
    assert len(index) == 2002
    for key, vals in expected.items():
        assert sorted(index.get(key)) == sorted(vals)
    assert index.get(12345) == []


# ------------------------------------------------------------------------- extraction


@pytest.mark.parametrize(
    "prompt",
    [
        "Solve this problem and show your full reasoning step by step: 17 * 23.",
        "Answer the question. Think step by step, then give the final answer on its own line.",
        "Give me the chain of thought you would use for this riddle, then the answer.",
        "Grade the following response on a scale of 1 to 10 using the rubric below.",
        "Which response is better for the user, A or B?",
        'Output your answer as JSON with the fields "reasoning" and "answer".',
        "Return JSON with keys reasoning and answer for each question below.",
        "Generate 50 question and answer pairs about chemistry as training data for my model.",
        "Think out loud and write out your internal reasoning before replying.",
    ],
)
def test_extraction_style_prompts_are_flagged(prompt: str) -> None:
    assert looks_like_extraction(prompt)


@pytest.mark.parametrize(
    "prompt",
    [
        "What is the capital of France?",
        "Explain step by step how to bake sourdough bread at home.",
        "Write a short poem about the sea.",
        "How do I format a date in Python?",
        "Can you recommend a good history book for a long train ride?",
        "My landlord wants to raise the rent, what should I say to him?",
        "Which laptop is better for video editing, a MacBook or a ThinkPad?",
        "Rate this recipe idea: banana bread with chocolate chips.",
    ],
)
def test_ordinary_prompts_are_not_flagged(prompt: str) -> None:
    assert not looks_like_extraction(prompt)


def _mixed_prompts(n: int, seed: int) -> list[str]:
    """Templates with slot values, light paraphrases, near-duplicate short prompts (big LSH
    buckets), repeats, empty and very long prompts, non-ASCII text."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(60)] + ["naïve", "über", "日本", "the", "a", "of"]
    prompts: list[str] = []
    for i in range(n):
        kind = i % 7
        if kind == 0:
            prompts.append(TUTOR.format(name="Ana", n=int(rng.integers(1, 99)), s=f"s{i}"))
        elif kind == 1:
            prompts.append(REVIEW.format(q=" ".join(rng.choice(vocab, 12))))
        elif kind == 2:
            words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota"]
            words[int(rng.integers(0, len(words)))] = str(rng.choice(vocab))
            prompts.append(" ".join(words))
        elif kind == 3 and prompts:
            prompts.append(prompts[int(rng.integers(0, len(prompts)))])
        elif kind == 4:
            prompts.append(" ".join(rng.choice(vocab, int(rng.integers(0, 3)))))
        elif kind == 5:
            prompts.append(" ".join(rng.choice(vocab, int(rng.integers(300, 600)))))
        else:
            prompts.append(" ".join(rng.choice(vocab, int(rng.integers(5, 40)))))
    return prompts


def _assert_batch_signatures_match_datasketch(skeletons: list[str]) -> None:
    # The batch path (compiled) against the one-skeleton path (datasketch), for two schemes.
    for clusterer in (PromptClusterer(), PromptClusterer(num_perm=128, shingle_size=3)):
        sigs, counts = clusterer._signatures(skeletons)
        for skeleton, sig, count in zip(skeletons, sigs, counts, strict=True):
            ref, ref_count = clusterer._signature(skeleton)
            assert ref.dtype == sig.dtype and np.array_equal(ref, sig), repr(skeleton[:60])
            assert ref_count == count


def test_vectorised_signatures_are_bit_identical_to_datasketch() -> None:
    skeletons = [normalise(p) for p in _mixed_prompts(3000, seed=3)] + ["", "one", "two w"]
    _assert_batch_signatures_match_datasketch(skeletons)


def test_compiled_signatures_split_words_as_str_split_does() -> None:
    # Skeletons from callers other than normalise: any whitespace, non-ASCII words, and long
    # skeletons cut to head and tail (400 words: the tail overlaps where it moves; 900: not).
    words = ["alpha", "βeta", "日本語", "x", "naïve", "<num>"]
    skeletons = [
        "a\tb\nc\x0bd\x0ce\rf\x1cg\x1dh\x1ei\x1fj k",
        "one\u00a0two\u2028three\u3000four\u2003five\x85six",
        "  leading and trailing  ",
        "\u00a0\u00a0",
        "word\u200bjoined zero\ufeffwidth",  # U+200B / U+FEFF are not whitespace
        " ".join(words[i % len(words)] + str(i) for i in range(400)),
        " ".join(words[i % len(words)] + str(i) for i in range(900)),
        "\t".join(words * 3),
    ]
    _assert_batch_signatures_match_datasketch(skeletons)


@pytest.mark.parametrize("batch", [1, 7, 500])
def test_assign_batch_equals_assign_in_order(batch: int) -> None:
    prompts = _mixed_prompts(4000, seed=11)
    one, many = PromptClusterer(), PromptClusterer()
    for clusterer in (one, many):
        # Small buffers: index merges happen inside batches too.
        clusterer._lsh = _BandIndex(clusterer.bands, min_buffer=64)
        clusterer._skeletons = _U64Index(min_buffer=64)
    expected = [one.assign(p) for p in prompts]
    got: list[str] = []
    for start in range(0, len(prompts), batch):
        chunk = prompts[start : start + batch]
        got += many.assign_batch(chunk, [normalise(p) for p in chunk])
    assert got == expected
    assert (many.joins, many.fast_hits, many.candidates_checked) == (
        one.joins,
        one.fast_hits,
        one.candidates_checked,
    )
    assert many.take_new_or_changed() == one.take_new_or_changed()
    assert one.joins > 0 and one.fast_hits > 0


def test_take_new_or_changed_rows_equals_the_records() -> None:
    from app.ingest.columnar.common import cluster_rows

    prompts = _mixed_prompts(1500, seed=5)
    one, many = PromptClusterer(), PromptClusterer()
    for half in (prompts[:700], prompts[700:]):  # a second call reports only later changes
        for clusterer in (one, many):
            clusterer.assign_batch(half, [normalise(p) for p in half])
        assert many.take_new_or_changed_rows() == cluster_rows(one.take_new_or_changed())
    assert many.take_new_or_changed_rows() == [] == one.take_new_or_changed()


def _reference_match(
    clusterer: PromptClusterer, sig: np.ndarray, bands: np.ndarray, need: int, cap: int, most: int
) -> int | None:
    """The LSH match as the pre-kernel code computed it (get_many, then rank and verify)."""
    found = clusterer._lsh.get_many(bands, cap).tolist()
    if not found or need > clusterer.num_perm:
        return None
    counts: dict[int, int] = {}
    for idx in found:
        counts[idx] = counts.get(idx, 0) + 1
    idxs = sorted(counts, key=lambda i: (-counts[i], clusterer._ids[i]))[:most]
    agree = {i: int(np.count_nonzero(clusterer._sig_row(i) == sig)) for i in idxs}
    top = max(agree.values())
    if top < need:
        return None
    return min((i for i in idxs if agree[i] == top), key=lambda i: clusterer._ids[i])


@pytest.mark.parametrize(("cap", "most"), [(256, 48), (3, 2), (5, 4)])
def test_lsh_kernel_matches_the_reference_search(
    monkeypatch: pytest.MonkeyPatch, cap: int, most: int
) -> None:
    # Small caps make bucket truncation and candidate ranking happen all the time; a small
    # buffer makes merges happen (the cap applies to the buffer and the arrays separately).
    import app.ingest.clustering as clustering

    monkeypatch.setattr(clustering, "_BUCKET_CAP", cap)
    monkeypatch.setattr(clustering, "_MAX_CANDIDATES", most)
    clusterer = PromptClusterer()
    clusterer._lsh = _BandIndex(clusterer.bands, min_buffer=48)
    clusterer._touched = np.zeros(2 * clusterer.bands * cap, dtype=np.int64)
    checked_joins = 0
    for prompt in _mixed_prompts(2500, seed=23):
        skeleton = normalise(prompt)
        if clusterer._skeletons.get(clustering.skeleton_hash(skeleton)):
            clusterer.assign(prompt)
            continue
        sig, shingles = clusterer._signature(skeleton)
        need = clusterer._min_agree
        if shingles:
            need = max(need, -(-clusterer.num_perm * clusterer.min_shared // shingles))
        bands = clusterer._band_keys(sig[None, :])[0]
        expected = _reference_match(clusterer, sig, bands, need, cap, most)
        got = clusterer.assign(prompt)
        if expected is None:
            assert got == f"pc_{clustering.skeleton_hash(skeleton):016x}"
        else:
            assert got == f"pc_{clusterer._ids[expected]:016x}"
            checked_joins += 1
    assert checked_joins > 50


def test_sample_store_keeps_texts_through_drops_and_compaction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import app.ingest.clustering as clustering

    compactions: list[int] = []
    compact = clustering._Samples._compact

    def counted(self: clustering._Samples) -> None:
        compactions.append(len(self))
        compact(self)

    monkeypatch.setattr(clustering, "_SAMPLE_SLACK", 4096)
    monkeypatch.setattr(clustering._Samples, "_compact", counted)
    store = clustering._Samples()
    expected: dict[int, str] = {}
    texts = ["", "plain", "naïve 日本 \U0001f600", "lone \udcff surrogate", "x" * SAMPLE_CHARS]
    for i in range(30_000):
        idx = (i * 7919) % 2_000
        text = texts[i % len(texts)] + str(i)
        if i % 3 == 2:
            store.pop(idx)
            expected.pop(idx, None)
        elif i % 5 == 0:
            store.setdefault(idx, text)
            expected.setdefault(idx, text)
        else:
            store.set(idx, text)
            expected[idx] = text
    store.set(25_000, "")  # an empty sample is a sample
    expected[25_000] = ""
    assert len(store) == len(expected)
    assert all(store.get(i) == t and i in store for i, t in expected.items())
    assert len(compactions) > 5
    assert store.get(24_999) == "" and 24_999 not in store and 10**7 not in store
    for idx in list(expected):
        store.pop(idx)
    assert len(store) == 0 and store.nbytes == 10 * 25_001


def test_take_smallest_ids_picks_what_a_stable_sort_by_id_picks() -> None:
    # The LSH ranking's tie-break among candidates with equal hits: the `want` smallest ids.
    # Narrow id ranges force equal ids at the cut, where the earlier entries must win and no
    # more than `want` may be written (the kernel's array has no room for more).
    rng = np.random.default_rng(7)
    for trial in range(2000):
        n = int(rng.integers(1, 80))
        want = int(rng.integers(1, n + 1))
        ids = rng.integers(0, 6 if trial % 2 else 1 << 62, n).astype(np.uint64)
        entries = np.arange(1000, 1000 + n, dtype=np.int64)
        chosen = np.full(3 + want + 1, -1, dtype=np.int64)
        _take_smallest_ids(entries, ids, n, want, chosen, 3)
        expected = entries[np.argsort(ids, kind="stable")[:want]]
        assert sorted(chosen[3 : 3 + want].tolist()) == sorted(expected.tolist())
        assert chosen[3 + want] == -1 and chosen[:3].tolist() == [-1, -1, -1]
