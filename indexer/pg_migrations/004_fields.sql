-- A million articles (indexer/postgres_index.py's "reading at scale"):
-- * `doc` keeps title (A) and lead and body (D) only, so an unweighted lexeme in a query
--   is "in the title or the text" and the GIN index answers it without a recheck (a
--   weight in a tsquery makes PostgreSQL read every matching tsvector again);
-- * `fields` holds author (B) and section (C), `title_doc` the title alone: each field
--   query has an index of its own, and the ranked candidates are found by their titles;
-- * every tsvector is kept out of line (toast_tuple_target): the table a search scans to
--   count and sort its matches is a few hundred bytes a row, not the articles' texts;
-- * `multi`: false only when no other row has the row's story, so a search counts its
--   stories as count(*) of those rows plus count(DISTINCT story) of the rest (a row's
--   flag may stay true after its story's other rows are gone: the count stays exact).
ALTER TABLE articles ADD COLUMN fields tsvector NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN title_doc tsvector NOT NULL DEFAULT '';
ALTER TABLE articles SET (toast_tuple_target = 128);
UPDATE articles SET fields = ts_filter(doc, '{b,c}'), title_doc = ts_filter(doc, '{a}'),
    doc = ts_filter(doc, '{a,d}')
    WHERE doc <> '';
CREATE INDEX articles_fields ON articles USING gin (fields);
CREATE INDEX articles_title ON articles USING gin (title_doc);
ALTER TABLE articles ADD COLUMN multi boolean NOT NULL DEFAULT false;
UPDATE articles SET multi = true WHERE story <> 0 AND story IN (
    SELECT story FROM articles WHERE story <> 0 GROUP BY story HAVING count(*) > 1);
CREATE INDEX articles_story ON articles (story);
