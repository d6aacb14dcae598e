"""TechBridge shared infrastructure and contracts (settings, db, errors, auth, events, messaging).

Domain logic never lives here: it stays in the service that owns it.
"""
