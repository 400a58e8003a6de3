"""Analyses over compiled scenarios: frontier, solutions, ZOPA."""
