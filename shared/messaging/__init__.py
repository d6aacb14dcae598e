"""Reliable messaging: transactional outbox + relay, idempotent inbox consumer, dead-letter topic."""
