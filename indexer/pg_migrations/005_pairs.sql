-- Phrases at a million articles (indexer/postgres_index.py, "pairs"): GIN keeps no
-- positions, so `doc @@ 'a' <-> 'b'` re-reads the tsvector of every article holding both
-- words, 10 s and more when both are common.  `pair_words` numbers the index's most
-- widespread words (0, 1, …, fewer than 32768); `pairs` holds, for each two of them found
-- side by side in `doc` (a then b), the number a * 32768 + b: a phrase of such words is
-- one lookup in its GIN index (`pairs @> ARRAY[…]`, exact, no row re-read), and the
-- numbers take 4 bytes a pair where the words themselves took 23.
-- The words are chosen once, from the index itself when it first holds enough articles
-- (none until then, and phrases are checked as before); an index of this schema already
-- larger gets them from `newsmon reindex`.
ALTER TABLE articles ADD COLUMN pairs integer[] NOT NULL DEFAULT '{}';
CREATE INDEX articles_pairs ON articles USING gin (pairs);
CREATE TABLE pair_words (word text PRIMARY KEY, number integer NOT NULL UNIQUE);
