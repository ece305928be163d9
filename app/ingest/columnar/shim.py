"""The dialect shim: everything that differs between DuckDB and Spark SQL, in one place.

The shared SQL (`sql/*.sql`) is written in the common subset of both dialects. What differs:

- JSON field access. `extraction_sql` builds the relation `j` that `parse.sql` reads: per input
  field F a kind code `t_F` (s string, i integer, f other number, b boolean, n null, m missing,
  o object/array) and its text `s_F`. DuckDB: `json_type` / `json_extract_string` with a list of
  paths (one parse per call). Spark: `try_parse_json` into a VARIANT, `variant_get`,
  `schema_of_variant`. The relation's `json_ok` also screens out the leniencies of the
  engine's JSON parser that orjson refuses, so those lines take the slow path.
- Function names. DuckDB gets macros for the Spark names the SQL uses (`regexp_like`, `sha2`,
  `timestamp_micros`); what cannot be a macro is replaced textually: the array constructor,
  written `@ARRAY(` (`list_value(` / `array(`), and `octet_length(` (DuckDB's takes BLOBs only:
  `strlen(`).
- Literals and identifiers: Spark runs with `spark.sql.parser.escapedStringLiterals=true` (a
  backslash in a literal is a plain character, as in DuckDB) and
  `spark.sql.ansi.doubleQuotedIdentifiers=true` (`"first"` is an identifier, as in DuckDB).
"""

from __future__ import annotations

from importlib import resources
from typing import Literal

Dialect = Literal["duckdb", "spark"]

# Every field any event type reads (app/ingest/events.py).
FIELDS = (
    "type", "account_id", "ts", "ip", "device_id", "user_agent", "prompt", "model",
    "input_tokens", "output_tokens", "payment_id", "method", "bin", "issuer_country", "asn",
    "as_org", "kind", "operator", "source", "confidence", "created_at", "email", "country", "org",
)  # fmt: skip

# Aggregations, in the order their Parquet files are written; the name is the file's stem.
OUTPUTS = (
    "accounts", "request_accounts", "ip_info", "payments", "ips", "devices", "ip_usage",
    "device_usage", "cluster_usage", "cluster_requests", "activity_days", "labels",
)  # fmt: skip

DUCKDB_MACROS = (
    "CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)",
    "CREATE OR REPLACE MACRO sha2(s, n) AS sha256(s)",
    "CREATE OR REPLACE MACRO timestamp_micros(us) AS CAST(make_timestamp(us) AS TIMESTAMPTZ)",
)

SPARK_CONF = {
    "spark.sql.parser.escapedStringLiterals": "true",
    "spark.sql.ansi.doubleQuotedIdentifiers": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}

# Leniencies of the engines' JSON parsers that orjson refuses: trailing commas, NaN / Infinity
# and out-of-range numbers, lone surrogates. A line showing one may still be valid JSON to
# orjson (the pattern can match inside a string), so it takes the slow path rather than fails.
_TRAILING_COMMA = r",[ \t\r]*[}\]]"
_ODD_NUMBER = r"[:,\[][ \t\r]*([-+]?(?i:nan|inf)|-?[0-9]{19}|-?[0-9.]+[eE][-+]?[0-9]{3})"
_SURROGATE = r"\\u[dD][89a-fA-F]"

_DUCK_KIND = (
    "CASE {x} WHEN 'VARCHAR' THEN 's' WHEN 'BIGINT' THEN 'i' WHEN 'UBIGINT' THEN 'i' "
    "WHEN 'DOUBLE' THEN 'f' WHEN 'BOOLEAN' THEN 'b' WHEN 'NULL' THEN 'n' "
    "WHEN 'OBJECT' THEN 'o' WHEN 'ARRAY' THEN 'o' ELSE CASE WHEN {x} IS NULL THEN 'm' ELSE 'o' END END"
)
_SPARK_KIND = (
    "CASE WHEN {v} IS NULL THEN 'm' WHEN is_variant_null({v}) THEN 'n' "
    "ELSE CASE schema_of_variant({v}) WHEN 'STRING' THEN 's' WHEN 'BIGINT' THEN 'i' "
    "WHEN 'INT' THEN 'i' WHEN 'SMALLINT' THEN 'i' WHEN 'TINYINT' THEN 'i' "
    "WHEN 'BOOLEAN' THEN 'b' WHEN 'DOUBLE' THEN 'f' WHEN 'FLOAT' THEN 'f' "
    "ELSE CASE WHEN schema_of_variant({v}) LIKE 'DECIMAL%' THEN 'f' ELSE 'o' END END END"
)


