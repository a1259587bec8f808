"""Form templates: YAML files loaded, checked and turned into `Template` objects.

Built-in templates are `templates/*.yaml`; every `--templates DIR` adds its `*.yaml` (a user
template with a built-in's id replaces it). A malformed file raises `TemplateError` naming the
file and the line, so that whoever wrote it can fix it without reading code.
The format is described in docs/templates.md.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

import yaml

from ocr.errors import TemplateError
from ocr.textnorm import nfc
from templates.normalize import TYPES

BUILTIN_DIR = Path(__file__).parent
#: A real template is a few kB with tens of fields; anything far beyond is refused before parsing.
MAX_TEMPLATE_BYTES = 1024 * 1024
MAX_FIELDS = 1000
CHECKS = ("address", "dan_toc", "quoc_tich", "quan_he", "co_quan", "dia_danh")  # lookups: templates/addresses.py, templates/review.py
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class FieldSpec:
    id: str
    labels: list[str]  # the label as printed, and accepted alternative wordings
    type: str = "text"
    section: Optional[str] = None
    check: Optional[str] = None  # "address": province/commune lookup
    multiline: Optional[bool] = None  # None: text fields may continue on following lines
    gender_field: Optional[str] = None  # id12: field whose gender the ID must agree with
    birth_field: Optional[str] = None  # id12: field whose birth date/year the ID must agree with
    older_than: Optional[str] = None  # year/date: field whose date must come later (a child's birth)

    @property
    def label(self) -> str:
        return self.labels[0]

    @property
    def may_continue(self) -> bool:
        return self.multiline if self.multiline is not None else self.type == "text"


@dataclass
class ColumnSpec:
    id: str
    label: str
    type: str = "text"


@dataclass
class TableSpec:
    id: str  # key in Document.extra
    after: str  # heading printed above the table
    columns: list[ColumnSpec]
    stops: list[str] = field(default_factory=list)


@dataclass
class Template:
    id: str
    name: str
    match: list[str] = field(default_factory=list)
    match_regex: list[str] = field(default_factory=list)
    match_barcode: list[str] = field(default_factory=list)
    require: list[str] = field(default_factory=list)
    require_any: list[str] = field(default_factory=list)  # at least one of these must appear
    fields: list[FieldSpec] = field(default_factory=list)
    stops: list[str] = field(default_factory=list)  # printed text that ends a value, not a field
    tables: list[TableSpec] = field(default_factory=list)
    extractor: Optional[str] = None
    path: Optional[Path] = None

    def field(self, field_id: str) -> Optional[FieldSpec]:
        return next((f for f in self.fields if f.id == field_id), None)


# ---------------------------------------------------------------- loading


def load_templates(dirs: Iterable[Path | str] = ()) -> list[Template]:
    """Built-in templates, then those of each directory in `dirs` (later ids replace earlier)."""
    by_id: dict[str, Template] = {}
    for directory in [BUILTIN_DIR, *[Path(d) for d in dirs]]:
        if not directory.is_dir():
            raise TemplateError(f"Không có thư mục mẫu tờ khai: {directory}",
                                f"template directory not found: {directory}", path=str(directory))
        for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
            tpl = load_template(path)
            by_id[tpl.id] = tpl
    return list(by_id.values())


def load_template(path: Path | str) -> Template:
    """The template of a YAML file; a file read before and unchanged since is not parsed again
    (a run understands every document against every template)."""
    path = Path(path)
    try:
        stat = path.stat()
        if stat.st_size > MAX_TEMPLATE_BYTES:
            raise TemplateError(f"Mẫu tờ khai quá lớn ({stat.st_size // 1024} kB, tối đa {MAX_TEMPLATE_BYTES // 1024} kB)",
                                "template file too large", path=str(path))
        return copy.deepcopy(_parsed(str(path), stat.st_mtime_ns, stat.st_size))
    except OSError as exc:
        raise TemplateError(f"Không đọc được mẫu tờ khai: {exc}", "cannot read template", path=str(path)) from None


@lru_cache(maxsize=256)
def _parsed(path: str, _mtime_ns: int, _size: int) -> Template:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"Không đọc được mẫu tờ khai: {exc}", "cannot read template", path=path) from None
    return parse_template(nfc(text), Path(path))


def parse_template(text: str, path: Path | str = "<template>") -> Template:
    """Template from YAML text; TemplateError with `file:line` on any problem."""
    if len(text) > MAX_TEMPLATE_BYTES:
        raise _error(path, None, "Mẫu tờ khai quá lớn", "template too large")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise _error(path, line, f"YAML sai cú pháp: {problem}", f"invalid YAML: {problem}") from None
    finally:
        loader.dispose()
    return _Builder(path, node).build(data)


# libyaml parses in C (a pure-Python parse of a large file takes minutes); same safe constructors
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=512)
def template_regex(pattern: str):
    """A template's regular expression compiled by RE2: linear time on any text, so a pattern
    written for backtracking engines ('(a+)+$') cannot hang a run. Raises `re2.error` for what
    RE2 does not support (back-references, look-around)."""
    import re2

    options = re2.Options()
    options.log_errors = False  # the error is reported with the template's file and line instead
    return re2.compile(pattern, options)


def _error(path, line, vi: str, en: str) -> TemplateError:
    where = f"{path}:{line}" if line else str(path)
    return TemplateError(vi, en, path=where)


class _Builder:
    """Checks the YAML data against the template format, with the node tree at hand for line numbers."""

    def __init__(self, path, root):
        self.path = path
        self.root = root

    def line(self, *keys) -> Optional[int]:
        node = self.root
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == key), node)
                if node is None:
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
            else:
                break
        return node.start_mark.line + 1 if node is not None else None

    def fail(self, keys: tuple, vi: str, en: str):
        raise _error(self.path, self.line(*keys), vi, en)

    def strings(self, value, keys: tuple, what: str) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(keys, f"'{what}' phải là chuỗi hoặc danh sách chuỗi", f"'{what}' must be a string or a list of strings")
        return [nfc(v) for v in value]

    def ident(self, value, keys: tuple, what: str) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            self.fail(keys, f"Thiếu hoặc sai '{what}' (chữ thường, số, dấu _): {value!r}",
                      f"missing or bad '{what}' (lower case letters, digits, _): {value!r}")
        return value

    def build(self, data) -> Template:
        if not isinstance(data, dict):
            self.fail((), "Mẫu tờ khai phải là một bảng khóa: giá trị (id, name, match, fields)",
                      "a template must be a mapping (id, name, match, fields)")
        known = {"id", "name", "match", "match_regex", "match_barcode", "require", "require_any", "fields", "stops",
                 "tables", "extractor", "description", "version"}
        for key in data:
            if key not in known:
                self.fail((key,), f"Khóa không biết: {key}", f"unknown key: {key}")
        tpl_id = self.ident(data.get("id"), ("id",), "id")
        name = data.get("name") or tpl_id
        if not isinstance(name, str):
            self.fail(("name",), "'name' phải là chuỗi", "'name' must be a string")
        match = self.strings(data.get("match"), ("match",), "match")
        regexes = self.strings(data.get("match_regex"), ("match_regex",), "match_regex")
        barcodes = self.strings(data.get("match_barcode"), ("match_barcode",), "match_barcode")
        for key, items in (("match_regex", regexes), ("match_barcode", barcodes)):
            for i, rx in enumerate(items):
                try:
                    template_regex(rx)
                except Exception as exc:  # re2.error carries bytes
                    why = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) \
                        else str(exc)
                    self.fail((key, i), f"Biểu thức chính quy sai hoặc cần quay lui (RE2 không hỗ trợ): {why}",
                              f"bad regular expression, or one needing backtracking (not supported by RE2): {why}")
        if not (match or regexes or barcodes):
            self.fail(("id",), "Mẫu tờ khai cần 'match' (tiêu đề in trên tờ khai)",
                      "a template needs 'match' (the printed title)")
        extractor = data.get("extractor")
        if extractor is not None:
            extractor = self.ident(extractor, ("extractor",), "extractor")
        fields_data = data.get("fields")
        if not isinstance(fields_data, list) or not fields_data:
            self.fail(("fields",), "Mẫu tờ khai cần danh sách 'fields'", "a template needs a 'fields' list")
        if len(fields_data) > MAX_FIELDS:
            self.fail(("fields",), f"Quá nhiều trường ({len(fields_data)}, tối đa {MAX_FIELDS})",
                      f"too many fields ({len(fields_data)}, at most {MAX_FIELDS})")
        fields = [self.field(f, i) for i, f in enumerate(fields_data)]
        ids: set[str] = set()
        for i, f in enumerate(fields):
            if f.id in ids:
                self.fail(("fields", i), f"Trùng id trường: {f.id}", f"duplicate field id: {f.id}")
            ids.add(f.id)
        for i, f in enumerate(fields):
            for ref in (f.gender_field, f.birth_field, f.older_than):
                if ref and ref not in ids:
                    self.fail(("fields", i), f"Trường tham chiếu không có: {ref}", f"referenced field not found: {ref}")
        tables = [self.table(t, i) for i, t in enumerate(data.get("tables") or [])]
        return Template(id=tpl_id, name=nfc(name), match=match, match_regex=regexes, match_barcode=barcodes,
                        require=self.strings(data.get("require"), ("require",), "require"),
                        require_any=self.strings(data.get("require_any"), ("require_any",), "require_any"),
                        fields=fields, stops=self.strings(data.get("stops"), ("stops",), "stops"),
                        tables=tables, extractor=extractor, path=Path(self.path))

    def field(self, f, i: int) -> FieldSpec:
        keys = ("fields", i)
        if not isinstance(f, dict):
            self.fail(keys, "Mỗi trường phải là một bảng (id, label, type)", "each field must be a mapping (id, label, type)")
        known = {"id", "label", "type", "section", "check", "multiline", "gender_field", "birth_field", "older_than",
                 "description"}
        for key in f:
            if key not in known:
                self.fail(keys + (key,), f"Khóa không biết trong trường: {key}", f"unknown field key: {key}")
        fid = self.ident(f.get("id"), keys + ("id",), "id")
        labels = self.strings(f.get("label"), keys + ("label",), "label")
        if not labels:
            self.fail(keys, f"Trường {fid} thiếu 'label'", f"field {fid} has no 'label'")
        ftype = f.get("type", "text")
        if ftype not in TYPES:
            self.fail(keys + ("type",), f"Kiểu trường không biết: {ftype} (dùng: {', '.join(TYPES)})",
                      f"unknown field type: {ftype} (use: {', '.join(TYPES)})")
        check = f.get("check")
        if check is not None and check not in CHECKS:
            self.fail(keys + ("check",), f"Kiểm tra không biết: {check} (dùng: {', '.join(CHECKS)})",
                      f"unknown check: {check}")
        section = f.get("section")
        if section is not None and not isinstance(section, str):
            self.fail(keys + ("section",), "'section' phải là chuỗi", "'section' must be a string")
        multiline = f.get("multiline")
        if multiline is not None and not isinstance(multiline, bool):
            self.fail(keys + ("multiline",), "'multiline' phải là true/false", "'multiline' must be true/false")
        return FieldSpec(id=fid, labels=labels, type=ftype, section=nfc(section) if section else None,
                         check=check, multiline=multiline, gender_field=f.get("gender_field"),
                         birth_field=f.get("birth_field"), older_than=f.get("older_than"))

    def table(self, t, i: int) -> TableSpec:
        keys = ("tables", i)
        if not isinstance(t, dict) or not isinstance(t.get("columns"), list) or not t.get("after"):
            self.fail(keys, "Bảng cần 'id', 'after' và 'columns'", "a table needs 'id', 'after' and 'columns'")
        tid = self.ident(t.get("id"), keys + ("id",), "id")
        cols = []
        for j, c in enumerate(t["columns"]):
            ckeys = keys + ("columns", j)
            if not isinstance(c, dict):
                self.fail(ckeys, "Cột phải là một bảng (id, label)", "a column must be a mapping (id, label)")
            ctype = c.get("type", "text")
            if ctype not in TYPES:
                self.fail(ckeys, f"Kiểu cột không biết: {ctype}", f"unknown column type: {ctype}")
            label = self.strings(c.get("label"), ckeys + ("label",), "label")
            if not label:
                self.fail(ckeys, "Cột thiếu 'label'", "column has no 'label'")
            cols.append(ColumnSpec(id=self.ident(c.get("id"), ckeys + ("id",), "id"), label=label[0], type=ctype))
        return TableSpec(id=tid, after=nfc(t["after"]), columns=cols,
                         stops=self.strings(t.get("stops"), keys + ("stops",), "stops"))
