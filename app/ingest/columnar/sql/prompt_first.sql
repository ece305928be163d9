-- name: prompt_first
-- Each prompt key with its first occurrence (input order) in `fast` and that first prompt's
-- text. Spark runs it over the whole input: the prompts the clusterer must see, in this order
-- (see common.py). DuckDB runs it per chunk; firsts.py keeps the keys no earlier chunk had.
SELECT prompt_key, min(ord) AS ord, min_by(prompt, ord) AS prompt
FROM fast
WHERE prompt_key IS NOT NULL
GROUP BY prompt_key
