"""Intake (需求征集): enterprises, institutions, researchers, yearly batches, needs and their review."""
