"""Chinese full-text search over the registry: jieba segmentation with an editable domain
dictionary and synonyms (text.py, pure), run by the database's own full-text engine
(backend.py: SQLite FTS5 or PostgreSQL tsvector)."""
