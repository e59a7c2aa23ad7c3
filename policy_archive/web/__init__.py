"""`policy-archive serve`: a read-only web app over a corpus (timelines, versions, diffs)."""
