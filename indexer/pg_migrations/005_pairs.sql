-- Phrases at a million articles (indexer/postgres_index.py, "pairs"): GIN keeps no
-- positions, so `doc @@ 'a' <-> 'b'` re-reads the tsvector of every article holding both
-- words, 10 s and more when both are common.  `pairs` holds, without positions, each two
-- forms found side by side in `doc` ('a b') when both are among `pair_words`, the index's
-- most widespread words: a phrase of such words is one lookup in its GIN index.
-- `pair_words` is chosen once, from the index itself when it first holds enough articles
-- (empty until then, and phrases are checked as before); an index of this schema
-- already larger gets its pairs from `newsmon reindex`.
ALTER TABLE articles ADD COLUMN pairs tsvector NOT NULL DEFAULT '';
CREATE INDEX articles_pairs ON articles USING gin (pairs);
CREATE TABLE pair_words (word text PRIMARY KEY);
