"""Generate ``seed/products.schema.json`` (JSON Schema draft 2020-12) from the marshmallow
schemas in ``storefront.catalog.schemas``, so the file editors read cannot drift from the
rules ``seed load`` enforces.

    storefront seed schema [PATH] [--check]
    python -m storefront.seeding.json_schema [PATH] [--check]

What is translated: Nested (inline, or under ``$defs`` when the field's metadata names a
``json_schema_def``), List, String / Integer / Number / Boolean, ``required``, ``allow_none``
(``"null"`` added to the type), constant ``load_default`` (``default``), ``unknown = RAISE``
(``additionalProperties: false``), the validators Range, Length, OneOf and Regexp, field
``metadata["description"]``, a schema's ``json_schema_extra`` keywords and its ``rules``
(``if`` / ``then`` under ``allOf``). ``Text`` fields are stripped before they are checked, so
their Length and Regexp become patterns that allow surrounding whitespace. Anything else
(a custom validator, an unknown field type) raises TypeError: a rule is never dropped
silently. Rules that compare array items with each other stay in Python hooks and are
described in the root's ``$comment``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click
from marshmallow import RAISE, Schema, fields, validate

from storefront.catalog.schemas import Rule, SeedFileSchema, Text, When

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_PATH = "seed/products.schema.json"


def build(root: type[Schema] = SeedFileSchema) -> dict[str, Any]:
    """The JSON Schema document for ``root``."""
    defs: dict[str, Any] = {}
    out = {"$schema": DRAFT, **_object(root, defs)}
    if defs:
        out["$defs"] = defs
    return out


def render(root: type[Schema] = SeedFileSchema) -> str:
    """``build(root)`` as the text committed to the repository."""
    return json.dumps(build(root), indent=2, ensure_ascii=False) + "\n"


def _object(schema_cls: type[Schema], defs: dict) -> dict[str, Any]:
    schema = schema_cls()
    extra = getattr(schema_cls, "json_schema_extra", {})
    out: dict[str, Any] = {**extra, "type": "object", "properties": {}}
    required = []
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        key = field.data_key or name
        out["properties"][key] = _field(field, defs)
        if field.required:
            required.append(key)
    if required:
        out["required"] = required
    if schema.unknown == RAISE:
        out["additionalProperties"] = False
    if rules := getattr(schema_cls, "rules", ()):
        out["allOf"] = _rules(schema_cls, rules)
    return out


def _field(field: fields.Field, defs: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if description := field.metadata.get("description"):
        out["description"] = description
    if isinstance(field, fields.Nested):
        if field.many:
            raise TypeError(f"use List(Nested(...)), not Nested(many=True), for {field.name!r}")
        nested = type(field.schema)
        if name := field.metadata.get("json_schema_def"):
            if name not in defs:
                defs[name] = None  # reserve the name (recursive schemas)
                defs[name] = _object(nested, defs)
            out["$ref"] = f"#/$defs/{name}"
        else:
            out.update((k, v) for k, v in _object(nested, defs).items() if k not in out)
    elif isinstance(field, fields.List):
        out.update(type="array", items=_field(field.inner, defs))
    else:
        out["type"] = _scalar_type(field)
    if field.allow_none:
        if "$ref" in out:
            out = {"anyOf": [{"$ref": out.pop("$ref")}, {"type": "null"}], **out}
        else:
            out["type"] = [out["type"], "null"]
    for v in field.validators:
        _validator(field, v, out)
    if not field.required:
        default = field.load_default() if callable(field.load_default) else field.load_default
        if isinstance(default, str | int | float | bool) or default == []:
            out["default"] = default
    return out


def _scalar_type(field: fields.Field) -> str:
    for cls, name in ((fields.Boolean, "boolean"), (fields.Integer, "integer"),
                      (fields.Number, "number"), (fields.String, "string")):
        if isinstance(field, cls):
            return name
    raise TypeError(f"no JSON Schema type for {type(field).__name__}")


def _validator(field: fields.Field, v: Any, out: dict) -> None:
    is_list, is_text = isinstance(field, fields.List), isinstance(field, Text)
    if isinstance(v, validate.Range):
        if v.min is not None:
            out["minimum" if v.min_inclusive else "exclusiveMinimum"] = v.min
        if v.max is not None:
            out["maximum" if v.max_inclusive else "exclusiveMaximum"] = v.max
    elif isinstance(v, validate.OneOf):
        out["enum"] = list(v.choices)
    elif isinstance(v, validate.Length):
        lo, hi = (v.equal, v.equal) if v.equal is not None else (v.min or 0, v.max)
        if is_text:  # checked after stripping: a pattern that allows surrounding whitespace
            _add_pattern(out, rf"^\s*{_trimmed(lo, hi)}\s*$")
        else:
            lo_key, hi_key = ("minItems", "maxItems") if is_list else ("minLength", "maxLength")
            if lo:
                out[lo_key] = lo
            if hi is not None:
                out[hi_key] = hi
        if not is_list:
            bounds = f"at most {hi}" if lo == 0 else f"{lo} to {hi}" if hi is not None else f"at least {lo}"
            trimmed = " once surrounding whitespace is trimmed" if is_text else ""
            text = out.get("description", "").rstrip(".")
            out["description"] = f"{text} ({bounds} characters{trimmed}).".strip()
    elif isinstance(v, validate.Regexp):
        pattern = _ecma(v.regex)
        if is_text:  # matched after stripping: allow the whitespace strip() removes
            inner = pattern[1:-1]
            pattern = r"^\s*" + (f"(?:{inner})" if "|" in inner else inner) + r"\s*$"
        _add_pattern(out, pattern)
    else:
        raise TypeError(f"no JSON Schema for validator {v!r} on {field.name or field!r}")


def _trimmed(lo: int, hi: int | None) -> str:
    """A regex for a string without surrounding whitespace, ``lo`` to ``hi`` characters long."""
    if max(lo, 1) >= 2:
        core = rf"\S[\s\S]{{{lo - 2},{'' if hi is None else hi - 2}}}\S"
    elif hi == 1:
        core = r"\S"
    else:
        core = r"\S(?:[\s\S]" + ("*" if hi is None else f"{{0,{hi - 2}}}") + r"\S)?"
    return f"(?:{core})?" if lo == 0 else core


def _ecma(regex: re.Pattern) -> str:
    """A Python pattern anchored with ^ and \\Z, as an ECMAScript one (where $ is the end)."""
    src = regex.pattern
    if regex.flags & ~re.UNICODE or not (src.startswith("^") and src.endswith(r"\Z")) \
            or any(s in src[:-2] for s in (r"\A", r"\Z", "(?P")):
        raise TypeError(f"cannot translate the pattern {src!r} to JSON Schema")
    return src[:-2] + "$"


def _add_pattern(out: dict, pattern: str) -> None:
    if "pattern" in out:
        out.setdefault("allOf", []).append({"pattern": out.pop("pattern")})
        out["allOf"].append({"pattern": pattern})
    elif "allOf" in out:
        out["allOf"].append({"pattern": pattern})
    else:
        out["pattern"] = pattern


def _rules(schema_cls: type[Schema], rules: tuple[Rule, ...]) -> list[dict]:
    """One ``if`` / ``then`` per distinct condition, in the order the rules are declared."""
    grouped: dict[When, dict] = {}
    for rule in rules:
        then = grouped.setdefault(rule.when, {})
        for dotted in rule.fields:
            field = _resolve(schema_cls, dotted)
            if rule.must == "present":
                leaf = {"type": _scalar_type(field) if not isinstance(field, fields.Nested) else "object"}
                if isinstance(field, Text):
                    leaf["pattern"] = r"\S"
                elif isinstance(field, fields.String):
                    leaf["minLength"] = 1
            elif rule.must == "absent":
                leaf = {"type": "null"}
            else:
                leaf = {"not": _one_of(rule.values)}
            _merge(then, _nest(schema_cls, dotted, leaf, required=rule.must == "present"))
    out = []
    for when, then in grouped.items():
        test = {"not": _one_of(when.values)} if when.negate else _one_of(when.values)
        out.append({"if": _nest(schema_cls, when.field, test, required=True), "then": then})
    return out


def _one_of(values: tuple[str, ...]) -> dict:
    return {"const": values[0]} if len(values) == 1 else {"enum": list(values)}


def _resolve(schema_cls: type[Schema], dotted: str) -> fields.Field:
    *parents, leaf = dotted.split(".")
    for name in parents:
        schema_cls = type(schema_cls().fields[name].schema)
    return schema_cls().fields[leaf]


def _nest(schema_cls: type[Schema], dotted: str, leaf: dict, *, required: bool) -> dict:
    """``leaf`` placed at ``dotted`` inside ``properties``; with ``required``, every key on the
    way must be there (and every object on the way must be an object, not null)."""
    name, _, rest = dotted.partition(".")
    field = schema_cls().fields[name]
    key = field.data_key or name
    inner = leaf
    if rest:
        inner = _nest(type(field.schema), rest, leaf, required=required)
        if required:
            inner = {"type": "object", **inner}
    out: dict[str, Any] = {"properties": {key: inner}}
    if required:
        out["required"] = [key]
    return out


def _merge(into: dict, extra: dict) -> None:
    for key, value in extra.items():
        if key == "required":
            into[key] = into.get(key, []) + [k for k in value if k not in into.get(key, [])]
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif key in into and into[key] != value:
            raise ValueError(f"conflicting rules for {key!r}: {into[key]!r} and {value!r}")
        else:
            into[key] = value


@click.command("schema")
@click.argument("path", default=DEFAULT_PATH)
@click.option("--check", is_flag=True, help="Write nothing; fail if PATH is not what would be written.")
def schema_command(path: str, check: bool) -> None:
    """Write the seed file's JSON Schema, generated from the marshmallow schema, to PATH
    (default seed/products.schema.json; - for stdout)."""
    text = render()
    if path == "-":
        sys.stdout.write(text)
    elif check:
        target = Path(path)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"{path} is out of date: run `storefront seed schema {path}`")
        click.echo(f"{path} is up to date.")
    else:
        Path(path).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {path}.")


if __name__ == "__main__":
    schema_command(prog_name="python -m storefront.seeding.json_schema")
