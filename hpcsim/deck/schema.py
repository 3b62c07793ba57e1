"""Declarative deck schema: every key with its type, default, allowed range and documentation.

A `Section` is a named table of `Key`s. Validation turns a parsed TOML table into a resolved one (defaults
filled in), or raises `InputError` naming the dotted key and the reason: unknown keys (with a did-you-mean
suggestion), wrong types, non-finite numbers, values out of range or not among the choices.
"""
import difflib
import math
from dataclasses import dataclass, field

from ..errors import InputError

REQUIRED = object()


def suggest(name, candidates):
    """' (did you mean 'x'?)' for the closest candidate, or ''."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def ascii_name(value, where):
    """Check a name that ends up in a format needing ASCII (openPMD record and species names, HDF5 dataset
    names): an ASCII letter, then ASCII letters, digits and '_'."""
    if not (value.isascii() and value[:1].isalpha() and (value.replace("_", "a").isalnum())):
        raise InputError(f"{value!r} is not a name of ASCII letters, digits and _ starting with a letter (it names "
                         f"openPMD records and diagnostics)", where)
    return value


def _describe(value):
    return f"{value!r} ({type(value).__name__})"


@dataclass
class Key:
    """One deck key. `kind` is int, float, bool, str, ints, floats or any (checked by `check` alone)."""

    name: str
    kind: str
    default: object = REQUIRED
    doc: str = ""
    choices: tuple = None
    minimum: float = None
    maximum: float = None
    exclusive_minimum: bool = False
    length: tuple = None          # (min, max) entries for list kinds
    check: object = None          # extra validator: check(value, dotted_key) -> value or raise InputError

    def validate(self, value, where):
        value = _check_kind(self.kind, value, where)
        if self.length is not None:
            lo, hi = self.length
            if not lo <= len(value) <= hi:
                span = f"{lo}" if lo == hi else f"{lo} to {hi}"
                raise InputError(f"needs {span} entries, got {len(value)}", where)
        for v in (value if isinstance(value, list) else [value]):
            self._check_range(v, where)
        if self.choices is not None and value not in self.choices:
            raise InputError(f"{value!r} is not one of {', '.join(map(repr, self.choices))}{suggest(str(value), map(str, self.choices))}", where)
        return self.check(value, where) if self.check else value

    def _check_range(self, v, where):
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            return
        if self.minimum is not None:
            if self.exclusive_minimum and v <= self.minimum:
                raise InputError(f"must be > {self.minimum}, got {v}", where)
            if v < self.minimum:
                raise InputError(f"must be >= {self.minimum}, got {v}", where)
        if self.maximum is not None and v > self.maximum:
            raise InputError(f"must be <= {self.maximum}, got {v}", where)


def _check_kind(kind, value, where):
    if kind == "any":
        return value
    if kind in ("ints", "floats"):
        if not isinstance(value, list):
            raise InputError(f"must be a list of {kind[:-1]}s, got {_describe(value)}", where)
        return [_check_kind(kind[:-1], v, f"{where}[{i}]") for i, v in enumerate(value)]
    if kind == "bool":
        if not isinstance(value, bool):
            raise InputError(f"must be true or false, got {_describe(value)}", where)
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"must be an integer, got {_describe(value)}", where)
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"must be a number, got {_describe(value)}", where)
        if not math.isfinite(value):
            raise InputError(f"must be finite, got {value}", where)
        return float(value)
    if kind == "str":
        if not isinstance(value, str):
            raise InputError(f"must be a string, got {_describe(value)}", where)
        return value
    raise ValueError(f"schema error: unknown kind {kind!r} for {where}")


@dataclass
class Section:
    """A deck table `[name]` with its keys, in documentation order."""

    name: str
    doc: str
    keys: list = field(default_factory=list)
    check: object = None     # check(resolved table, where): cross-key rules of the section alone (InputError)

    def __post_init__(self):
        self.by_name = {k.name: k for k in self.keys}

    def resolve(self, table, where=None):
        """Validate `table` (a dict from TOML) and return it with defaults filled in; `where` names the table
        in messages (default: the section name)."""
        where_table = where or self.name
        if not isinstance(table, dict):
            raise InputError(f"must be a table [{self.name}], got {_describe(table)}", where_table)
        for name in table:
            if name not in self.by_name:
                raise InputError(f"unknown key{suggest(name, self.by_name)}; valid keys: "
                                 f"{', '.join(self.by_name)}", f"{where_table}.{name}")
        out = {}
        for key in self.keys:
            where = f"{where_table}.{key.name}"
            if key.name in table:
                out[key.name] = key.validate(table[key.name], where)
            elif key.default is REQUIRED:
                raise InputError(f"is required ({key.doc})", where)
            elif key.default is not None:
                out[key.name] = key.default
        if self.check is not None:
            self.check(out, where_table)
        return out

    def template(self):
        """Commented TOML listing every key with its default: the schema as documentation."""
        lines = [f"[{self.name}]"] + [f"# {line}" for line in self.doc.splitlines()]
        for key in self.keys:
            lines.append(f"# {key.doc}" + (f" Choices: {', '.join(map(str, key.choices))}." if key.choices else ""))
            if key.default is REQUIRED:
                lines.append(f"{key.name} = ...   # required")
            elif key.default is None:
                lines.append(f"# {key.name} =    # optional")
            else:
                lines.append(f"{key.name} = {_toml_literal(key.default)}")
        return "\n".join(lines) + "\n"


@dataclass
class TableArray(Section):
    """An array of tables `[[name]]` (e.g. one per particle species), each validated with the same keys;
    messages name the entry, `species[1].mass`. `count` bounds the number of entries."""

    count: tuple = (1, 64)

    def resolve(self, tables, where=None):
        if isinstance(tables, dict):
            tables = [tables]
        if not isinstance(tables, list):
            raise InputError(f"must be an array of tables [[{self.name}]], got {_describe(tables)}", self.name)
        lo, hi = self.count
        if not lo <= len(tables) <= hi:
            raise InputError(f"needs {lo} to {hi} [[{self.name}]] tables, got {len(tables)}", self.name)
        return [Section.resolve(self, t, f"{self.name}[{i}]") for i, t in enumerate(tables)]

    def template(self):
        return Section.template(self).replace(f"[{self.name}]", f"[[{self.name}]]", 1)


def _toml_literal(value):
    import tomli_w

    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()
