"""Ingestion: report files -> Documents with passages. Never imports an engine or the search side.

files.py      paths -> report files
decoding.py   bytes -> str (encodings)
formats/      bytes -> text per format (pdf, docx, html; plain text decoded), behind a dispatch table
reflow.py     text -> paragraphs (hard wraps, headings, tables of contents, artifacts)
articles.py   paragraphs -> articles: titles, sections, places, dates, doc_type
doctype.py    the kind of report, from its title
metadata.py   a user's corrections (CSV / JSONL) parsed and applied
pipeline.py   one file -> Documents (what the indexer consumes)
"""
