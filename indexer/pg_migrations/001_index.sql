-- newsmon's search index in PostgreSQL (indexer/postgres_index.py): one row per indexed
-- article.  `doc` holds newsmon's own analysis (indexer/analysis.py: pymorphy3 lemmas, ё
-- folded) as a tsvector under no dictionary at all, with positions for phrases and a
-- weight per field: A title, B author, C section, D lead and body.
CREATE TABLE articles (
    seq bigserial NOT NULL,                 -- index order: ties are ranked by it
    id text PRIMARY KEY,
    url text NOT NULL,
    source text NOT NULL DEFAULT '',
    title text NOT NULL DEFAULT '',
    published timestamptz,                  -- NULL when undated
    published_at text,                      -- ISO 8601 in the article's own zone
    day integer NOT NULL DEFAULT 0,         -- YYYYMMDD in the article's own zone; 0 undated
    story bigint NOT NULL DEFAULT 0,        -- indexer/stories.py's number; 0 none
    tags text[] NOT NULL DEFAULT '{}',      -- lower-cased
    doc tsvector NOT NULL
);
CREATE INDEX articles_doc ON articles USING gin (doc);
CREATE INDEX articles_day ON articles (day);
CREATE INDEX articles_source ON articles (source);
CREATE INDEX articles_published ON articles (published DESC NULLS LAST, seq);
CREATE UNIQUE INDEX articles_seq ON articles (seq);
