-- Date ranges at a million articles (indexer/pg_query.py's days_query): a dated row's
-- `doc` also holds its day as the lexeme '§YYYYMMDD' (no position; no word has "§"), so
-- a range becomes prefixes and days in the same GIN lookup as its words ('§2019':* a
-- year), and a common word in a year reads that year's matches, not all of them.  The
-- `day BETWEEN` filter stays: the lexemes only narrow what it is applied to.
UPDATE articles SET doc = doc || array_to_tsvector(ARRAY['§' || lpad(day::text, 8, '0')])
    WHERE day <> 0;
