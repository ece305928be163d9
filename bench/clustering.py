"""Benchmark for app.ingest.clustering: quality, speed and memory of prompt clustering.

Traffic: 40 hand-written "ring" templates (distillation-style tasks) with slot filling, each
in 3 wordings (the original, one or two words swapped for synonyms, a word added plus a
punctuation change), mixed with diverse free-form "benign" prompts from a combinatorial
grammar. The true template of every templated prompt is known, so the script reports how
many clusters each template split into, how many clusters mix templates, and how many benign
prompts were absorbed into template clusters. Then: prompts/s for repeated-template traffic
and for never-seen prompts, stability across an export / load, and memory per 100k clusters
(tracemalloc and RSS) against a plain datasketch MinHashLSH baseline.

Usage:
    .venv/bin/python bench/clustering.py                 # all default settings
    .venv/bin/python bench/clustering.py --quick         # smaller, for a smoke run
    .venv/bin/python bench/clustering.py --settings "" "t=0.6,k=3" "p=128,b=32"
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import random
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.queues import Queue
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.ingest.clustering import (
    DEFAULT_MIN_SHARED,
    DEFAULT_NUM_PERM,
    DEFAULT_SHINGLE_SIZE,
    DEFAULT_THRESHOLD,
    PromptClusterer,
    normalise,
)

# ------------------------------------------------------------------------- vocabulary

NAMES = [
    "Alice",
    "Bob",
    "Carol",
    "David",
    "Emma",
    "Farid",
    "Grace",
    "Hiro",
    "Ingrid",
    "Jamal",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tariq",
    "Ursula",
    "Victor",
    "Wen",
    "Xenia",
    "Yusuf",
    "Zara",
]
LANGS = [
    "French",
    "German",
    "Spanish",
    "Italian",
    "Japanese",
    "Portuguese",
    "Korean",
    "Dutch",
    "Polish",
    "Turkish",
]
NOUNS = [
    "river",
    "garden",
    "engine",
    "contract",
    "budget",
    "kitten",
    "recipe",
    "planet",
    "battery",
    "novel",
    "invoice",
    "bridge",
    "algorithm",
    "forest",
    "guitar",
    "vaccine",
    "protocol",
    "castle",
    "market",
    "harbor",
    "satellite",
    "volcano",
    "compiler",
    "museum",
    "teacher",
    "doctor",
    "bicycle",
    "window",
    "spreadsheet",
    "database",
    "telescope",
    "orchestra",
    "camera",
    "ladder",
    "pension",
    "tractor",
    "festival",
    "library",
    "mortgage",
    "keyboard",
    "glacier",
    "desert",
    "canal",
    "pipeline",
    "tournament",
    "election",
    "bakery",
    "subway",
    "lighthouse",
    "vineyard",
    "startup",
    "podcast",
    "ferry",
    "printer",
    "diary",
    "passport",
    "lawn",
    "roof",
    "chimney",
    "furnace",
    "aquarium",
    "puppy",
    "helmet",
    "tent",
    "wallet",
]
ADJS = [
    "cheap",
    "quiet",
    "fast",
    "ancient",
    "modern",
    "tiny",
    "huge",
    "fragile",
    "reliable",
    "noisy",
    "cozy",
    "rusty",
    "bright",
    "organic",
    "local",
    "remote",
    "broken",
    "seasonal",
    "famous",
    "obscure",
    "efficient",
    "expensive",
    "rural",
    "urban",
    "wooden",
    "digital",
    "frozen",
    "sunny",
    "humid",
    "abstract",
    "minimal",
]
VERBS = [
    "fix",
    "clean",
    "paint",
    "organise",
    "plan",
    "design",
    "repair",
    "compare",
    "choose",
    "improve",
    "explain",
    "learn",
    "translate",
    "schedule",
    "budget",
    "decorate",
    "insure",
    "upgrade",
    "recycle",
    "store",
    "clean",
    "cook",
    "grow",
    "sell",
    "rent",
    "measure",
    "debug",
    "test",
    "deploy",
    "document",
    "negotiate",
]
TOPICS = tuple(
    [
        "photosynthesis",
        "inflation",
        "black holes",
        "the french revolution",
        "machine learning",
        "tax returns",
        "sourdough baking",
        "marathon training",
        "climate change",
        "quantum computing",
        "stoicism",
        "the roman empire",
        "jazz history",
        "vaccines",
        "plate tectonics",
        "bitcoin",
        "chess openings",
        "gardening in winter",
        "public speaking",
        "time management",
        "knitting",
        "birdwatching",
    ]
)
RELS = [
    "sister",
    "boss",
    "landlord",
    "neighbour",
    "son",
    "daughter",
    "partner",
    "coworker",
    "teacher",
    "dog",
]
CTXS = (
    "at home",
    "on a budget",
    "this weekend",
    "without tools",
    "in a small flat",
    "for beginners",
    "before winter",
    "as fast as possible",
    "in Canada",
    "for a school project",
    "",
    "",
    "",
)

# --------------------------------------------------------------------------- templates
# Slots: {n} number, {n2} number, {name} person, {lang} language, {s} quoted text,
# {q} free-text question after a label, {topic} free words inline (no delimiter at all),
# {code} fenced code, {json} a JSON object, {url} a URL, {email} an address.

TEMPLATES: tuple[str, ...] = (
    "You are an expert mathematics tutor. Solve the following problem and show your full "
    "reasoning step by step before giving the final answer.\n\nProblem: {q}\n\nFinal answer:",
    "Answer the question below. Think step by step, then output JSON with the keys "
    '"reasoning" and "answer".\n\nQuestion: {q}',
    "Here is a question and a candidate answer written by a student. Grade the answer on a "
    "scale of 1 to {n} using the rubric provided and justify the grade.\n\nQuestion: {q}\n\n"
    'Answer: "{s}"',
    "Which response is better for the user request below? Explain your reasoning in detail "
    'and then state A or B.\n\nRequest: "{s}"\n\nResponse A: {json}\n\nResponse B: {json}',
    "Translate the following sentence into {lang} and explain every grammatical choice you "
    'made along the way: "{s}"',
    "Write a Python function that solves the task below. First describe your approach, then "
    "give the code, then list three edge cases with expected outputs.\n\nTask: {q}",
    "Review this code for bugs and security problems. For every issue give the line number, "
    "the severity from 1 to {n} and a corrected version.\n\n{code}",
    "Summarise the following article in exactly {n} bullet points and give each bullet a "
    "confidence score between 0 and 1.\n\nArticle: {q}",
    "Classify the sentiment of this product review as positive, negative or neutral and "
    'return your label together with your rationale as JSON.\n\nReview: "{s}"',
    "You are a medical expert. A patient named {name} aged {n} reports the symptoms below. "
    "List the differential diagnosis with probabilities and explain your clinical "
    "reasoning.\n\nSymptoms: {q}",
    "Generate {n} diverse training examples of question and answer pairs about {topic} for "
    "fine-tuning a small assistant model. Output one JSON object per line.",
    "Rewrite the paragraph below so that a ten year old can understand it, keeping all the "
    "facts, and then explain what you simplified.\n\nParagraph: {q}",
    "Act as a senior lawyer. Read the contract clause quoted here and list every risk for "
    'the tenant {name}, ranked by severity: "{s}"',
    "Give me the chain of thought you would use to answer this riddle, then the answer "
    "itself on a separate line.\n\nRiddle: {q}",
    "Extract every person, organisation and location from the text below and return them as "
    "a JSON list of objects with type and span fields.\n\nText: {q}",
    "Compare the two products described below on price, durability and warranty, and "
    "recommend one for a buyer with a budget of {n} dollars.\n\nProduct one: {json}\n\n"
    "Product two: {json}",
    "Solve this physics exercise. State the known quantities, the formula you use, every "
    "intermediate value and the final result with units.\n\nExercise: {q}",
    "Convert the following natural language request into a single SQL query for a table "
    "called orders with columns id, customer, amount and created_at.\n\nRequest: {q}",
    "Write a persuasive essay of {n} words arguing that {topic} should be taught in every "
    "secondary school, with an introduction, three arguments and a conclusion.",
    "Evaluate the following answer produced by another AI model. Score helpfulness, "
    "honesty and harmlessness from 1 to {n} each, and explain each score.\n\nAnswer: {q}",
    "Please draft a polite email to {name} at {email} declining the meeting invitation for "
    "{n} March and proposing two alternative dates next week.",
    "Create a multiple choice quiz with {n} questions about {topic}. Mark the correct "
    "option for each question and explain why the other options are wrong.",
    "Explain the historical causes, the main events and the long term consequences of the "
    "topic below, citing dates wherever possible.\n\nTopic: {q}",
    "Given this JSON record {json} write a short natural language description of the "
    "customer and flag any field that looks inconsistent.",
    "Check whether the argument below is logically valid. Identify the premises, the "
    "conclusion and any fallacy, and give your verdict at the end.\n\nArgument: {q}",
    "Debug the following stack trace and tell me the most likely root cause together with "
    "a fix I can apply right away.\n\n{code}",
    "You are a chess coach. Analyse the position given in this FEN string and suggest the "
    'best move for white with your full calculation: "{s}"',
    "Produce a detailed study plan for learning {topic} in {n} weeks, with weekly goals, "
    "resources and a short self test at the end of each week.",
    "Translate this customer support reply into {lang}, keep the tone friendly and do not "
    'change any product names: "{s}"',
    "Paraphrase the sentence below in {n} different ways while keeping its meaning, and "
    "number each paraphrase.\n\nSentence: {q}",
    "Read the passage and answer the multiple choice question that follows. Explain why "
    "each wrong option is wrong.\n\nPassage: {q}\n\nQuestion: {q}",
    "Write unit tests with pytest for the function shown here, covering normal inputs, "
    "edge cases and invalid inputs.\n\n{code}",
    "Fetch the page at {url} in your head and summarise what a typical visitor would find "
    "there, in no more than {n} sentences.",
    "As a financial analyst, estimate the monthly payment for a loan of {n} dollars over "
    "{n2} years at the interest rate given, showing every calculation step.",
    "Break the following goal into a hierarchy of tasks and subtasks with time estimates "
    "and dependencies, formatted as an indented list.\n\nGoal: {q}",
    "Rate how toxic the following comment is on a scale from 0 to {n}, name the categories "
    'of harm present and suggest a moderated rewrite: "{s}"',
    "Generate a realistic dialogue between a customer named {name} and a support agent about "
    "a delayed parcel, with {n} turns each, in {lang}.",
    "Describe the algorithm below in plain English, give its time and space complexity, "
    "and propose one optimisation.\n\n{code}",
    "Pretend you are grading a university exam. Here is the model solution and the student "
    "solution; assign a mark out of {n} and list every deduction.\n\nSolution: {q}",
    "List the ingredients and the step by step method for a recipe that uses {topic} and "
    "serves {n} people, with total cooking time and calories per portion.",
)
assert len(TEMPLATES) == 40

SYNONYMS = {
    "expert": "specialist",
    "following": "next",
    "solve": "work out",
    "show": "give",
    "explain": "describe",
    "describe": "explain",
    "give": "provide",
    "list": "enumerate",
    "write": "produce",
    "detailed": "thorough",
    "every": "each",
    "short": "brief",
    "below": "underneath",
    "polite": "courteous",
    "final": "last",
    "answer": "reply",
    "suggest": "propose",
    "realistic": "believable",
    "produce": "create",
    "diverse": "varied",
    "keep": "retain",
    "summarise": "summarize",
    "translate": "render",
    "three": "3",
    "main": "key",
}
FILLERS = ("please", "carefully", "briefly", "also", "now", "really")


def _variant(template: str, rng: random.Random, kind: int) -> str:
    """kind 0: the template; 1: one or two synonyms; 2: an added word and punctuation."""
    if kind == 0:
        return template
    words = template.split(" ")
    free = [i for i, w in enumerate(words) if "{" not in w and "\n" not in w]
    if kind == 1:
        swappable = [i for i in free if words[i].lower().strip(".,:") in SYNONYMS]
        rng.shuffle(swappable)
        for i in swappable[:2]:
            core = words[i].strip(".,:")
            repl = SYNONYMS[core.lower()]
            repl = repl.capitalize() if core[:1].isupper() else repl
            words[i] = words[i].replace(core, repl)
        if not swappable:
            words.insert(0, "Please")
        return " ".join(words)
    pos = rng.choice(free[1:]) if len(free) > 1 else 0
    words.insert(pos, rng.choice(FILLERS))
    text = " ".join(words)
    if ". " in text:
        return text.replace(". ", "! ", 1)
    return text.replace(", ", " ", 1) if ", " in text else text + "!"


# ---------------------------------------------------------------------- slot values


def _question(rng: random.Random) -> str:
    a, b = rng.choice(NOUNS), rng.choice(NOUNS)
    forms = (
        f"A {a} costs {rng.randint(2, 900)} dollars and a {b} costs {rng.randint(2, 900)}. "
        f"How much do {rng.randint(2, 9)} of each cost?",
        f"Why does the {rng.choice(ADJS)} {a} behave differently from the {b}?",
        f"What is the relationship between {rng.choice(TOPICS)} and {rng.choice(TOPICS)}?",
        f"If {rng.choice(NAMES)} walks {rng.randint(2, 40)} km at {rng.randint(2, 9)} km/h, "
        f"how long does the trip to the {a} take?",
        f"Describe how a {rng.choice(ADJS)} {a} could be used to {rng.choice(VERBS)} a {b}.",
    )
    return rng.choice(forms)


def _quoted(rng: random.Random) -> str:
    return (
        f"The {rng.choice(ADJS)} {rng.choice(NOUNS)} was {rng.choice(ADJS)} and the "
        f"{rng.choice(NOUNS)} arrived late"
    )


def _json(rng: random.Random) -> str:
    return (
        f'{{"name": "{rng.choice(NAMES)}", "price": {rng.randint(1, 999)}, '
        f'"tags": ["{rng.choice(ADJS)}", "{rng.choice(NOUNS)}"], '
        f'"meta": {{"id": {rng.randint(1, 10**6)}}}}}'
    )


def _code(rng: random.Random) -> str:
    fn, var = rng.choice(VERBS), rng.choice(NOUNS)
    return f"```python\ndef {fn}_{var}(x):\n    return x * {rng.randint(2, 99)}\n```"


def fill(template: str, rng: random.Random) -> str:
    values: dict[str, Callable[[], str]] = {
        "n": lambda: str(rng.randint(2, 500)),
        "n2": lambda: str(rng.randint(2, 40)),
        "name": lambda: rng.choice(NAMES),
        "lang": lambda: rng.choice(LANGS),
        "s": lambda: _quoted(rng),
        "q": lambda: _question(rng),
        "topic": lambda: rng.choice(TOPICS),
        "code": lambda: _code(rng),
        "json": lambda: _json(rng),
        "url": lambda: f"https://www.{rng.choice(NOUNS)}.com/{rng.randint(1, 9999)}",
        "email": lambda: f"{rng.choice(NAMES).lower()}@{rng.choice(NOUNS)}.org",
    }
    out = template
    for slot, make in values.items():
        while "{" + slot + "}" in out:
            out = out.replace("{" + slot + "}", make(), 1)
    return out


LONG_TEMPLATES = (
    "You are an expert reviewer. Read the document below carefully and list every factual "
    "error with a short correction, then rate the overall accuracy from 1 to {n}.\n\n"
    "Document: {doc}\n\nAnswer in JSON.",
    'Summarise the report quoted here for a busy executive in {n} bullet points: "{doc}"',
    "Extract every claim from the following text and say whether it is supported:\n\n{doc}",
)


def long_templated(n: int, words: int, rng: random.Random) -> list[str]:
    """Templated prompts carrying a pasted document of about `words` words."""
    pool = NOUNS + ADJS + VERBS

    def doc() -> str:
        sentences = []
        for _ in range(max(1, words // 12)):
            sentences.append(" ".join(rng.choice(pool) for _ in range(12)).capitalize() + ".")
        return " ".join(sentences)

    return [rng.choice(LONG_TEMPLATES).format(n=rng.randint(2, 9), doc=doc()) for _ in range(n)]


def templated(n: int, rng: random.Random) -> list[tuple[int, str]]:
    variants = [[_variant(t, rng, k) for k in range(3)] for t in TEMPLATES]
    out = []
    for _ in range(n):
        t = rng.randrange(len(TEMPLATES))
        out.append((t, fill(rng.choice(variants[t]), rng)))
    return out


# ------------------------------------------------------------------------ benign grammar

FRAMES = (
    "how do I {verb} my {noun} {ctx}",
    "what's the difference between a {noun} and a {noun}",
    "can you help me {verb} a {adj} {noun} for my {rel}",
    "write a short poem about a {adj} {noun}",
    "I'm trying to {verb} the {noun} but it keeps breaking. any ideas",
    "give me a few ideas for {topic} {ctx}",
    "is it a good idea to {verb} a {noun} {ctx}",
    "explain {topic} like I'm five",
    "my {rel} wants to {verb} our {noun}, what should I say",
    "recommend a {adj} {noun} under {num} dollars",
    "why is my {noun} so {adj} lately",
    "tell me a joke about a {noun} and a {noun}",
    "what should I know before I {verb} a {noun}",
    "summarize the main ideas of {topic}",
    "what are the pros and cons of a {adj} {noun} compared to a {adj} {noun}",
    "translate 'where is the {noun}' into {lang}",
    "draft a message to my {rel} about the {noun}",
    "how long does it take to {verb} a {noun}",
    "what's a good name for a {adj} {noun} shop",
    "plan a {num} day trip focused on {topic}",
    "{rel} says {topic} is overrated. thoughts",
    "can a {noun} be {adj}",
    "help me understand why the {noun} in my {noun} is {adj}",
    "list some {adj} activities to do with a {noun} {ctx}",
    "I need a checklist to {verb} a {noun}",
    "what would happen if every {noun} became {adj}",
)
OPENERS = ("", "", "", "hey, ", "quick question: ", "hi! ", "ok so ", "Hello. ")
CLOSERS = ("", "", "", "?", " thanks!", " please keep it short.", " :)", "??")


def benign(n: int, rng: random.Random) -> list[str]:
    def one() -> str:
        frame = rng.choice(FRAMES)
        out = frame
        for slot, pool in (
            ("verb", VERBS),
            ("noun", NOUNS),
            ("adj", ADJS),
            ("rel", RELS),
            ("topic", TOPICS),
            ("ctx", CTXS),
            ("lang", LANGS),
        ):
            while "{" + slot + "}" in out:
                out = out.replace("{" + slot + "}", rng.choice(pool), 1)
        while "{num}" in out:
            out = out.replace("{num}", str(rng.randint(2, 400)), 1)
        return out

    prompts = []
    for _ in range(n):
        text = rng.choice(OPENERS) + one() + rng.choice(CLOSERS)
        if rng.random() < 0.5:  # many real prompts carry a second, unrelated sentence
            text += " " + one().capitalize() + rng.choice((".", "?", ""))
        if rng.random() < 0.3:
            text += " " + " ".join(
                rng.choice(NOUNS + ADJS + VERBS) for _ in range(rng.randint(3, 9))
            )
        prompts.append(text)
    return prompts


# ----------------------------------------------------------------------------- runs


@dataclass
class Setting:
    threshold: float = DEFAULT_THRESHOLD
    num_perm: int = DEFAULT_NUM_PERM
    shingle: int = DEFAULT_SHINGLE_SIZE
    bands: int | None = None
    min_shared: int = DEFAULT_MIN_SHARED

    @classmethod
    def parse(cls, text: str) -> Setting:
        """Comma-separated t=threshold, p=num_perm, k=shingle_size, b=bands, m=min_shared."""
        setting = cls()
        names = {"t": "threshold", "p": "num_perm", "k": "shingle", "b": "bands", "m": "min_shared"}
        for part in filter(None, text.split(",")):
            key, value = part.split("=")
            setattr(setting, names[key], float(value) if key == "t" else int(value))
        return setting

    def make(self) -> PromptClusterer:
        return PromptClusterer(
            self.threshold,
            self.num_perm,
            shingle_size=self.shingle,
            bands=self.bands,
            min_shared=self.min_shared,
        )

    def __str__(self) -> str:
        c = self.make()
        return (
            f"threshold={self.threshold} num_perm={self.num_perm} shingle={self.shingle} "
            f"LSH={c.bands} bands x {c.rows} rows min_shared={self.min_shared}"
        )


def quality(setting: Setting, tmpl: list[tuple[int, str]], ben: list[str], seed: int) -> None:
    rng = random.Random(seed)
    mixed: list[tuple[int, str]] = tmpl + [(-1, p) for p in ben]
    rng.shuffle(mixed)
    c = setting.make()
    started = time.perf_counter()
    ids = [c.assign(p) for _, p in mixed]
    elapsed = time.perf_counter() - started

    by_template: dict[int, Counter[str]] = defaultdict(Counter)
    by_cluster: dict[str, Counter[int]] = defaultdict(Counter)
    for (t, _), cid in zip(mixed, ids, strict=True):
        by_cluster[cid][t] += 1
        if t >= 0:
            by_template[t][cid] += 1
    splits = [len(v) for v in by_template.values()]
    # A template "lands" in its main cluster for this share of its prompts.
    main_share = sum(v.most_common(1)[0][1] for v in by_template.values()) / len(tmpl)
    tmpl_clusters = [cnt for cnt in by_cluster.values() if any(t >= 0 for t in cnt)]
    mixed_templates = sum(1 for cnt in tmpl_clusters if len([t for t in cnt if t >= 0]) > 1)
    purity = sum(cnt.most_common(1)[0][1] for cnt in tmpl_clusters) / sum(
        sum(cnt.values()) for cnt in tmpl_clusters
    )
    absorbed = sum(cnt[-1] for cnt in tmpl_clusters)
    benign_clusters = [cnt[-1] for cnt in by_cluster.values() if cnt[-1] and len(cnt) == 1]
    distinct_benign_skeletons = len({normalise(p) for p in ben})
    print(f"  clusters total            {len(c):>8,}   ({len(mixed):,} prompts in {elapsed:.1f}s)")
    print(
        f"  templates -> clusters     40 -> {len(tmpl_clusters)} "
        f"(split per template: min {min(splits)} / median {int(np.median(splits))} / "
        f"max {max(splits)}; main cluster holds {main_share:.1%} of templated prompts)"
    )
    print(
        f"  clusters mixing templates {mixed_templates}   purity {purity:.4f}   "
        f"benign prompts absorbed into template clusters {absorbed} "
        f"({absorbed / len(ben):.3%} of benign)"
    )
    print(
        f"  benign: {len(ben):,} prompts, {distinct_benign_skeletons:,} distinct skeletons -> "
        f"{len(benign_clusters):,} clusters (largest {max(benign_clusters)}, "
        f"singletons {sum(1 for b in benign_clusters if b == 1):,})"
    )


def _rate(c: PromptClusterer, prompts: Sequence[str]) -> float:
    # CPU time of this process, not wall time: the bench machine is shared.
    started = time.process_time()
    for p in prompts:
        c.assign(p)
    return len(prompts) / max(time.process_time() - started, 1e-9)


def speed(
    setting: Setting,
    tmpl_warm: list[tuple[int, str]],
    fresh_tmpl: list[str],
    new: list[str],
    long: dict[int, list[str]],
) -> None:
    c = setting.make()
    for _, p in tmpl_warm:
        c.assign(p)
    hits0 = c.fast_hits
    rate_tmpl = _rate(c, fresh_tmpl)
    fast = (c.fast_hits - hits0) / len(fresh_tmpl)
    rate_known = _rate(c, fresh_tmpl)  # every skeleton now known: the exact-skeleton path only
    before, checked = len(c), c.candidates_checked
    rate_new = _rate(c, new)
    cands = (c.candidates_checked - checked) / len(new)
    started = time.process_time()
    for p in new:
        normalise(p)
    rate_norm = len(new) / (time.process_time() - started)
    avg_len = sum(map(len, fresh_tmpl)) / len(fresh_tmpl)
    long_rates = []
    for prompts in long.values():
        before_long = len(c)
        rate = _rate(c, prompts)
        size = sum(map(len, prompts)) / len(prompts)
        long_rates.append(f"{rate:,.0f}/s at {size:,.0f} chars ({len(c) - before_long} clusters)")
    print(
        f"  repeated-template traffic {rate_tmpl:>9,.0f} prompts/s  "
        f"(fresh slot values, avg {avg_len:.0f} chars, {fast:.1%} via the exact-skeleton path); "
        f"exact-skeleton path only {rate_known:,.0f}/s"
    )
    print(f"  long templated prompts with a pasted document: {'; '.join(long_rates)}")
    print(
        f"  never-seen prompts        {rate_new:>9,.0f} prompts/s  "
        f"({len(c) - before:,} new clusters next to {before:,}; {cands:.1f} candidates "
        f"verified per prompt; normalise() alone {rate_norm:,.0f}/s)"
    )


def stability(
    setting: Setting, day1: list[tuple[int, str]], day2: list[tuple[int, str]], ben2: list[str]
) -> None:
    a = setting.make()
    main: dict[int, Counter[str]] = defaultdict(Counter)
    for t, p in day1:
        main[t][a.assign(p)] += 1
    records = a.take_new_or_changed()
    b = setting.make()
    b.load(records)
    same = sum(1 for t, p in day2 if b.assign(p) == main[t].most_common(1)[0][0])
    a_ids = {a.assign(p) for t, p in day2}  # the same prompts in the never-reloaded run
    b2 = setting.make()
    b2.load(records)
    b_ids = {b2.assign(p) for t, p in day2}
    known = {r.cluster_id for r in records}
    fresh = sum(1 for p in ben2 if b.assign(p) not in known)
    print(
        f"  reload: day-2 template prompts joining their day-1 main cluster {same / len(day2):.1%}; "
        f"reloaded ids == never-reloaded ids: {a_ids == b_ids}; "
        f"unrelated prompts given new ids {fresh / len(ben2):.1%}"
    )


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


def memory(setting: Setting, prompts: Sequence[str]) -> None:
    gc.collect()
    tracemalloc.start()
    c = setting.make()
    base = tracemalloc.get_traced_memory()[0]
    for i, p in enumerate(prompts, 1):
        c.assign(p)
        if i % 5000 == 0:  # as the ingest does per batch; releases singleton samples
            c.take_new_or_changed()
    c.take_new_or_changed()
    c._skeletons.flush()
    c._lsh.flush()
    gc.collect()
    used, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n = len(c)
    per = (used - base) / n
    print(
        f"  memory: {n:,} clusters, {per:,.0f} B/cluster traced = {per * 1e5 / 2**20:,.1f} MiB per "
        f"100k clusters (arrays {c.memory_bytes() / n:,.0f} B/cluster; "
        f"peak {(peak - base) / 2**20:,.0f} MiB)"
    )


def _scale_worker(
    setting: Setting, n: int, seed: int, out: Queue[tuple[int, int, float, float]]
) -> None:
    prompts = unique_prompts(n + 10_000, random.Random(seed))
    gc.collect()
    before = _rss()
    c = setting.make()
    for i, p in enumerate(prompts[:n], 1):
        c.assign(p)
        if i % 5000 == 0:
            c.take_new_or_changed()
    c.take_new_or_changed()
    gc.collect()
    grown = _rss() - before
    checked = c.candidates_checked
    rate = _rate(c, prompts[n:])
    out.put((len(c), grown, rate, (c.candidates_checked - checked) / 10_000))


def scale(setting: Setting, n: int, seed: int) -> None:
    """RSS and never-seen rate after n distinct prompts, in a fresh process (memory freed by
    earlier runs would hide RSS growth)."""
    ctx = multiprocessing.get_context("spawn")
    queue: Queue[tuple[int, int, float, float]] = ctx.Queue()
    proc = ctx.Process(target=_scale_worker, args=(setting, n, seed, queue))
    proc.start()
    clusters, grown, rate, cands = queue.get()
    proc.join()
    print(
        f"  at {clusters:,} clusters: RSS growth {grown / clusters:,.0f} B/cluster "
        f"({grown / clusters * 1e5 / 2**20:,.1f} MiB per 100k); never-seen prompts "
        f"{rate:,.0f}/s with {cands:.1f} candidates verified per prompt"
    )


def baseline_datasketch(prompts: Sequence[str], threshold: float, num_perm: int) -> None:
    """Memory of the obvious design: datasketch MinHashLSH + LeanMinHash + dict of skeletons."""
    from datasketch import LeanMinHash, MinHash, MinHashLSH

    gc.collect()
    tracemalloc.start()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    skel: dict[str, str] = {}
    sigs: dict[str, LeanMinHash] = {}
    base = tracemalloc.get_traced_memory()[0]
    for i, p in enumerate(prompts):
        s = normalise(p)
        if s in skel:
            continue
        m = MinHash(num_perm=num_perm)
        words = s.split()
        m.update_batch([" ".join(words[j : j + 2]).encode() for j in range(max(1, len(words) - 1))])
        key = f"pc_{i:016x}"
        lean = LeanMinHash(m)
        lsh.insert(key, lean)
        sigs[key] = lean
        skel[s] = key
    gc.collect()
    used = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    per = (used - base) / len(sigs)
    print(
        f"  baseline datasketch MinHashLSH(threshold={threshold}, num_perm={num_perm}) + "
        f"LeanMinHash + skeleton dict: {per:,.0f} B/cluster = {per * 1e5 / 2**20:,.1f} MiB per "
        f"100k clusters ({len(sigs):,} clusters)"
    )


def unique_prompts(n: int, rng: random.Random) -> list[str]:
    # Benign prompts plus a random tail, so (nearly) every prompt is a distinct cluster.
    words = NOUNS + ADJS + VERBS
    return [p + " " + " ".join(rng.choice(words) for _ in range(6)) for p in benign(n, rng)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--settings",
        nargs="*",
        default=["", "m=0", "b=21", "t=0.4", "t=0.6,k=3", "p=128", "k=1"],
        help="comma-separated overrides of the defaults: t=threshold p=num_perm "
        "k=shingle_size b=bands m=min_shared ('' = the defaults)",
    )
    parser.add_argument("--quick", action="store_true", help="one fifth of every size")
    parser.add_argument("--scale", type=int, default=200_000, help="prompts for the scale run")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    shrink = 5 if args.quick else 1
    rng = random.Random(args.seed)
    tmpl = templated(20_000 // shrink, rng)
    ben = benign(50_000 // shrink, rng)
    fresh_tmpl = [p for _, p in templated(50_000 // shrink, rng)]
    new = unique_prompts(20_000 // shrink, rng)
    day2 = templated(5_000 // shrink, rng)
    ben2 = unique_prompts(2_000 // shrink, rng)
    mem_prompts = unique_prompts(100_000 // shrink, rng)
    long = {w: long_templated(5_000 // shrink, w, rng) for w in (150, 500)}

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    print(
        f"traffic: {len(tmpl):,} templated prompts (40 templates x 3 wordings) + "
        f"{len(ben):,} benign free-form prompts"
    )
    for text in args.settings:
        setting = Setting.parse(text)
        print(f"\n== {setting}")
        quality(setting, tmpl, ben, args.seed)
        speed(setting, tmpl, fresh_tmpl, new, long)
        stability(setting, tmpl, day2, ben2)
        memory(setting, mem_prompts)
        scale(setting, args.scale // shrink, args.seed + 1)
    print("\n== baseline")
    first = Setting.parse(args.settings[0])
    baseline_datasketch(mem_prompts[: 50_000 // shrink], first.threshold, first.num_perm)


if __name__ == "__main__":
    main()
