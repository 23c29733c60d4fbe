"""Use cases. Each public function owns its transaction: it opens a session from the
session factory it is given, commits, and only then causes side effects (place a call)."""
