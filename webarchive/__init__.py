"""Wayback Machine types and pure helpers shared by the crawler and the corpus: CDX
records and queries, timestamps, archive and replay URLs. No I/O, no Scrapy."""
