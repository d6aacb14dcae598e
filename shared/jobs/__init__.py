"""Durable background work: jobs (long, leased, with progress) and due-date timers (fire once at or after a moment).

``lifecycle`` is plain Python (a domain aggregate may extend ``Job``); ``queue``, ``worker`` and ``timers``
hold the SQL and the loops. Nothing is imported here, so the domain can import ``shared.jobs.lifecycle``
without pulling in SQLAlchemy.
"""
