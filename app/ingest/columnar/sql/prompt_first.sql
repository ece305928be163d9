-- name: prompt_first
-- Each prompt key with its first occurrence (input order) and that first prompt's text: the
-- prompts the clusterer must see, in this order (see common.py).
SELECT prompt_key, min(ord) AS ord, min_by(prompt, ord) AS prompt
FROM fast
WHERE prompt_key IS NOT NULL
GROUP BY prompt_key
