"""YAML read with line numbers kept on every mapping and list, so errors can name the line."""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import CodebookError


class YamlMap(dict):
    line: int = 0
    key_lines: dict


class YamlList(list):
    line: int = 0
    item_lines: list


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when the wheel has it: 5-10x faster
    """SafeLoader that keeps line numbers and refuses duplicate keys."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> YamlMap:
    result = YamlMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise CodebookError(f"{loader.name}:{key_node.start_mark.line + 1}: duplicate key {key!r}; "
                                "each key may appear once")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> YamlList:
    result = YamlList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def _refuse_aliases(text: str, name: str) -> None:
    """A codebook writes its lists out: YAML anchors and aliases (&x, *x) are refused before anything
    is built, so a small file cannot unfold into millions of items (the 'billion laughs')."""
    if "*" not in text and "&" not in text:
        return
    try:
        for token in yaml.scan(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
                raise CodebookError(f"{name}:{token.start_mark.line + 1}: YAML anchors and aliases (&name, *name) "
                                    "are not allowed in a codebook; write the list out")
    except yaml.YAMLError:
        return  # reported with its line by the loader below


def load_yaml(text: str, name: str) -> Any:
    _refuse_aliases(text, name)
    loader = _Loader(text)
    loader.name = name
    try:
        return loader.get_single_data()
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f"{name}:{mark.line + 1}" if mark else name
        raise CodebookError(f"{where}: {exc.problem}; tags such as !!python/... are not allowed in a codebook") \
            from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark else name
        problem = getattr(exc, "problem", None) or str(exc)
        raise CodebookError(f"{where}: not valid YAML ({problem}); check indentation and quotes") from None
    finally:
        loader.dispose()
