"""Question banks and the certification catalog (package data)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent
