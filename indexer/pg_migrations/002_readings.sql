-- The word readings (indexer/readings.py's file, as a table): every word form the index
-- holds with the lemmas it was indexed under, written in the same transaction as the
-- articles, so a search reads query words and marks snippets without the dictionary.
CREATE TABLE readings (
    word text NOT NULL,
    rank integer NOT NULL,
    lemma text NOT NULL,
    PRIMARY KEY (word, rank)
);
CREATE INDEX readings_lemma ON readings (lemma);
CREATE INDEX articles_tags ON articles USING gin (tags);
-- readings cover the index only when recorded from its first article on (or since a
-- rebuild): an index upgraded from 001 with articles in it serves query words only
CREATE TABLE index_meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO index_meta
    SELECT 'readings_complete', CASE WHEN EXISTS (SELECT 1 FROM articles) THEN '0' ELSE '1' END;
