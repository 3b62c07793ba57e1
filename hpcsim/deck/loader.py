"""Loading a deck: TOML parsing, `--set` overrides, schema validation, defaults, and the resolved deck text.

A deck selects its solver family by containing that family's section (`[poisson]`, `[diffusion]`, ...).
Everything that can be checked without running is checked here, so bad input fails before any output exists.
"""
import datetime
from dataclasses import dataclass
from pathlib import Path

import tomli_w

try:
    import tomllib
except ImportError:            # Python 3.10: the same parser as the tomli package
    import tomli as tomllib

from .. import __version__
from ..errors import InputError
from ..models import FAMILIES, family
from .core import CORE_SECTIONS, check_core, check_time
from .schema import TableArray, suggest


@dataclass
class Deck:
    """A validated deck: `data` holds every key with defaults resolved."""

    data: dict
    family: str
    path: str

    def __getitem__(self, section):
        return self.data[section]

    @property
    def spec(self):
        """The `Family` this deck selects."""
        return family(self.family)

    def text(self):
        """The resolved deck as TOML, as written to OUTDIR/deck.toml and embedded in output files."""
        header = (f"# Resolved deck: hpcsim {__version__}, family '{self.family}', from {self.path}\n"
                  f"# written {datetime.datetime.now().isoformat(timespec='seconds')}\n")
        return header + tomli_w.dumps(self.data)


def parse_override(item):
    """'section.key=VALUE' -> (['section', 'key'], value); VALUE is read as a TOML value, else as a string."""
    if "=" not in item:
        raise InputError(f"expected KEY=VALUE, got {item!r}", "--set")
    key, raw = item.split("=", 1)
    path = [p.strip() for p in key.strip().split(".")]
    if len(path) < 2 or not all(path):
        raise InputError(f"expected section.key=VALUE, got {item!r}", "--set")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return path, value


def apply_overrides(table, overrides):
    for item in overrides:
        path, value = parse_override(item)
        node = table
        for part in path[:-1]:
            if isinstance(node, list):          # an array of tables: species.0.mass
                if not part.isdigit() or int(part) >= len(node):
                    raise InputError(f"{part!r} is not an index of the {len(node)} tables there", "--set")
                node = node[int(part)]
            else:
                node = node.setdefault(part, {})
            if not isinstance(node, (dict, list)):
                raise InputError(f"{'.'.join(path[:-1])} is not a table", "--set")
        if not isinstance(node, dict):
            raise InputError(f"{'.'.join(path)}: give an index into the array of tables", "--set")
        node[path[-1]] = value


def read_toml(path):
    p = Path(path)
    if not p.is_file():
        raise InputError("no such deck file", str(path))
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"malformed TOML: {exc}", str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not a UTF-8 text file ({exc.reason})", str(path)) from None


def section_default(section):
    """What an absent section resolves from: an empty table, or no tables for an array of tables (which then
    says how many it needs)."""
    return [] if isinstance(section, TableArray) else {}


def resolve(table, path="<deck>"):
    """Validate a parsed deck table; return a `Deck` with defaults filled in."""
    present = [name for name in FAMILIES if name in table]
    if len(present) != 1:
        what = "no solver section" if not present else f"several solver sections ({', '.join(present)})"
        raise InputError(f"{what}: a deck needs exactly one of {', '.join(f'[{f}]' for f in FAMILIES)}",
                         str(path))
    family_name = present[0]
    spec = family(family_name)
    sections = {s.name: s for s in (*CORE_SECTIONS, *spec.sections)}
    for name in table:
        if name not in sections:
            others = [f for f in FAMILIES if f != family_name]
            hint = suggest(name, list(sections) + others)
            raise InputError(f"unknown section{hint}; sections for a {family_name} deck: {', '.join(sections)}",
                             name)
    data = {name: section.resolve(table[name] if name in table else section_default(section))
            for name, section in sections.items()}
    check_core(data)
    if spec.time_dependent:
        check_time(data, spec.adaptive(data))
    else:
        data["run"]["steps"] = 1
    spec.validate(data)
    return Deck(data, family_name, str(path))


def load(path, overrides=()):
    """Read, override, and validate the deck at `path`; raises `InputError` on any problem."""
    table = read_toml(path)
    apply_overrides(table, overrides)
    return resolve(table, path)
