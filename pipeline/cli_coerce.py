"""Typer's option values for the plain types the verbs use, without importing pydantic.

Typer (0.2x) turns every option value into its annotated type through a pydantic
TypeAdapter built on the first use of each parameter: importing pydantic and building the
adapters of one verb's dozen options cost 0.1–0.15 s of a cold `cnpolicy search` that needs
none of it.  ``install()`` wraps typer's ``build_runtime_param`` so that a ``str``, a plain
``int`` (no bounds), a ``bool`` that is one already, a ``Path`` (typer's own path checks still run) or a list of ``str`` is
converted directly; every other annotation, and any value the direct path does not take as
it is (an ``int`` option given ``abc``, a negative number), goes to typer's own coercion, so
errors read exactly as before.  If this typer lays its coercion out differently, nothing is
changed.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin


class _NotPlain(Exception):
    """This value is for typer's own coercion."""


def _leaf(descriptor) -> Any:
    annotation = descriptor.annotation
    if get_origin(annotation) is list:
        args = get_args(annotation)
        return args[0] if len(args) == 1 and args[0] is str else None
    return annotation


def _is_plain(descriptor, routes_to_path) -> bool:
    info = descriptor.parameter_info
    if info.parser is not None or descriptor.is_file or descriptor.is_choice or descriptor.is_tuple:
        return False
    leaf = _leaf(descriptor)
    if leaf is None:
        return False
    if leaf is str or leaf is bool or routes_to_path(leaf, info):
        return True
    return leaf is int and info.min is None and info.max is None and not info.clamp


def _plain(descriptor, leaf, value, param, ctx, coerce_cli_path):
    info = descriptor.parameter_info
    if leaf is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.isascii() and value.isdigit():
            return int(value)
        raise _NotPlain
    if leaf is str or leaf is bool:
        if isinstance(value, leaf):
            return value
        raise _NotPlain
    if not isinstance(value, (str, Path)):  # a path
        raise _NotPlain
    path_type = info.path_type or (leaf if isinstance(leaf, type) and issubclass(leaf, Path) else None)
    if path_type is not None and path_type is not str and path_type is not bytes:
        value = path_type(value)  # what pydantic makes of a str; typer's checks follow
    return coerce_cli_path(value, info, path_type=path_type, param=param, ctx=ctx)


def install() -> bool:
    """Route plain option types around pydantic (once per process); False when this typer's
    internals are not the expected ones (then typer is left as it is)."""
    try:
        import typer.core as core
        from typer._coercion import RuntimeParam
        from typer._param_types import coerce_cli_path, routes_to_path
    except ImportError:
        return False
    original = getattr(core, "build_runtime_param", None)
    if original is None or getattr(original, "cnpolicy_plain", False):
        return original is not None

    @dataclass(frozen=True)
    class PlainRuntimeParam(RuntimeParam):
        descriptor: Any = None

        def _coerce_value(self, value, param, ctx):
            leaf = _leaf(self.descriptor)
            try:
                if get_origin(self.descriptor.annotation) is list:
                    if not isinstance(value, (list, tuple)):
                        raise _NotPlain
                    return [_plain(self.descriptor, leaf, v, param, ctx, coerce_cli_path) for v in value]
                return _plain(self.descriptor, leaf, value, param, ctx, coerce_cli_path)
            except _NotPlain:
                return original(self.descriptor)._coerce_value(value, param=param, ctx=ctx)

    def build_runtime_param(descriptor):
        try:
            plain = _is_plain(descriptor, routes_to_path)
        except Exception:  # a descriptor of another shape: typer's own way
            plain = False
        if not plain:
            return original(descriptor)
        return PlainRuntimeParam(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation,
                                 descriptor=descriptor)

    build_runtime_param.cnpolicy_plain = True
    core.build_runtime_param = build_runtime_param
    return True
