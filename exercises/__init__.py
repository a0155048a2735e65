"""Pristine stubs and metadata of every exercise (package data)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent
