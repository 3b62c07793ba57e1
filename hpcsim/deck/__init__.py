"""Input decks: TOML with a schema per family, `--set` overrides, validation before any work."""
from .loader import Deck, load, parse_override, resolve
from .schema import Key, Section

__all__ = ["Deck", "Key", "Section", "load", "parse_override", "resolve"]
