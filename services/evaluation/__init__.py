"""Evaluation: 期末与年度考评（R-V1–R-V7）.

Skeleton: own database, health, auth and consumer wiring; features arrive with their issue."""
