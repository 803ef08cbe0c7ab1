"""Deconfliction: read the hash sets victim-identification units exchange (Project VIC
VICS JSON, ICSE-style CSV), mark evidence already on a list, skip it unless asked.

Public API: `load_known(paths, category_map=None, process_known=False)` -> KnownHashSet,
`config_extra(set)` for ScanConfig.extra, the pure parsers `parse_vics(bytes)` and
`parse_icse(bytes)` (fuzzable: they raise only KnownHashError), and `known_of(row)` to read
an item's matches back from the store (`split_note` for a note written before store schema 4).
"""
from __future__ import annotations

from .icse import parse_icse
from .known import HashList, KnownHash, KnownHashError, KnownHashSet, Match, message
from .load import (MAX_LIST_BYTES, config_extra, for_config, known_of, load_category_map, load_known, mark_item,
                   note_of, parse_list, sniff_format, split_note)
from .vics import parse_vics

__all__ = ["KnownHash", "KnownHashSet", "KnownHashError", "HashList", "Match", "message", "parse_vics", "parse_icse",
           "parse_list", "sniff_format", "load_known", "load_category_map", "config_extra", "for_config", "mark_item",
           "split_note", "known_of", "note_of", "MAX_LIST_BYTES"]
