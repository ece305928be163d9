"""The compiled normaliser gives exactly `normalise`'s skeletons.

`normalise` (Python regular expressions) is the specification; `normalise_many` must agree
with it on every input, byte for byte, or cluster ids would depend on which path ran.
"""

from __future__ import annotations

import random

import pytest

from app.ingest.clustering import normalise
from app.ingest.skeleton_kernel import normalise_many

# One or more cases per rule, at the edges its regular expression decides.
EDGE_CASES = [
    "",
    " ",
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f",
    "plain words only",
    # fenced code: unclosed, case of the tag, the guard's exact spellings
    "run ```x = 1``` then ```y",
    "see <code>a</code> and <Code>b</CODE> end",
    "only <Code>b</code> here",
    "``````",
    "<CODE>never closed",
    # URLs: scheme length, empty body, www in any case once the guard passed
    "go to https://example.com/a?b=1 now",
    "abcdefghijk://toolong.example and ab-c+d.e://ok.example",
    "x:// empty http://",
    "WwW.example.org and www.x and WWW.y ://",
    "visit www. then",
    "url<http://a.b>end 'http://quoted' \"www.q\"",
    # e-mails: domain needs a dot and a part after it
    "mail a.b+c@d-e.f.g. now",
    "no@domain and x@y. and @z.com and q@@r.s",
    "a@b.c@d.e",
    # labels: known words, short line labels, line-ending colons, too few words left
    "Question: what is the capital of Peru?",
    "Summarise the article below for a busy executive in three bullet points:\n\nThe board met",
    "Please summarise the customer review below in two sentences.\n\nReview: It was late",
    "Answer the question in one word please now. Question 12 : why?",
    "Answer the question in one word please now. xquestion: why?",
    "Answer the question in one word please now. Q: why?",
    "Answer the question in one word please now.\n  Task one two: do it\nNotes: more",
    "Answer the question in one word please now.\n  Task one two three: do it\nNext: more",
    "Answer the question in one word please now.\n9Task: do it",
    "Answer in one word please and quickly now:\r\n   \n",
    "Answer in one word please and quickly now:  \r\nbody\n Label's-x  y: z\nmore",
    "Context:\nfirst\nQuestion: second\nAnswer:",
    "a: b",
    ":leading colon and then some more words here",
    # JSON: innermost first, up to six rounds, unbalanced braces
    'compare {"a": {"b": {"c": 1}}} with the old config and list differences',
    "{{{{{{{{x}}}}}}}} deep",
    "{ open only and } close { again",
    # quotes: empty, multi-line, apostrophes, the 300-character limit
    'he said "" and "a\nb" and "unclosed',
    "don't say 'hi' or it's 'x'y or 'z'",
    "`cmd` and `` and `multi\nline`",
    "'" + "a" * 300 + "' and '" + "b" * 301 + "'",
    "`" + "c" * 300 + "` and `" + "d" * 301 + "`",
    # digits: ids, mixed tokens, separators, numbers after an id
    "Order 34 shipped, ref 3f9a2c1e8b7d, v1.2.3, 12:30, 1,000 and 2024-05-01",
    "abc123def45.67 user42 x_9-y 12345678901a -5 a1",
    "token a1b2c3d4e5 and 1. and .5 and 3/4/ and 5--6",
    # names: context before the capital, runs joined by space or hyphen
    "ask Mary Jane-Watson and Bob, Alice; Eve) Zed \x02 Ann",
    "Start Of Sentence. Then X and Xy Zz-Aa Bb",
    "  Ab",
    # repeated slot tokens collapse
    "1 2 3 and 4, 5",
    '"a" "b" `c`',
]


def _fuzz_cases(count: int, seed: int) -> list[str]:
    # Fragments each rule reacts to, glued at random, so that rules meet and overlap.
    fragments = [
        "```",
        "<code>",
        "</CODE>",
        "<Code>",
        "http://",
        "ftp.x://",
        "www.",
        "WWW.",
        "wWw.",
        "://",
        "@",
        "a@b.c",
        "x.y@z-q.r",
        "{",
        "}",
        '{"k": 1}',
        '"',
        "'",
        "`",
        ":",
        "\n",
        "\r\n",
        "\t",
        " ",
        "  ",
        "Question",
        "question",
        "Q",
        "q",
        "text",
        "Passage",
        "Label",
        "Task one",
        "Response A",
        "12",
        "3.5",
        "1,2",
        "0:0",
        "9/9",
        "-",
        "_",
        "abc123def456",
        "deadbeef99",
        "x1",
        "Mary",
        "Jane",
        "Smith-Jones",
        ",",
        ";",
        ")",
        "(",
        "\x01",
        "\x02",
        "<",
        ">",
        "> <",
        "<num>",
        ".",
        "+",
        "!",
        "?",
        "\x1c",
        "\x0b",
        "don't",
        "it's",
        "and",
        "the",
        "summarise",
        "below",
        "é",
        "“quoted”",
        "٣",
    ]
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        pieces = rng.randint(1, 40)
        cases.append(
            "".join(
                rng.choice(fragments) if rng.random() < 0.7 else chr(rng.randint(32, 126))
                for _ in range(pieces)
            )
        )
    return cases


@pytest.mark.parametrize("text", EDGE_CASES)
def test_each_edge_case_gives_normalise_s_skeleton(text: str) -> None:
    assert normalise_many([text]) == [normalise(text)]


def test_random_mixtures_of_rule_fragments_give_normalise_s_skeletons() -> None:
    cases = _fuzz_cases(20_000, seed=15)
    expected = [normalise(text) for text in cases]
    got = normalise_many(cases)
    wrong = [(text, e, g) for text, e, g in zip(cases, expected, got, strict=True) if e != g]
    assert not wrong, wrong[:3]


def test_batches_keep_order_and_route_non_ascii_prompts_to_python() -> None:
    batch = ["Order 7 shipped", "Bestellung Nr. ٣٤ für Zoë", "", "Ask Mary", "“q” said"]
    assert normalise_many(batch) == [normalise(text) for text in batch]
    assert normalise_many([]) == []


def test_long_prompts_are_cut_like_normalise_cuts_them() -> None:
    text = "Question: " + "word " * 5000 + "tail 12 Mary Smith said 'x'"
    assert len(text) > 20_000
    assert normalise_many([text]) == [normalise(text)]