def extraction_sql(dialect: Dialect, source: str) -> str:
    """The relation `j` over `source` (file_idx, line_no, line [, utf8_ok]) for parse.sql."""
    paths = ", ".join(f"'$.{f}'" for f in FIELDS)
    if dialect == "duckdb":
        cols = ",\n  ".join(
            f"{_DUCK_KIND.format(x=f'jt[{i}]')} AS t_{f}, js[{i}] AS s_{f}"
            for i, f in enumerate(FIELDS, start=1)
        )
        # A line is an object when it is valid JSON starting with "{" (JSON's other whitespace,
        # \n, cannot occur in a line). `top` is the type of each top-level value, duplicates
        # included. Duplicate keys: when the line has exactly as many keys as known fields
        # present, no field is repeated; only the other lines (unknown fields, or repeats) pay
        # for list_distinct(json_keys), which costs more than the whole extraction. Leniencies:
        # the number pattern scans every byte (no literal to skip to) and only matters when a
        # value yyjson read is a double, or nests one (NaN, Infinity, 1e400 and integers beyond
        # 64 bits are doubles to yyjson; integers within 64 bits are exact in both parsers).
        return f"""
SELECT file_idx, line_no, line, json_ok,
  {cols}
FROM (
  SELECT file_idx, line_no, line, json_ok,
    CASE WHEN json_ok THEN jt0 END AS jt,
    CASE WHEN json_ok THEN json_extract_string(line, [{paths}]) END AS js
  FROM (
    SELECT *,
      CASE WHEN NOT obj THEN false
           WHEN CASE WHEN len(top) = list_aggregate(jt0, 'count') THEN false
                     ELSE len(top) <> len(list_distinct(json_keys(line))) END THEN false
           WHEN regexp_matches(line, '{_TRAILING_COMMA}') THEN false
           WHEN regexp_matches(line, '{_SURROGATE}') THEN false
           WHEN list_has_any(top, ['DOUBLE', 'OBJECT', 'ARRAY'])
             THEN NOT regexp_matches(line, '{_ODD_NUMBER}')
           ELSE true END AS json_ok
    FROM (
      SELECT *, CASE WHEN obj THEN json_type(line, [{paths}]) END AS jt0,
        CASE WHEN obj THEN json_type(line, '$.*') END AS top
      FROM (
        SELECT file_idx, line_no, line,
          json_valid(line) AND regexp_matches(line, '^[ \\t\\r]*\\{{') AS obj
        FROM {source}
      ) a
    ) b
  ) c
) d"""  # noqa: S608 - built from this module's constants
    cols = ",\n  ".join(
        f"{_SPARK_KIND.format(v=f'v_{f}')} AS t_{f}, variant_get(v_{f}, '$', 'string') AS s_{f}"
        for f in FIELDS
    )
    gets = ", ".join(f"variant_get(v, '$.{f}') AS v_{f}" for f in FIELDS)
    # Spark keeps a line's raw bytes in its string, so invalid UTF-8 is detectable here; the
    # variant parser refuses duplicate keys, so those lines take the slow path too. As for
    # DuckDB, the number pattern matters only when the variant holds a non-integer number
    # (its schema names every nested type, so it is one check).
    return f"""
SELECT file_idx, line_no, line, json_ok,
  {cols}
FROM (
  SELECT file_idx, line_no, line, json_ok, {gets}
  FROM (
    SELECT file_idx, line_no, line, v,
      coalesce(v IS NOT NULL AND schema_of_variant(v) LIKE 'OBJECT%', false)
        AND NOT regexp_like(line, '{_TRAILING_COMMA}') AND NOT regexp_like(line, '{_SURROGATE}')
        AND (NOT regexp_like(schema_of_variant(v), 'DOUBLE|DECIMAL|FLOAT')
             OR NOT regexp_like(line, '{_ODD_NUMBER}')) AS json_ok
    FROM (SELECT *, CASE WHEN is_valid_utf8(line) THEN try_parse_json(line) END AS v FROM {source}) p
  ) a
) b"""  # noqa: S608 - built from this module's constants


def load_sql(name: str, dialect: Dialect) -> str:
    """One shared SQL file with the dialect's textual replacements applied."""
    text = resources.files("app.ingest.columnar").joinpath(f"sql/{name}.sql").read_text()
    if dialect == "duckdb":
        return text.replace("@ARRAY(", "list_value(").replace("octet_length(", "strlen(")
    return text.replace("@ARRAY(", "array(")
