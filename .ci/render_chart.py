#!/usr/bin/env python3
"""Renders deploy/helm/privfed the way `helm template` would, for CI on machines without helm.

It knows only the subset of Go templates the chart uses, and fails loudly on anything else, so a
template that helm would read differently cannot pass here by accident:
  {{ PIPELINE }}  {{- … -}} (whitespace trimming)  {{ if PIPELINE }} {{ else }} {{ end }}
  {{ range $x := PIPELINE }} … {{ end }}
  PIPELINE: [toYaml] TERM [| FUNC ARG…]…   TERM: .Values.a.b, .Release.Name, .Chart.Name, $x.a, "text", 12
  FUNC: quote, toYaml, nindent N
Usage: render_chart.py CHART_DIR [-f VALUES.yaml]… > rendered.yaml (YAML documents, --- apart).
"""
import argparse
import json
import os
import re
import sys

import yaml

ACTION = re.compile(r"{{(-?)\s*(.*?)\s*(-?)}}", re.S)
RELEASE_NAME = "privfed"


class TemplateError(Exception):
    pass


def merge(base, over):
    """Helm's values merge: maps merge key by key, anything else (lists too) is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = merge(base.get(key), value)
        return out
    return over


def tokens(text, where):
    """Splits a template into literal text and actions, applying {{- and -}} trimming."""
    out, pos, trim_next = [], 0, False
    for m in ACTION.finditer(text):
        literal = text[pos:m.start()]
        if trim_next:
            literal = literal.lstrip()
        if m.group(1):
            literal = literal.rstrip()
        out.append(("text", literal))
        if m.group(2).startswith("/*"):
            raise TemplateError(f"{where}: comments are not supported: {m.group(0)}")
        out.append(("action", m.group(2)))
        pos, trim_next = m.end(), bool(m.group(3))
    rest = text[pos:]
    out.append(("text", rest.lstrip() if trim_next else rest))
    if "{{" in rest or "}}" in rest:
        raise TemplateError(f"{where}: unbalanced braces")
    return out


def parse(toks, where, i=0, closers=()):
    """Builds a tree: ('text', s) | ('expr', s) | ('if', cond, then, else) | ('range', var, expr, body)."""
    nodes = []
    while i < len(toks):
        kind, value = toks[i]
        i += 1
        if kind == "text":
            nodes.append(("text", value))
            continue
        word = value.split(None, 1)[0] if value else ""
        if word in ("end", "else"):
            if word not in closers:
                raise TemplateError(f"{where}: unexpected {{{{ {value} }}}}")
            return nodes, i, word
        if word == "if":
            then, i, closer = parse(toks, where, i, ("else", "end"))
            other = []
            if closer == "else":
                other, i, _ = parse(toks, where, i, ("end",))
            nodes.append(("if", value[2:].strip(), then, other))
        elif word == "range":
            m = re.fullmatch(r"range\s+\$(\w+)\s*:=\s*(.+)", value)
            if not m:
                raise TemplateError(f"{where}: only 'range $x := PIPELINE' is supported: {value}")
            body, i, _ = parse(toks, where, i, ("end",))
            nodes.append(("range", m.group(1), m.group(2), body))
        elif word in ("define", "template", "include", "with", "block", "break", "continue") or ":=" in value:
            raise TemplateError(f"{where}: unsupported action: {{{{ {value} }}}}")
        else:
            nodes.append(("expr", value))
    if closers:
        raise TemplateError(f"{where}: missing {{{{ end }}}}")
    return nodes, i, None


def lookup(root, path, where, source):
    for part in path:
        if not isinstance(root, dict) or part not in root:
            raise TemplateError(f"{where}: {source} is not set")
        root = root[part]
    return root


def term(text, scope, where):
    if re.fullmatch(r'"[^"\\]*"', text):
        return text[1:-1]
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    m = re.fullmatch(r"(\.|\$\w+)((?:\.?\w+)*)", text)
    if not m:
        raise TemplateError(f"{where}: unsupported term: {text}")
    head = m.group(1)
    if head == ".":
        base, path = scope["."], m.group(2).split(".")
    else:
        if head[1:] not in scope:
            raise TemplateError(f"{where}: undefined variable {head}")
        base, path = scope[head[1:]], m.group(2).split(".")[1:]
    return lookup(base, [p for p in path if p], where, text)


def to_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise TemplateError(f"a map or list printed without toYaml: {value!r}")
    return str(value)


def pipeline(text, scope, where):
    stages = [s.strip() for s in text.split("|")]
    first = stages[0].split()
    if len(first) == 2 and first[0] == "toYaml":
        # `toYaml X | …` is `X | toYaml | …`.
        stages[0:1] = [first[1], "toYaml"]
    value = term(stages[0], scope, where)
    for stage in stages[1:]:
        parts = stage.split()
        if parts == ["quote"]:
            value = json.dumps(to_text(value))
        elif parts == ["toYaml"]:
            value = yaml.safe_dump(value, default_flow_style=False, sort_keys=True).rstrip("\n")
        elif len(parts) == 2 and parts[0] == "nindent" and parts[1].isdigit():
            pad = " " * int(parts[1])
            value = "\n" + "\n".join(pad + line if line else line for line in to_text(value).split("\n"))
        else:
            raise TemplateError(f"{where}: unsupported function: {stage}")
    return value


def truthy(value):
    return value not in (None, False, 0, "", [], {})


def render(nodes, scope, where):
    out = []
    for node in nodes:
        if node[0] == "text":
            out.append(node[1])
        elif node[0] == "expr":
            out.append(to_text(pipeline(node[1], scope, where)))
        elif node[0] == "if":
            branch = node[2] if truthy(pipeline(node[1], scope, where)) else node[3]
            out.append(render(branch, scope, where))
        else:
            items = pipeline(node[2], scope, where)
            if not isinstance(items, list):
                raise TemplateError(f"{where}: range over a non-list: {node[2]}")
            for item in items:
                out.append(render(node[3], {**scope, node[1]: item}, where))
    return "".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chart")
    parser.add_argument("-f", "--values", action="append", default=[])
    args = parser.parse_args()
    with open(os.path.join(args.chart, "Chart.yaml")) as f:
        chart = yaml.safe_load(f)
    with open(os.path.join(args.chart, "values.yaml")) as f:
        values = yaml.safe_load(f)
    for path in args.values:
        with open(path) as f:
            values = merge(values, yaml.safe_load(f))
    context = {"Values": values, "Release": {"Name": RELEASE_NAME, "Namespace": "default"},
               "Chart": {"Name": chart["name"], "Version": chart["version"], "AppVersion": chart["appVersion"]}}
    templates = os.path.join(args.chart, "templates")
    documents = []
    for name in sorted(os.listdir(templates)):
        if not name.endswith(".yaml"):
            raise TemplateError(f"{name}: only .yaml templates are supported")
        where = f"templates/{name}"
        with open(os.path.join(templates, name)) as f:
            nodes, _, _ = parse(tokens(f.read(), where), where)
        text = render(nodes, {".": context}, where)
        if not text.strip():
            continue  # a template whose condition is off renders nothing, as helm skips it
        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise TemplateError(f"{where}: rendered text is not YAML: {error}")
        if not isinstance(parsed, dict):
            raise TemplateError(f"{where}: did not render one object")
        documents.append(f"# Source: privfed/{where}\n{text.strip()}\n")
    sys.stdout.write("---\n".join(documents))


if __name__ == "__main__":
    try:
        main()
    except (TemplateError, OSError, yaml.YAMLError) as error:
        sys.exit(f"render_chart: error: {error}")
