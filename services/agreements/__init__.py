"""Agreements: 三方协议与聘任（R-F8–R-F10）.

Skeleton: own database, health, auth and consumer wiring; features arrive with their issue."""
